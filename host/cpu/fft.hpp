// The CPU FFT backend: FFTW3 (float and double), threaded, plans cached by shape.
#pragma once

#include "thon/core/complex.hpp"
#include "thon/ops/fft.hpp"

namespace thon::cpu {

/// Same contracts as thon::ops::fft_* (include/thon/ops/fft.hpp). Thread-safe: plans are created
/// under a lock and executed with FFTW's new-array interface. Called from inside an OpenMP parallel
/// region, a transform runs on the calling thread only.
void fft_r2c(const float* in, Complex<float>* out, const Shape& shape);
void fft_r2c(const double* in, Complex<double>* out, const Shape& shape);
void fft_c2r(const Complex<float>* in, float* out, const Shape& shape);
void fft_c2r(const Complex<double>* in, double* out, const Shape& shape);
void fft_c2c(const Complex<float>* in, Complex<float>* out, const Shape& shape, FftDirection dir);
void fft_c2c(const Complex<double>* in, Complex<double>* out, const Shape& shape, FftDirection dir);

/// Like fft_c2r, but may overwrite `in` (saves the copy FFTW's multi-dimensional c2r needs).
void fft_c2r_destructive(Complex<float>* in, float* out, const Shape& shape);
void fft_c2r_destructive(Complex<double>* in, double* out, const Shape& shape);

/// Like fft_c2c but without the 1/N of the inverse (callers fold it into a later pass). In place allowed.
void fft_c2c_unnormalised(Complex<float>* in, Complex<float>* out, const Shape& shape, FftDirection dir);

/// Number of plans in the cache (for tests and benchmarks).
int fft_plan_cache_size();

}  // namespace thon::cpu
