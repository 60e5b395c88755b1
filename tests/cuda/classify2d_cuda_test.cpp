// CUDA classify2d engine against the double-precision reference: E-step log-posteriors and M-step
// sums (skips without a device).
#include <gtest/gtest.h>

#include "classify2d_fixtures.hpp"
#include "test_util.hpp"
#include "thon/ops/classify2d.hpp"
#include "thon/ops/fft.hpp"

namespace thon::test {
namespace {

class Classify2dCuda : public GpuTest {};

// As the CPU engine's tolerances (tests/host/classify2d_test.cpp): float products of ~300 terms
// against double direct sums; cuBLAS may order the sums differently (not more error).
constexpr double kTol = 1e-4;

TEST_F(Classify2dCuda, EStepAndMStepMatchReference) {
  const int box = 32, K = 3, n = 10;
  const Classify2dSynthetic d = make_classify2d_synthetic(box, n, K, 0.5, true, 11);
  const int hx = box / 2 + 1;
  std::vector<Complex<float>> ft(std::size_t(n) * box * hx);
  ops::fft_r2c(Device::cpu, d.images.data(), ft.data(), Shape{box, box, 1, n});
  ops::classify2d_centre_transforms(ft.data(), n, box, false);
  std::vector<float> ctf(ft.size());
  for (int i = 0; i < n; ++i)
    for (int iy = 0; iy < box; ++iy)
      for (int ix = 0; ix < hx; ++ix) {
        double kx, ky;
        math::half_complex_frequency(ix, iy, box, box, d.pixel_size_A, &kx, &ky);
        ctf[(std::size_t(i) * box + iy) * hx + ix] = float(math::ctf_value(d.ctf[std::size_t(i)], kx, ky));
      }
  std::vector<int> group(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) group[std::size_t(i)] = i % 2;
  const ops::Classify2dSampling s = ops::Classify2dSampling::make(box, 9, 30.0, 2.0, 1.0);
  const ops::Classify2dModel m = ops::classify2d_initial_model(ft.data(), ctf.data(), group.data(), n, box, 2, K,
                                                               d.pixel_size_A, 9, 3, 2.0, 1.5);
  ops::Classify2dBatch b;
  b.n = n;
  b.ft = ft.data();
  b.ctf = ctf.data();
  b.group = group.data();
  const std::size_t nl = std::size_t(n) * s.n_translations() * K * s.n_rotations();
  std::vector<float> lr(nl), lc(nl);
  std::vector<ops::Classify2dPose> pr(static_cast<std::size_t>(n)), pc(static_cast<std::size_t>(n));
  auto er = ops::make_classify2d_engine(Device::reference, m, s);
  er->process(b, pr.data(), lr.data());
  auto ec = ops::make_classify2d_engine(Device::cuda, m, s);
  ec->process(b, pc.data(), lc.data());
  ASSERT_TRUE(finite_and_nonzero(lc));
  EXPECT_LT(rel_l2(lc, lr), kTol);
  const ops::Classify2dSums a = ec->sums(), r = er->sums();
  ASSERT_TRUE(finite_and_nonzero(a.num.data(), std::int64_t(a.num.size())));
  EXPECT_LT(rel_l2(a.num.data(), r.num.data(), std::int64_t(r.num.size())), kTol);
  EXPECT_LT(rel_l2(a.den, r.den), kTol);
  EXPECT_LT(rel_l2(a.resid, r.resid), kTol);
  EXPECT_LT(rel_l2(a.class_weight, r.class_weight), 1e-5);
}

}  // namespace
}  // namespace thon::test
