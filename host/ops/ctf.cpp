// Dispatcher of the CTF operations. FFTs: FFTW (host/cpu/fft.hpp) in double for the reference and in
// float for the cpu and cuda devices (the cuda device runs the per-element CTF on the GPU).
#include "thon/ops/ctf.hpp"

#include <cmath>
#include <vector>

#include "cpu/ctf.hpp"
#include "cpu/fft.hpp"
#include "cuda/ctf.hpp"
#include "reference/ctf.hpp"
#include "thon/core/error.hpp"
#include "thon/math/random.hpp"

namespace thon::ops {

namespace {

void check_params(const math::CtfParams* params, int n, int nx, int ny, double pixel_size_A) {
  THON_CHECK(n > 0 && nx > 0 && ny > 0, "CTF: image count and box size must be positive, got n = ", n, ", ", nx,
             " x ", ny);
  THON_CHECK(pixel_size_A > 0 && std::isfinite(pixel_size_A), "CTF: pixel size must be positive, got ",
             pixel_size_A, " Å");
  for (int m = 0; m < n; ++m) {
    const math::CtfParams& p = params[m];
    THON_CHECK(p.voltage_kV > 0, "CTF of image ", m, ": voltage must be positive, got ", p.voltage_kV, " kV");
    THON_CHECK(p.amplitude_contrast >= 0 && p.amplitude_contrast < 1, "CTF of image ", m,
               ": amplitude contrast must be in [0, 1), got ", p.amplitude_contrast);
    THON_CHECK(std::isfinite(p.defocus_u_A) && std::isfinite(p.defocus_v_A) && std::isfinite(p.cs_mm),
               "CTF of image ", m, ": defocus and Cs must be finite");
    THON_CHECK(p.source_alpha_mrad >= 0 && p.focal_spread_A >= 0, "CTF of image ", m,
               ": source angle and focal spread must be >= 0");
    THON_CHECK(p.lambda_A > 0, "CTF of image ", m, ": parameters not prepared (call CtfParams::prepare())");
  }
}

int op_int(CtfOperation op) {
  return op == CtfOperation::multiply ? int(math::CtfOp::multiply)
                                      : (op == CtfOperation::phase_flip ? int(math::CtfOp::phase_flip)
                                                                        : int(math::CtfOp::wiener));
}

// Multiplies float half-complex grids on the cpu or cuda device.
void fourier_float(Device device, Complex<float>* ft, const float* offsets, int n, int nx, int ny, double p,
                   const math::CtfParams* params, int op, double eps) {
  if (device == Device::cuda)
    cuda::ctf_half_complex(params, offsets, n, nx, ny, p, op, eps, ft, nullptr);
  else
    cpu::ctf_half_complex(params, offsets, n, nx, ny, p, op, eps, ft, nullptr);
}

}  // namespace

void ctf_grid(Device device, const math::CtfParams* params, int n, int nx, int ny, double pixel_size_A, float* out) {
  check_params(params, n, nx, ny, pixel_size_A);
  const index_t total = index_t(n) * (nx / 2 + 1) * ny;
  if (device == Device::reference) {
    std::vector<double> v(total);
    ref::ctf_grid(params, nullptr, n, nx, ny, pixel_size_A, v.data());
    for (index_t i = 0; i < total; ++i) out[i] = float(v[i]);
  } else if (device == Device::cuda) {
    cuda::ctf_half_complex(params, nullptr, n, nx, ny, pixel_size_A, 0, 0, nullptr, out);
  } else {
    cpu::ctf_half_complex(params, nullptr, n, nx, ny, pixel_size_A, 0, 0, nullptr, out);
  }
}

void apply_ctf_fourier(Device device, Complex<float>* ft, int n, int nx, int ny, double pixel_size_A,
                       const math::CtfParams* params, CtfOperation op, double wiener_eps) {
  check_params(params, n, nx, ny, pixel_size_A);
  THON_CHECK(op != CtfOperation::wiener || wiener_eps > 0, "Wiener CTF correction: 1/SNR must be > 0, got ", wiener_eps);
  const index_t total = index_t(n) * (nx / 2 + 1) * ny;
  if (device == Device::reference) {
    std::vector<Complex<double>> v(ft, ft + total);
    ref::apply_ctf_fourier(v.data(), params, nullptr, n, nx, ny, pixel_size_A, op_int(op), wiener_eps);
    for (index_t i = 0; i < total; ++i) ft[i] = Complex<float>(v[i]);
    return;
  }
  fourier_float(device, ft, nullptr, n, nx, ny, pixel_size_A, params, op_int(op), wiener_eps);
}

void apply_ctf(Device device, float* images, int n, int nx, int ny, double pixel_size_A,
               const math::CtfParams* params, CtfOperation op, double wiener_eps) {
  check_params(params, n, nx, ny, pixel_size_A);
  THON_CHECK(op != CtfOperation::wiener || wiener_eps > 0, "Wiener CTF correction: 1/SNR must be > 0, got ", wiener_eps);
  const Shape shape{nx, ny, 1, n};
  if (device == Device::reference) {
    std::vector<double> img(images, images + shape.total());
    std::vector<Complex<double>> ft(shape.half_total());
    cpu::fft_r2c(img.data(), ft.data(), shape);
    ref::apply_ctf_fourier(ft.data(), params, nullptr, n, nx, ny, pixel_size_A, op_int(op), wiener_eps);
    cpu::fft_c2r(ft.data(), img.data(), shape);
    for (index_t i = 0; i < shape.total(); ++i) images[i] = float(img[i]);
    return;
  }
  std::vector<Complex<float>> ft(shape.half_total());
  cpu::fft_r2c(images, ft.data(), shape);
  fourier_float(device, ft.data(), nullptr, n, nx, ny, pixel_size_A, params, op_int(op), wiener_eps);
  cpu::fft_c2r_destructive(ft.data(), images, shape);
}

void apply_ctf_tilted(Device device, float* images, int n, int nx, int ny, double pixel_size_A,
                      const math::CtfParams* params, const math::TiltGeometry& tilt, double strip_width_A,
                      CtfOperation op, double wiener_eps) {
  check_params(params, n, nx, ny, pixel_size_A);
  THON_CHECK(tilt.handedness == 1 || tilt.handedness == -1, "tilted CTF: handedness must be +1 or -1, got ",
             tilt.handedness);
  THON_CHECK(std::fabs(tilt.tilt_deg) < 90, "tilted CTF: tilt angle must be in (-90, 90) degrees, got ", tilt.tilt_deg);
  THON_CHECK(op != CtfOperation::wiener || wiener_eps > 0, "Wiener CTF correction: 1/SNR must be > 0, got ", wiener_eps);
  const Shape shape{nx, ny, 1, n};
  const bool reference = device == Device::reference;
  const int iop = op_int(op);

  if (!(strip_width_A > 0)) {  // exact per-pixel evaluation
    if (reference) {
      std::vector<double> img(images, images + shape.total());
      std::vector<Complex<double>> ft(shape.half_total());
      cpu::fft_r2c(img.data(), ft.data(), shape);
      ref::tilted_ctf_exact(ft.data(), params, tilt, n, nx, ny, pixel_size_A, iop, wiener_eps, img.data());
      for (index_t i = 0; i < shape.total(); ++i) images[i] = float(img[i]);
    } else {
      std::vector<Complex<float>> ft(shape.half_total());
      cpu::fft_r2c(images, ft.data(), shape);
      if (device == Device::cuda)
        cuda::tilted_ctf_pixels(ft.data(), params, tilt, n, nx, ny, pixel_size_A, iop, wiener_eps, images);
      else
        cpu::tilted_ctf_pixels(ft.data(), params, tilt, n, nx, ny, pixel_size_A, iop, wiener_eps, images);
    }
    return;
  }

  // Strips parallel to the axis: strip j holds the pixels with round(d_perp / w) == j and is treated
  // with the CTF at d_perp = j w.
  const double w = strip_width_A;
  auto d_perp = [&](int x, int y) {
    return -(x - nx / 2) * pixel_size_A * tilt.axis_sin + (y - ny / 2) * pixel_size_A * tilt.axis_cos;
  };
  int j_lo = 0, j_hi = 0;
  for (int y : {0, ny - 1})
    for (int x : {0, nx - 1}) {
      const int j = int(std::lround(d_perp(x, y) / w));
      j_lo = std::min(j_lo, j);
      j_hi = std::max(j_hi, j);
    }
  std::vector<double> result(shape.total());
  if (reference) {
    std::vector<double> img(images, images + shape.total()), tmp(shape.total());
    std::vector<Complex<double>> ft(shape.half_total()), work(shape.half_total());
    cpu::fft_r2c(img.data(), ft.data(), shape);
    for (int j = j_lo; j <= j_hi; ++j) {
      const double off = tilt.handedness * j * w * tilt.tan_tilt;
      std::vector<double> offsets(n, off);
      work = ft;
      ref::apply_ctf_fourier(work.data(), params, offsets.data(), n, nx, ny, pixel_size_A, iop, wiener_eps);
      cpu::fft_c2r(work.data(), tmp.data(), shape);
      for (int m = 0; m < n; ++m)
        for (int y = 0; y < ny; ++y)
          for (int x = 0; x < nx; ++x)
            if (std::lround(d_perp(x, y) / w) == j) {
              const index_t i = (index_t(m) * ny + y) * nx + x;
              result[i] = tmp[i];
            }
    }
  } else {
    std::vector<float> tmp(shape.total());
    std::vector<Complex<float>> ft(shape.half_total()), work(shape.half_total());
    cpu::fft_r2c(images, ft.data(), shape);
    for (int j = j_lo; j <= j_hi; ++j) {
      const float off = float(tilt.handedness * j * w * tilt.tan_tilt);
      std::vector<float> offsets(n, off);
      work = ft;
      fourier_float(device, work.data(), offsets.data(), n, nx, ny, pixel_size_A, params, iop, wiener_eps);
      cpu::fft_c2r_destructive(work.data(), tmp.data(), shape);
      for (int m = 0; m < n; ++m)
        for (int y = 0; y < ny; ++y)
          for (int x = 0; x < nx; ++x)
            if (std::lround(d_perp(x, y) / w) == j) {
              const index_t i = (index_t(m) * ny + y) * nx + x;
              result[i] = tmp[i];
            }
    }
  }
  for (index_t i = 0; i < shape.total(); ++i) images[i] = float(result[i]);
}

std::vector<math::CtfParams> sample_ctf_params(const math::CtfParams& base, const DefocusRange& range, int n,
                                               std::uint64_t seed, std::int64_t first_image) {
  THON_CHECK(n >= 0, "sample_ctf_params: negative image count ", n);
  THON_CHECK(std::isfinite(range.min_A) && std::isfinite(range.max_A) && range.min_A <= range.max_A,
             "defocus range: minimum ", range.min_A, " Å is greater than maximum ", range.max_A, " Å");
  THON_CHECK(range.astigmatism_max_A >= 0, "defocus range: astigmatism must be >= 0 Å, got ", range.astigmatism_max_A);
  std::vector<math::CtfParams> out(n, base);
  for (int m = 0; m < n; ++m) {
    // Stream ids of the defocus draws are offset far from the pixel streams of ops::add_noise.
    math::RandomStream rng(seed ^ 0x9E3779B97F4A7C15ull, std::uint64_t(first_image + m));
    const double mean = range.min_A + (range.max_A - range.min_A) * rng.uniform();
    const double astig = range.astigmatism_max_A * rng.uniform();
    out[m].defocus_u_A = mean + 0.5 * astig;
    out[m].defocus_v_A = mean - 0.5 * astig;
    out[m].defocus_angle_deg = 180.0 * rng.uniform();
    out[m].prepare();
  }
  return out;
}

}  // namespace thon::ops
