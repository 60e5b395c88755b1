// CUDA noise and detector filters (host pointers in and out): the functors of math/noise_kernels.hpp.
// Defined in cuda/noise.cu, or throwing in cuda/no_cuda_noise.cpp. No CUDA headers here.
#pragma once

#include "thon/math/noise_kernels.hpp"

namespace thon::cuda {

void poisson_noise(float* data, index_t n_total, index_t npix, index_t first_image, std::uint64_t seed, double scale,
                   double out_scale);
void gaussian_noise(float* data, index_t n_total, index_t npix, index_t first_image, std::uint64_t seed,
                    const float* sigma);
void detector_filter(Complex<float>* ft, int n, int nx, int ny, const math::DetectorModel& model, int which);

}  // namespace thon::cuda
