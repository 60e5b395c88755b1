// CPU image formation: the functors of include/thon/math/simulate_kernels.hpp over OpenMP threads
// (thon::cpu::parallel_for), batched FFTW transforms in float.
#include <cmath>
#include <vector>

#include "cpu/fft.hpp"
#include "thon/core/array.hpp"
#include "thon/core/error.hpp"
#include "thon/core/parallel.hpp"
#include "thon/math/simulate_kernels.hpp"
#include "thon/math/slice.hpp"  // ByRow
#include "thon/ops/simulate.hpp"

namespace thon::cpu {

using namespace math;  // the functors of simulate_kernels.hpp
using Cf = Complex<float>;

namespace {

/// TransferFunctor by rows. For the common case (untilted, no CTF envelope, ideal detector) the
/// real factor of a row is computed first in a loop of its own (the same math calls as
/// image_transfer_real<float>, without branches, so it vectorises), then applied; otherwise the
/// functor's own row.
struct TransferRows {
  TransferFunctor f;
  void operator()(index_t r) const {
    const ImageFormationSetup& s = f.s;
    const int b = s.box, h = b / 2 + 1;
    const index_t img = r / b;
    const int iy = int(r % b);
    const CtfParams c = f.particles[img].ctf;
    if (s.tilted || !s.apply_ctf || ctf_has_envelope(c) || s.detector.kind != DetectorKind::ideal) {
      f.row(r);
      return;
    }
    thread_local std::vector<float> w;
    w.resize(std::size_t(h));
    float* wp = w.data();
    const float px = float(s.pixel_size_A), scale = float(s.contrast_scale);
    for (int ix = 0; ix < h; ++ix) {
      float kx, ky;
      half_complex_frequency(ix, iy, b, b, px, &kx, &ky);
      const float s2 = kx * kx + ky * ky;
      wp[ix] = scale * ctf_sine_fast(c, kx, ky, s2) * float(centred_to_origin_sign(ix, iy));
    }
    const Cf* sh = f.shifts + img * (h + b);
    const Cf shy = sh[h + iy];
    const index_t i0 = r * h;
    for (int ix = 0; ix < h; ++ix) f.out[i0 + ix] = f.slices[i0 + ix] * (sh[ix] * shy) * wp[ix];
  }
};

}  // namespace

void form_images(const ops::ImageFormationSetup& s, const ops::ImageParticle* particles, std::int64_t n,
                 const Complex<float>* slices, float* images) {
  THON_CHECK(s.box > 0 && s.box % 2 == 0, "form_images: box must be positive and even, got ", s.box);
  if (n <= 0) return;
  const int b = s.box;
  const index_t npix = index_t(b) * b, nhalf = index_t(b / 2 + 1) * b;
  const Shape shape{b, b, 1, int(n)};
  Buffer<Cf> f(n * nhalf), shifts(n * (b / 2 + 1 + b));
  parallel_for(shifts.size(), ShiftTableFunctor{s, particles, shifts.data()});
  if (!s.tilted) {
    parallel_for(n * b, TransferRows{{s, particles, shifts.data(), slices, f.data(), 0}});
    fft_c2r_destructive(f.data(), images, shape);
  } else {
    Buffer<float> strip_images(n * npix);
    for (int strip = s.strip_lo; strip <= s.strip_hi; ++strip) {
      parallel_for(n * b, ByRow<TransferFunctor>{{s, particles, shifts.data(), slices, f.data(), strip}});
      fft_c2r_destructive(f.data(), strip_images.data(), shape);
      parallel_for(n * npix, StripCopyFunctor{s, strip_images.data(), images, strip});
    }
    if (s.detector.kind != DetectorKind::ideal) {
      const auto which = s.noise == ImageNoise::poisson ? DetectorFilter::prefilter : DetectorFilter::mtf;
      fft_r2c(images, f.data(), shape);
      parallel_for(n * nhalf, DetectorFilterFunctor<float>{s.detector, b, b, int(which), f.data()});
      fft_c2r_destructive(f.data(), images, shape);
    }
  }
  if (s.noise == ImageNoise::none) return;
  // Noise acts on the intensity I = 1 - c (noise_kernels.hpp, the functors of ops::detect).
  const index_t first = particles[0].index;
  parallel_for(n * npix, AffineFunctor{1.0f, 1.0f, images});
  if (s.noise == ImageNoise::gaussian) {
    Buffer<float> sigmas(n);
    parallel_for(n, SnrSigmaFunctor{s, images, sigmas.data()});
    parallel_for(n * npix, GaussianNoiseFunctor<float>{s.seed, first, npix, sigmas.data(), images});
    parallel_for(n * npix, AffineFunctor{1.0f, 1.0f, images});
    return;
  }
  const double per_pixel = s.dose_e_per_A2 * s.pixel_size_A * s.pixel_size_A;
  const double dqe0 = detector_dqe(s.detector, 0, 0);
  parallel_for(n * npix, PoissonNoiseFunctor<float>{s.seed, first, npix, per_pixel * dqe0, 1.0 / dqe0, images});
  if (s.detector.kind != DetectorKind::ideal) {
    fft_r2c(images, f.data(), shape);
    parallel_for(n * nhalf, DetectorFilterFunctor<float>{s.detector, b, b, int(DetectorFilter::postfilter), f.data()});
    fft_c2r_destructive(f.data(), images, shape);
  }
  parallel_for(n * npix, AffineFunctor{1.0f, float(1.0 / per_pixel), images});
}

}  // namespace thon::cpu
