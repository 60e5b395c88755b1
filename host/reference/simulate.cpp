// Reference image formation: double precision, one image at a time, plain loops in the order of the
// model (include/thon/math/simulate.hpp). From the centred slice to the image through the projector's
// own ops::centred_fourier_to_images, and the detector and noise through ops::detect, both on the
// reference device: the fast paths fuse these steps, and the simulate tests compare the two.
#include <cmath>
#include <vector>

#include "thon/core/error.hpp"
#include "thon/ops/ctf.hpp"
#include "thon/ops/detector.hpp"
#include "thon/ops/project.hpp"
#include "thon/ops/simulate.hpp"

namespace thon::ref {

namespace {

using Cd = Complex<double>;

/// Noise-free contrast c(x) of one particle without the detector (box x box doubles).
void contrast_image(const ops::ImageFormationSetup& s, const ops::ImageParticle& p, const Complex<float>* slice,
                    std::vector<double>& out) {
  const int b = s.box, h = b / 2 + 1;
  std::vector<Cd> f(std::size_t(h) * b);
  // Untilted: scale, CTF and origin shift in one product. Tilted: scale and shift here, then the
  // tilted CTF by ops::apply_ctf_tilted (the same strips, on the real image).
  ops::ImageFormationSetup no_ctf = s;
  no_ctf.apply_ctf = !s.tilted && s.apply_ctf;
  for (int iy = 0; iy < b; ++iy)
    for (int ix = 0; ix < h; ++ix) {
      const index_t i = index_t(iy) * h + ix;
      f[i] = Cd(slice[i]) * math::image_transfer<double>(no_ctf, p, ix, iy, 0.0, false);
    }
  ops::centred_fourier_to_images(Device::reference, f.data(), b, 1, out.data());
  if (!s.tilted) return;
  std::vector<float> image(out.begin(), out.end());
  ops::apply_ctf_tilted(Device::reference, image.data(), 1, b, b, s.pixel_size_A, &p.ctf, s.tilt, s.strip_width_A);
  for (std::size_t i = 0; i < image.size(); ++i) out[i] = image[i];
}

}  // namespace

void form_images(const ops::ImageFormationSetup& s, const ops::ImageParticle* particles, std::int64_t n,
                 const Complex<float>* slices, float* images) {
  THON_CHECK(s.box > 0 && s.box % 2 == 0, "form_images: box must be positive and even, got ", s.box);
  const int b = s.box, h = b / 2 + 1;
  const index_t npix = index_t(b) * b, nhalf = index_t(h) * b;
  std::vector<double> c(npix);
  for (std::int64_t i = 0; i < n; ++i) {
    const ops::ImageParticle& p = particles[i];
    contrast_image(s, p, slices + i * nhalf, c);
    float* out = images + i * npix;
    if (s.noise == math::ImageNoise::none && s.detector.kind == math::DetectorKind::ideal) {
      for (index_t j = 0; j < npix; ++j) out[j] = float(c[j]);
      continue;
    }
    // The physical intensity I = 1 - c through the detector chain, then back to 1 - I.
    for (index_t j = 0; j < npix; ++j) out[j] = float(1.0 - c[j]);
    ops::NoiseParams noise;
    noise.kind = s.noise == math::ImageNoise::poisson
                     ? ops::NoiseKind::poisson
                     : (s.noise == math::ImageNoise::gaussian ? ops::NoiseKind::gaussian : ops::NoiseKind::none);
    noise.dose_e_per_A2 = s.dose_e_per_A2;
    noise.snr = s.snr;
    noise.seed = s.seed;
    ops::detect(Device::reference, out, 1, b, b, s.pixel_size_A, s.detector, noise, p.index);
    // Poisson: the chain returns counts N' (mean dose p^2 I); otherwise intensities.
    const double per_pixel = s.noise == math::ImageNoise::poisson ? s.dose_e_per_A2 * s.pixel_size_A * s.pixel_size_A : 1.0;
    for (index_t j = 0; j < npix; ++j) out[j] = float(1.0 - double(out[j]) / per_pixel);
  }
}

}  // namespace thon::ref
