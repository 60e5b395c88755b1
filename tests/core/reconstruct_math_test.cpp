// math/reconstruct.hpp against closed forms: the gridding correction (kernel Fourier transforms,
// the cubic one against its symbolic closed form), RELION's FSC -> SSNR -> 1/tau^2, the regularised
// division, the soft mask and the centring phase.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <random>
#include <vector>

#include "thon/math/reconstruct.hpp"

namespace thon {
namespace {

using math::Interp;

/// Closed form of the Keys (a = -1/2) kernel's Fourier transform, from integrating the piecewise
/// cubic symbolically (sympy): H(u) = sin^3(pi u) (3 sin(pi u) - 2 pi u cos(pi u)) / (pi u)^4.
/// It agrees with Park & Schowengerdt (CVGIP 23, 258, 1983) at a = -1/2. An oracle independent of
/// the Gauss-Legendre quadrature in math::interp_kernel_ft.
double keys_ft_closed_form(double u) {
  const double x = M_PI * u;
  if (std::abs(x) < 1e-6) return 1.0;
  const double s = std::sin(x), c = std::cos(x);
  return s * s * s * (3 * s - 2 * x * c) / (x * x * x * x);
}

TEST(ReconstructMath, GriddingCorrectionIsTheKernelTransform) {
  for (double u : {0.0, 0.01, 0.1, 0.2, 0.25, 0.33, 0.5}) {
    // 8-point Gauss-Legendre per unit interval on a cubic times cos(2 pi u s): error < 1e-12 here.
    EXPECT_NEAR(math::interp_kernel_ft(Interp::cubic, u), keys_ft_closed_form(u), 1e-10) << u;
    const double sinc = u == 0 ? 1 : std::sin(M_PI * u) / (M_PI * u);
    EXPECT_NEAR(math::gridding_correction(Interp::linear, u * 64, 0.0, 0.0, 64), sinc * sinc, 1e-12);
    EXPECT_NEAR(math::gridding_correction(Interp::nearest, 0.0, u * 64, 0.0, 64), sinc, 1e-12);
  }
  // separable product; sinc^2(1/4) = 8 / pi^2 for the triangle at a quarter of the padded box
  EXPECT_NEAR(math::gridding_correction(Interp::linear, 16.0, 16.0, 0.0, 64), 64 / std::pow(M_PI, 4), 1e-12);
}

TEST(ReconstructMath, SsnrFromFscFollowsRelion) {
  // half maps: SSNR = FSC / (1 - FSC)
  EXPECT_NEAR(math::ssnr_from_fsc(0.5, false), 1.0, 1e-15);
  EXPECT_NEAR(math::ssnr_from_fsc(0.143, false), 0.143 / 0.857, 1e-15);
  // whole map: FSC' = sqrt(2 FSC / (1 + FSC)); FSC 0.5 -> sqrt(2/3) -> SSNR = 4.449489742783178
  EXPECT_NEAR(math::ssnr_from_fsc(0.5, true), std::sqrt(2.0 / 3) / (1 - std::sqrt(2.0 / 3)), 1e-12);
  // clamps at 0.001 and 0.999
  EXPECT_NEAR(math::ssnr_from_fsc(-0.3, false), 0.001 / 0.999, 1e-15);
  EXPECT_NEAR(math::ssnr_from_fsc(1.0, false), 999.0, 1e-9);
  // 1/tau^2 = <W> / (fudge SSNR)
  EXPECT_NEAR(math::inv_tau2_from_ssnr(10.0, 4.0, 2.0), 1.25, 1e-15);
  EXPECT_EQ(math::inv_tau2_from_ssnr(10.0, 0.0, 1.0), 0.0);
}

TEST(ReconstructMath, RegularisedDivisionAndFloor) {
  const Complex<double> d(3.0, -6.0);
  const auto v = math::regularised_divide(d, 2.0, 1.0, 1e-3);
  EXPECT_DOUBLE_EQ(v.re, 1.0);
  EXPECT_DOUBLE_EQ(v.im, -2.0);
  const auto f = math::regularised_divide(d, 0.0, 0.0, 0.5);
  EXPECT_DOUBLE_EQ(f.re, 6.0);
  EXPECT_DOUBLE_EQ(f.im, -12.0);
}

TEST(ReconstructMath, SoftSphereMaskIsRaisedCosine) {
  EXPECT_EQ(math::soft_sphere_mask(5.0, 10.0, 4.0), 1.0);
  EXPECT_EQ(math::soft_sphere_mask(10.0, 10.0, 4.0), 1.0);
  EXPECT_NEAR(math::soft_sphere_mask(12.0, 10.0, 4.0), 0.5, 1e-15);
  EXPECT_NEAR(math::soft_sphere_mask(11.0, 10.0, 4.0), 0.5 * (1 + std::cos(M_PI / 4)), 1e-15);
  EXPECT_EQ(math::soft_sphere_mask(14.0, 10.0, 4.0), 0.0);
  EXPECT_EQ(math::soft_sphere_mask(10.5, 10.0, 0.0), 0.0);
}

TEST(ReconstructMath, CentringPhaseEqualsDftAboutTheShiftedCentre) {
  // I(x) = P(x + o) with integer o (periodic): F_P about centre c equals F_I * centring_phase.
  const int n = 12, ox = 3, oy = -2, c = n / 2;
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<double> p(n * n), img(n * n);
  for (auto& v : p) v = u(rng);
  for (int y = 0; y < n; ++y)
    for (int x = 0; x < n; ++x) img[y * n + x] = p[((y + oy + n) % n) * n + (x + ox + n) % n];
  for (int ky = -n / 2; ky < n / 2; ++ky)
    for (int kx = 0; kx <= n / 2; ++kx) {
      std::complex<double> fi, fp;
      for (int y = 0; y < n; ++y)
        for (int x = 0; x < n; ++x) {
          fi += img[y * n + x] * std::polar(1.0, -2 * M_PI * (kx * x + ky * y) / n);
          fp += p[y * n + x] * std::polar(1.0, -2 * M_PI * (kx * (x - c) + ky * (y - c)) / n);
        }
      const auto ph = math::centring_phase<double>(kx, ky, n, ox, oy);
      const std::complex<double> got = fi * std::complex<double>(ph.re, ph.im);
      EXPECT_NEAR(std::abs(got - fp), 0.0, 1e-10) << kx << " " << ky;
    }
}

}  // namespace
}  // namespace thon
