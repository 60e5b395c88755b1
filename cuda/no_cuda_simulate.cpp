// thon::cuda image formation in a build without CUDA: throws "built without CUDA".
#include "cuda/runtime.hpp"
#include "cuda/simulate.hpp"

namespace thon::cuda {

void form_images(const math::ImageFormationSetup&, const math::ImageParticle*, std::int64_t, const Complex<float>*,
                 float*) {
  no_cuda("form_images");
}
void form_images_device(const math::ImageFormationSetup&, const math::ImageParticle*, std::int64_t,
                        const Complex<float>*, float*) {
  no_cuda("form_images_device");
}

}  // namespace thon::cuda
