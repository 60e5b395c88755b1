// Dispatcher of the noise and detector operations; detector tables.
#include "thon/ops/noise.hpp"

#include <cmath>
#include <fstream>
#include <sstream>
#include <vector>

#include "cpu/fft.hpp"
#include "cpu/noise.hpp"
#include "cuda/noise.hpp"
#include "thon/core/error.hpp"
#include "thon/ops/detector.hpp"

namespace thon::ops {

namespace {

void check_noise(const NoiseParams& noise, int n, int nx, int ny, double pixel_size_A) {
  THON_CHECK(n > 0 && nx > 0 && ny > 0, "noise: image count and box size must be positive, got n = ", n, ", ", nx,
             " x ", ny);
  THON_CHECK(pixel_size_A > 0 && std::isfinite(pixel_size_A), "noise: pixel size must be positive, got ",
             pixel_size_A, " Å");
  if (noise.kind == NoiseKind::poisson)
    THON_CHECK(noise.dose_e_per_A2 > 0 && std::isfinite(noise.dose_e_per_A2),
               "noise: dose must be positive (e/Å^2), got ", noise.dose_e_per_A2);
  if (noise.kind == NoiseKind::gaussian)
    THON_CHECK(noise.snr > 0 && std::isfinite(noise.snr), "noise: SNR must be positive, got ", noise.snr);
}

void poisson(Device device, float* images, index_t total, index_t npix, index_t first, const NoiseParams& noise,
             double scale, double out_scale) {
  if (device == Device::reference) {
    for (index_t i = 0; i < total; ++i) {  // plain loop over the same per-pixel streams
      const index_t stream = (first + i / npix) * npix + i % npix;
      math::RandomStream rng(noise.seed, std::uint64_t(stream));
      const double mean = scale * std::max(0.0, double(images[i]));
      images[i] = float(math::poisson_sample(rng, mean) * out_scale);
    }
  } else if (device == Device::cuda) {
    cuda::poisson_noise(images, total, npix, first, noise.seed, scale, out_scale);
  } else {
    cpu::poisson_noise(images, total, npix, first, noise.seed, scale, out_scale);
  }
}

void gaussian(Device device, float* images, int n, index_t npix, index_t first, const NoiseParams& noise) {
  std::vector<float> sigma(n);
  for (int m = 0; m < n; ++m) {
    const float* p = images + index_t(m) * npix;
    double s = 0, s2 = 0;
    for (index_t i = 0; i < npix; ++i) {
      s += p[i];
      s2 += double(p[i]) * p[i];
    }
    const double mean = s / npix;
    const double var = std::max(0.0, s2 / npix - mean * mean);
    sigma[m] = float(std::sqrt(var / noise.snr));
  }
  const index_t total = index_t(n) * npix;
  if (device == Device::reference) {
    for (index_t i = 0; i < total; ++i) {
      const index_t m = i / npix;
      math::RandomStream rng(noise.seed, std::uint64_t((first + m) * npix + i % npix));
      images[i] = float(images[i] + double(sigma[m]) * rng.normal());
    }
  } else if (device == Device::cuda) {
    cuda::gaussian_noise(images, total, npix, first, noise.seed, sigma.data());
  } else {
    cpu::gaussian_noise(images, total, npix, first, noise.seed, sigma.data());
  }
}

void filter(Device device, float* images, int n, int nx, int ny, const math::DetectorModel& model,
            math::DetectorFilter which) {
  if (model.kind == math::DetectorKind::ideal) return;
  const Shape shape{nx, ny, 1, n};
  std::vector<Complex<float>> ft(shape.half_total());
  cpu::fft_r2c(images, ft.data(), shape);
  if (device == Device::cuda) cuda::detector_filter(ft.data(), n, nx, ny, model, int(which));
  else cpu::detector_filter(ft.data(), n, nx, ny, model, int(which));  // reference: same per-bin formula
  cpu::fft_c2r_destructive(ft.data(), images, shape);
}

}  // namespace

void add_noise(Device device, float* images, int n, int nx, int ny, double pixel_size_A, const NoiseParams& noise,
               index_t first_image) {
  check_noise(noise, n, nx, ny, pixel_size_A);
  const index_t npix = index_t(nx) * ny;
  if (noise.kind == NoiseKind::poisson)
    poisson(device, images, npix * n, npix, first_image, noise, noise.dose_e_per_A2 * pixel_size_A * pixel_size_A,
            1.0);
  else if (noise.kind == NoiseKind::gaussian)
    gaussian(device, images, n, npix, first_image, noise);
}

math::DetectorModel ideal_detector() { return math::DetectorModel{}; }

math::DetectorModel counting_detector(double dqe0) {
  THON_CHECK(dqe0 > 0 && dqe0 <= 1, "counting detector: DQE(0) must be in (0, 1], got ", dqe0);
  math::DetectorModel d{};
  d.kind = math::DetectorKind::counting;
  d.dqe0 = dqe0;
  return d;
}

namespace {
int read_table(const std::string& path, const char* what, float* f, float* v, double v_min, double v_max) {
  std::ifstream in(path);
  THON_CHECK_CODE(in.good(), io, "detector ", what, " table '", path, "': cannot open");
  std::string line;
  int n = 0, line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    const auto hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    std::istringstream s(line);
    double x, y;
    if (!(s >> x)) {
      std::string rest;
      std::istringstream t(line);
      THON_CHECK(!(t >> rest), path, ":", line_no, ": expected two numbers 'frequency value'");
      continue;
    }
    THON_CHECK(bool(s >> y), path, ":", line_no, ": expected two numbers 'frequency value'");
    THON_CHECK(std::isfinite(x) && std::isfinite(y), path, ":", line_no, ": values must be finite");
    THON_CHECK(x >= 0 && x <= 1, path, ":", line_no, ": frequency must be in [0, 1] (units of Nyquist), got ", x);
    THON_CHECK(n == 0 || x > f[n - 1], path, ":", line_no, ": frequencies must increase, got ", x, " after ", f[n - 1]);
    THON_CHECK(y >= v_min && y <= v_max, path, ":", line_no, ": ", what, " value must be in [", v_min, ", ", v_max,
               "], got ", y);
    THON_CHECK(n < math::kDetectorTableMax, path, ":", line_no, ": more than ", math::kDetectorTableMax, " points");
    f[n] = float(x);
    v[n] = float(y);
    ++n;
  }
  THON_CHECK(n >= 2, path, ": a ", what, " table needs at least two points, got ", n);
  return n;
}
}  // namespace

math::DetectorModel read_detector_tables(const std::string& mtf_path, const std::string& dqe_path) {
  math::DetectorModel d{};
  d.kind = math::DetectorKind::table;
  if (!mtf_path.empty()) d.n_mtf = read_table(mtf_path, "MTF", d.mtf_f, d.mtf_v, 0.0, 1.5);
  if (!dqe_path.empty()) {
    d.n_dqe = read_table(dqe_path, "DQE", d.dqe_f, d.dqe_v, 1e-6, 1.0);
    d.dqe0 = d.dqe_v[0];
  }
  if (!mtf_path.empty()) THON_CHECK(d.mtf_v[0] > 0, mtf_path, ": MTF at the first frequency must be > 0");
  return d;
}

void detect(Device device, float* images, int n, int nx, int ny, double pixel_size_A, const math::DetectorModel& detector,
            const NoiseParams& noise, index_t first_image) {
  check_noise(noise, n, nx, ny, pixel_size_A);
  const index_t npix = index_t(nx) * ny;
  if (noise.kind == NoiseKind::poisson) {
    const double dqe0 = math::detector_dqe(detector, 0, 0);
    THON_CHECK(dqe0 > 0, "detector: DQE(0) must be positive");
    filter(device, images, n, nx, ny, detector, math::DetectorFilter::prefilter);
    poisson(device, images, npix * n, npix, first_image, noise,
            noise.dose_e_per_A2 * pixel_size_A * pixel_size_A * dqe0, 1.0 / dqe0);
    filter(device, images, n, nx, ny, detector, math::DetectorFilter::postfilter);
  } else {
    filter(device, images, n, nx, ny, detector, math::DetectorFilter::mtf);
    if (noise.kind == NoiseKind::gaussian) gaussian(device, images, n, npix, first_image, noise);
  }
}

}  // namespace thon::ops
