// FSC / FRC: identities (a map with itself, with a scaled and a negated copy), independent noise
// within 3/sqrt(n_shell), RELION's resolution rule on a real relion_postprocess curve, the STAR
// table, and the CPU backend against the reference.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.hpp"
#include "thon/core/error.hpp"
#include "thon/math/fourier_grid.hpp"
#include "thon/ops/filter.hpp"
#include "thon/ops/fsc.hpp"

namespace thon {
namespace {

Volume<float> noise_volume(int n, std::uint32_t seed, double pixel_size_A = 2.0) {
  Volume<float> v = Volume<float>::cube(n, pixel_size_A);
  const auto x = test::random_vector<float>(v.size(), seed);
  std::copy(x.begin(), x.end(), v.begin());
  return v;
}

TEST(Fsc, MapWithItselfIsOneAtEveryShell) {
  const Volume<float> a = noise_volume(32, 1);
  for (Device d : {Device::reference, Device::cpu}) {
    const FscCurve c = ops::fsc(d, a, a);
    ASSERT_EQ(c.fsc.size(), 17u);
    ASSERT_TRUE(test::finite_and_nonzero(c.fsc));
    for (std::size_t r = 0; r < c.fsc.size(); ++r) EXPECT_NEAR(c.fsc[r], 1.0, 1e-6) << r;
    EXPECT_EQ(c.count[0], 1);
  }
  // Scale invariance and sign: FSC(a, 3a) = 1, FSC(a, -a) = -1.
  Volume<float> b = a, m = a;
  for (auto& v : b) v *= 3.0f;
  for (auto& v : m) v = -v;
  const FscCurve cb = ops::fsc(Device::cpu, a, b), cm = ops::fsc(Device::cpu, a, m);
  for (std::size_t r = 0; r < cb.fsc.size(); ++r) {
    EXPECT_NEAR(cb.fsc[r], 1.0, 1e-6);
    EXPECT_NEAR(cm.fsc[r], -1.0, 1e-6);
  }
}

TEST(Fsc, CountsAreTheHalfComplexBinsOfEachShell) {
  const int n = 24;
  const FscCurve c = ops::fsc(Device::cpu, noise_volume(n, 2), noise_volume(n, 3));
  std::vector<std::int64_t> expect(n / 2 + 1, 0);
  for (int z = 0; z < n; ++z)
    for (int y = 0; y < n; ++y)
      for (int x = 0; x <= n / 2; ++x) {
        const int ky = math::wrapped_frequency(y, n), kz = math::wrapped_frequency(z, n);
        const long r = std::lround(std::sqrt(double(x * x + ky * ky + kz * kz)));
        if (r <= n / 2) ++expect[r];
      }
  EXPECT_EQ(c.count, expect);
}

TEST(Fsc, IndependentNoiseIsNearZero) {
  // For independent noise each shell's FSC is ~ N(0, 1/n_shell): |FSC| < 3/sqrt(n) (3 sigma).
  const Volume<float> a = noise_volume(40, 11), b = noise_volume(40, 12);
  const FscCurve c = ops::fsc(Device::cpu, a, b);
  ASSERT_TRUE(test::finite_and_nonzero(c.fsc));
  for (std::size_t r = 1; r < c.fsc.size(); ++r)
    EXPECT_LT(std::abs(c.fsc[r]), 3.0 / std::sqrt(double(c.count[r]))) << "shell " << r;
}

TEST(Fsc, CpuMatchesReferenceForCorrelatedMaps) {
  Volume<float> a = noise_volume(24, 5), b = noise_volume(24, 6);
  // b = low-passed a + noise: the FSC falls from ~1 to ~0 across the shells.
  Volume<float> lp = a;
  ops::apply_filter(Device::cpu, lp, make_lowpass(8 * 2.0, 0.02));
  for (index_t i = 0; i < b.size(); ++i) b[i] = 4.0f * lp[i] + 0.3f * b[i];
  const FscCurve cr = ops::fsc(Device::reference, a, b), cc = ops::fsc(Device::cpu, a, b);
  ASSERT_TRUE(test::finite_and_nonzero(cc.fsc));
  for (std::size_t r = 0; r < cr.fsc.size(); ++r) EXPECT_NEAR(cc.fsc[r], cr.fsc[r], 1e-5) << r;
  EXPECT_EQ(cc.count, cr.count);
  EXPECT_GT(cc.fsc[2], 0.9);
  EXPECT_LT(std::abs(cc.fsc[11]), 0.3);
}

TEST(Frc, TwoDimensionalImages) {
  Image<float> a(32, 32, 1.0), b(32, 32, 1.0);
  const auto x = test::random_vector<float>(a.size(), 8);
  std::copy(x.begin(), x.end(), a.begin());
  std::copy(x.begin(), x.end(), b.begin());
  for (Device d : {Device::reference, Device::cpu}) {
    const FscCurve c = ops::frc(d, a, b);
    ASSERT_EQ(c.fsc.size(), 17u);
    for (double v : c.fsc) EXPECT_NEAR(v, 1.0, 1e-6);
  }
}

TEST(Fsc, RejectsBadShapes) {
  const Volume<float> a = noise_volume(16, 1);
  const Volume<float> b(16, 16, 12, 2.0);
  EXPECT_THROW(ops::fsc(Device::cpu, a, b), Error);
  EXPECT_THROW(ops::fsc(Device::cpu, b, b), Error);  // not cubic
  EXPECT_THROW(ops::fsc(Device::cpu, a.data(), a.data(), a.shape(), 0.0), Error);
}

/// Reads one column of the data_fsc loop of a RELION STAR file (a few lines of test code; the
/// project's STAR library is separate).
std::vector<double> read_star_fsc_column(const std::string& path, const std::string& column) {
  std::ifstream f(path);
  std::string line;
  bool in_fsc = false, in_loop = false;
  int index = -1, n_labels = 0;
  std::vector<double> values;
  while (std::getline(f, line)) {
    std::istringstream ls(line);
    std::string first;
    if (!(ls >> first)) {
      if (in_loop && !values.empty()) break;
      continue;
    }
    if (first.rfind("data_", 0) == 0) {
      if (in_fsc && !values.empty()) break;
      in_fsc = first == "data_fsc";
      continue;
    }
    if (!in_fsc) continue;
    if (first == "loop_") { in_loop = true; continue; }
    if (first[0] == '_') {
      if (first == column) index = n_labels;
      ++n_labels;
      continue;
    }
    if (in_loop && index >= 0) {
      std::vector<std::string> fields{first};
      std::string w;
      while (ls >> w) fields.push_back(w);
      values.push_back(std::stod(fields.at(index)));
    }
  }
  return values;
}

TEST(FscResolution, RelionRuleOnRealPostprocessCurve) {
  // ../shared/data/reference/postprocess.star (relion_postprocess 3.0.8, box 96, 7.5 Å/px): the
  // corrected FSC first drops below 0.143 at shell 45, so the resolution is shell 44:
  // 96 * 7.5 / 44 = 16.3636 Å, equal to its _rlnFinalResolution (PROVENANCE.md).
  THON_REQUIRE_DATA("reference/postprocess.star");
  const auto fsc = read_star_fsc_column(test::data_path("reference/postprocess.star"),
                                        "_rlnFourierShellCorrelationCorrected");
  ASSERT_EQ(fsc.size(), 49u);
  const FscResolution r = fsc_resolution(fsc, 0.143, 96, 7.5);
  EXPECT_EQ(r.shell, 44);
  EXPECT_NEAR(r.resolution_A, 16.363636, 1e-5);
  // At 0.5 the curve first drops below at shell 26 (0.428696): shell 25, 96 * 7.5 / 25 = 28.8 Å.
  const FscResolution r5 = fsc_resolution(fsc, 0.5, 96, 7.5);
  EXPECT_EQ(r5.shell, 25);
  EXPECT_NEAR(r5.resolution_A, 28.8, 1e-9);
}

TEST(FscResolution, EdgeCases) {
  EXPECT_EQ(fsc_resolution({1.0, 0.9, 0.8}, 0.143, 4, 1.0).shell, 2);  // never drops: Nyquist
  EXPECT_NEAR(fsc_resolution({1.0, 0.9, 0.8}, 0.143, 4, 1.0).resolution_A, 2.0, 1e-12);
  EXPECT_TRUE(std::isinf(fsc_resolution({1.0, 0.1, 0.8}, 0.143, 4, 1.0).resolution_A));
  EXPECT_THROW(fsc_resolution({}, 0.143, 4, 1.0), Error);
}

TEST(FscStar, TableReadsBackAndIsWrittenAtomically) {
  FscCurve c;
  c.box = 64;
  c.pixel_size_A = 1.5;
  for (int r = 0; r <= 32; ++r) {
    c.fsc.push_back(std::exp(-r / 10.0));
    c.count.push_back(r);
  }
  test::TempDir dir;
  const std::string path = dir.file("fsc.star");
  write_fsc_star(path, c);
  const auto fsc = read_star_fsc_column(path, "_rlnFourierShellCorrelation");
  const auto res = read_star_fsc_column(path, "_rlnAngstromResolution");
  const auto inv = read_star_fsc_column(path, "_rlnResolution");
  const auto idx = read_star_fsc_column(path, "_rlnSpectralIndex");
  ASSERT_EQ(fsc.size(), c.fsc.size());
  for (std::size_t r = 0; r < fsc.size(); ++r) {
    EXPECT_NEAR(fsc[r], c.fsc[r], 1e-6);
    EXPECT_EQ(idx[r], double(r));
    if (r > 0) {
      EXPECT_NEAR(res[r], 64 * 1.5 / r, 1e-5);
    }
    EXPECT_NEAR(inv[r], 1.0 / res[r], 1e-6);
  }
  EXPECT_EQ(res[0], 999.0);  // RELION writes shell 0 as 999 Å
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) ++files, (void)e;
  EXPECT_EQ(files, 1);  // no temporary left behind
  EXPECT_THROW(write_fsc_star(dir.file("missing/dir/fsc.star"), c), Error);
}

}  // namespace
}  // namespace thon
