// Dispatcher of ops::form_images: reference / cpu / cuda; and the exact per-pixel tilted CTF, which
// every backend does through ops::apply_ctf_tilted and ops::detect.
#include "thon/ops/simulate.hpp"

#include <vector>

#include "cuda/simulate.hpp"
#include "thon/core/error.hpp"
#include "thon/ops/ctf.hpp"
#include "thon/ops/detector.hpp"
#include "thon/ops/project.hpp"

namespace thon::ops {

namespace {

/// Tilted specimen with the exact per-pixel defocus (strip_width_A <= 0): the contrast without CTF
/// and detector, then ops::apply_ctf_tilted per pixel (O(box^2) per pixel: small boxes), then the
/// detector and noise by ops::detect on the intensity 1 - c, written back as 1 - I (1 - N'/(D p^2)).
void form_images_tilted_per_pixel(Device device, const ImageFormationSetup& setup, const ImageParticle* particles,
                                  std::int64_t n, const Complex<float>* slices, float* images) {
  ImageFormationSetup plain = setup;
  plain.tilted = false;
  plain.apply_ctf = false;
  plain.noise = math::ImageNoise::none;
  plain.detector = ideal_detector();
  form_images(device, plain, particles, n, slices, images);
  std::vector<math::CtfParams> ctf(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) ctf[std::size_t(i)] = particles[i].ctf;
  const int b = setup.box;
  apply_ctf_tilted(device, images, int(n), b, b, setup.pixel_size_A, ctf.data(), setup.tilt, 0.0);
  if (setup.noise == math::ImageNoise::none && setup.detector.kind == math::DetectorKind::ideal) return;
  const index_t total = index_t(n) * b * b;
  for (index_t i = 0; i < total; ++i) images[i] = 1.0f - images[i];
  NoiseParams noise;
  noise.kind = setup.noise == math::ImageNoise::poisson
                   ? NoiseKind::poisson
                   : (setup.noise == math::ImageNoise::gaussian ? NoiseKind::gaussian : NoiseKind::none);
  noise.dose_e_per_A2 = setup.dose_e_per_A2;
  noise.snr = setup.snr;
  noise.seed = setup.seed;
  detect(device, images, int(n), b, b, setup.pixel_size_A, setup.detector, noise, particles[0].index);
  const double per_pixel =
      setup.noise == math::ImageNoise::poisson ? setup.dose_e_per_A2 * setup.pixel_size_A * setup.pixel_size_A : 1.0;
  for (index_t i = 0; i < total; ++i) images[i] = float(1.0 - double(images[i]) / per_pixel);
}

}  // namespace

void form_images(Device device, const ImageFormationSetup& setup, const ImageParticle* particles,
                 std::int64_t n, const Complex<float>* slices, float* images) {
  THON_CHECK(setup.box > 0 && setup.box % 2 == 0, "form_images: box must be positive and even, got ", setup.box);
  THON_CHECK(setup.pixel_size_A > 0, "form_images: pixel size must be positive, got ", setup.pixel_size_A);
  THON_CHECK(setup.noise != math::ImageNoise::poisson || setup.dose_e_per_A2 > 0,
             "form_images: dose must be positive, got ", setup.dose_e_per_A2);
  THON_CHECK(setup.noise != math::ImageNoise::gaussian || setup.snr > 0, "form_images: SNR must be positive, got ",
             setup.snr);
  for (std::int64_t i = 1; i < n; ++i)
    THON_CHECK(particles[i].index == particles[0].index + i,
               "form_images: particle indices of a batch must be consecutive (noise streams), got ",
               particles[i - 1].index, " then ", particles[i].index);
  if (n <= 0) return;
  if (setup.tilted && !(setup.strip_width_A > 0))
    return form_images_tilted_per_pixel(device, setup, particles, n, slices, images);
  switch (device) {
    case Device::reference: return ref::form_images(setup, particles, n, slices, images);
    case Device::cpu: return cpu::form_images(setup, particles, n, slices, images);
    case Device::cuda: return cuda::form_images(setup, particles, n, slices, images);
  }
  fail(ErrorCode::internal, "form_images: unknown device");
}

void project_and_form_images(const FourierProjector<float>& projector, const ImageFormationSetup& setup,
                             const Mat3<double>* poses, const ImageParticle* particles, std::int64_t n,
                             Complex<float>* slices_scratch, float* images) {
  if (n <= 0) return;
  const bool per_pixel_tilt = setup.tilted && !(setup.strip_width_A > 0);
  if (projector.device() == Device::cuda && !per_pixel_tilt) {
    THON_CHECK(projector.params().box == setup.box, "form_images: projector box ", projector.params().box,
               " differs from the image box ", setup.box);
    for (std::int64_t i = 1; i < n; ++i)
      THON_CHECK(particles[i].index == particles[0].index + i,
                 "form_images: particle indices of a batch must be consecutive (noise streams), got ",
                 particles[i - 1].index, " then ", particles[i].index);
    Buffer<Complex<float>, Memory::device> d_slices(index_t(n) * projector.params().slice_size());
    projector.project_device(poses, n, d_slices.data());
    cuda::form_images_device(setup, particles, n, d_slices.data(), images);
    return;
  }
  projector.project(poses, n, slices_scratch);
  form_images(projector.device(), setup, particles, n, slices_scratch, images);
}

}  // namespace thon::ops
