// Shot noise, Gaussian noise and the detector chain: moments within 3 standard errors, identical
// numbers on every backend for a seed, batch-split invariance, table parsing errors.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <vector>

#include "test_util.hpp"
#include "thon/core/error.hpp"
#include "thon/ops/detector.hpp"
#include "thon/ops/noise.hpp"

using thon::Device;
namespace ops = thon::ops;

namespace {
struct Moments {
  double mean, var;
};
Moments moments(const std::vector<float>& v) {
  double s = 0, s2 = 0;
  for (float x : v) {
    s += x;
    s2 += double(x) * x;
  }
  const double n = double(v.size()), m = s / n;
  return {m, (s2 - n * m * m) / (n - 1)};
}
}  // namespace

// Poisson counts of a vacuum image (I = 1): mean = variance = dose x pixel area, within 3 standard
// errors (SE of the mean sqrt(lambda/n); of the variance sqrt((lambda (1 + 3 lambda) - lambda^2)/n)).
TEST(Noise, PoissonMeanAndVarianceMatchDose) {
  const int nx = 64, ny = 64, m = 8;
  for (auto [dose, px] : {std::pair{1.0, 1.0}, std::pair{2.0, 1.5}, std::pair{40.0, 2.2}}) {
    const double lambda = dose * px * px, n = double(nx) * ny * m;
    for (Device d : {Device::reference, Device::cpu}) {
      std::vector<float> img(nx * ny * m, 1.0f);
      ops::NoiseParams np;
      np.kind = ops::NoiseKind::poisson;
      np.dose_e_per_A2 = dose;
      np.seed = 42;
      ops::add_noise(d, img.data(), m, nx, ny, px, np);
      ASSERT_TRUE(thon::test::finite_and_nonzero(img));
      const Moments mo = moments(img);
      EXPECT_NEAR(mo.mean, lambda, 3 * std::sqrt(lambda / n)) << dose << " " << px;
      EXPECT_NEAR(mo.var, lambda, 3 * std::sqrt((lambda * (1 + 3 * lambda) - lambda * lambda) / n)) << dose << " " << px;
    }
  }
}

// Same seed: same image on the reference and the CPU, and independent of how the batch is split.
TEST(Noise, ReproducibleAcrossBackendsAndBatches) {
  const int nx = 40, ny = 30, m = 6;
  auto base = thon::test::random_vector<float>(nx * ny * m, 5);
  for (float& x : base) x = 1.0f + 0.3f * x;
  for (ops::NoiseKind kind : {ops::NoiseKind::poisson, ops::NoiseKind::gaussian}) {
    ops::NoiseParams np;
    np.kind = kind;
    np.dose_e_per_A2 = 30;
    np.snr = 0.1;
    np.seed = 2024;
    auto r = base, c = base, split = base;
    ops::add_noise(Device::reference, r.data(), m, nx, ny, 1.1, np);
    ops::add_noise(Device::cpu, c.data(), m, nx, ny, 1.1, np);
    ops::add_noise(Device::cpu, split.data(), 2, nx, ny, 1.1, np, 0);
    ops::add_noise(Device::cpu, split.data() + 2 * nx * ny, 4, nx, ny, 1.1, np, 2);
    ASSERT_TRUE(thon::test::finite_and_nonzero(c));
    EXPECT_LT(thon::test::rel_l2(c, r), 1e-6);
    EXPECT_EQ(c, split);
    auto other = base;
    np.seed = 2025;
    ops::add_noise(Device::cpu, other.data(), m, nx, ny, 1.1, np);
    EXPECT_GT(thon::test::rel_l2(other, c), 1e-2);
  }
}

// Gaussian noise at a given SNR: added variance = signal variance / SNR.
TEST(Noise, GaussianVarianceFromSnr) {
  const int nx = 128, ny = 128;
  auto img = thon::test::random_vector<float>(nx * ny, 9);  // uniform [-1, 1): variance 1/3
  const Moments signal = moments(img);
  auto noisy = img;
  ops::NoiseParams np;
  np.kind = ops::NoiseKind::gaussian;
  np.snr = 0.25;
  np.seed = 3;
  ops::add_noise(Device::cpu, noisy.data(), 1, nx, ny, 1.0, np);
  std::vector<float> diff(img.size());
  for (std::size_t i = 0; i < img.size(); ++i) diff[i] = noisy[i] - img[i];
  const double expected = signal.var * (double(img.size()) - 1) / double(img.size()) / 0.25;
  EXPECT_NEAR(moments(diff).var, expected, 3 * expected * std::sqrt(2.0 / img.size()));
}

// Counting detector: the mean stays at dose x area; the white noise variance is dose x area / DQE(0)
// (post-filter NTF/NTF(0) = 1 for the sinc model), PHYSICS.md 5.9.
TEST(Detector, CountingDetectorNoiseVariance) {
  const int nx = 64, ny = 64, m = 8;
  const double dose = 3.0, px = 1.0, dqe0 = 0.5, lambda = dose * px * px;
  std::vector<float> img(nx * ny * m, 1.0f);
  ops::NoiseParams np;
  np.kind = ops::NoiseKind::poisson;
  np.dose_e_per_A2 = dose;
  np.seed = 77;
  ops::detect(Device::cpu, img.data(), m, nx, ny, px, ops::counting_detector(dqe0), np);
  ASSERT_TRUE(thon::test::finite_and_nonzero(img));
  const Moments mo = moments(img);
  const double n = double(img.size()), var = lambda / dqe0, l_eff = lambda * dqe0;
  EXPECT_NEAR(mo.mean, lambda, 3 * std::sqrt(var / n));
  // Var of the sample variance of Poisson(l_eff) / dqe0: (l_eff (1 + 3 l_eff) - l_eff^2) / dqe0^4 / n.
  EXPECT_NEAR(mo.var, var, 3 * std::sqrt((l_eff * (1 + 3 * l_eff) - l_eff * l_eff) / n) / (dqe0 * dqe0));
  // Without noise the signal is filtered by the MTF: a cosine at half Nyquist along x is scaled by
  // sinc(pi 0.5 / 2).
  std::vector<float> c(nx * ny), e(nx * ny);
  for (int y = 0; y < ny; ++y)
    for (int x = 0; x < nx; ++x) c[y * nx + x] = float(std::cos(2 * 3.14159265358979 * 16 * x / nx));
  const double g = std::sin(3.14159265358979 / 4) / (3.14159265358979 / 4);
  for (int i = 0; i < nx * ny; ++i) e[i] = float(c[i] * g);
  ops::detect(Device::cpu, c.data(), 1, nx, ny, px, ops::counting_detector(0.8), ops::NoiseParams{});
  EXPECT_LT(thon::test::rel_l2(c, e), 1e-5);
}

TEST(Detector, TableFilesAndErrors) {
  thon::test::TempDir dir;
  const std::string good = dir.file("mtf.txt"), bad = dir.file("bad.txt"), dqe = dir.file("dqe.txt");
  std::ofstream(good) << "# f/Nyquist  MTF\n0 1\n0.5 0.7\n\n1.0 0.3\n";
  std::ofstream(dqe) << "0 0.8\n1 0.4\n";
  std::ofstream(bad) << "0 1\n0.6 0.7\n0.4 0.5\n";
  const auto d = ops::read_detector_tables(good, dqe);
  EXPECT_EQ(d.n_mtf, 3);
  EXPECT_NEAR(thon::math::detector_mtf(d, 0.75, 0.0), 0.5, 1e-6);
  EXPECT_NEAR(thon::math::detector_dqe(d, 0.5, 0.0), 0.6, 1e-6);
  try {
    ops::read_detector_tables(bad, "");
    FAIL() << "non-monotone table accepted";
  } catch (const thon::Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.txt:3"), std::string::npos) << e.what();
  }
  std::ofstream(bad) << "0 1\n0.5 nan\n";
  EXPECT_THROW(ops::read_detector_tables(bad, ""), thon::Error);
  std::ofstream(bad) << "0 1\n1.5 0.2\n";
  EXPECT_THROW(ops::read_detector_tables(bad, ""), thon::Error);
  EXPECT_THROW(ops::read_detector_tables(dir.file("missing.txt"), ""), thon::Error);
  EXPECT_THROW(ops::counting_detector(0.0), thon::Error);
}

TEST(Noise, BadInput) {
  std::vector<float> img(16, 1.0f);
  ops::NoiseParams np;
  np.kind = ops::NoiseKind::poisson;
  np.dose_e_per_A2 = 0;
  EXPECT_THROW(ops::add_noise(Device::cpu, img.data(), 1, 4, 4, 1.0, np), thon::Error);
  np.dose_e_per_A2 = -2;
  EXPECT_THROW(ops::add_noise(Device::cpu, img.data(), 1, 4, 4, 1.0, np), thon::Error);
  np.dose_e_per_A2 = 2;
  EXPECT_THROW(ops::add_noise(Device::cpu, img.data(), 1, 4, 4, -1.0, np), thon::Error);
  np.kind = ops::NoiseKind::gaussian;
  np.snr = 0;
  EXPECT_THROW(ops::add_noise(Device::cpu, img.data(), 1, 4, 4, 1.0, np), thon::Error);
}
