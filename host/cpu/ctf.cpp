#include "cpu/ctf.hpp"

#include "thon/core/parallel.hpp"

namespace thon::cpu {

void ctf_half_complex(const math::CtfParams* params, const float* defocus_offset_A, int n, int nx, int ny,
                      double pixel_size_A, int op, double wiener_eps, Complex<float>* ft, float* ctf_out) {
  const math::CtfHalfComplexFunctor<float> f{params, defocus_offset_A, nx, ny, float(pixel_size_A), op,
                                             float(wiener_eps), ft, ctf_out};
  parallel_for(index_t(n) * (nx / 2 + 1) * ny, f);
}

void tilted_ctf_pixels(const Complex<float>* ft, const math::CtfParams* params, const math::TiltGeometry& tilt, int n,
                       int nx, int ny, double pixel_size_A, int op, double wiener_eps, float* out) {
  const math::TiltedCtfPixelFunctor<float> f{params, tilt, nx, ny, float(pixel_size_A), op, float(wiener_eps), ft, out};
  parallel_for(index_t(n) * nx * ny, f);
}

}  // namespace thon::cpu
