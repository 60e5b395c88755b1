// Interpolation kernels and the (index, weight) enumerator: kernel values from Keys (1981),
// polynomial reproduction, the kernels' Fourier transforms against quadrature, the half-complex
// Hermitian handling against interpolation of the full complex transform (direct DFT), the radius
// limit, and real-space resampling against closed forms and the reference.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <random>
#include <vector>

#include "test_util.hpp"
#include "thon/core/units.hpp"
#include "thon/math/interp.hpp"
#include "thon/math/rotation.hpp"
#include "thon/ops/resample.hpp"

namespace thon {
namespace {

using math::Interp;
const Interp kKernels[] = {Interp::nearest, Interp::linear, Interp::cubic};

// Keys (1981), eq. 15 with a = -1/2: h(0) = 1, h(1) = h(2) = 0, h(1/2) = 9/16, h(3/2) = -1/16.
TEST(InterpKernel, KeysValues) {
  EXPECT_DOUBLE_EQ(math::keys_cubic(0.0), 1.0);
  EXPECT_DOUBLE_EQ(math::keys_cubic(1.0), 0.0);
  EXPECT_DOUBLE_EQ(math::keys_cubic(2.0), 0.0);
  EXPECT_DOUBLE_EQ(math::keys_cubic(0.5), 9.0 / 16.0);
  EXPECT_DOUBLE_EQ(math::keys_cubic(-1.5), -1.0 / 16.0);
  EXPECT_DOUBLE_EQ(math::keys_cubic(2.5), 0.0);
  // The explicit weights equal the kernel at the four distances.
  for (double x : {0.0, 0.1, 0.5, 0.77, 3.25, -1.4}) {
    double w[4];
    const int i0 = math::interp_weights_1d(Interp::cubic, x, w);
    double sum = 0;
    for (int j = 0; j < 4; ++j) {
      EXPECT_NEAR(w[j], math::keys_cubic(x - (i0 + j)), 1e-15);
      sum += w[j];
    }
    EXPECT_NEAR(sum, 1.0, 1e-15);
  }
}

// Linear interpolation reproduces polynomials of degree 1, Keys cubic (a = -1/2) of degree 2
// (Keys 1981, section III: third-order accurate). 3D, double: exact to rounding (1e-12).
TEST(InterpKernel, PolynomialReproduction3D) {
  const int n = 12;
  std::vector<double> lin(n * n * n), quad(n * n * n);
  for (int z = 0; z < n; ++z)
    for (int y = 0; y < n; ++y)
      for (int x = 0; x < n; ++x) {
        lin[(z * n + y) * n + x] = 0.5 + 2 * x - 3 * y + 0.25 * z;
        quad[(z * n + y) * n + x] = 1 + 0.1 * x * x - 0.2 * y * z + 0.3 * z * z + x;
      }
  std::mt19937 rng(4);
  std::uniform_real_distribution<double> u(2.0, n - 3.0);
  for (int i = 0; i < 200; ++i) {
    const double x = u(rng), y = u(rng), z = u(rng);
    EXPECT_NEAR(math::interpolate_real_3d<double>(Interp::linear, lin.data(), n, n, n, x, y, z),
                0.5 + 2 * x - 3 * y + 0.25 * z, 1e-12);
    EXPECT_NEAR(math::interpolate_real_3d<double>(Interp::cubic, quad.data(), n, n, n, x, y, z),
                1 + 0.1 * x * x - 0.2 * y * z + 0.3 * z * z + x, 1e-11);
    // nearest: the value at the rounded position
    const int ix = int(std::floor(x + 0.5)), iy = int(std::floor(y + 0.5)), iz = int(std::floor(z + 0.5));
    EXPECT_DOUBLE_EQ(math::interpolate_real_3d<double>(Interp::nearest, lin.data(), n, n, n, x, y, z),
                     lin[(iz * n + iy) * n + ix]);
  }
  // Outside the array: zero; at the border only the inside samples count.
  EXPECT_EQ(math::interpolate_real_3d<double>(Interp::cubic, lin.data(), n, n, n, -3.0, 4.0, 4.0), 0.0);
  EXPECT_EQ(math::interpolate_real_2d<double>(Interp::linear, lin.data(), n, n, 4.0, double(n)), 0.0);
}

// H(nu) = integral h(s) exp(-2 pi i nu s) ds, by a 2e5-point midpoint rule over the support
// (error ~ 1e-10 for these piecewise polynomials, whose kinks sit on the grid).
TEST(InterpKernel, FourierTransformMatchesQuadrature) {
  for (Interp k : kKernels) {
    for (double nu : {0.0, 0.1, 0.25, 0.4, 0.5, 0.75, 1.0}) {
      const double half = k == Interp::nearest ? 0.5 : (k == Interp::linear ? 1.0 : 2.0);
      const int m = 200000;
      const double ds = 2 * half / m;
      double sum = 0;
      for (int i = 0; i < m; ++i) {
        const double s = -half + (i + 0.5) * ds;
        const double h = k == Interp::nearest ? 1.0
                         : k == Interp::linear ? 1.0 - std::abs(s)
                                               : math::keys_cubic(s);
        sum += h * std::cos(2 * kPi * nu * s) * ds;
      }
      EXPECT_NEAR(math::interp_kernel_ft(k, nu), sum, 1e-8) << int(k) << " nu " << nu;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Half-complex interpolation (one function handles the Hermitian half) against interpolation of
// the FULL complex transform, computed by a direct DFT in double, with the same separable weights
// and periodic wrap. Positions cover negative x, the Nyquist planes and wrap-around.

std::vector<std::complex<double>> full_dft(const std::vector<double>& f, int nx, int ny, int nz) {
  std::vector<std::complex<double>> F(f.size());
  for (int kz = 0; kz < nz; ++kz)
    for (int ky = 0; ky < ny; ++ky)
      for (int kx = 0; kx < nx; ++kx) {
        std::complex<double> s = 0;
        for (int z = 0; z < nz; ++z)
          for (int y = 0; y < ny; ++y)
            for (int x = 0; x < nx; ++x) {
              const double ph = -2 * kPi * (double(kx) * x / nx + double(ky) * y / ny + double(kz) * z / nz);
              s += f[(std::size_t(z) * ny + y) * nx + x] * std::polar(1.0, ph);
            }
        F[(std::size_t(kz) * ny + ky) * nx + kx] = s;
      }
  return F;
}

std::complex<double> interpolate_full(Interp k, const std::vector<std::complex<double>>& F, int nx,
                                      int ny, int nz, double px, double py, double pz) {
  double wx[4], wy[4], wz[4];
  const int s = math::interp_support(k);
  const int x0 = math::interp_weights_1d(k, px, wx), y0 = math::interp_weights_1d(k, py, wy),
            z0 = math::interp_weights_1d(k, pz, wz);
  auto mod = [](int a, int n) { return ((a % n) + n) % n; };
  std::complex<double> sum = 0;
  for (int c = 0; c < (nz > 1 ? s : 1); ++c)
    for (int b = 0; b < s; ++b)
      for (int a = 0; a < s; ++a) {
        const double w = wx[a] * wy[b] * (nz > 1 ? wz[c] : 1.0);
        sum += w * F[(std::size_t(mod(z0 + c, nz)) * ny + mod(y0 + b, ny)) * nx + mod(x0 + a, nx)];
      }
  return sum;
}

std::vector<Complex<double>> half_of(const std::vector<std::complex<double>>& F, int nx, int ny, int nz) {
  const int h = nx / 2 + 1;
  std::vector<Complex<double>> H(std::size_t(h) * ny * nz);
  for (int z = 0; z < nz; ++z)
    for (int y = 0; y < ny; ++y)
      for (int x = 0; x < h; ++x) {
        const auto v = F[(std::size_t(z) * ny + y) * nx + x];
        H[(std::size_t(z) * ny + y) * h + x] = {v.real(), v.imag()};
      }
  return H;
}

TEST(FourierInterp, HalfComplexEqualsFullTransform2D3D) {
  std::mt19937 rng(17);
  std::uniform_real_distribution<double> u(-9.0, 9.0);
  for (int n : {8, 7}) {
    for (int nd : {2, 3}) {
      const int nz = nd == 3 ? n : 1;
      const auto f = test::random_vector<double>(std::int64_t(n) * n * nz, 5 + n);
      const auto F = full_dft(f, n, n, nz);
      const auto H = half_of(F, n, n, nz);
      for (Interp k : kKernels) {
        double err = 0, mag = 0;
        for (int i = 0; i < 300; ++i) {
          const double px = u(rng), py = u(rng), pz = nd == 3 ? u(rng) : 0.0;
          const auto want = interpolate_full(k, F, n, n, nz, px, py, pz);
          const Complex<double> got =
              nd == 3 ? math::interpolate_fourier_3d<double>(k, H.data(), n, n, n, px, py, pz, 1e30)
                      : math::interpolate_fourier_2d<double>(k, H.data(), n, n, px, py, 1e30);
          err = std::max(err, std::abs(std::complex<double>(got.re, got.im) - want));
          mag = std::max(mag, std::abs(want));
        }
        EXPECT_GT(mag, 0.1);
        EXPECT_LT(err / mag, 1e-12) << nd << "D n=" << n << " kernel " << int(k);
      }
    }
  }
}

// Beyond r_max nothing is read or written.
TEST(FourierInterp, RadiusLimit) {
  const int n = 16;
  std::vector<Complex<double>> a(std::size_t(n / 2 + 1) * n * n, Complex<double>(1.0, 1.0));
  const double r2 = 5.0 * 5.0;
  const auto in = math::interpolate_fourier_3d<double>(Interp::linear, a.data(), n, n, n, 3.0, 3.0, 2.0, r2);
  EXPECT_NEAR(in.re, 1.0, 1e-15);
  const auto out = math::interpolate_fourier_3d<double>(Interp::linear, a.data(), n, n, n, 3.0, 3.0, 3.0, r2);
  EXPECT_EQ(out.re, 0.0);
  EXPECT_EQ(out.im, 0.0);
  std::vector<Complex<double>> acc(a.size());
  std::vector<double> w(a.size());
  math::insert_fourier_3d<double>(Interp::cubic, acc.data(), w.data(), n, n, n, -4.0, 3.0, 3.0, r2,
                                  Complex<double>(1, 1), 1.0, math::PlainAdd{});
  for (std::size_t i = 0; i < acc.size(); ++i) EXPECT_EQ(w[i], 0.0);
  // Inside, the inserted weights sum to 1 (partition of unity), conjugation applied for px < 0.
  math::insert_fourier_3d<double>(Interp::cubic, acc.data(), w.data(), n, n, n, -1.3, 0.4, 2.2, r2,
                                  Complex<double>(0, 1), 1.0, math::PlainAdd{});
  double ws = 0, im = 0;
  for (std::size_t i = 0; i < acc.size(); ++i) {
    ws += w[i];
    im += acc[i].im;
  }
  EXPECT_NEAR(ws, 1.0, 1e-14);
  EXPECT_NEAR(im, -1.0, 1e-14);
}

// ---------------------------------------------------------------------------------------------
// Real-space resampling against closed forms: an anisotropic Gaussian rotated, shifted, rescaled.
// Sigmas 3-4 px: cubic interpolation error ~ 1e-3 relative; linear ~ 1e-2.

double gauss2(double x, double y, double sx, double sy) {
  return std::exp(-0.5 * (x * x / (sx * sx) + y * y / (sy * sy)));
}

TEST(Resample, ImagesMatchClosedForms) {
  const int n = 64, c = n / 2;
  Image<double> im(n, n);
  const double sx = 4.0, sy = 2.5;
  for (int y = 0; y < n; ++y)
    for (int x = 0; x < n; ++x) im(y, x) = gauss2(x - c - 3.0, y - c + 2.0, sx, sy);
  const double psi = 30.0;
  const Mat3<double> r = math::euler_to_matrix(0.0, 0.0, psi);
  auto check = [&](const Image<double>& got, auto truth_fn, double tol, const char* what) {
    std::vector<double> t(std::size_t(n) * n);
    for (int y = 0; y < n; ++y)
      for (int x = 0; x < n; ++x) t[std::size_t(y) * n + x] = truth_fn(x - c, y - c);
    EXPECT_TRUE(test::finite_and_nonzero(got.data(), got.size()));
    const double e = test::rel_l2(got.data(), t.data(), got.size());
    std::printf("resample %-28s rel L2 = %.2e\n", what, e);
    EXPECT_LT(e, tol) << what;
  };
  // rotate: out(x) = in(R^T x)
  const auto rot = ops::rotate_image(Device::cpu, im, psi, Interp::cubic);
  check(rot, [&](double x, double y) {
    const double ux = r.m[0][0] * x + r.m[1][0] * y, uy = r.m[0][1] * x + r.m[1][1] * y;
    return gauss2(ux - 3.0, uy + 2.0, sx, sy);
  }, 5e-3, "rotate 30 deg, cubic");
  const auto rot_l = ops::rotate_image(Device::cpu, im, psi, Interp::linear);
  check(rot_l, [&](double x, double y) {
    const double ux = r.m[0][0] * x + r.m[1][0] * y, uy = r.m[0][1] * x + r.m[1][1] * y;
    return gauss2(ux - 3.0, uy + 2.0, sx, sy);
  }, 3e-2, "rotate 30 deg, linear");
  const auto sh = ops::shift_image(Device::cpu, im, 1.5, -2.25, Interp::cubic);
  check(sh, [&](double x, double y) { return gauss2(x - 1.5 - 3.0, y + 2.25 + 2.0, sx, sy); }, 5e-3,
        "shift (1.5, -2.25), cubic");
  const auto shi = ops::shift_image(Device::cpu, im, 2.0, -1.0, Interp::nearest);
  check(shi, [&](double x, double y) { return gauss2(x - 2.0 - 3.0, y + 1.0 + 2.0, sx, sy); }, 1e-12,
        "integer shift, nearest");
  const auto sc = ops::rescale_image(Device::cpu, im, 1.25, Interp::cubic);
  check(sc, [&](double x, double y) { return gauss2(x / 1.25 - 3.0, y / 1.25 + 2.0, sx, sy); }, 5e-3,
        "rescale x1.25, cubic");
}

TEST(Resample, VolumeRotationMatchesClosedForm) {
  const int n = 32, c = n / 2;
  Volume<float> v = Volume<float>::cube(n);
  auto g = [](double x, double y, double z) {
    return std::exp(-0.5 * ((x - 2) * (x - 2) / 9.0 + (y + 1) * (y + 1) / 16.0 + z * z / 6.25));
  };
  for (int z = 0; z < n; ++z)
    for (int y = 0; y < n; ++y)
      for (int x = 0; x < n; ++x) v(z, y, x) = float(g(x - c, y - c, z - c));
  const Mat3<double> a = math::euler_to_matrix(20.0, 50.0, -70.0);
  std::vector<double> t(std::size_t(n) * n * n);
  for (int z = 0; z < n; ++z)
    for (int y = 0; y < n; ++y)
      for (int x = 0; x < n; ++x) {
        const Vec3<double> u = transpose(a) * Vec3<double>{double(x - c), double(y - c), double(z - c)};
        t[(std::size_t(z) * n + y) * n + x] = g(u.x, u.y, u.z);
      }
  const auto out = ops::rotate_volume(Device::cpu, v, a, Interp::cubic);
  const auto ref = ops::rotate_volume(Device::reference, v, a, Interp::cubic);
  EXPECT_TRUE(test::finite_and_nonzero(out.data(), out.size()));
  const double e = test::rel_l2(out.data(), t.data(), out.size());
  std::printf("rotate_volume cubic vs closed form: rel L2 = %.2e\n", e);
  EXPECT_LT(e, 5e-3);
  // CPU (float) vs reference (double): sums of 64 terms, 1e-5.
  EXPECT_LT(test::rel_l2(out.data(), ref.data(), out.size()), 1e-5);
  for (Interp k : kKernels) {
    const auto s1 = ops::shift_volume(Device::cpu, v, {0.3, -1.7, 2.2}, k);
    const auto s2 = ops::shift_volume(Device::reference, v, {0.3, -1.7, 2.2}, k);
    const auto r1 = ops::rescale_volume(Device::cpu, v, 0.8, k);
    const auto r2 = ops::rescale_volume(Device::reference, v, 0.8, k);
    EXPECT_LT(test::rel_l2(s1.data(), s2.data(), s1.size()), 1e-5);
    EXPECT_LT(test::rel_l2(r1.data(), r2.data(), r1.size()), 1e-5);
  }
  EXPECT_THROW(ops::rescale_volume(Device::cpu, v, 0.0, Interp::linear), Error);
}

}  // namespace
}  // namespace thon
