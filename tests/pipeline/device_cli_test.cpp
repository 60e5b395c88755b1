// Device selection without a GPU (these tests skip on a machine that has one): `thon devices`
// says there is none, `--device cuda` is a clear error with exit status 1 and no output, and
// `--device auto` runs on the CPU and says so.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "test_util.hpp"
#include "thon/core/device.hpp"
#include "thon/io/mrc.hpp"

namespace thon {
namespace {

using test::run_thon;
using test::TempDir;

class NoDevice : public ::testing::Test {
 protected:
  void SetUp() override {
    if (cuda_device_available()) GTEST_SKIP() << "a CUDA device is present: " << cuda_device_summary();
  }
};

void expect_contains(const std::string& out, const std::string& what) {
  EXPECT_NE(out.find(what), std::string::npos) << "'" << what << "' not in:\n" << out;
}

std::string write_map(const TempDir& dir) {
  Volume<float> v = Volume<float>::cube(16, 2.0);
  const auto x = test::random_vector<float>(v.size(), 3);
  std::copy(x.begin(), x.end(), v.begin());
  io::write_mrc(dir.file("map.mrc"), v);
  return dir.file("map.mrc");
}

TEST_F(NoDevice, DevicesSaysThereIsNoGpuAndAutoIsTheCpu) {
  std::string out;
  ASSERT_EQ(run_thon("devices", &out), 0) << out;
  expect_contains(out, "backends: reference, cpu");
  const bool says_none = out.find("no CUDA device") != std::string::npos ||
                         out.find("built without CUDA") != std::string::npos;
  EXPECT_TRUE(says_none) << out;
  expect_contains(out, "auto: cpu");
}

TEST_F(NoDevice, DeviceCudaIsAClearErrorWithExitStatusOne) {
  TempDir dir;
  const std::string map = write_map(dir);
  std::string out;
  EXPECT_EQ(run_thon("project --quiet --device cuda --i " + map + " --n 4 --o " + dir.file("p"), &out), 1) << out;
  expect_contains(out, "thon: error:");
  expect_contains(out, "--device cuda");
  EXPECT_FALSE(std::filesystem::exists(dir.file("p.mrcs")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("p.star")));
  EXPECT_EQ(run_thon("fsc --device cuda --a " + map + " --b " + map + " --o " + dir.file("fsc.star"), &out), 1) << out;
  expect_contains(out, "--device cuda");
  EXPECT_FALSE(std::filesystem::exists(dir.file("fsc.star")));
}

TEST_F(NoDevice, DeviceAutoRunsOnTheCpuAndSaysSo) {
  TempDir dir;
  const std::string map = write_map(dir);
  std::string out;
  ASSERT_EQ(run_thon("project --quiet --device auto --i " + map + " --n 4 --o " + dir.file("p"), &out), 0) << out;
  expect_contains(out, "--device auto: no usable CUDA device");
  expect_contains(out, "running on the CPU");
  expect_contains(out, "(cpu,");  // the summary line names the backend that ran
  EXPECT_TRUE(std::filesystem::exists(dir.file("p.mrcs")));
}

}  // namespace
}  // namespace thon
