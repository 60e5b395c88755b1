// `thon info`: the MRC description of generated and real files, and the error contract of the
// CLI (exit status 1, "thon: error:" with the file name, nothing written).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "test_util.hpp"
#include "thon/io/mrc.hpp"

namespace {

using thon::test::run_thon;
using thon::test::TempDir;
namespace fs = std::filesystem;

std::vector<std::string> listing(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

void expect_contains(const std::string& out, const std::string& what) {
  EXPECT_NE(out.find(what), std::string::npos) << "'" << what << "' not in:\n" << out;
}

TEST(InfoCli, DescribesAGeneratedVolume) {
  TempDir dir;
  thon::Volume<float> v(6, 5, 4, 2.0);
  for (int i = 0; i < v.size(); ++i) v[i] = float(i);  // 0..119: min 0, max 119, mean 59.5
  const std::string path = dir.file("ramp.mrc");
  thon::io::write_mrc(path, v);
  std::string out;
  ASSERT_EQ(run_thon("info " + path, &out), 0) << out;
  expect_contains(out, "dimensions (x, y, z): 6 x 5 x 4");
  expect_contains(out, "mode: 2 (float32)");
  expect_contains(out, "pixel size (A): 2 2 2");
  expect_contains(out, "kind: volume");
  expect_contains(out, "axis order (mapc, mapr, maps): 1, 2, 3");
  // rms of 0..N-1 about its mean: sqrt((N^2 - 1) / 12) = sqrt(14399 / 12) = 34.6398129 (data column, double)
  expect_contains(out, "min                   0                0");
  expect_contains(out, "max                 119              119");
  expect_contains(out, "mean               59.5             59.5");
  expect_contains(out, "rms           34.639813");
  EXPECT_EQ(listing(dir.path()), std::vector<std::string>{"ramp.mrc"});
}

TEST(InfoCli, ContentSniffingForUnknownExtension) {
  TempDir dir;
  thon::ImageStack<float> s(4, 4, 3, 1.0);
  for (int i = 0; i < s.size(); ++i) s[i] = float(i % 7);
  const std::string path = dir.file("particles.dat");
  thon::io::write_mrc(path, s);
  std::string out;
  ASSERT_EQ(run_thon("info " + path, &out), 0) << out;
  expect_contains(out, "kind: stack of images");
}

TEST(InfoCli, Emd3001ShowsAxisOrderAndAnisotropicVoxel) {
  THON_REQUIRE_DATA("maps/EMD-3001.map");
  std::string out;
  ASSERT_EQ(run_thon("info " + thon::test::data_path("maps/EMD-3001.map"), &out), 0) << out;
  expect_contains(out, "axis order (mapc, mapr, maps): 3, 1, 2");
  expect_contains(out, "pixel size (A): 0.44825 0.3925 0.45875");
  expect_contains(out, "extended header: 160 bytes");
  expect_contains(out, "dimensions (x, y, z): 43 x 25 x 73");
}

TEST(InfoCli, Relion31SentinelStatisticsAreFlagged) {
  THON_REQUIRE_DATA("particles/relion31.mrcs");
  std::string out;
  ASSERT_EQ(run_thon("info " + thon::test::data_path("particles/relion31.mrcs"), &out), 0) << out;
  expect_contains(out, "not computed");
  expect_contains(out, "kind: stack of images");
}

TEST(InfoCli, BadInputExitsWithStatus1AndNamesTheFile) {
  TempDir dir;
  const std::string missing = dir.file("missing.mrc");
  const std::string text = dir.file("notes.txt");
  std::ofstream(text) << "not an MRC file\n";
  const std::string truncated = dir.file("cut.mrc");
  {
    thon::Volume<float> v(8, 8, 8, 1.0);
    v[3] = 1;
    thon::io::write_mrc(truncated, v);
    fs::resize_file(truncated, 1024 + 100);
  }
  const std::string bad_mode = dir.file("mode.mrc");
  {
    fs::copy_file(truncated, bad_mode);
    std::fstream f(bad_mode, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(12);
    const char mode7[4] = {7, 0, 0, 0};
    f.write(mode7, 4);
  }
  const auto before = listing(dir.path());
  struct Case {
    std::string arg, expect;
  };
  for (const Case& c : {Case{missing, "no such file"}, Case{dir.path().string(), "is a directory"},
                        Case{text, "unknown file format"}, Case{truncated, "truncated"},
                        Case{bad_mode, "mode = 7"}}) {
    std::string out;
    EXPECT_EQ(run_thon("info " + c.arg, &out), 1) << out;
    EXPECT_EQ(out.rfind("thon: error: ", 0), 0u) << out;
    expect_contains(out, c.arg);
    expect_contains(out, c.expect);
  }
  EXPECT_EQ(listing(dir.path()), before);  // nothing written
  std::string out;
  EXPECT_EQ(run_thon("info", &out), 1) << out;  // FILE is required
  EXPECT_EQ(run_thon("info --help", &out), 0) << out;
}

}  // namespace
