// Dispatcher of include/thon/ops/filter.hpp: reference (double), cpu, cuda.
#include "thon/ops/filter.hpp"

#include <cmath>
#include <vector>

#include "cpu/filter.hpp"
#include "cuda/filter.hpp"
#include "common/filter.hpp"
#include "reference/filter.hpp"
#include "thon/core/error.hpp"

namespace thon {

double edge_width_per_A(double width_px, int box, double pixel_size_A) {
  THON_CHECK(box > 0 && pixel_size_A > 0, "edge width: box ", box, " and pixel size ", pixel_size_A,
             " must be positive");
  THON_CHECK(width_px >= 0, "edge width must be >= 0 Fourier pixels, got ", width_px);
  return width_px / (double(box) * pixel_size_A);
}

FilterSpec make_lowpass(double resolution_A, double width_per_A) {
  THON_CHECK(resolution_A > 0 && std::isfinite(resolution_A), "low-pass resolution must be positive, got ",
             resolution_A, " Å");
  FilterSpec f;
  f.kind = FilterKind::lowpass;
  f.high_cut_per_A = 1.0 / resolution_A;
  f.edge_width_per_A = width_per_A;
  return f;
}

FilterSpec make_highpass(double resolution_A, double width_per_A) {
  THON_CHECK(resolution_A > 0 && std::isfinite(resolution_A), "high-pass resolution must be positive, got ",
             resolution_A, " Å");
  FilterSpec f;
  f.kind = FilterKind::highpass;
  f.low_cut_per_A = 1.0 / resolution_A;
  f.edge_width_per_A = width_per_A;
  return f;
}

FilterSpec make_bandpass(double coarse_A, double fine_A, double width_per_A) {
  THON_CHECK(fine_A > 0 && coarse_A > fine_A, "band-pass: need coarse > fine > 0 Å, got ", coarse_A, " and ",
             fine_A);
  FilterSpec f;
  f.kind = FilterKind::bandpass;
  f.low_cut_per_A = 1.0 / coarse_A;
  f.high_cut_per_A = 1.0 / fine_A;
  f.edge_width_per_A = width_per_A;
  return f;
}

FilterSpec make_gaussian(double sigma_per_A) {
  THON_CHECK(sigma_per_A > 0, "Gaussian filter: sigma must be positive, got ", sigma_per_A, " 1/Å");
  FilterSpec f;
  f.kind = FilterKind::gaussian;
  f.sigma_per_A = sigma_per_A;
  return f;
}

FilterSpec make_bfactor(double bfactor_A2) {
  THON_CHECK(std::isfinite(bfactor_A2), "B-factor must be finite");
  FilterSpec f;
  f.kind = FilterKind::bfactor;
  f.bfactor_A2 = bfactor_A2;
  return f;
}

namespace ops {
namespace {

std::vector<double> to_double(const float* p, index_t n) { return std::vector<double>(p, p + n); }
void to_float(const std::vector<double>& v, float* out) {
  for (std::size_t i = 0; i < v.size(); ++i) out[i] = float(v[i]);
}
[[noreturn]] void unknown_device(const char* what) { fail(ErrorCode::internal, what, ": unknown device"); }

}  // namespace

void apply_filter(Device device, float* data, const Shape& shape, double pixel_size_A, const FilterSpec& spec) {
  switch (device) {
    case Device::reference: {
      auto d = to_double(data, shape.total());
      ref::apply_filter(d.data(), shape, pixel_size_A, spec);
      to_float(d, data);
      return;
    }
    case Device::cpu: cpu::apply_filter(data, shape, pixel_size_A, spec); return;
    case Device::cuda: cuda::apply_filter(data, shape, pixel_size_A, spec); return;
  }
  unknown_device("apply_filter");
}

void apply_filter(Device device, Image<float>& image, const FilterSpec& spec) {
  apply_filter(device, image.data(), image.shape(), image.pixel_size_A(), spec);
}
void apply_filter(Device device, ImageStack<float>& stack, const FilterSpec& spec) {
  apply_filter(device, stack.data(), stack.shape(), stack.pixel_size_A(), spec);
}
void apply_filter(Device device, Volume<float>& volume, const FilterSpec& spec) {
  apply_filter(device, volume.data(), volume.shape(), volume.pixel_size_A(), spec);
}

void translate(Device device, float* data, const Shape& shape, double pixel_size_A, const Vec3<double>& shift_A) {
  switch (device) {
    case Device::reference: {
      auto d = to_double(data, shape.total());
      ref::translate(d.data(), shape, pixel_size_A, shift_A);
      to_float(d, data);
      return;
    }
    case Device::cpu: cpu::translate(data, shape, pixel_size_A, shift_A); return;
    case Device::cuda: cuda::translate(data, shape, pixel_size_A, shift_A); return;
  }
  unknown_device("translate");
}

RadialProfile power_spectrum_profile(Device device, const float* data, const Shape& shape) {
  switch (device) {
    case Device::reference: {
      const auto d = to_double(data, shape.total());
      return ref::power_spectrum_profile(d.data(), shape);
    }
    case Device::cpu: return cpu::power_spectrum_profile(data, shape);
    case Device::cuda: return cuda::power_spectrum_profile(data, shape);
  }
  unknown_device("power_spectrum_profile");
}

RadialProfile radial_average(Device device, const float* data, const Shape& shape) {
  switch (device) {
    case Device::reference: {
      const auto d = to_double(data, shape.total());
      return ref::radial_average(d.data(), shape);
    }
    case Device::cpu: return cpu::radial_average(data, shape);
    case Device::cuda: return cuda::radial_average(data, shape);
  }
  unknown_device("radial_average");
}

ComplexRadialProfile radial_average(Device device, const Complex<float>* data, const Shape& shape) {
  switch (device) {
    case Device::reference: {
      std::vector<Complex<double>> d(static_cast<std::size_t>(shape.total()));
      for (index_t i = 0; i < shape.total(); ++i) d[i] = Complex<double>(data[i]);
      return ref::radial_average(d.data(), shape);
    }
    case Device::cpu: return cpu::radial_average(data, shape);
    case Device::cuda: return cuda::radial_average(data, shape);
  }
  unknown_device("radial_average");
}

std::vector<float> centred_power_spectrum(Device device, const float* data, const Shape& shape) {
  std::vector<float> out(static_cast<std::size_t>(shape.size()));
  switch (device) {
    case Device::reference: {
      const auto d = to_double(data, shape.total());
      std::vector<double> o(out.size());
      ref::centred_power_spectrum(d.data(), shape, o.data());
      to_float(o, out.data());
      return out;
    }
    case Device::cpu: cpu::centred_power_spectrum(data, shape, out.data()); return out;
    case Device::cuda: cuda::centred_power_spectrum(data, shape, out.data()); return out;
  }
  unknown_device("centred_power_spectrum");
}

void fourier_resize(Device device, const float* in, const Shape& in_shape, float* out, const Shape& out_shape) {
  switch (device) {
    case Device::reference: {
      const auto d = to_double(in, in_shape.total());
      std::vector<double> o(static_cast<std::size_t>(out_shape.total()));
      ref::fourier_resize(d.data(), in_shape, o.data(), out_shape);
      to_float(o, out);
      return;
    }
    case Device::cpu: cpu::fourier_resize(in, in_shape, out, out_shape); return;
    case Device::cuda: cuda::fourier_resize(in, in_shape, out, out_shape); return;
  }
  unknown_device("fourier_resize");
}

Image<float> fourier_resize(Device device, const Image<float>& image, int nx, int ny) {
  Image<float> out(nx, ny, image.pixel_size_A() * double(image.nx()) / double(nx));
  fourier_resize(device, image.data(), image.shape(), out.data(), out.shape());
  return out;
}

Volume<float> fourier_resize(Device device, const Volume<float>& volume, int nx, int ny, int nz) {
  Volume<float> out(nx, ny, nz, volume.pixel_size_A() * double(volume.nx()) / double(nx));
  fourier_resize(device, volume.data(), volume.shape(), out.data(), out.shape());
  return out;
}

Shape convolution_shape(const Shape& image, const Shape& kernel, ConvolveMode mode) {
  detail::check_convolution(image, kernel);
  return mode == ConvolveMode::full ? detail::full_convolution_shape(image, kernel)
                                    : Shape{image.nx, image.ny, image.nz, 1};
}

void convolve_fft(Device device, const float* image, const Shape& is, const float* kernel, const Shape& ks,
                  float* out, ConvolveMode mode) {
  switch (device) {
    case Device::reference: {
      const auto di = to_double(image, is.total()), dk = to_double(kernel, ks.total());
      std::vector<double> o(static_cast<std::size_t>(convolution_shape(is, ks, mode).total()));
      ref::convolve_fft(di.data(), is, dk.data(), ks, o.data(), mode);
      to_float(o, out);
      return;
    }
    case Device::cpu: cpu::convolve_fft(image, is, kernel, ks, out, mode); return;
    case Device::cuda: cuda::convolve_fft(image, is, kernel, ks, out, mode); return;
  }
  unknown_device("convolve_fft");
}

void convolve_direct(Device device, const float* image, const Shape& is, const float* kernel, const Shape& ks,
                     float* out, ConvolveMode mode) {
  switch (device) {
    case Device::reference: {
      const auto di = to_double(image, is.total()), dk = to_double(kernel, ks.total());
      std::vector<double> o(static_cast<std::size_t>(convolution_shape(is, ks, mode).total()));
      ref::convolve_direct(di.data(), is, dk.data(), ks, o.data(), mode);
      to_float(o, out);
      return;
    }
    case Device::cpu: cpu::convolve_direct(image, is, kernel, ks, out, mode); return;
    case Device::cuda: cuda::convolve_direct(image, is, kernel, ks, out, mode); return;
  }
  unknown_device("convolve_direct");
}

}  // namespace ops
}  // namespace thon
