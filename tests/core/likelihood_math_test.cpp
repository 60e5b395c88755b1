// math/likelihood.hpp against closed forms: log-sum-exp, the expansion of the squared distance
// into cross and norm terms, shift phases against the DFT of a shifted delta, the rotation.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "thon/math/likelihood.hpp"

namespace thon::math {
namespace {

TEST(LikelihoodMath, LogSumExpMatchesDirectSumAndSurvivesLargeValues) {
  LogSumExp<double> a;
  double direct = 0;
  for (double x : {-1.0, 0.5, 2.0, -3.0}) {
    a.add(x);
    direct += std::exp(x);
  }
  EXPECT_NEAR(a.value(), std::log(direct), 1e-14);
  // exp(1000) overflows a double; the closed form is 1001 + log(1 + e^-1).
  LogSumExp<double> b;
  b.add(1000.0);
  b.add(1001.0);
  EXPECT_NEAR(b.value(), 1001.0 + std::log1p(std::exp(-1.0)), 1e-12);
  LogSumExp<float> c;
  c.add(-2000.f);
  c.add(-2000.f);
  EXPECT_NEAR(c.value(), -2000.f + std::log(2.f), 1e-3);
}

TEST(LikelihoodMath, DistanceExpandsIntoCrossAndNormTerms) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> u(-2, 2);
  for (int trial = 0; trial < 100; ++trial) {
    const Complex<double> x(u(rng), u(rng)), a(u(rng), u(rng));
    const double ctf = u(rng), sigma2 = 0.1 + std::abs(u(rng)), w = trial % 2 ? 1.0 : 0.5;
    const double direct = pixel_log_likelihood(x, a, ctf, sigma2, w);
    const Complex<double> y = image_side(x, ctf, 1 / sigma2, w);
    const double cross = y.re * a.re + y.im * a.im;  // Re(y conj(a))
    const double expanded = pixel_log_likelihood_constant(x, sigma2, w) + cross - 0.5 * norm_side(ctf, 1 / sigma2, w) * norm(a);
    EXPECT_NEAR(expanded, direct, 1e-12 * (1 + std::abs(direct)));
  }
}

TEST(LikelihoodMath, ShiftPhaseMovesADelta) {
  // The DFT of a delta at x0 is exp(-2 pi i k.x0 / n); times shift_phase(t) it is the DFT of the
  // delta at x0 + t, so the image becomes I(x - t).
  const int n = 16;
  for (int kx = 0; kx <= n / 2; ++kx)
    for (int ky = -n / 2; ky < n / 2; ++ky) {
      const double x0 = 3, y0 = -2, tx = 1.5, ty = -0.25;
      const Complex<double> d0 = cis(-2 * M_PI * (kx * x0 + ky * y0) / n);
      const Complex<double> want = cis(-2 * M_PI * (kx * (x0 + tx) + ky * (y0 + ty)) / n);
      const Complex<double> got = d0 * shift_phase(kx, ky, tx, ty, n);
      EXPECT_NEAR(got.re, want.re, 1e-12);
      EXPECT_NEAR(got.im, want.im, 1e-12);
    }
  // centre_phase is (-1)^(kx+ky) for even n.
  EXPECT_NEAR(centre_phase<double>(1, 0, 16).re, -1.0, 1e-12);
  EXPECT_NEAR(centre_phase<double>(1, 1, 16).re, 1.0, 1e-12);
  EXPECT_NEAR(centre_phase<double>(3, -2, 16).re, -1.0, 1e-12);
}

TEST(LikelihoodMath, RotationToClassFrameIsTheTransposeOfThePassiveRotation) {
  // psi = 90 deg: R = [[0, 1], [-1, 0]], R^T (1, 0) = (0, 1).
  double qx, qy;
  rotate_to_class_frame(1.0, 0.0, std::cos(M_PI / 2), std::sin(M_PI / 2), &qx, &qy);
  EXPECT_NEAR(qx, 0.0, 1e-15);
  EXPECT_NEAR(qy, 1.0, 1e-15);
  rotate_to_class_frame(0.6, -0.8, std::cos(0.3), std::sin(0.3), &qx, &qy);
  EXPECT_NEAR(qx * qx + qy * qy, 1.0, 1e-14);
  EXPECT_DOUBLE_EQ(independent_pixel_weight<double>(0), 0.5);
  EXPECT_DOUBLE_EQ(independent_pixel_weight<double>(3), 1.0);
  EXPECT_DOUBLE_EQ(offset_log_prior(3.0, 4.0, 5.0), -0.5);
}

}  // namespace
}  // namespace thon::math
