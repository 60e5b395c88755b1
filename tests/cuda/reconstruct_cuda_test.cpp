// Fourier insertion and inversion of a backend (CPU, and CUDA with its tiled insertion without
// global atomics and its device-resident inversion) against the double-precision reference, one
// test body per backend: the CPU instance runs in CI, the CUDA one skips without a device.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "test_util.hpp"
#include "thon/ops/reconstruct.hpp"
#include "thon/ops/reconstruct_maps.hpp"

namespace thon {
namespace {

class ReconstructBackend : public test::BackendTest {};

Mat3<double> rotation(std::mt19937& rng) {
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

struct Data {
  std::vector<float> images, ctf;
  std::vector<math::CtfParams> params;
  std::vector<ops::InsertPose> poses;
};

Data make_data(const ops::ReconstructGeometry& g, int count, std::uint32_t seed) {
  const math::InsertGeometry ig = g.insert_geometry();
  Data d;
  d.images = test::random_vector(std::int64_t(count) * g.box * g.box, seed);
  d.ctf = test::random_vector(std::int64_t(count) * ig.image_half_size(), seed + 1);
  std::mt19937 rng(seed + 2);
  for (int i = 0; i < count; ++i) {
    ops::InsertPose p;
    p.A = rotation(rng);
    p.shift_x_px = 0.3 * i - 3;
    p.shift_y_px = 2 - 0.2 * i;
    p.half = i % 3 == 0;
    d.poses.push_back(p);
    math::CtfParams c;
    c.defocus_u_A = 9000 + 300 * i;
    c.defocus_v_A = 8500 + 280 * i;
    c.defocus_angle_deg = 11.0 * i;
    c.prepare();
    d.params.push_back(c);
  }
  return d;
}

// Tolerance 1e-5: float FFT and float sums in another order (shared-memory atomics on the GPU)
// against double loops, up to count x 64 terms per voxel (sqrt(n) eps ~ 1e-6).
TEST_P(ReconstructBackend, InsertionMatchesReferenceEveryKernel) {
  const int n = 16, count = 24;
  for (Interp k : {Interp::nearest, Interp::linear, Interp::cubic}) {
    ops::ReconstructGeometry g;
    g.box = n;
    g.kernel = k;
    g.pad_images = ops::default_pad_images(k, g.pad);
    const Data d = make_data(g, count, 5);
    auto ref = ops::make_fourier_inserter(Device::reference, g);
    auto dev = ops::make_fourier_inserter(device(), g);
    ref->insert(d.images.data(), d.ctf.data(), d.poses.data(), count);
    // Three calls: the CUDA inserter's two staging slots alternate and the first is reused.
    for (int c0 : {0, 10, 17}) {
      const int c = (c0 == 0 ? 10 : c0 == 10 ? 7 : count - 17);
      dev->insert(d.images.data() + std::size_t(c0) * n * n, d.ctf.data() + std::size_t(c0) * g.insert_geometry().image_half_size(),
                  d.poses.data() + c0, c);
    }
    for (int h = 0; h < 2; ++h) {
      const auto r = ref->accumulator(h), c = dev->accumulator(h);
      ASSERT_TRUE(test::finite_and_nonzero(c.data.data(), c.data.size()));
      EXPECT_LT(test::rel_l2(c.data.data(), r.data.data(), r.data.size()), 1e-5) << to_string(k);
      EXPECT_LT(test::rel_l2(c.weight.data(), r.weight.data(), r.weight.size()), 1e-5) << to_string(k);
      EXPECT_EQ(c.n_images, r.n_images);
    }
  }
}

// The CTF from its parameters (computed by the backend: on the device for CUDA) against the
// reference given the same CTF evaluated on the host by the default insert_ctf.
TEST_P(ReconstructBackend, InsertionWithCtfParametersMatchesReference) {
  const int n = 20, count = 12;
  ops::ReconstructGeometry g;
  g.box = n;
  g.pixel_size_A = 1.7;
  g.pad_images = true;  // m = 2n: the CTF at the padded sampling
  const Data d = make_data(g, count, 9);
  auto ref = ops::make_fourier_inserter(Device::reference, g);
  auto dev = ops::make_fourier_inserter(device(), g);
  ref->insert_ctf(d.images.data(), d.params.data(), d.poses.data(), count);
  dev->insert_ctf(d.images.data(), d.params.data(), d.poses.data(), count);
  for (int h = 0; h < 2; ++h) {
    const auto r = ref->accumulator(h), c = dev->accumulator(h);
    ASSERT_TRUE(test::finite_and_nonzero(c.weight.data(), c.weight.size()));
    EXPECT_LT(test::rel_l2(c.data.data(), r.data.data(), r.data.size()), 1e-5);
    EXPECT_LT(test::rel_l2(c.weight.data(), r.weight.data(), r.weight.size()), 1e-5);
  }
}

// The post-insertion steps where the accumulators are (device-resident for CUDA) against the
// reference's: shell weights, regularised inversion, soft edge, mask and FSC. Tolerances: maps
// 1e-5 (float FFT and sums vs double, as the host tier's CPU inversion test); FSC 1e-4 absolute
// (ratios of sums over at least 6 voxels of maps that agree to 1e-5).
TEST_P(ReconstructBackend, MapsMatchReference) {
  const int n = 16, count = 40;
  ops::ReconstructGeometry g;
  g.box = n;
  const Data d = make_data(g, count, 13);
  auto ref_ins = ops::make_fourier_inserter(Device::reference, g);
  auto dev_ins = ops::make_fourier_inserter(device(), g);
  ref_ins->insert(d.images.data(), d.ctf.data(), d.poses.data(), count);
  dev_ins->insert(d.images.data(), d.ctf.data(), d.poses.data(), count);
  auto ref = ops::make_map_maker(Device::reference, std::move(ref_ins));
  auto dev = ops::make_map_maker(device(), std::move(dev_ins));
  for (int halves : {1, 2, 3}) {
    const auto a = dev->shell_mean_weight(halves), b = ref->shell_mean_weight(halves);
    ASSERT_TRUE(test::finite_and_nonzero(a));
    EXPECT_LT(test::rel_l2(a, b), 1e-6) << halves;
  }
  std::vector<double> it2 = ref->shell_mean_weight(3);
  for (double& x : it2) x *= 0.2;
  Volume<float> mask = Volume<float>::cube(n, 1.0);
  for (index_t i = 0; i < mask.size(); ++i) mask[i] = float(0.5 + 0.5 * std::cos(0.01 * double(i)));
  for (ops::MapMaker* m : {ref.get(), dev.get()}) {
    m->invert(0, 3, it2);
    m->invert(1, 1, {});
    m->invert(2, 2, {});
    m->soften_outside_sphere(1, 0.5 * n);
    m->set_mask(mask);
    m->multiply_mask(3, 2);
  }
  const auto fd = dev->fsc(1, 3), fr = ref->fsc(1, 3);
  ASSERT_EQ(fd.size(), fr.size());
  for (std::size_t s = 0; s < fr.size(); ++s) EXPECT_NEAR(fd[s], fr[s], 1e-4) << "shell " << s;
  for (int slot : {0, 1, 3}) {
    const Volume<float> a = dev->take(slot), b = ref->take(slot);
    ASSERT_TRUE(test::finite_and_nonzero(a.data(), a.size()));
    EXPECT_LT(test::rel_l2(a.data(), b.data(), b.size()), 1e-5) << "slot " << slot;
  }
}

THON_INSTANTIATE_BACKENDS(ReconstructBackend);

}  // namespace
}  // namespace thon
