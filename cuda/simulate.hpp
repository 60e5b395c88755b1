// Host-callable CUDA image formation (no CUDA header here): cuda/simulate.cu, or the throwing stub
// cuda/no_cuda_simulate.cpp in a build without CUDA.
#pragma once

#include <cstdint>

#include "cuda/entry_points.hpp"
#include "thon/core/complex.hpp"
#include "thon/math/simulate.hpp"

namespace thon::cuda {

/// form_images: same contract as thon::ops::form_images (host pointers in and out; synchronous).
/// form_images_device: the same with the slices already in device memory (d_slices, not
/// modified): only the images are copied (to host memory `images`). Synchronous.
#define THON_CUDA_SIMULATE_FUNCTIONS(X)                                                                  \
  X(void, form_images,                                                                                   \
    (const math::ImageFormationSetup& setup, const math::ImageParticle* particles, std::int64_t n,       \
     const Complex<float>* slices, float* images))                                                       \
  X(void, form_images_device,                                                                            \
    (const math::ImageFormationSetup& setup, const math::ImageParticle* particles, std::int64_t n,       \
     const Complex<float>* d_slices, float* images))
THON_CUDA_SIMULATE_FUNCTIONS(THON_CUDA_DECLARE)

}  // namespace thon::cuda
