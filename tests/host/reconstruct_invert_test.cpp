// The device inversion's functors (math/reconstruct_invert.hpp), run here on the host in the
// order cuda/reconstruct.cu's CudaMapMaker runs them, against the host inversion (ops::invert,
// ops::complete_hermitian_plane, ops::shell_mean_weight, ops::soften_outside_sphere), which the
// reference tests of the host tier check against direct sums. So the GPU's inversion arithmetic
// is exercised in CI without a GPU.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "test_util.hpp"
#include "thon/core/parallel.hpp"
#include "thon/math/reconstruct_invert.hpp"
#include "thon/ops/fft.hpp"
#include "thon/ops/reconstruct.hpp"

namespace thon {
namespace {

Mat3<double> random_rotation(std::mt19937& rng) {
  std::normal_distribution<double> g;
  double w = g(rng), x = g(rng), y = g(rng), z = g(rng);
  const double r = std::sqrt(w * w + x * x + y * y + z * z);
  w /= r, x /= r, y /= r, z /= r;
  Mat3<double> m;
  m.m[0][0] = 1 - 2 * (y * y + z * z), m.m[0][1] = 2 * (x * y - z * w), m.m[0][2] = 2 * (x * z + y * w);
  m.m[1][0] = 2 * (x * y + z * w), m.m[1][1] = 1 - 2 * (x * x + z * z), m.m[1][2] = 2 * (y * z - x * w);
  m.m[2][0] = 2 * (x * z - y * w), m.m[2][1] = 2 * (y * z + x * w), m.m[2][2] = 1 - 2 * (x * x + y * y);
  return m;
}

/// Shell sums of a functor of the math/ shell interface, serially (the GPU's shell_sums).
template <class F>
void shell_sums(index_t n, int n_shells, const F& f, std::vector<double>& sums, std::vector<std::int64_t>& counts) {
  sums.assign(std::size_t(n_shells) * F::K, 0.0);
  counts.assign(std::size_t(n_shells), 0);
  double v[F::K];
  for (index_t i = 0; i < n; ++i) {
    int shell = 0, count = 0;
    if (!f(i, shell, v, count) || shell < 0 || shell >= n_shells) continue;
    for (int k = 0; k < F::K; ++k) sums[std::size_t(shell) * F::K + k] += v[k];
    counts[std::size_t(shell)] += count;
  }
}

class DeviceInversionOnHost : public ::testing::TestWithParam<Interp> {};

// Tolerances: the Hermitian completion and the shell means are the same float/double operations
// (1e-6); the maps differ in the order of float sums only (FFTW for the same c2r): 1e-5.
TEST_P(DeviceInversionOnHost, MatchesHostInversion) {
  const Interp kernel = GetParam();
  const int n = 16, count = 30;
  ops::ReconstructGeometry geom;
  geom.box = n;
  geom.kernel = kernel;
  geom.pad_images = ops::default_pad_images(kernel, geom.pad);
  const math::InsertGeometry g = geom.insert_geometry();
  const auto images = test::random_vector(std::int64_t(count) * n * n, 21);
  const auto ctf = test::random_vector(std::int64_t(count) * g.image_half_size(), 22);
  std::mt19937 rng(23);
  std::vector<ops::InsertPose> poses;
  for (int i = 0; i < count; ++i) {
    ops::InsertPose p;
    p.A = random_rotation(rng);
    p.shift_x_px = 0.5 * i - 4;
    p.half = i % 2;
    poses.push_back(p);
  }
  auto ins = ops::make_fourier_inserter(Device::cpu, geom);
  ins->insert(images.data(), ctf.data(), poses.data(), count);
  ops::FourierAccumulator host[2] = {ins->accumulator(0), ins->accumulator(1)};
  ops::FourierAccumulator dev[2] = {host[0], host[1]};

  // Hermitian completion: host loop vs pair functor.
  const int h = g.np() / 2;
  for (int k = 0; k < 2; ++k) {
    ops::complete_hermitian_plane(host[k]);
    cpu::parallel_for(index_t(h) * (2 * h - 1), math::HermitianPlanePair{g, dev[k].data.data(), dev[k].weight.data()});
    EXPECT_LT(test::rel_l2(dev[k].data.data(), host[k].data.data(), host[k].data.size()), 1e-6);
    EXPECT_LT(test::rel_l2(dev[k].weight.data(), host[k].weight.data(), host[k].weight.size()), 1e-6);
  }

  // Shell means of both halves.
  const std::vector<double> mean_host = ops::shell_mean_weight({&host[0], &host[1]});
  std::vector<double> sums;
  std::vector<std::int64_t> counts;
  shell_sums(g.acc_voxels(), g.r_max + 1, math::ShellWeightTerm{g, dev[0].weight.data(), dev[1].weight.data()}, sums,
             counts);
  std::vector<double> mean_dev(sums.size());
  for (std::size_t s = 0; s < sums.size(); ++s) mean_dev[s] = counts[s] > 0 ? sums[s] / double(counts[s]) : 0.0;
  ASSERT_TRUE(test::finite_and_nonzero(mean_dev));
  EXPECT_LT(test::rel_l2(mean_dev, mean_host), 1e-6);

  // The map: regularised division, c2r, crop and gridding correction.
  std::vector<double> inv_tau2(mean_host.size());
  for (std::size_t s = 0; s < inv_tau2.size(); ++s) inv_tau2[s] = 0.3 * mean_host[s];
  const Volume<float> ref = ops::invert(Device::cpu, {&host[0], &host[1]}, geom, inv_tau2);
  std::vector<float> it2(mean_dev.size()), floor(mean_dev.size());
  for (std::size_t s = 0; s < it2.size(); ++s) {
    it2[s] = float(inv_tau2[s]);
    floor[s] = std::max(float(ops::kWeightFloorFraction * mean_dev[s]), 1e-30f);
  }
  const int np = g.np();
  std::vector<Complex<float>> spec(std::size_t(g.acc_voxels()));
  cpu::parallel_for(g.acc_voxels(), math::FillSpectrum{g, dev[0].data.data(), dev[0].weight.data(), dev[1].data.data(),
                                                       dev[1].weight.data(), it2.data(), floor.data(), spec.data()});
  std::vector<float> real(std::size_t(np) * np * np);
  ops::fft_c2r(Device::cpu, spec.data(), real.data(), Shape{np, np, np, 1});
  Volume<float> map = Volume<float>::cube(n, 1.0);
  cpu::parallel_for(map.size(), math::CropCorrect{g, real.data(), map.data()});
  ASSERT_TRUE(test::finite_and_nonzero(map.data(), map.size()));
  EXPECT_LT(test::rel_l2(map.data(), ref.data(), ref.size()), 1e-5) << to_string(kernel);

  // RELION's soft edge: reduction + blend vs the host function.
  Volume<float> soft_host = ref;
  ops::soften_outside_sphere(soft_host, 0.5 * n - 3);
  const math::EdgeBackgroundTerm term{map.data(), n, 0.5 * n - 3, ops::kEdgeMaskWidthPx};
  double w = 0, wv = 0;
  for (index_t i = 0; i < map.size(); ++i) {
    double a, b;
    term(i, a, b);
    w += a, wv += b;
  }
  ASSERT_GT(w, 0);
  cpu::parallel_for(map.size(), math::EdgeBlend{map.data(), n, 0.5 * n - 3, ops::kEdgeMaskWidthPx, wv / w});
  EXPECT_LT(test::rel_l2(map.data(), soft_host.data(), soft_host.size()), 1e-5) << to_string(kernel);
}

INSTANTIATE_TEST_SUITE_P(Kernels, DeviceInversionOnHost, ::testing::Values(Interp::nearest, Interp::linear, Interp::cubic));

// The device CTF of the insertion (math::CtfImageKernel) is the host default of
// FourierInserter::insert_ctf: both paths give the same accumulators as insert() with the CTF
// computed independently per pixel from math::ctf_value.
TEST(InsertCtf, ParametersGiveTheSameSumsAsPrecomputedCtf) {
  const int n = 16, count = 8;
  ops::ReconstructGeometry geom;
  geom.box = n;
  geom.pixel_size_A = 1.5;
  const math::InsertGeometry g = geom.insert_geometry();
  const auto images = test::random_vector(std::int64_t(count) * n * n, 31);
  std::vector<math::CtfParams> params(count);
  std::vector<ops::InsertPose> poses(count);
  std::mt19937 rng(32);
  std::vector<float> values(std::size_t(count) * g.image_half_size());
  for (int i = 0; i < count; ++i) {
    params[i].defocus_u_A = 12000 + 500 * i;
    params[i].defocus_v_A = 11000 + 400 * i;
    params[i].defocus_angle_deg = 17.0 * i;
    params[i].prepare();
    poses[i].A = random_rotation(rng);
    poses[i].half = i % 2;
    for (int iy = 0; iy < g.m; ++iy)
      for (int ix = 0; ix < g.hx(); ++ix) {
        const int fy = iy < g.m - g.m / 2 ? iy : iy - g.m;
        const float kx = float(ix / (g.m * geom.pixel_size_A)), ky = float(fy / (g.m * geom.pixel_size_A));
        values[std::size_t(i) * g.image_half_size() + std::size_t(iy) * g.hx() + ix] =
            ix * ix + fy * fy > g.r_max_image() * g.r_max_image() ? 0.f : math::ctf_value(params[i], kx, ky);
      }
  }
  auto a = ops::make_fourier_inserter(Device::cpu, geom), b = ops::make_fourier_inserter(Device::cpu, geom);
  a->insert(images.data(), values.data(), poses.data(), count);
  b->insert_ctf(images.data(), params.data(), poses.data(), count);
  for (int h = 0; h < 2; ++h) {
    const auto x = a->accumulator(h), y = b->accumulator(h);
    ASSERT_TRUE(test::finite_and_nonzero(y.weight.data(), y.weight.size()));
    EXPECT_LT(test::rel_l2(y.data.data(), x.data.data(), x.data.size()), 1e-6);
    EXPECT_LT(test::rel_l2(y.weight.data(), x.weight.data(), x.weight.size()), 1e-6);
  }
}

}  // namespace
}  // namespace thon
