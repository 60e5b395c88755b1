// The CUDA FFT backend: cuFFT, batched plans cached by (type, shape, batch). No CUDA header here.
// Contracts of thon::ops::fft_* (include/thon/ops/fft.hpp): forward unnormalised, inverse 1/N
// (applied by a scaling pass after cuFFT, which does not normalise), r2c half-complex along x.
#pragma once

#include "cuda/entry_points.hpp"
#include "thon/core/complex.hpp"
#include "thon/ops/fft.hpp"

namespace thon::cuda {

// Host pointers (fft_r2c, fft_c2r, fft_c2c): copy to the device, transform, copy back
// (synchronous). Inputs are not modified.
// Device pointers (*_device), enqueued on `stream` (a cudaStream_t; nullptr = the default stream),
// not synchronised. d_in of r2c is not modified. c2r OVERWRITES d_in (cuFFT's multi-dimensional
// c2r uses it as scratch) and normalises by 1/N. c2c may be in place (d_in == d_out).
// fft_plan_cache_size: number of cuFFT plans in the cache (for tests and benchmarks).
#define THON_CUDA_FFT_FUNCTIONS(X)                                                                    \
  X(void, fft_r2c, (const float* in, Complex<float>* out, const Shape& shape))                       \
  X(void, fft_r2c, (const double* in, Complex<double>* out, const Shape& shape))                     \
  X(void, fft_c2r, (const Complex<float>* in, float* out, const Shape& shape))                       \
  X(void, fft_c2r, (const Complex<double>* in, double* out, const Shape& shape))                     \
  X(void, fft_c2c, (const Complex<float>* in, Complex<float>* out, const Shape& shape, FftDirection dir)) \
  X(void, fft_c2c, (const Complex<double>* in, Complex<double>* out, const Shape& shape, FftDirection dir)) \
  X(void, fft_r2c_device, (const float* d_in, Complex<float>* d_out, const Shape& shape, void* stream))    \
  X(void, fft_r2c_device, (const double* d_in, Complex<double>* d_out, const Shape& shape, void* stream))  \
  X(void, fft_c2r_device, (Complex<float>* d_in, float* d_out, const Shape& shape, void* stream))         \
  X(void, fft_c2r_device, (Complex<double>* d_in, double* d_out, const Shape& shape, void* stream))       \
  X(void, fft_c2c_device,                                                                             \
    (Complex<float>* d_in, Complex<float>* d_out, const Shape& shape, FftDirection dir, void* stream))  \
  X(void, fft_c2c_device,                                                                             \
    (Complex<double>* d_in, Complex<double>* d_out, const Shape& shape, FftDirection dir, void* stream)) \
  X(int, fft_plan_cache_size, ())
THON_CUDA_FFT_FUNCTIONS(THON_CUDA_DECLARE)

/// The device transforms on the default stream.
template <class T>
void fft_r2c_device(const T* d_in, Complex<T>* d_out, const Shape& shape) {
  fft_r2c_device(d_in, d_out, shape, nullptr);
}
template <class T>
void fft_c2r_device(Complex<T>* d_in, T* d_out, const Shape& shape) {
  fft_c2r_device(d_in, d_out, shape, nullptr);
}
template <class T>
void fft_c2c_device(Complex<T>* d_in, Complex<T>* d_out, const Shape& shape, FftDirection dir) {
  fft_c2c_device(d_in, d_out, shape, dir, nullptr);
}

}  // namespace thon::cuda
