// Dispatcher of include/thon/ops/fft.hpp: reference (direct DFT in double), cpu (FFTW), cuda (cuFFT).
#include "thon/ops/fft.hpp"

#include <vector>

#include "cpu/fft.hpp"
#include "cuda/fft.hpp"
#include "reference/fft.hpp"
#include "thon/core/error.hpp"

namespace thon::ops {
namespace {

std::vector<double> to_double(const float* p, index_t n) { return std::vector<double>(p, p + n); }
std::vector<Complex<double>> to_double(const Complex<float>* p, index_t n) {
  std::vector<Complex<double>> v(static_cast<std::size_t>(n));
  for (index_t i = 0; i < n; ++i) v[i] = Complex<double>(p[i]);
  return v;
}

void check_shape(const Shape& s, const char* what) {
  THON_CHECK(s.nx > 0 && s.ny > 0 && s.nz > 0 && s.batch > 0, what, ": invalid shape ", s.nx, " x ", s.ny,
             " x ", s.nz, " (batch ", s.batch, ")");
}

}  // namespace

void fft_r2c(Device device, const float* in, Complex<float>* out, const Shape& shape) {
  check_shape(shape, "fft_r2c");
  switch (device) {
    case Device::reference: {
      const auto din = to_double(in, shape.total());
      std::vector<Complex<double>> dout(static_cast<std::size_t>(shape.half_total()));
      ref::dft_r2c(din.data(), dout.data(), shape);
      for (index_t i = 0; i < shape.half_total(); ++i) out[i] = Complex<float>(dout[i]);
      return;
    }
    case Device::cpu: cpu::fft_r2c(in, out, shape); return;
    case Device::cuda: cuda::fft_r2c(in, out, shape); return;
  }
  fail(ErrorCode::internal, "fft_r2c: unknown device");
}

void fft_r2c(Device device, const double* in, Complex<double>* out, const Shape& shape) {
  check_shape(shape, "fft_r2c");
  switch (device) {
    case Device::reference: ref::dft_r2c(in, out, shape); return;
    case Device::cpu: cpu::fft_r2c(in, out, shape); return;
    case Device::cuda: cuda::fft_r2c(in, out, shape); return;
  }
  fail(ErrorCode::internal, "fft_r2c: unknown device");
}

void fft_c2r(Device device, const Complex<float>* in, float* out, const Shape& shape) {
  check_shape(shape, "fft_c2r");
  switch (device) {
    case Device::reference: {
      const auto din = to_double(in, shape.half_total());
      std::vector<double> dout(static_cast<std::size_t>(shape.total()));
      ref::dft_c2r(din.data(), dout.data(), shape);
      for (index_t i = 0; i < shape.total(); ++i) out[i] = float(dout[i]);
      return;
    }
    case Device::cpu: cpu::fft_c2r(in, out, shape); return;
    case Device::cuda: cuda::fft_c2r(in, out, shape); return;
  }
  fail(ErrorCode::internal, "fft_c2r: unknown device");
}

void fft_c2r(Device device, const Complex<double>* in, double* out, const Shape& shape) {
  check_shape(shape, "fft_c2r");
  switch (device) {
    case Device::reference: ref::dft_c2r(in, out, shape); return;
    case Device::cpu: cpu::fft_c2r(in, out, shape); return;
    case Device::cuda: cuda::fft_c2r(in, out, shape); return;
  }
  fail(ErrorCode::internal, "fft_c2r: unknown device");
}

void fft_c2c(Device device, const Complex<float>* in, Complex<float>* out, const Shape& shape,
             FftDirection direction) {
  check_shape(shape, "fft_c2c");
  switch (device) {
    case Device::reference: {
      auto d = to_double(in, shape.total());
      ref::dft_c2c(d.data(), d.data(), shape, direction);
      for (index_t i = 0; i < shape.total(); ++i) out[i] = Complex<float>(d[i]);
      return;
    }
    case Device::cpu: cpu::fft_c2c(in, out, shape, direction); return;
    case Device::cuda: cuda::fft_c2c(in, out, shape, direction); return;
  }
  fail(ErrorCode::internal, "fft_c2c: unknown device");
}

void fft_c2c(Device device, const Complex<double>* in, Complex<double>* out, const Shape& shape,
             FftDirection direction) {
  check_shape(shape, "fft_c2c");
  switch (device) {
    case Device::reference: ref::dft_c2c(in, out, shape, direction); return;
    case Device::cpu: cpu::fft_c2c(in, out, shape, direction); return;
    case Device::cuda: cuda::fft_c2c(in, out, shape, direction); return;
  }
  fail(ErrorCode::internal, "fft_c2c: unknown device");
}

}  // namespace thon::ops
