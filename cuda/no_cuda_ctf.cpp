#include "cuda/ctf.hpp"
#include "cuda/runtime.hpp"

namespace thon::cuda {

void ctf_half_complex(const math::CtfParams*, const float*, int, int, int, double, int, double, Complex<float>*,
                      float*) {
  no_cuda("ctf_half_complex");
}
void tilted_ctf_pixels(const Complex<float>*, const math::CtfParams*, const math::TiltGeometry&, int, int, int, double,
                       int, double, float*) {
  no_cuda("tilted_ctf_pixels");
}

}  // namespace thon::cuda
