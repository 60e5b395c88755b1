// FFT on the reference (direct DFT, double) and CPU (FFTW) backends against independent oracles:
// a brute-force non-separable DFT, Parseval, the shift theorem and the closed-form transform of a
// sampled Gaussian; CPU float against the double reference.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "cpu/fft.hpp"
#include "test_util.hpp"
#include "thon/core/error.hpp"
#include "thon/core/units.hpp"
#include "thon/math/fourier_grid.hpp"
#include "thon/ops/fft.hpp"

namespace thon {
namespace {

using test::rel_l2;

// Float FFT vs double reference: the error of a float FFT grows like eps_f * sqrt(log2 N) ~ 1e-7 *
// a few; 1e-5 leaves a wide margin. Double FFTW vs double direct DFT: 1e-12 (eps_d * log N * 10).
constexpr double kFloatTol = 1e-5;
constexpr double kDoubleTol = 1e-12;

const Shape kShapes[] = {
    {17, 1, 1, 1}, {32, 1, 1, 1}, {16, 12, 1, 1}, {15, 9, 1, 1}, {12, 10, 1, 3},
    {8, 6, 10, 1}, {7, 9, 5, 1},  {9, 8, 6, 2},
};

std::string name(const Shape& s) {
  return std::to_string(s.nx) + "x" + std::to_string(s.ny) + "x" + std::to_string(s.nz) + " batch " +
         std::to_string(s.batch);
}

/// Brute-force DFT of one array, every output bin summed over every input voxel (non-separable).
std::vector<Complex<double>> brute_dft(const std::vector<Complex<double>>& f, const Shape& s, int sign) {
  std::vector<Complex<double>> F(f.size());
  for (int kz = 0; kz < s.nz; ++kz)
    for (int ky = 0; ky < s.ny; ++ky)
      for (int kx = 0; kx < s.nx; ++kx) {
        long double re = 0, im = 0;
        for (int z = 0; z < s.nz; ++z)
          for (int y = 0; y < s.ny; ++y)
            for (int x = 0; x < s.nx; ++x) {
              const long double ph = sign * 2.0L * 3.14159265358979323846264338L *
                                     ((long double)(kx * x) / s.nx + (long double)(ky * y) / s.ny +
                                      (long double)(kz * z) / s.nz);
              const auto& v = f[(std::size_t(z) * s.ny + y) * s.nx + x];
              re += v.re * std::cos(ph) - v.im * std::sin(ph);
              im += v.re * std::sin(ph) + v.im * std::cos(ph);
            }
        F[(std::size_t(kz) * s.ny + ky) * s.nx + kx] = Complex<double>(double(re), double(im));
      }
  return F;
}

TEST(ReferenceDft, MatchesBruteForceSum) {
  for (const Shape s : {Shape{5, 1, 1, 1}, Shape{6, 5, 1, 1}, Shape{4, 3, 5, 1}}) {
    const auto re = test::random_vector<double>(s.size(), 3), im = test::random_vector<double>(s.size(), 4);
    std::vector<Complex<double>> f(s.size());
    for (index_t i = 0; i < s.size(); ++i) f[i] = Complex<double>(re[i], im[i]);
    std::vector<Complex<double>> F(f.size());
    ops::fft_c2c(Device::reference, f.data(), F.data(), s, FftDirection::forward);
    const auto expect = brute_dft(f, s, -1);
    ASSERT_TRUE(test::finite_and_nonzero(F.data(), index_t(F.size())));
    EXPECT_LT(rel_l2(F.data(), expect.data(), index_t(F.size())), 1e-14) << name(s);
    // r2c = the stored half of the c2c transform of the real part.
    std::vector<Complex<double>> H(s.half_size());
    ops::fft_r2c(Device::reference, re.data(), H.data(), s);
    std::vector<Complex<double>> fr(s.size());
    for (index_t i = 0; i < s.size(); ++i) fr[i] = Complex<double>(re[i], 0.0);
    const auto Fr = brute_dft(fr, s, -1);
    for (index_t i = 0; i < s.half_size(); ++i) {
      const auto h = math::half_index(i, s.nx, s.ny, s.nz);
      const auto& e = Fr[(std::size_t(math::wrapped_index(h.kz, s.nz)) * s.ny + math::wrapped_index(h.ky, s.ny)) * s.nx + h.kx];
      ASSERT_NEAR(H[i].re, e.re, 1e-12) << i;
      ASSERT_NEAR(H[i].im, e.im, 1e-12) << i;
    }
  }
}

TEST(CpuFft, FloatAndDoubleMatchDirectDft) {
  for (const Shape& s : kShapes) {
    const auto xd = test::random_vector<double>(s.total(), 7);
    const std::vector<float> xf(xd.begin(), xd.end());
    std::vector<Complex<double>> ref(s.half_total()), cd(s.half_total());
    std::vector<Complex<float>> cf(s.half_total());
    ops::fft_r2c(Device::reference, xd.data(), ref.data(), s);
    ops::fft_r2c(Device::cpu, xd.data(), cd.data(), s);
    ops::fft_r2c(Device::cpu, xf.data(), cf.data(), s);
    ASSERT_TRUE(test::finite_and_nonzero(cf.data(), s.half_total()));
    EXPECT_LT(rel_l2(cd.data(), ref.data(), s.half_total()), kDoubleTol) << name(s);
    EXPECT_LT(rel_l2(cf.data(), ref.data(), s.half_total()), kFloatTol) << name(s);

    // c2r of the reference spectrum returns the input (and the input spectrum is left unchanged).
    std::vector<double> back_ref(s.total()), back_d(s.total());
    std::vector<float> back_f(s.total());
    const auto spectrum_copy = cf;
    ops::fft_c2r(Device::reference, ref.data(), back_ref.data(), s);
    ops::fft_c2r(Device::cpu, ref.data(), back_d.data(), s);
    ops::fft_c2r(Device::cpu, cf.data(), back_f.data(), s);
    EXPECT_LT(rel_l2(back_ref, xd), kDoubleTol) << name(s);
    EXPECT_LT(rel_l2(back_d, xd), kDoubleTol) << name(s);
    EXPECT_LT(rel_l2(back_f, xd), kFloatTol) << name(s);
    EXPECT_EQ(rel_l2(cf.data(), spectrum_copy.data(), s.half_total()), 0.0) << "c2r modified its input";

    // c2c both directions.
    const auto yd = test::random_vector<double>(s.total(), 8);
    std::vector<Complex<double>> z(s.total()), zr(s.total()), zc(s.total());
    std::vector<Complex<float>> zf(s.total()), zcf(s.total());
    for (index_t i = 0; i < s.total(); ++i) z[i] = Complex<double>(xd[i], yd[i]), zf[i] = Complex<float>(z[i]);
    for (auto dir : {FftDirection::forward, FftDirection::inverse}) {
      ops::fft_c2c(Device::reference, z.data(), zr.data(), s, dir);
      ops::fft_c2c(Device::cpu, z.data(), zc.data(), s, dir);
      ops::fft_c2c(Device::cpu, zf.data(), zcf.data(), s, dir);
      EXPECT_LT(rel_l2(zc.data(), zr.data(), s.total()), kDoubleTol) << name(s);
      EXPECT_LT(rel_l2(zcf.data(), zr.data(), s.total()), kFloatTol) << name(s);
    }
    // In place.
    auto w = zf;
    ops::fft_c2c(Device::cpu, w.data(), w.data(), s, FftDirection::forward);
    ops::fft_c2c(Device::cpu, w.data(), w.data(), s, FftDirection::inverse);
    EXPECT_LT(rel_l2(w.data(), zf.data(), s.total()), kFloatTol) << name(s);
  }
}

TEST(CpuFft, ParsevalHolds) {
  // sum |f|^2 = (1/N) sum_k |F(k)|^2 over the full spectrum (half-complex bins weighted by their
  // Hermitian multiplicity). Float sums of 32^3 terms: 1e-5.
  for (const Shape s : {Shape{64, 48, 1, 1}, Shape{32, 31, 33, 1}}) {
    const auto x = test::random_vector<float>(s.total(), 21);
    std::vector<Complex<float>> F(s.half_total());
    ops::fft_r2c(Device::cpu, x.data(), F.data(), s);
    double real_sum = 0, fourier_sum = 0;
    for (float v : x) real_sum += double(v) * v;
    for (index_t i = 0; i < s.half_total(); ++i) {
      const auto h = math::half_index(i, s.nx, s.ny, s.nz);
      fourier_sum += math::hermitian_weight(h.kx, s.nx) * double(norm(F[i]));
    }
    EXPECT_NEAR(fourier_sum / double(s.size()) / real_sum, 1.0, 1e-5) << name(s);
  }
}

TEST(CpuFft, ShiftTheorem) {
  // f(x + d) (periodic) has transform F(k) exp(+2 pi i k.d / n).
  const Shape s{24, 20, 1, 1};
  const int dx = 5, dy = -3;
  const auto x = test::random_vector<double>(s.total(), 5);
  std::vector<double> shifted(s.total());
  for (int y = 0; y < s.ny; ++y)
    for (int xx = 0; xx < s.nx; ++xx)
      shifted[y * s.nx + xx] = x[math::wrapped_index(y + dy, s.ny) * s.nx + math::wrapped_index(xx + dx, s.nx)];
  std::vector<Complex<double>> F(s.half_total()), G(s.half_total()), expect(s.half_total());
  ops::fft_r2c(Device::cpu, x.data(), F.data(), s);
  ops::fft_r2c(Device::cpu, shifted.data(), G.data(), s);
  for (index_t i = 0; i < s.half_total(); ++i) {
    const auto h = math::half_index(i, s.nx, s.ny, s.nz);
    expect[i] = F[i] * cis(kTwoPi * (double(h.kx * dx) / s.nx + double(h.ky * dy) / s.ny));
  }
  EXPECT_LT(rel_l2(G.data(), expect.data(), s.half_total()), 1e-12);
}

/// Transform of a sampled Gaussian exp(-|x - c|^2 / (2 sigma^2)), c = n/2: by Poisson summation the
/// DFT is the continuous transform sigma sqrt(2 pi) exp(-2 pi^2 sigma^2 nu^2) exp(-2 pi i nu c) per
/// axis (nu = k/n, so the phase is (-1)^k), plus aliases at nu +- 1 and minus the truncated tails.
/// 2D n = 64, sigma = 3: aliases ~ exp(-2 pi^2 9 / 4) = 5e-20, tails exp(-32^2 / 18) = 2e-25 -> 1e-12.
/// 3D n = 32, sigma = 2: aliases exp(-2 pi^2 4 / 4) = 2.7e-9 relative at Nyquist -> 1e-8.
TEST(CpuFft, SampledGaussianMatchesClosedForm) {
  struct Case {
    Shape s;
    double sigma, tol_double;
  };
  for (const Case& c : {Case{{64, 64, 1, 1}, 3.0, 1e-12}, Case{{32, 32, 32, 1}, 2.0, 1e-8}}) {
    const Shape& s = c.s;
    std::vector<double> f(s.size());
    for (int z = 0; z < s.nz; ++z)
      for (int y = 0; y < s.ny; ++y)
        for (int x = 0; x < s.nx; ++x) {
          const double dx = x - s.nx / 2, dy = y - s.ny / 2, dz = s.nz > 1 ? z - s.nz / 2 : 0;
          f[(std::size_t(z) * s.ny + y) * s.nx + x] = std::exp(-(dx * dx + dy * dy + dz * dz) / (2 * c.sigma * c.sigma));
        }
    std::vector<Complex<double>> expect(s.half_size());
    const int dims = s.nz > 1 ? 3 : 2;
    for (index_t i = 0; i < s.half_size(); ++i) {
      const auto h = math::half_index(i, s.nx, s.ny, s.nz);
      double v = 1;
      for (int k : {h.kx, h.ky, h.kz}) {
        const double nu = double(k) / s.nx;
        v *= std::exp(-2 * kPi * kPi * c.sigma * c.sigma * nu * nu) * (std::abs(k) % 2 ? -1.0 : 1.0);
      }
      expect[i] = Complex<double>(v * std::pow(c.sigma * std::sqrt(kTwoPi), dims), 0.0);
    }
    std::vector<Complex<double>> F(s.half_size());
    ops::fft_r2c(Device::cpu, f.data(), F.data(), s);
    EXPECT_LT(rel_l2(F.data(), expect.data(), s.half_size()), c.tol_double) << name(s);
    const std::vector<float> ff(f.begin(), f.end());
    std::vector<Complex<float>> Ff(s.half_size());
    ops::fft_r2c(Device::cpu, ff.data(), Ff.data(), s);
    EXPECT_LT(rel_l2(Ff.data(), expect.data(), s.half_size()), kFloatTol) << name(s);
  }
}

TEST(CpuFft, PlansAreCachedByShape) {
  const Shape s{40, 36, 1, 2};
  const auto x = test::random_vector<float>(s.total(), 1);
  std::vector<Complex<float>> F(s.half_total());
  ops::fft_r2c(Device::cpu, x.data(), F.data(), s);
  const int plans = cpu::fft_plan_cache_size();
  for (int i = 0; i < 3; ++i) ops::fft_r2c(Device::cpu, x.data(), F.data(), s);
  EXPECT_EQ(cpu::fft_plan_cache_size(), plans);
}

TEST(Fft, RejectsInvalidShapes) {
  std::vector<float> x(4);
  std::vector<Complex<float>> F(4);
  EXPECT_THROW(ops::fft_r2c(Device::cpu, x.data(), F.data(), Shape{0, 1, 1, 1}), Error);
  EXPECT_THROW(ops::fft_r2c(Device::reference, x.data(), F.data(), Shape{2, -1, 1, 1}), Error);
}

}  // namespace
}  // namespace thon
