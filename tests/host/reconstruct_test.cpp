// Fourier-inversion reconstruction against independent oracles: a Gaussian-blob phantom whose
// projections are known in closed form; a band-limited delta function of known amplitude (the
// gridding correction); the CPU backend (FFTW, float, OpenMP, private or atomic accumulators)
// against the double-precision reference (direct DFTs).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "cpu/fft.hpp"
#include "cpu/reconstruct.hpp"
#include "reconstruct_fixtures.hpp"
#include "test_util.hpp"
#include "pipeline/reconstruct.hpp"
#include "thon/io/mrc.hpp"
#include "thon/ops/fsc.hpp"
#include "thon/ops/reconstruct.hpp"

namespace thon {
namespace {

using math::Interp;

struct Dataset {
  int n = 0;
  std::vector<float> images;
  std::vector<ops::InsertPose> poses;
};

/// `count` noise-free projections of the blobs at uniform random poses and random shifts (+-2 px),
/// alternating half-sets.
Dataset blob_dataset(const std::vector<test::Blob>& blobs, int n, int count, std::uint32_t seed) {
  Dataset d;
  d.n = n;
  d.images.resize(std::size_t(count) * n * n);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> shift(-2, 2);
  for (int i = 0; i < count; ++i) {
    ops::InsertPose p;
    p.A = test::random_rotation(rng);
    p.shift_x_px = shift(rng);
    p.shift_y_px = shift(rng);
    p.half = i % 2;
    test::render_projection(blobs, p.A, p.shift_x_px, p.shift_y_px, n, d.images.data() + std::size_t(i) * n * n);
    d.poses.push_back(p);
  }
  return d;
}

Volume<float> reconstruct_full(Device device, const Dataset& d, const ops::ReconstructGeometry& g,
                               int batch = 64) {
  auto ins = ops::make_fourier_inserter(device, g);
  for (int first = 0; first < int(d.poses.size()); first += batch) {
    const int count = std::min(batch, int(d.poses.size()) - first);
    ins->insert(d.images.data() + std::size_t(first) * d.n * d.n, nullptr, d.poses.data() + first, count);
  }
  ops::FourierAccumulator a0 = ins->accumulator(0), a1 = ins->accumulator(1);
  ops::complete_hermitian_plane(a0);
  ops::complete_hermitian_plane(a1);
  return ops::invert(device == Device::reference ? Device::reference : Device::cpu, {&a0, &a1}, g, {});
}

// Noise-free projections of the phantom at 600 uniform poses reconstruct it, for every kernel and
// padding. Tolerance 5e-2 (issue 6) inside a sphere of radius 0.4 n; measured values printed.
TEST(Reconstruct, BlobPhantomFromNoiseFreeProjectionsEveryKernelAndPadding) {
  const int n = 32;
  const auto blobs = test::make_blobs(6, 7.0, 101);
  const Volume<float> truth = test::render_volume(blobs, n);
  const Dataset d = blob_dataset(blobs, n, 600, 202);
  for (bool pad_images : {false, true})
    for (Interp k : {Interp::nearest, Interp::linear, Interp::cubic})
      for (int pad : {1, 2, 3}) {
        if (pad_images && pad == 1) continue;  // same as unpadded
        if (!pad_images && pad > 1 && (pad == 3 || k == Interp::cubic)) continue;  // rejected
        ops::ReconstructGeometry g;
        g.box = n;
        g.pad = pad;
        g.kernel = k;
        g.pad_images = pad_images;
        const Volume<float> map = reconstruct_full(Device::cpu, d, g);
        ASSERT_TRUE(test::finite_and_nonzero(map.data(), map.size()));
        const double err = test::rel_l2_in_sphere(map, truth, 0.4 * n);
        std::printf("blob phantom, box %d, 600 images: kernel %-7s pad %d pad_images %d  rel L2 = %.4f\n", n,
                    to_string(k), pad, int(pad_images), err);
        // Without oversampling (pad 1), or with unpadded nearest-neighbour images at pad 2, the
        // samples are as sparse as the grid: interpolation error ~ 0.06-0.08 measured; bound 0.1.
        const bool sparse = pad == 1 || (!pad_images && k == Interp::nearest);
        EXPECT_LT(err, sparse ? 1e-1 : 5e-2) << to_string(k) << " pad " << pad << " pad_images " << pad_images;
      }
}

// A point (a delta smoothed by a Gaussian of sigma = 1 px, so that its projections are compact and
// its spectrum G(k) = exp(-2 pi^2 sigma^2 |k|^2) has dropped to 0.007 at Nyquist): after the division
// the map's peak is (1/n_pad^3) sum of G over the inserted sphere of the padded grid. At the centre
// the gridding correction is 1: the peak checks the scale (2 %). Off centre, at (9, -7, 6) px, the
// kernel's averaging of the phase ramp lowers the peak by H(9/64) H(7/64) H(6/64) (0.87 for linear);
// the correction must bring it back to the centre's peak (2 %).
constexpr double kPointSigma = 1.0;
double point_spectrum(double k2_cycles_per_px) { return std::exp(-2 * M_PI * M_PI * kPointSigma * kPointSigma * k2_cycles_per_px); }

Volume<float> reconstruct_delta(const ops::ReconstructGeometry& g, const Vec3<double>& d0, int count) {
  const int n = g.box, hx = n / 2 + 1;
  std::mt19937 rng(5);
  auto ins = ops::make_fourier_inserter(Device::cpu, g);
  std::vector<Complex<float>> spec(std::size_t(n) * hx);
  std::vector<float> images(std::size_t(count) * n * n);
  std::vector<ops::InsertPose> poses(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    ops::InsertPose& p = poses[std::size_t(i)];
    p.A = test::random_rotation(rng);
    p.half = i % 2;
    const Vec3<double> q = p.A * d0;
    // Image: inverse DFT of G(k) exp(-2 pi i k.(A d0)_xy / n), the point at its projected position
    // (centre index n/2); the Nyquist row and column are left out (no Hermitian mate).
    for (int iy = 0; iy < n; ++iy)
      for (int kx = 0; kx < hx; ++kx) {
        const int ky = iy < n / 2 ? iy : iy - n;
        const bool inside = kx < n / 2 && ky > -n / 2;
        const double ph = -2 * M_PI * (kx * (q.x + n / 2) + ky * (q.y + n / 2)) / n;
        const double a = point_spectrum(double(kx * kx + ky * ky) / (n * n));
        spec[std::size_t(iy) * hx + kx] =
            inside ? Complex<float>(float(a * std::cos(ph)), float(a * std::sin(ph))) : Complex<float>();
      }
    cpu::fft_c2r(spec.data(), images.data() + std::size_t(i) * n * n, Shape{n, n, 1, 1});
  }
  ins->insert(images.data(), nullptr, poses.data(), count);
  ops::FourierAccumulator a0 = ins->accumulator(0), a1 = ins->accumulator(1);
  ops::complete_hermitian_plane(a0);
  ops::complete_hermitian_plane(a1);
  return ops::invert(Device::cpu, {&a0, &a1}, g, {});
}

TEST(Reconstruct, DeltaFunctionHasTheRightAmplitudeWithGriddingCorrection) {
  const int n = 32, count = 300;
  const Vec3<double> d0{9, -7, 6};
  for (Interp k : {Interp::linear, Interp::cubic, Interp::nearest}) {
    ops::ReconstructGeometry g;
    g.box = n;
    g.pad = 2;
    g.kernel = k;
    g.pad_images = ops::default_pad_images(k, g.pad);
    const Volume<float> centred = reconstruct_delta(g, Vec3<double>{0, 0, 0}, count);
    const Volume<float> shifted = reconstruct_delta(g, d0, count);
    ASSERT_TRUE(test::finite_and_nonzero(shifted.data(), shifted.size()));
    const int np = g.pad * n, rp = g.pad * (n / 2);
    double inside = 0;
    for (int z = -rp; z <= rp; ++z)
      for (int y = -rp; y <= rp; ++y)
        for (int x = -rp; x <= rp; ++x)
          if (x * x + y * y + z * z < rp * rp) inside += point_spectrum(double(x * x + y * y + z * z) / (np * np));
    const double expected = inside / (double(np) * np * np);
    const double centre = centred(n / 2, n / 2, n / 2);
    const double peak = shifted(n / 2 + int(d0.z), n / 2 + int(d0.y), n / 2 + int(d0.x));
    const double uncorrected = peak * math::gridding_correction(k, d0.x, d0.y, d0.z, np);
    std::printf("delta, kernel %-7s pad 2 pad_images %d: centre %.4f (expected %.4f); at (9,-7,6) %.4f, "
                "without correction %.4f\n",
                to_string(k), int(g.pad_images), centre, expected, peak, uncorrected);
    EXPECT_NEAR(centre / expected, 1.0, 0.02) << to_string(k);
    EXPECT_NEAR(peak / centre, 1.0, 0.02) << to_string(k);
  }
}

/// Random images, CTFs and poses for backend comparisons.
struct RandomBatch {
  int n = 16, count = 24;
  std::vector<float> images, ctf;
  std::vector<ops::InsertPose> poses;
  explicit RandomBatch(std::uint32_t seed, int box = 16) : n(box) {
    images = test::random_vector(std::int64_t(count) * n * n, seed);
    // enough CTF values for images padded up to 3 n (pad_images)
    ctf = test::random_vector(std::int64_t(count) * 3 * n * (3 * n / 2 + 1), seed + 1);
    std::mt19937 rng(seed + 2);
    std::uniform_real_distribution<double> shift(-3, 3);
    for (int i = 0; i < count; ++i) {
      ops::InsertPose p;
      p.A = test::random_rotation(rng);
      p.shift_x_px = shift(rng);
      p.shift_y_px = shift(rng);
      p.half = (i * 7) % 3 == 0 ? 1 : 0;
      poses.push_back(p);
    }
  }
};

std::vector<Mat3<double>> c2_operators() {
  Mat3<double> r = Mat3<double>::identity();
  r.m[0][0] = -1, r.m[1][1] = -1;  // 2-fold about z
  return {Mat3<double>::identity(), r};
}

// CPU (float FFTW + OpenMP) against the reference (double, direct DFT): float rounding of the FFT
// (~log2(n) eps) and of the sums gives ~1e-6; tolerance 1e-5.
TEST(Reconstruct, CpuInsertionMatchesReferenceEveryKernel) {
  const RandomBatch b(11);
  for (Interp k : {Interp::nearest, Interp::linear, Interp::cubic}) {
    ops::ReconstructGeometry g;
    g.box = b.n;
    g.pad = 2;
    g.kernel = k;
    g.pad_images = k == Interp::cubic;
    g.pixel_size_A = 1.5;
    g.maxres_A = 4.0;  // r_max = round(16 * 1.5 / 4) = 6
    auto ref = ops::make_fourier_inserter(Device::reference, g, c2_operators());
    auto cpu = ops::make_fourier_inserter(Device::cpu, g, c2_operators());
    ref->insert(b.images.data(), b.ctf.data(), b.poses.data(), b.count);
    cpu->insert(b.images.data(), b.ctf.data(), b.poses.data(), 10);
    cpu->insert(b.images.data() + 10 * b.n * b.n, b.ctf.data() + 10 * g.insert_geometry().image_half_size(),
                b.poses.data() + 10, b.count - 10);
    for (int h = 0; h < 2; ++h) {
      const auto r = ref->accumulator(h), c = cpu->accumulator(h);
      ASSERT_TRUE(test::finite_and_nonzero(c.data.data(), c.data.size()));
      ASSERT_TRUE(test::finite_and_nonzero(c.weight.data(), c.weight.size()));
      EXPECT_LT(test::rel_l2(c.data.data(), r.data.data(), r.data.size()), 1e-5) << to_string(k);
      EXPECT_LT(test::rel_l2(c.weight.data(), r.weight.data(), r.weight.size()), 1e-5) << to_string(k);
      EXPECT_EQ(c.n_images, r.n_images);
    }
  }
}

// The CPU's fused preparation (CTF by math::ctf_value_fast inside the same pass) against the
// reference inserter fed the tabulated CTF (FourierInserter::insert_ctf's default: ctf_value in
// float). The CTF values differ by at most 3e-5 (FastSin.CtfValueFastMatchesDoubleCtf) and by
// ~1e-6 rms, on values of rms ~0.7; the sums are linear (data) and quadratic (weights) in them,
// plus the 1e-6 of the FFT: measured 1-4e-6, tolerance 2e-5. Astigmatism, a phase shift, a
// B-factor and the whole box to Nyquist at 1 Å.
TEST(Reconstruct, CpuFusedCtfPreparationMatchesReference) {
  const RandomBatch b(17, 32);
  std::vector<math::CtfParams> ctf(static_cast<std::size_t>(b.count));
  for (int i = 0; i < b.count; ++i) {
    math::CtfParams& c = ctf[std::size_t(i)];
    c.defocus_u_A = 9000 + 700 * i;
    c.defocus_v_A = c.defocus_u_A - 40 * (i % 5);
    c.defocus_angle_deg = 11 * i;
    c.phase_shift_deg = i % 3 == 0 ? 30 : 0;
    c.b_factor_A2 = i % 4 == 0 ? 50 : 0;
    c.prepare();
  }
  for (Interp k : {Interp::linear, Interp::cubic}) {
    ops::ReconstructGeometry g;
    g.box = b.n;
    g.kernel = k;
    g.pad_images = k == Interp::cubic;
    g.pixel_size_A = 1.0;
    auto ref = ops::make_fourier_inserter(Device::reference, g);
    auto cpu = ops::make_fourier_inserter(Device::cpu, g);
    ref->insert_ctf(b.images.data(), ctf.data(), b.poses.data(), b.count);
    cpu->insert_ctf(b.images.data(), ctf.data(), b.poses.data(), b.count);
    for (int h = 0; h < 2; ++h) {
      const auto r = ref->accumulator(h), c = cpu->accumulator(h);
      ASSERT_TRUE(test::finite_and_nonzero(c.data.data(), c.data.size()));
      ASSERT_TRUE(test::finite_and_nonzero(c.weight.data(), c.weight.size()));
      const double ed = test::rel_l2(c.data.data(), r.data.data(), r.data.size());
      const double ew = test::rel_l2(c.weight.data(), r.weight.data(), r.weight.size());
      EXPECT_LT(ed, 2e-5) << to_string(k);
      EXPECT_LT(ew, 2e-5) << to_string(k);
      std::printf("fused CTF, %s, half %d: rel L2 data %.2e, weight %.2e\n", to_string(k), h, ed, ew);
    }
  }
}

// The CPU's gather by slab when the padded grid's plane count gives an odd number of chunks
// (box 20, pad 2: 40 planes in 5 chunks of 8, the last one wrapping onto the first), against the
// reference: 1e-5 as above.
TEST(Reconstruct, CpuSlabInsertionOddChunkCountMatchesReference) {
  const RandomBatch b(13, 20);
  for (Interp k : {Interp::linear, Interp::cubic}) {
    ops::ReconstructGeometry g;
    g.box = b.n;
    g.pad = 2;
    g.kernel = k;
    g.pad_images = k == Interp::cubic;  // cubic: samples 1 voxel apart, some mirrored across x = 0
    auto ref = ops::make_fourier_inserter(Device::reference, g);
    auto cpu = ops::make_fourier_inserter(Device::cpu, g);
    ASSERT_TRUE(cpu::last_inserter_used_private_accumulators());
    ref->insert(b.images.data(), b.ctf.data(), b.poses.data(), b.count);
    cpu->insert(b.images.data(), b.ctf.data(), b.poses.data(), b.count);
    for (int h = 0; h < 2; ++h) {
      const auto r = ref->accumulator(h), c = cpu->accumulator(h);
      ASSERT_TRUE(test::finite_and_nonzero(c.data.data(), c.data.size()));
      EXPECT_LT(test::rel_l2(c.data.data(), r.data.data(), r.data.size()), 1e-5) << to_string(k);
      EXPECT_LT(test::rel_l2(c.weight.data(), r.weight.data(), r.weight.size()), 1e-5) << to_string(k);
    }
  }
}

// The lock-free slab path and the shared atomic accumulators hold the same sums (summation
// order only: 1e-6).
TEST(Reconstruct, CpuPrivateAndAtomicAccumulatorsAgree) {
  const RandomBatch b(21);
  ops::ReconstructGeometry g;
  g.box = b.n;
  const std::size_t half_bytes = (sizeof(Complex<float>) + sizeof(float)) * std::size_t(g.insert_geometry().acc_voxels());
  auto priv = ops::make_fourier_inserter(Device::cpu, g, {}, std::size_t(1) << 34);
  const bool used_private = cpu::last_inserter_used_private_accumulators();
  auto atom = ops::make_fourier_inserter(Device::cpu, g, {}, 2 * half_bytes);
  EXPECT_FALSE(cpu::last_inserter_used_private_accumulators());
  priv->insert(b.images.data(), b.ctf.data(), b.poses.data(), b.count);
  atom->insert(b.images.data(), b.ctf.data(), b.poses.data(), b.count);
  for (int h = 0; h < 2; ++h) {
    const auto p = priv->accumulator(h), a = atom->accumulator(h);
    ASSERT_TRUE(test::finite_and_nonzero(a.data.data(), a.data.size()));
    EXPECT_LT(test::rel_l2(p.data.data(), a.data.data(), a.data.size()), 1e-6) << "slab=" << used_private;
    EXPECT_LT(test::rel_l2(p.weight.data(), a.weight.data(), a.weight.size()), 1e-6);
  }
}

// Inversion on the CPU (FFTW float) against the reference (separable direct inverse DFT in double)
// on the same accumulators: 1e-5 (float FFT rounding).
TEST(Reconstruct, CpuInversionMatchesReference) {
  const RandomBatch b(31);
  for (Interp k : {Interp::linear, Interp::cubic}) {
    ops::ReconstructGeometry g;
    g.box = b.n;
    g.pad = 2;
    g.kernel = k;
    g.pad_images = k == Interp::cubic;
    auto ins = ops::make_fourier_inserter(Device::cpu, g);
    ins->insert(b.images.data(), b.ctf.data(), b.poses.data(), b.count);
    auto a0 = ins->accumulator(0);
    ops::complete_hermitian_plane(a0);
    const std::vector<double> it2(std::size_t(g.r_max()) + 1, 0.5);
    const Volume<float> c = ops::invert(Device::cpu, {&a0}, g, it2);
    const Volume<float> r = ops::invert(Device::reference, {&a0}, g, it2);
    ASSERT_TRUE(test::finite_and_nonzero(c.data(), c.size()));
    EXPECT_LT(test::rel_l2(c.data(), r.data(), r.size()), 1e-5);
  }
}

// Hermitian completion of the x = 0 plane: each pair becomes a + conj(b) and its conjugate.
TEST(Reconstruct, HermitianCompletionSumsFriedelMates) {
  ops::ReconstructGeometry g;
  g.box = 8;
  ops::FourierAccumulator a(g.insert_geometry());
  const auto& ig = a.g;
  const index_t p = ig.acc_index(0, 2, 1), q = ig.acc_index(0, -2, -1);
  a.data[p] = Complex<float>(1, 2), a.weight[p] = 3;
  a.data[q] = Complex<float>(10, 20), a.weight[q] = 30;
  ops::complete_hermitian_plane(a);
  EXPECT_FLOAT_EQ(a.data[p].re, 11);
  EXPECT_FLOAT_EQ(a.data[p].im, -18);
  EXPECT_FLOAT_EQ(a.weight[p], 33);
  EXPECT_FLOAT_EQ(a.data[q].re, 11);
  EXPECT_FLOAT_EQ(a.data[q].im, 18);
  EXPECT_FLOAT_EQ(a.weight[q], 33);
}

TEST(Reconstruct, GeometryRejectsBadInput) {
  ops::ReconstructGeometry g;
  g.box = 64;
  g.pixel_size_A = 2.0;
  g.maxres_A = 3.0;  // Nyquist is 4 Å
  EXPECT_THROW(g.insert_geometry(), Error);
  g.maxres_A = 8.0;
  EXPECT_EQ(g.insert_geometry().r_max, 16);  // round(64 * 2 / 8)
  g.pad = 4;
  EXPECT_THROW(g.insert_geometry(), Error);
  g.pad = 2;
  g.box = 31;
  EXPECT_THROW(g.insert_geometry(), Error);
  g.box = 32;
  g.kernel = Interp::cubic;  // cubic at pad 2 needs padded images
  EXPECT_THROW(g.insert_geometry(), Error);
  g.pad_images = true;
  EXPECT_NO_THROW(g.insert_geometry());
  EXPECT_THROW(parse_interp("sinc"), Error);
}

// RELION's 1/tau^2 from an FSC curve: zero below minres_map, <W>/SSNR above.
TEST(Reconstruct, InverseTau2FromFsc) {
  const std::vector<double> fsc{1, 1, 1, 0.99, 0.9, 0.5, 0.5, 0.143, 0.0};
  const std::vector<double> w(fsc.size(), 8.0);
  const auto it = ops::inv_tau2_from_fsc(fsc, w, false);
  for (int s = 0; s < 5; ++s) EXPECT_EQ(it[std::size_t(s)], 0.0);
  EXPECT_NEAR(it[5], 8.0, 1e-12);                         // SSNR 1
  EXPECT_NEAR(it[7], 8.0 / (0.143 / 0.857), 1e-9);        // SSNR 0.1669
  EXPECT_NEAR(it[8], 8.0 / (0.001 / 0.999), 1e-6);        // clamped FSC 0.001
}

}  // namespace
}  // namespace thon

namespace thon {
namespace {

/// FSC of `map` to `truth` at every shell up to `fraction` of Nyquist, minimum over those shells.
double min_fsc_to(const Volume<float>& map, const Volume<float>& truth, double fraction, std::vector<double>* curve) {
  const std::vector<double> f = ops::fsc(Device::cpu, map, truth).fsc;
  if (curve) *curve = f;
  const int last = int(fraction * (truth.nx() / 2));
  double m = 1;
  for (int s = 1; s <= last; ++s) m = std::min(m, f[std::size_t(s)]);
  return m;
}

// A noise-free dataset with CTF (defocus 0.8-2.5 um, several zeros up to Nyquist) reconstructs as
// well as one without: FSC to the truth > 0.9 at every shell to 0.8 Nyquist (issue 6), through the
// whole driver (STAR + MRC on disk, FSC-regularised division). Sharp blobs (sigma 0.9-1.3 px) so
// that the truth has signal at 0.8 Nyquist (spectrum exp(-2 pi^2 sigma^2 k^2) >= 0.01 at k = 0.4).
TEST(Reconstruct, CtfDatasetReconstructsAsWellAsWithoutCtf) {
  const auto blobs = test::make_blobs(24, 9.0, 303, 0.9, 1.3);
  const Volume<float> truth = test::render_volume(blobs, 32, 2.0);
  for (bool ctf : {false, true}) {
    test::TempDir dir;
    test::BlobDatasetOptions o;
    o.ctf = ctf;
    o.count = 400;
    test::write_blob_dataset(dir.path().string(), blobs, o);
    pipeline::ReconstructJob job;
    job.input_star = dir.file("particles.star");
    job.output_map = dir.file("map.mrc");
    job.progress = false;
    const pipeline::ReconstructReport r = pipeline::run_reconstruct(job);
    EXPECT_EQ(r.ctf, ctf);
    EXPECT_EQ(r.n_inserted, 400);
    const Volume<float> map = io::read_mrc_volume(job.output_map);
    ASSERT_TRUE(test::finite_and_nonzero(map.data(), map.size()));
    std::vector<double> curve;
    const double m = min_fsc_to(map, truth, 0.8, &curve);
    std::printf("CTF %s: min FSC to truth to 0.8 Nyquist %.4f; rel L2 in sphere %.4f; FSC at shells 4, 8, 12: %.4f %.4f %.4f\n",
                ctf ? "on " : "off", m, test::rel_l2_in_sphere(map, truth, 12.8), curve[4], curve[8], curve[12]);
    EXPECT_GT(m, 0.9) << "ctf " << ctf;
  }
}

}  // namespace
}  // namespace thon
