// Reference image formation: double precision, one image at a time, plain loops in the order of
// the model (include/thon/math/simulate.hpp). The inverse transforms are FFTW's double precision.
#include <cmath>
#include <vector>

#include "cpu/fft.hpp"
#include "thon/core/error.hpp"
#include "thon/ops/simulate.hpp"

namespace thon::ref {

namespace {

using Cd = Complex<double>;

/// Noise-free contrast c(x) of one particle (box x box doubles).
void contrast_image(const ops::ImageFormationSetup& s, const ops::ImageParticle& p, const Complex<float>* slice,
                    std::vector<double>& out) {
  const int b = s.box, h = b / 2 + 1;
  const Shape shape{b, b, 1, 1};
  std::vector<Cd> f(std::size_t(h) * b);
  std::vector<double> strip_image(std::size_t(b) * b);
  const int n_strips = s.tilted ? s.tilt_strips : 1;
  for (int strip = 0; strip < n_strips; ++strip) {
    const double offset = s.tilted ? math::tilt_strip_offset_A<double>(s, strip) : 0.0;
    for (int iy = 0; iy < b; ++iy)
      for (int ix = 0; ix < h; ++ix) {
        const index_t i = index_t(iy) * h + ix;
        f[i] = Cd(slice[i]) * math::image_transfer<double>(s, p, ix, iy, offset);
      }
    cpu::fft_c2r(f.data(), strip_image.data(), shape);
    for (int y = 0; y < b; ++y)
      for (int x = 0; x < b; ++x)
        if (!s.tilted || math::tilt_strip_of_pixel<double>(s, x, y) == strip)
          out[std::size_t(y) * b + x] = strip_image[std::size_t(y) * b + x];
  }
}

}  // namespace

void form_images(const ops::ImageFormationSetup& s, const ops::ImageParticle* particles, std::int64_t n,
                 const Complex<float>* slices, float* images) {
  THON_CHECK(s.box > 0 && s.box % 2 == 0, "form_images: box must be positive and even, got ", s.box);
  const int b = s.box, h = b / 2 + 1;
  const index_t npix = index_t(b) * b, nhalf = index_t(h) * b;
  std::vector<double> c(npix);
  std::vector<Cd> f(nhalf);
  for (std::int64_t i = 0; i < n; ++i) {
    const ops::ImageParticle& p = particles[i];
    contrast_image(s, p, slices + i * nhalf, c);
    float* out = images + i * npix;
    switch (s.noise) {
      case ops::NoiseKind::none:
        for (index_t j = 0; j < npix; ++j) out[j] = float(c[j]);
        break;
      case ops::NoiseKind::gaussian: {
        double sum = 0, sum2 = 0;
        for (index_t j = 0; j < npix; ++j) sum += c[j];
        const double mean = sum / double(npix);
        for (index_t j = 0; j < npix; ++j) sum2 += (c[j] - mean) * (c[j] - mean);
        const double sigma = std::sqrt(sum2 / double(npix) / s.snr);
        for (index_t j = 0; j < npix; ++j) out[j] = float(math::gaussian_pixel<double>(s, p.index, j, c[j], sigma));
        break;
      }
      case ops::NoiseKind::poisson: {
        for (index_t j = 0; j < npix; ++j) c[j] = math::poisson_pixel<double>(s, p.index, j, c[j]);
        if (s.detector.kind != math::DetectorKind::ideal) {
          const Shape shape{b, b, 1, 1};
          cpu::fft_r2c(c.data(), f.data(), shape);
          for (int iy = 0; iy < b; ++iy)
            for (int ix = 0; ix < h; ++ix) f[index_t(iy) * h + ix] *= math::image_noise_postfilter<double>(s, ix, iy);
          cpu::fft_c2r(f.data(), c.data(), shape);
        }
        for (index_t j = 0; j < npix; ++j) out[j] = float(c[j]);
        break;
      }
    }
  }
}

}  // namespace thon::ref
