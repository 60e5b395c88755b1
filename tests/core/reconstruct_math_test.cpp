// math/reconstruct.hpp against closed forms and numerical quadrature: kernel weights, the kernels'
// Fourier transforms (gridding correction), RELION's FSC -> SSNR -> 1/tau^2, the soft mask and the
// centring phase.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <random>
#include <vector>

#include "thon/math/reconstruct.hpp"

namespace thon {
namespace {

using math::GriddingKernel;

double box_kernel(double s) { return std::abs(s) < 0.5 ? 1.0 : (std::abs(s) == 0.5 ? 0.5 : 0.0); }
double tri_kernel(double s) { return std::max(0.0, 1.0 - std::abs(s)); }

/// integral h(s) cos(2 pi u s) ds over [-2, 2] by composite Simpson with 40000 panels
/// (error ~ h^4 f'''' ~ 1e-16 on smooth pieces; kinks at integers fall on panel edges).
template <class H>
double fourier_by_quadrature(H h, double u) {
  const int m = 40000;
  const double a = -2, b = 2, dh = (b - a) / m;
  double s = 0;
  for (int i = 0; i <= m; ++i) {
    const double x = a + i * dh;
    const double w = (i == 0 || i == m) ? 1 : (i % 2 ? 4 : 2);
    s += w * h(x) * std::cos(2 * M_PI * u * x);
  }
  return s * dh / 3;
}

TEST(ReconstructMath, KeysKernelInterpolatesAndHasPublishedShape) {
  // Keys (1981): h(0) = 1, h(+-1) = h(+-2) = 0; at a = -1/2, h(1/2) = 0.5625, h(3/2) = -0.0625.
  EXPECT_DOUBLE_EQ(math::keys_kernel(0.0), 1.0);
  EXPECT_NEAR(math::keys_kernel(1.0), 0.0, 1e-15);
  EXPECT_NEAR(math::keys_kernel(2.0), 0.0, 1e-15);
  EXPECT_NEAR(math::keys_kernel(0.5), 0.5625, 1e-15);
  EXPECT_NEAR(math::keys_kernel(-1.5), -0.0625, 1e-15);
}

TEST(ReconstructMath, KernelWeightsSumToOneAndReproduceLinearFunctions) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(-20, 20);
  for (GriddingKernel k : {GriddingKernel::nearest, GriddingKernel::linear, GriddingKernel::cubic}) {
    for (int t = 0; t < 1000; ++t) {
      const double q = u(rng);
      double w[4];
      const int i0 = math::kernel_weights_1d(k, q, w);
      double sum = 0, first = 0;
      for (int i = 0; i < math::kernel_support(k); ++i) {
        sum += w[i];
        first += w[i] * (i0 + i);
      }
      EXPECT_NEAR(sum, 1.0, 1e-12);
      // linear and cubic reproduce f(x) = x exactly; nearest to within half a sample
      if (k == GriddingKernel::nearest) EXPECT_LE(std::abs(first - q), 0.5 + 1e-12);
      else EXPECT_NEAR(first, q, 1e-12);
    }
  }
}

TEST(ReconstructMath, KernelFourierTransformsMatchQuadrature) {
  const double tol = 1e-9;  // Simpson error with 40000 panels on piecewise cubics (~1e-15) plus kinks
  for (double u : {0.0, 0.01, 0.1, 0.2, 0.25, 0.33, 0.5, 0.7, 1.0}) {
    EXPECT_NEAR(math::kernel_fourier_transform(GriddingKernel::linear, u), fourier_by_quadrature(tri_kernel, u), tol) << u;
    EXPECT_NEAR(math::kernel_fourier_transform(GriddingKernel::nearest, u), fourier_by_quadrature(box_kernel, u), 1e-4)
        << u;  // the box has jumps at +-1/2: Simpson error O(dh)
    EXPECT_NEAR(math::kernel_fourier_transform(GriddingKernel::cubic, u),
                fourier_by_quadrature([](double s) { return math::keys_kernel(s); }, u), tol)
        << u;
  }
  // closed forms: sinc^2(1/4) = 8 / pi^2 for the triangle.
  EXPECT_NEAR(math::kernel_fourier_transform(GriddingKernel::linear, 0.5), 4 / (M_PI * M_PI), 1e-15);
  EXPECT_NEAR(math::gridding_correction(GriddingKernel::linear, 16.0, 0.0, 0.0, 32), 4 / (M_PI * M_PI), 1e-15);
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
