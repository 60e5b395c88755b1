// CUDA image formation: the functors of include/thon/math/simulate_kernels.hpp on the GPU
// (thon::cuda::policy), batched cuFFT c2r / r2c in float (plans cached, cuda/fft.cu); slices in host or
// device memory, images back to the host; synchronous.
#include "cuda/check.cuh"
#include "cuda/fft.hpp"
#include "cuda/parallel.cuh"
#include "cuda/simulate.hpp"
#include "thon/core/array.hpp"
#include "thon/core/stages.hpp"
#include "thon/math/simulate_kernels.hpp"

namespace thon::cuda {

using Cf = Complex<float>;

void form_images_device(const math::ImageFormationSetup& s, const math::ImageParticle* particles, std::int64_t n,
                        const Complex<float>* d_slices, float* images) {
  THON_CHECK(s.box > 0 && s.box % 2 == 0, "form_images: box must be positive and even, got ", s.box);
  if (n <= 0) return;
  const int b = s.box;
  const index_t npix = index_t(b) * b, nhalf = index_t(b / 2 + 1) * b;
  const Shape shape{b, b, 1, int(n)};  // cuFFT plans cached by shape (cuda/fft.cu): made once per batch size

  Buffer<math::ImageParticle, Memory::device> d_particles(n);
  Buffer<Cf, Memory::device> d_f(n * nhalf);
  Buffer<float, Memory::device> d_images(n * npix);
  memory::copy(d_particles.data(), Memory::device, particles, Memory::host, d_particles.bytes());

  Buffer<Cf, Memory::device> d_shifts(n * (b / 2 + 1 + b));
  parallel_for(policy(), d_shifts.size(), math::ShiftTableFunctor{s, d_particles.data(), d_shifts.data()});
  THON_CUDA_LAUNCH_CHECK();
  auto* d_im = d_images.data();
  auto* d_fp = d_f.data();
  if (!s.tilted) {
    parallel_for(policy(), n * nhalf, math::TransferFunctor{s, d_particles.data(), d_shifts.data(), d_slices, d_fp, 0});
    THON_CUDA_LAUNCH_CHECK();
    fft_c2r_device(d_fp, d_im, shape);
  } else {
    Buffer<float, Memory::device> d_strip(n * npix);
    auto* d_st = d_strip.data();
    for (int strip = s.strip_lo; strip <= s.strip_hi; ++strip) {
      parallel_for(policy(), n * nhalf, math::TransferFunctor{s, d_particles.data(), d_shifts.data(), d_slices, d_fp, strip});
      THON_CUDA_LAUNCH_CHECK();
      fft_c2r_device(d_fp, d_st, shape);
      parallel_for(policy(), n * npix, math::StripCopyFunctor{s, d_st, d_im, strip});
      THON_CUDA_LAUNCH_CHECK();
    }
    if (s.detector.kind != math::DetectorKind::ideal) {
      const auto which = s.noise == math::ImageNoise::poisson ? math::DetectorFilter::prefilter : math::DetectorFilter::mtf;
      fft_r2c_device(d_im, d_fp, shape);
      parallel_for(policy(), n * nhalf, math::DetectorFilterFunctor<float>{s.detector, b, b, int(which), d_fp});
      THON_CUDA_LAUNCH_CHECK();
      fft_c2r_device(d_fp, d_im, shape);
    }
  }
  if (s.noise != math::ImageNoise::none) {
    // Noise acts on the intensity I = 1 - c (noise_kernels.hpp, the functors of ops::detect).
    const index_t first = particles[0].index;
    parallel_for(policy(), n * npix, math::AffineFunctor{1.0f, 1.0f, d_im});
    if (s.noise == math::ImageNoise::gaussian) {
      Buffer<float, Memory::device> d_sigmas(n);
      parallel_for(policy(), n, math::SnrSigmaFunctor{s, d_im, d_sigmas.data()});
      parallel_for(policy(), n * npix, math::GaussianNoiseFunctor<float>{s.seed, first, npix, d_sigmas.data(), d_im});
      parallel_for(policy(), n * npix, math::AffineFunctor{1.0f, 1.0f, d_im});
      THON_CUDA_LAUNCH_CHECK();
    } else {
      const double per_pixel = s.dose_e_per_A2 * s.pixel_size_A * s.pixel_size_A;
      const double dqe0 = math::detector_dqe(s.detector, 0, 0);
      parallel_for(policy(), n * npix,
                   math::PoissonNoiseFunctor<float>{s.seed, first, npix, per_pixel * dqe0, 1.0 / dqe0, d_im});
      THON_CUDA_LAUNCH_CHECK();
      if (s.detector.kind != math::DetectorKind::ideal) {
        fft_r2c_device(d_im, d_fp, shape);
        parallel_for(policy(), n * nhalf,
                     math::DetectorFilterFunctor<float>{s.detector, b, b, int(math::DetectorFilter::postfilter), d_fp});
        THON_CUDA_LAUNCH_CHECK();
        fft_c2r_device(d_fp, d_im, shape);
      }
      parallel_for(policy(), n * npix, math::AffineFunctor{1.0f, float(1.0 / per_pixel), d_im});
      THON_CUDA_LAUNCH_CHECK();
    }
  }
  THON_CUDA_CHECK(cudaDeviceSynchronize());
  memory::copy(images, Memory::host, d_im, Memory::device, std::size_t(n * npix) * sizeof(float));
  stage_record("simulate.form", StageSite::device, d_particles.bytes(), std::uint64_t(n * npix) * sizeof(float));
}

void form_images(const math::ImageFormationSetup& s, const math::ImageParticle* particles, std::int64_t n,
                 const Complex<float>* slices, float* images) {
  THON_CHECK(s.box > 0 && s.box % 2 == 0, "form_images: box must be positive and even, got ", s.box);
  if (n <= 0) return;
  Buffer<Cf, Memory::device> d_slices(n * index_t(s.box / 2 + 1) * s.box);
  memory::copy(d_slices.data(), Memory::device, slices, Memory::host, d_slices.bytes());
  stage_bytes("simulate.form", d_slices.bytes(), 0);
  form_images_device(s, particles, n, d_slices.data(), images);
}

}  // namespace thon::cuda
