// CUDA noise and detector filters (host pointers in and out): the functors of math/noise_kernels.hpp.
// Defined in cuda/noise.cu, or throwing in cuda/no_cuda_noise.cpp. No CUDA headers here.
#pragma once

#include "cuda/entry_points.hpp"
#include "thon/math/noise_kernels.hpp"

namespace thon::cuda {

#define THON_CUDA_NOISE_FUNCTIONS(X)                                                                     \
  X(void, poisson_noise,                                                                                 \
    (float* data, index_t n_total, index_t npix, index_t first_image, std::uint64_t seed, double scale,  \
     double out_scale))                                                                                  \
  X(void, gaussian_noise,                                                                                \
    (float* data, index_t n_total, index_t npix, index_t first_image, std::uint64_t seed, const float* sigma)) \
  X(void, detector_filter, (Complex<float>* ft, int n, int nx, int ny, const math::DetectorModel& model, int which))
THON_CUDA_NOISE_FUNCTIONS(THON_CUDA_DECLARE)

}  // namespace thon::cuda
