// Direct DFT, one axis at a time: F(k) = sum_j f(j) exp(-+2 pi i j k / n) with the twiddle of
// j k reduced modulo n before the cosine and sine, so every twiddle is exact to double rounding.
#include "reference/fft.hpp"

#include <cmath>
#include <vector>

#include "thon/core/error.hpp"
#include "thon/core/units.hpp"
#include "thon/math/fourier_grid.hpp"

namespace thon::ref {
namespace {

void check_shape(const Shape& s) {
  THON_CHECK(s.nx > 0 && s.ny > 0 && s.nz > 0 && s.batch > 0, "DFT: invalid shape ", s.nx, " x ", s.ny,
             " x ", s.nz, " (batch ", s.batch, ")");
}

/// In-place DFT along one axis of length n with element stride `stride`, for every line of a
/// contiguous nx * ny * nz array. sign = -1 forward, +1 inverse (no normalisation here).
void dft_axis(std::vector<Complex<double>>& a, const Shape& s, int axis, int sign) {
  const int n = axis == 0 ? s.nx : (axis == 1 ? s.ny : s.nz);
  if (n == 1) return;
  const index_t stride = axis == 0 ? 1 : (axis == 1 ? index_t(s.nx) : index_t(s.nx) * s.ny);
  std::vector<Complex<double>> twiddle(n), line(n);
  for (int m = 0; m < n; ++m) twiddle[m] = cis(double(sign) * kTwoPi * double(m) / double(n));
  const index_t total = s.size();
  for (index_t start = 0; start < total; ++start) {
    // `start` is the first element of a line when its coordinate along `axis` is 0.
    if ((start / stride) % n != 0) continue;
    for (int k = 0; k < n; ++k) {
      Complex<double> acc(0, 0);
      for (int j = 0; j < n; ++j) acc += a[start + j * stride] * twiddle[(index_t(j) * k) % n];
      line[k] = acc;
    }
    for (int k = 0; k < n; ++k) a[start + k * stride] = line[k];
  }
}

void dft_full(std::vector<Complex<double>>& a, const Shape& s, int sign) {
  for (int axis = 0; axis < 3; ++axis) dft_axis(a, s, axis, sign);
}

}  // namespace

void dft_r2c(const double* in, Complex<double>* out, const Shape& shape) {
  check_shape(shape);
  Shape one = shape;
  one.batch = 1;
  const int hx = shape.nx / 2 + 1;
  std::vector<Complex<double>> a(one.size());
  for (int b = 0; b < shape.batch; ++b) {
    const double* src = in + b * one.size();
    for (index_t i = 0; i < one.size(); ++i) a[i] = Complex<double>(src[i], 0.0);
    dft_full(a, one, -1);
    Complex<double>* dst = out + b * one.half_size();
    for (index_t r = 0; r < index_t(shape.ny) * shape.nz; ++r)
      for (int x = 0; x < hx; ++x) dst[r * hx + x] = a[r * shape.nx + x];
  }
}

void dft_c2r(const Complex<double>* in, double* out, const Shape& shape) {
  check_shape(shape);
  Shape one = shape;
  one.batch = 1;
  const int nx = shape.nx, ny = shape.ny, nz = shape.nz;
  std::vector<Complex<double>> a(one.size());
  for (int b = 0; b < shape.batch; ++b) {
    const Complex<double>* src = in + b * one.half_size();
    // Rebuild the full spectrum: stored bins as they are, the others as conjugates of their mirrors.
    for (int z = 0; z < nz; ++z)
      for (int y = 0; y < ny; ++y)
        for (int x = 0; x < nx; ++x) {
          const int kx = math::wrapped_frequency(x, nx), ky = math::wrapped_frequency(y, ny),
                    kz = math::wrapped_frequency(z, nz);
          const bool stored = x <= nx / 2;
          a[(index_t(z) * ny + y) * nx + x] =
              stored ? src[math::half_offset(x, ky, kz, nx, ny, nz)]
                     : conj(src[math::half_offset(-kx, -ky, -kz, nx, ny, nz)]);
        }
    dft_full(a, one, +1);
    double* dst = out + b * one.size();
    const double scale = 1.0 / double(one.size());
    for (index_t i = 0; i < one.size(); ++i) dst[i] = a[i].re * scale;
  }
}

void dft_c2c(const Complex<double>* in, Complex<double>* out, const Shape& shape, FftDirection dir) {
  check_shape(shape);
  Shape one = shape;
  one.batch = 1;
  std::vector<Complex<double>> a(one.size());
  const int sign = dir == FftDirection::forward ? -1 : +1;
  for (int b = 0; b < shape.batch; ++b) {
    a.assign(in + b * one.size(), in + (b + 1) * one.size());
    dft_full(a, one, sign);
    const double scale = dir == FftDirection::inverse ? 1.0 / double(one.size()) : 1.0;
    for (index_t i = 0; i < one.size(); ++i) out[b * one.size() + i] = a[i] * scale;
  }
}

}  // namespace thon::ref
