// The CUDA Fourier toolkit: cuFFT and the shared functors on the GPU (no CUDA header here). Host pointers: inputs are copied to the device and results back.
// Host-memory entry points; contracts as in include/thon/ops/filter.hpp and ops/fsc.hpp.
#pragma once

#include <cstdint>
#include <vector>

#include "cuda/entry_points.hpp"
#include "thon/core/complex.hpp"
#include "thon/core/vec.hpp"
#include "thon/core/views.hpp"
#include "thon/ops/filter.hpp"

namespace thon::cuda {

/// centred_power_spectrum: out holds shape.size() values. fsc_sums: per-shell sums for shells
/// 0 .. nx/2, sums[3 r + {0,1,2}] = (Re(A B*), |A|^2, |B|^2), counts[r]; fsc_sums_device: the same
/// for two maps already in device memory (default stream, synchronous).
#define THON_CUDA_FILTER_FUNCTIONS(X)                                                                \
  X(void, apply_filter, (float* data, const Shape& shape, double pixel_size_A, const FilterSpec& spec)) \
  X(void, translate, (float* data, const Shape& shape, double pixel_size_A, const Vec3<double>& shift_A)) \
  X(RadialProfile, power_spectrum_profile, (const float* data, const Shape& shape))                 \
  X(RadialProfile, radial_average, (const float* data, const Shape& shape))                         \
  X(ComplexRadialProfile, radial_average, (const Complex<float>* data, const Shape& shape))         \
  X(void, centred_power_spectrum, (const float* data, const Shape& shape, float* out))              \
  X(void, fourier_resize, (const float* in, const Shape& in_shape, float* out, const Shape& out_shape)) \
  X(void, convolve_fft,                                                                             \
    (const float* image, const Shape& image_shape, const float* kernel, const Shape& kernel_shape,  \
     float* out, ConvolveMode mode))                                                                \
  X(void, convolve_direct,                                                                          \
    (const float* image, const Shape& image_shape, const float* kernel, const Shape& kernel_shape,  \
     float* out, ConvolveMode mode))                                                                \
  X(void, fsc_sums_device,                                                                          \
    (const float* d_a, const float* d_b, const Shape& shape, std::vector<double>& sums,             \
     std::vector<std::int64_t>& counts))                                                            \
  X(void, fsc_sums,                                                                                 \
    (const float* a, const float* b, const Shape& shape, std::vector<double>& sums,                 \
     std::vector<std::int64_t>& counts))
THON_CUDA_FILTER_FUNCTIONS(THON_CUDA_DECLARE)

}  // namespace thon::cuda
