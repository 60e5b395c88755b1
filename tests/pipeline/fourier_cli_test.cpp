// `thon fsc` and `thon filter` round trips on generated MRC files, and their error contract
// (exit status 1, "thon: error:", nothing written).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "test_util.hpp"
#include "thon/io/mrc.hpp"
#include "thon/ops/filter.hpp"
#include "thon/ops/fsc.hpp"

namespace thon {
namespace {

using test::run_thon;
using test::TempDir;

Volume<float> noise_volume(int n, std::uint32_t seed, double pixel_size_A) {
  Volume<float> v = Volume<float>::cube(n, pixel_size_A);
  const auto x = test::random_vector<float>(v.size(), seed);
  std::copy(x.begin(), x.end(), v.begin());
  return v;
}

double value_after(const std::string& out, const std::string& key) {
  const auto p = out.find(key);
  EXPECT_NE(p, std::string::npos) << key << " not in:\n" << out;
  return p == std::string::npos ? -1 : std::stod(out.substr(p + key.size()));
}

TEST(FscCli, PrintsResolutionsAndWritesTheStarTable) {
  TempDir dir;
  const double p = 2.0;
  Volume<float> a = noise_volume(32, 1, p), b = noise_volume(32, 2, p);
  // b = low-passed a + noise: correlated to ~12 Å.
  Volume<float> lp = a;
  ops::apply_filter(Device::cpu, lp, make_lowpass(12.0, 0.01));
  for (index_t i = 0; i < b.size(); ++i) b[i] = 3.0f * lp[i] + 0.2f * b[i];
  io::write_mrc(dir.file("a.mrc"), a);
  io::write_mrc(dir.file("b.mrc"), b);
  std::string out;
  ASSERT_EQ(run_thon("fsc --a " + dir.file("a.mrc") + " --b " + dir.file("b.mrc") + " --o " +
                         dir.file("fsc.star") + " --device cpu",
                     &out),
            0)
      << out;
  const FscCurve c = ops::fsc(Device::cpu, a, b);
  EXPECT_NEAR(value_after(out, "resolution_0.143_A: "), fsc_resolution(c.fsc, 0.143, 32, p).resolution_A, 1e-3);
  EXPECT_NEAR(value_after(out, "resolution_0.5_A: "), fsc_resolution(c.fsc, 0.5, 32, p).resolution_A, 1e-3);
  EXPECT_GT(value_after(out, "resolution_0.143_A: "), 9.0);
  EXPECT_LT(value_after(out, "resolution_0.143_A: "), 16.0);
  ASSERT_TRUE(std::filesystem::exists(dir.file("fsc.star")));
  // --apix overrides the header; a map with itself is correlated to Nyquist (2 p).
  ASSERT_EQ(run_thon("fsc --a " + dir.file("a.mrc") + " --b " + dir.file("a.mrc") + " --apix 1.5 --o " +
                         dir.file("self.star") + " --device reference",
                     &out),
            0)
      << out;
  EXPECT_NEAR(value_after(out, "resolution_0.143_A: "), 3.0, 1e-4);
}

TEST(FscCli, BadInputFailsCleanly) {
  TempDir dir;
  io::write_mrc(dir.file("a.mrc"), noise_volume(16, 1, 1.0));
  io::write_mrc(dir.file("c.mrc"), noise_volume(20, 1, 1.0));
  std::string out;
  EXPECT_EQ(run_thon("fsc --a " + dir.file("a.mrc") + " --b " + dir.file("c.mrc") + " --o " + dir.file("x.star"), &out), 1);
  EXPECT_NE(out.find("thon: error:"), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists(dir.file("x.star")));
  EXPECT_EQ(run_thon("fsc --a " + dir.file("missing.mrc") + " --b " + dir.file("a.mrc") + " --o " + dir.file("x.star"), &out), 1);
  EXPECT_FALSE(std::filesystem::exists(dir.file("x.star")));
}

TEST(FilterCli, LowpassVolumeAndBfactorStackMatchTheLibrary) {
  TempDir dir;
  const Volume<float> v = noise_volume(24, 3, 1.5);
  io::write_mrc(dir.file("v.mrc"), v);
  std::string out;
  ASSERT_EQ(run_thon("filter --i " + dir.file("v.mrc") + " --o " + dir.file("v_lp.mrc") + " --lowpass 8 --device cpu", &out), 0) << out;
  const Volume<float> got = io::read_mrc_volume(dir.file("v_lp.mrc"));
  Volume<float> expect = v;
  ops::apply_filter(Device::cpu, expect, make_lowpass(8.0, edge_width_per_A(2, 24, 1.5)));
  ASSERT_TRUE(test::finite_and_nonzero(got.data(), got.size()));
  EXPECT_LT(test::rel_l2(got.data(), expect.data(), got.size()), 1e-6);
  EXPECT_NEAR(got.pixel_size_A(), 1.5, 1e-6);

  ImageStack<float> s(20, 20, 3, 2.0);
  const auto x = test::random_vector<float>(s.size(), 4);
  std::copy(x.begin(), x.end(), s.begin());
  io::write_mrc(dir.file("s.mrcs"), s);
  ASSERT_EQ(run_thon("filter --i " + dir.file("s.mrcs") + " --o " + dir.file("s_b.mrcs") + " --bfactor 100 --device cpu", &out), 0) << out;
  const ImageStack<float> gs = io::read_mrc_stack(dir.file("s_b.mrcs"));
  ASSERT_EQ(gs.n(), 3);
  ImageStack<float> es = s;
  ops::apply_filter(Device::cpu, es, make_bfactor(100.0));
  EXPECT_LT(test::rel_l2(gs.data(), es.data(), gs.size()), 1e-6);
}

TEST(FilterCli, BadInputFailsCleanly) {
  TempDir dir;
  io::write_mrc(dir.file("v.mrc"), noise_volume(8, 3, 1.5));
  std::string out;
  EXPECT_EQ(run_thon("filter --i " + dir.file("v.mrc") + " --o " + dir.file("o.mrc"), &out), 1);
  EXPECT_NE(out.find("thon: error:"), std::string::npos) << out;
  EXPECT_EQ(run_thon("filter --i " + dir.file("v.mrc") + " --o " + dir.file("o.mrc") + " --lowpass -3", &out), 1);
  EXPECT_FALSE(std::filesystem::exists(dir.file("o.mrc")));
}

}  // namespace
}  // namespace thon
