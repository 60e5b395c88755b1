// classify2d engine: the CPU products against the double-precision direct loops of the reference
// (E-step log-posteriors and M-step sums), monotone log-likelihood at a fixed resolution limit,
// and recovery of known classes, angles and offsets from synthetic data at SNR 0.05.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "classify2d_fixtures.hpp"
#include "test_util.hpp"
#include "thon/core/error.hpp"
#include "thon/math/fourier_grid.hpp"
#include "thon/ops/classify2d.hpp"
#include "thon/ops/fft.hpp"

namespace thon::test {
namespace {

// Double reference vs float products: each log-likelihood is a sum of ~P = 300 pixel terms of
// magnitude up to ~1e2 accumulated in float (eps 6e-8): absolute error ~ sqrt(P) eps |l| ~ 1e-4 on
// values ~1e3, relative 1e-6 to 1e-5; 1e-4 leaves a margin for the sgemm blocking order.
constexpr double kLogPosteriorTol = 1e-4;
// M-step sums accumulate B*T ~ 300 float products per element: sqrt(300) * 6e-8 ~ 1e-6; the
// residual power is an expansion |X|^2 + |A|^2 - 2 Re(X A*) with cancellation of ~10x at SNR 0.05.
constexpr double kSumsTol = 1e-4;

struct Prepared {
  std::vector<Complex<float>> ft;
  std::vector<float> ctf;
  std::vector<int> group;
};

Prepared prepare(const Classify2dSynthetic& d, int n_groups) {
  Prepared p;
  const int box = d.box, hx = box / 2 + 1;
  p.ft.resize(std::size_t(d.n) * box * hx);
  ops::fft_r2c(Device::cpu, d.images.data(), p.ft.data(), Shape{box, box, 1, d.n});
  ops::classify2d_centre_transforms(p.ft.data(), d.n, box, false);
  if (!d.ctf.empty()) {
    p.ctf.resize(p.ft.size());
    for (int i = 0; i < d.n; ++i)
      for (int iy = 0; iy < box; ++iy)
        for (int ix = 0; ix < hx; ++ix) {
          double kx, ky;
          math::half_complex_frequency(ix, iy, box, box, d.pixel_size_A, &kx, &ky);
          p.ctf[(std::size_t(i) * box + iy) * hx + ix] = float(math::ctf_value(d.ctf[std::size_t(i)], kx, ky));
        }
  }
  for (int i = 0; i < d.n; ++i) p.group.push_back(i % n_groups);
  return p;
}

ops::Classify2dBatch batch_of(const Prepared& p, int n) {
  ops::Classify2dBatch b;
  b.n = n;
  b.ft = p.ft.data();
  b.ctf = p.ctf.empty() ? nullptr : p.ctf.data();
  b.group = p.group.data();
  return b;
}

/// A model with the true classes (at psi 0, centred), two optics groups of different noise,
/// unequal class weights: posteriors that are peaked but not one-hot.
struct Case {
  Classify2dSynthetic d;
  Prepared p;
  ops::Classify2dModel m;
  ops::Classify2dSampling s;
};

Case make_case() {
  Case c;
  const int box = 32, K = 3;
  c.d = make_classify2d_synthetic(box, 10, K, 0.5, true, 11);
  c.p = prepare(c.d, 2);
  c.s = ops::Classify2dSampling::make(box, 9, 30.0, 2.0, 1.0);
  c.m = ops::classify2d_initial_model(c.p.ft.data(), c.p.ctf.data(), c.p.group.data(), c.d.n, box, 2, K,
                                      c.d.pixel_size_A, 9, 3, 2.0, 1.5);
  const std::vector<BlobClass> cls = make_blob_classes(K, box, 11 * 7 + 1);
  std::vector<float> img(std::size_t(box) * box);
  for (int k = 0; k < K; ++k) {
    render_blob_image(cls[std::size_t(k)], box, 0, 0, 0, img.data());
    ops::fft_r2c(Device::cpu, img.data(), c.m.classes.data() + k * c.m.half_size(), Shape{box, box, 1, 1});
    ops::classify2d_centre_transforms(c.m.classes.data() + k * c.m.half_size(), 1, box, false);
  }
  c.m.class_weights = {0.5, 0.3, 0.2};
  for (int sh = 0; sh < c.m.n_shells(); ++sh) c.m.sigma2[std::size_t(c.m.n_shells() + sh)] *= 1.3;
  return c;
}

class Classify2dCtf : public ::testing::TestWithParam<bool> {};

TEST_P(Classify2dCtf, EStepMatchesReference) {
  Case c = make_case();
  if (!GetParam()) c.p.ctf.clear();  // CTF 1 everywhere (--no-ctf)
  const int T = c.s.n_translations(), KR = c.m.n_classes * c.s.n_rotations(), n = c.d.n;
  std::vector<float> lp_ref(std::size_t(n) * T * KR), lp_cpu(lp_ref.size());
  std::vector<ops::Classify2dPose> pr(static_cast<std::size_t>(n)), pc(static_cast<std::size_t>(n));
  auto er = ops::make_classify2d_engine(Device::reference, c.m, c.s);
  er->process(batch_of(c.p, n), pr.data(), lp_ref.data());
  // A small memory budget forces several internal batches of the CPU engine.
  auto ec = ops::make_classify2d_engine(Device::cpu, c.m, c.s, 2 << 20);
  ec->process(batch_of(c.p, n), pc.data(), lp_cpu.data());
  ASSERT_TRUE(finite_and_nonzero(lp_ref));
  ASSERT_TRUE(finite_and_nonzero(lp_cpu));
  EXPECT_LT(rel_l2(lp_cpu, lp_ref), kLogPosteriorTol);
  for (int i = 0; i < n; ++i) {
    EXPECT_NEAR(pc[std::size_t(i)].log_likelihood, pr[std::size_t(i)].log_likelihood,
                1e-5 * std::abs(pr[std::size_t(i)].log_likelihood))
        << "image " << i;
    EXPECT_NEAR(pc[std::size_t(i)].max_probability, pr[std::size_t(i)].max_probability, 1e-3) << "image " << i;
    EXPECT_EQ(pc[std::size_t(i)].n_significant, pr[std::size_t(i)].n_significant) << "image " << i;
  }
  // The posteriors are not degenerate: some image has more than one significant pose.
  int most = 0;
  for (const auto& p : pr) most = std::max(most, p.n_significant);
  EXPECT_GT(most, 1);
}

TEST_P(Classify2dCtf, MStepMatchesReference) {
  Case c = make_case();
  if (!GetParam()) c.p.ctf.clear();
  const int n = c.d.n;
  std::vector<ops::Classify2dPose> pr(static_cast<std::size_t>(n)), pc(static_cast<std::size_t>(n));
  auto er = ops::make_classify2d_engine(Device::reference, c.m, c.s);
  er->process(batch_of(c.p, n), pr.data(), nullptr);
  auto ec = ops::make_classify2d_engine(Device::cpu, c.m, c.s, 2 << 20);
  ec->process(batch_of(c.p, n), pc.data(), nullptr);
  const ops::Classify2dSums a = ec->sums(), b = er->sums();
  ASSERT_TRUE(finite_and_nonzero(b.num.data(), std::int64_t(b.num.size())));
  ASSERT_TRUE(finite_and_nonzero(a.num.data(), std::int64_t(a.num.size())));
  ASSERT_TRUE(finite_and_nonzero(a.den));
  ASSERT_TRUE(finite_and_nonzero(a.resid));
  EXPECT_LT(rel_l2(a.num.data(), b.num.data(), std::int64_t(b.num.size())), kSumsTol);
  EXPECT_LT(rel_l2(a.den, b.den), kSumsTol);
  EXPECT_LT(rel_l2(a.resid, b.resid), kSumsTol);
  EXPECT_LT(rel_l2(a.resid_count, b.resid_count), 1e-12);
  EXPECT_LT(rel_l2(a.class_weight, b.class_weight), 1e-5);
  EXPECT_NEAR(a.offset2, b.offset2, 1e-5 * b.offset2);
  EXPECT_NEAR(a.log_likelihood, b.log_likelihood, 1e-5 * std::abs(b.log_likelihood));
  EXPECT_DOUBLE_EQ(a.n_images, double(n));
}

INSTANTIATE_TEST_SUITE_P(Classify2d, Classify2dCtf, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& i) { return i.param ? "ctf" : "no_ctf"; });

/// The EM loop of the driver, without the files.
struct RunResult {
  std::vector<double> log_likelihood;
  std::vector<ops::Classify2dPose> poses;
  ops::Classify2dSampling s;
};

RunResult run_em(const Prepared& p, int n, int box, int K, double pixel_A, int iterations, int r0, bool follow,
                 double psi_step, double range, Device dev) {
  ops::Classify2dModel m = ops::classify2d_initial_model(p.ft.data(), p.ctf.empty() ? nullptr : p.ctf.data(),
                                                         nullptr, n, box, 1, K, pixel_A, r0, 5, 2.0, 2.0);
  RunResult out;
  int r_limit = r0;
  for (int it = 0; it < iterations; ++it) {
    out.s = ops::Classify2dSampling::make(box, r_limit, psi_step, range, 1.0);
    auto e = ops::make_classify2d_engine(dev, m, out.s);
    out.poses.assign(std::size_t(n), {});
    ops::Classify2dBatch b;
    b.n = n;
    b.ft = p.ft.data();
    b.ctf = p.ctf.empty() ? nullptr : p.ctf.data();
    e->process(b, out.poses.data(), nullptr);
    const ops::Classify2dSums sums = e->sums();
    out.log_likelihood.push_back(sums.log_likelihood);
    m = ops::maximise(sums, m, out.s, {});
    if (follow) {
      const std::vector<int> res = ops::classify2d_resolution_shells(sums, m, r_limit);
      r_limit = std::clamp(*std::max_element(res.begin(), res.end()) + 3, r0, box / 2 - 1);
    }
  }
  return out;
}

TEST(Classify2d, LogLikelihoodDoesNotDecreaseAtFixedResolution) {
  const Classify2dSynthetic d = make_classify2d_synthetic(32, 120, 3, 0.1, true, 21);
  const Prepared p = prepare(d, 1);
  const RunResult r = run_em(p, d.n, 32, 3, d.pixel_size_A, 6, 8, false, 20.0, 2.0, Device::cpu);
  ASSERT_EQ(r.log_likelihood.size(), 6u);
  for (std::size_t i = 1; i < r.log_likelihood.size(); ++i) {
    ASSERT_TRUE(std::isfinite(r.log_likelihood[i]));
    // EM with the MAP M-step: the log-likelihood (here with its prior) rises; float sums of n
    // image terms ~1e3 each allow ~1e-6 relative noise.
    EXPECT_GE(r.log_likelihood[i], r.log_likelihood[i - 1] - 1e-6 * std::abs(r.log_likelihood[i - 1]))
        << "iteration " << i;
  }
  EXPECT_GT(r.log_likelihood.back(), r.log_likelihood.front());
}

double wrap180(double a) {
  a = std::fmod(a + 180.0, 360.0);
  if (a < 0) a += 360;
  return a - 180;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

TEST(Classify2d, RecoversClassesAnglesAndOffsetsAtSnr005) {
  const int box = 48, K = 3, n = 300;
  const double psi_step = 10;
  const Classify2dSynthetic d = make_classify2d_synthetic(box, n, K, 0.05, true, 3, 2.0);
  const Prepared p = prepare(d, 1);
  const RunResult r = run_em(p, n, box, K, d.pixel_size_A, 10, 10, true, psi_step, 3.0, Device::cpu);
  std::vector<int> est(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) est[std::size_t(i)] = r.poses[std::size_t(i)].k;
  const double ari = adjusted_rand_index(d.truth_class, est);
  EXPECT_GT(ari, 0.9);
  // Angles and offsets up to each class's own frame: a class average may come out rotated by a
  // constant delta and shifted by d, so psi_est = psi + delta and t = o + R(psi_est) d.
  std::vector<double> psi_err, off_err;
  for (int k = 0; k < K; ++k) {
    std::vector<int> members;
    for (int i = 0; i < n; ++i)
      if (est[std::size_t(i)] == k) members.push_back(i);
    if (members.empty()) continue;
    double cs = 0, sn = 0;
    for (int i : members) {
      const double dlt = (r.s.psi_deg[std::size_t(r.poses[std::size_t(i)].r)] - d.psi_deg[std::size_t(i)]) * M_PI / 180;
      cs += std::cos(dlt);
      sn += std::sin(dlt);
    }
    const double delta = std::atan2(sn, cs) * 180 / M_PI;
    double dx = 0, dy = 0;
    for (int i : members) {
      const double pe = r.s.psi_deg[std::size_t(r.poses[std::size_t(i)].r)] * M_PI / 180;
      const int t = r.poses[std::size_t(i)].t;
      const double ex = r.s.shift_x_px[std::size_t(t)] - d.origin_x_px[std::size_t(i)],
                   ey = r.s.shift_y_px[std::size_t(t)] - d.origin_y_px[std::size_t(i)];
      dx += std::cos(pe) * ex - std::sin(pe) * ey;  // R^T e
      dy += std::sin(pe) * ex + std::cos(pe) * ey;
    }
    dx /= double(members.size());
    dy /= double(members.size());
    for (int i : members) {
      const double pe = r.s.psi_deg[std::size_t(r.poses[std::size_t(i)].r)];
      psi_err.push_back(std::abs(wrap180(pe - d.psi_deg[std::size_t(i)] - delta)));
      const double c = std::cos(pe * M_PI / 180), s = std::sin(pe * M_PI / 180);
      const int t = r.poses[std::size_t(i)].t;
      const double ex = r.s.shift_x_px[std::size_t(t)] - d.origin_x_px[std::size_t(i)] - (c * dx + s * dy),
                   ey = r.s.shift_y_px[std::size_t(t)] - d.origin_y_px[std::size_t(i)] - (-s * dx + c * dy);
      off_err.push_back(std::hypot(ex, ey));
    }
  }
  EXPECT_LT(median(psi_err), psi_step) << "ARI " << ari;
  EXPECT_LT(median(off_err), 1.0) << "ARI " << ari;
  for (std::size_t i = 1; i < r.log_likelihood.size(); ++i) ASSERT_TRUE(std::isfinite(r.log_likelihood[i]));
}

// With the true classes as references and little noise, the maximum-posterior pose of each image
// is its true class, its angle to within one step and its origin to within one grid step (the
// origins are off the grid, which lets angle and shift trade a little): the
// rotation and shift conventions of the engine against the analytic rendering of the fixture.
TEST(Classify2d, FindsTruePosesWithTrueReferences) {
  Case c = make_case();
  const int box = 32, n = 10;
  c.d = make_classify2d_synthetic(box, n, 3, 5.0, true, 11);
  c.p = prepare(c.d, 2);
  c.s = ops::Classify2dSampling::make(box, 12, 10.0, 2.0, 1.0);
  c.m.class_weights = {1.0 / 3, 1.0 / 3, 1.0 / 3};
  for (Device dev : {Device::reference, Device::cpu}) {
    std::vector<ops::Classify2dPose> pc(static_cast<std::size_t>(n));
    auto e = ops::make_classify2d_engine(dev, c.m, c.s);
    e->process(batch_of(c.p, n), pc.data(), nullptr);
    for (int i = 0; i < n; ++i) {
      const ops::Classify2dPose& q = pc[std::size_t(i)];
      EXPECT_EQ(q.k, c.d.truth_class[std::size_t(i)]) << to_string(dev) << " image " << i;
      double dpsi = std::fmod(c.s.psi_deg[std::size_t(q.r)] - c.d.psi_deg[std::size_t(i)] + 540.0, 360.0) - 180.0;
      EXPECT_LE(std::abs(dpsi), 10.0) << to_string(dev) << " image " << i;
      EXPECT_LE(std::abs(c.s.shift_x_px[std::size_t(q.t)] - c.d.origin_x_px[std::size_t(i)]), 1.0) << "image " << i;
      EXPECT_LE(std::abs(c.s.shift_y_px[std::size_t(q.t)] - c.d.origin_y_px[std::size_t(i)]), 1.0) << "image " << i;
    }
  }
}

TEST(Classify2d, SamplingRejectsBadSteps) {
  EXPECT_THROW(ops::Classify2dSampling::make(32, 8, 0.0, 2, 1), thon::Error);
  EXPECT_THROW(ops::Classify2dSampling::make(32, 8, -5.0, 2, 1), thon::Error);
  EXPECT_THROW(ops::Classify2dSampling::make(32, 8, 10.0, 20, 1), thon::Error);
  EXPECT_THROW(ops::Classify2dSampling::make(32, 8, 10.0, 2, 0), thon::Error);
  const ops::Classify2dSampling s = ops::Classify2dSampling::make(64, 20, 10.0, 5, 1);
  EXPECT_EQ(s.n_rotations(), 36);
  EXPECT_EQ(s.n_translations(), 81);  // integer points in the disc of radius 5
}

}  // namespace
}  // namespace thon::test
