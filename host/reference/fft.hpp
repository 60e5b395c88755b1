// The reference Fourier transform: a direct DFT in double precision, written for reading.
// Same contracts as thon::ops::fft_* (include/thon/ops/fft.hpp): forward unnormalised,
// inverse 1/N, r2c half-complex along x, batches stacked. O(N sum(n_axis)): for tests only.
#pragma once

#include "thon/core/complex.hpp"
#include "thon/ops/fft.hpp"

namespace thon::ref {

void dft_r2c(const double* in, Complex<double>* out, const Shape& shape);
/// The half-complex input is taken as Hermitian (the real part of the full inverse is returned).
void dft_c2r(const Complex<double>* in, double* out, const Shape& shape);
/// In-place (in == out) allowed.
void dft_c2c(const Complex<double>* in, Complex<double>* out, const Shape& shape, FftDirection dir);

}  // namespace thon::ref
