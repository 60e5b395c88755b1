// CUDA Fourier insertion (cuFFT + the shared functors with atomicAdd) against the double-precision
// reference. Skips without a device (label gpu).
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "test_util.hpp"
#include "thon/ops/reconstruct.hpp"

namespace thon {
namespace {

class CudaReconstruct : public test::GpuTest {};

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

// Tolerance 1e-5: float cuFFT and float atomics (order-dependent sums) against double loops; the
// CPU backend, with the same functors, meets 1e-5 too (host tier).
TEST_F(CudaReconstruct, InsertionMatchesReferenceEveryKernel) {
  const int n = 16, count = 24;
  const auto images = test::random_vector(std::int64_t(count) * n * n, 5);
  const auto ctf = test::random_vector(std::int64_t(count) * 2 * n * (n + 1), 6);
  std::mt19937 rng(7);
  std::vector<ops::InsertPose> poses;
  for (int i = 0; i < count; ++i) {
    ops::InsertPose p;
    p.A = rotation(rng);
    p.shift_x_px = 0.3 * i - 3;
    p.shift_y_px = 2 - 0.2 * i;
    p.half = i % 3 == 0;
    poses.push_back(p);
  }
  for (Interp k : {Interp::nearest, Interp::linear, Interp::cubic}) {
    ops::ReconstructGeometry g;
    g.box = n;
    g.kernel = k;
    g.pad_images = ops::default_pad_images(k, g.pad);
    auto ref = ops::make_fourier_inserter(Device::reference, g);
    auto gpu = ops::make_fourier_inserter(Device::cuda, g);
    ref->insert(images.data(), ctf.data(), poses.data(), count);
    gpu->insert(images.data(), ctf.data(), poses.data(), count);
    for (int h = 0; h < 2; ++h) {
      const auto r = ref->accumulator(h), c = gpu->accumulator(h);
      ASSERT_TRUE(test::finite_and_nonzero(c.data.data(), c.data.size()));
      EXPECT_LT(test::rel_l2(c.data.data(), r.data.data(), r.data.size()), 1e-5) << to_string(k);
      EXPECT_LT(test::rel_l2(c.weight.data(), r.weight.data(), r.weight.size()), 1e-5) << to_string(k);
    }
  }
}

}  // namespace
}  // namespace thon
