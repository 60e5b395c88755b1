// Fourier transforms on every backend, one interface.
//
// Convention (DESIGN.md section 3): forward F(k) = sum_x f(x) exp(-2 pi i k.x), unnormalised;
// inverse f(x) = (1/N) sum_k F(k) exp(+2 pi i k.x), N = nx*ny*nz. r2c output is half-complex along
// x: (nx/2+1) columns, DC at index 0, negative frequencies wrapped (index j >= n/2+1 is j - n).
// Arrays are [batch][z][y][x], x fastest, contiguous. All pointers are host memory; the CUDA backend
// copies to the device and back (device-resident pipelines call thon::cuda directly).
#pragma once

#include "thon/core/complex.hpp"
#include "thon/core/device.hpp"
#include "thon/core/views.hpp"

namespace thon {

enum class FftDirection { forward = -1, inverse = +1 };

namespace ops {

/// Forward real-to-complex transform of shape.batch arrays; `out` holds shape.half_total() values.
void fft_r2c(Device device, const float* in, Complex<float>* out, const Shape& shape);
void fft_r2c(Device device, const double* in, Complex<double>* out, const Shape& shape);

/// Inverse complex-to-real transform, normalised by 1/N. `in` (half_total values) is not modified.
/// The input is taken as Hermitian: the imaginary parts of self-conjugate bins are ignored.
void fft_c2r(Device device, const Complex<float>* in, float* out, const Shape& shape);
void fft_c2r(Device device, const Complex<double>* in, double* out, const Shape& shape);

/// Complex-to-complex transform of shape.batch arrays of shape.size() values; the inverse is
/// normalised by 1/N, the forward is not. In-place (in == out) is allowed.
void fft_c2c(Device device, const Complex<float>* in, Complex<float>* out, const Shape& shape,
             FftDirection direction);
void fft_c2c(Device device, const Complex<double>* in, Complex<double>* out, const Shape& shape,
             FftDirection direction);

}  // namespace ops
}  // namespace thon
