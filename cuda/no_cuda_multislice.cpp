// thon::cuda multislice in a build without CUDA: throws "built without CUDA".
#include "cuda/multislice.hpp"
#include "cuda/runtime.hpp"

namespace thon::cuda {

std::int64_t multislice_images(const ops::SlabAtoms&, const ops::MultisliceSetup&, const math::ImageParticle*, int, float*,
                       Complex<float>*, void (*)(void*, int), void*) {
  no_cuda("multislice_images");
}

}  // namespace thon::cuda
