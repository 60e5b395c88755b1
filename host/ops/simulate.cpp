// Dispatcher of ops::form_images: reference / cpu / cuda.
#include "thon/ops/simulate.hpp"

#include "cuda/simulate.hpp"
#include "thon/core/error.hpp"

namespace thon::ops {

void form_images(Device device, const ImageFormationSetup& setup, const ImageParticle* particles,
                 std::int64_t n, const Complex<float>* slices, float* images) {
  THON_CHECK(setup.box > 0 && setup.box % 2 == 0, "form_images: box must be positive and even, got ", setup.box);
  THON_CHECK(setup.pixel_size_A > 0, "form_images: pixel size must be positive, got ", setup.pixel_size_A);
  THON_CHECK(!setup.tilted || setup.strip_width_A > 0, "form_images: tilt strip width must be positive, got ",
             setup.strip_width_A);
  THON_CHECK(setup.noise != math::ImageNoise::poisson || setup.dose_e_per_A2 > 0,
             "form_images: dose must be positive, got ", setup.dose_e_per_A2);
  THON_CHECK(setup.noise != math::ImageNoise::gaussian || setup.snr > 0, "form_images: SNR must be positive, got ",
             setup.snr);
  for (std::int64_t i = 1; i < n; ++i)
    THON_CHECK(particles[i].index == particles[0].index + i,
               "form_images: particle indices of a batch must be consecutive (noise streams), got ",
               particles[i - 1].index, " then ", particles[i].index);
  switch (device) {
    case Device::reference: return ref::form_images(setup, particles, n, slices, images);
    case Device::cpu: return cpu::form_images(setup, particles, n, slices, images);
    case Device::cuda: return cuda::form_images(setup, particles, n, slices, images);
  }
  fail(ErrorCode::internal, "form_images: unknown device");
}

}  // namespace thon::ops
