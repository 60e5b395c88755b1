// Shared test helpers: relative L2 error, finiteness checks, data paths, the GPU fixture.
#pragma once

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <complex>
#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "thon/core/complex.hpp"
#include "thon/core/device.hpp"

namespace thon::test {

/// |a - b| / |b| over n elements (the main comparison metric of the test suite).
template <class A, class B>
double rel_l2(const A* a, const B* b, std::int64_t n) {
  long double num = 0, den = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const long double d = (long double)a[i] - (long double)b[i];
    num += d * d;
    den += (long double)b[i] * (long double)b[i];
  }
  return den > 0 ? double(std::sqrt(num / den)) : double(std::sqrt(num));
}

template <class A, class B>
double rel_l2(const Complex<A>* a, const Complex<B>* b, std::int64_t n) {
  long double num = 0, den = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const long double dr = (long double)a[i].re - (long double)b[i].re;
    const long double di = (long double)a[i].im - (long double)b[i].im;
    num += dr * dr + di * di;
    den += (long double)b[i].re * b[i].re + (long double)b[i].im * b[i].im;
  }
  return den > 0 ? double(std::sqrt(num / den)) : double(std::sqrt(num));
}

template <class V, class W>
double rel_l2(const V& a, const W& b) {
  EXPECT_EQ(std::int64_t(a.size()), std::int64_t(b.size()));
  return rel_l2(a.data(), b.data(), std::int64_t(b.size()));
}

/// True when every element is finite and at least one is non-zero: a blank result cannot pass.
template <class T>
::testing::AssertionResult finite_and_nonzero(const T* p, std::int64_t n) {
  bool nonzero = false;
  for (std::int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(double(p[i]))) return ::testing::AssertionFailure() << "element " << i << " is " << p[i];
    nonzero |= p[i] != T(0);
  }
  if (!nonzero) return ::testing::AssertionFailure() << "all " << n << " elements are zero";
  return ::testing::AssertionSuccess();
}
template <class T>
::testing::AssertionResult finite_and_nonzero(const Complex<T>* p, std::int64_t n) {
  return finite_and_nonzero(reinterpret_cast<const T*>(p), 2 * n);
}
template <class V>
::testing::AssertionResult finite_and_nonzero(const V& v) {
  return finite_and_nonzero(v.data(), std::int64_t(v.size()));
}

/// Uniform random floats in [-1, 1) from a fixed seed.
template <class T = float>
std::vector<T> random_vector(std::int64_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::vector<T> v(static_cast<std::size_t>(n));
  for (auto& x : v) x = T(u(rng));
  return v;
}

/// Path of a file in the shared real-data folder beside the repository.
inline std::string data_path(const std::string& relative) {
  return std::string(THON_TEST_DATA_DIR) + "/" + relative;
}

/// Skips the test when a real-data file is absent (as on a user's machine).
#define THON_REQUIRE_DATA(relative)                                                      \
  do {                                                                                   \
    if (!std::filesystem::exists(::thon::test::data_path(relative)))                     \
      GTEST_SKIP() << "data file absent: " << (relative);                                \
  } while (0)

/// Fixture for CUDA tests: probes the device in SetUp() and skips without one.
class GpuTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!cuda_device_available()) GTEST_SKIP() << "no CUDA device: " << cuda_device_summary();
  }
};

/// Fixture of the backend parity tests (tests/cuda): one test body, run once on the CPU backend
/// (so CI exercises its tolerance) and once on the CUDA backend (skipped without a device).
/// Instantiate with THON_INSTANTIATE_BACKENDS(Fixture).
class BackendTest : public ::testing::TestWithParam<Device> {
 protected:
  void SetUp() override {
    if (GetParam() == Device::cuda && !cuda_device_available())
      GTEST_SKIP() << "no CUDA device: " << cuda_device_summary();
  }
  Device device() const { return GetParam(); }
};
#define THON_INSTANTIATE_BACKENDS(fixture)                                                        \
  INSTANTIATE_TEST_SUITE_P(Backends, fixture, ::testing::Values(::thon::Device::cpu, ::thon::Device::cuda), \
                           [](const ::testing::TestParamInfo<::thon::Device>& i) { return std::string(::thon::to_string(i.param)); })

/// A fresh, empty temporary directory for a test's files, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("thon_test_" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// Runs a shell command (stderr joined to stdout), returns its exit status; output kept if asked.
inline int run_command(const std::string& command, std::string* output = nullptr) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return -1;
  char buf[4096];
  std::string out;
  while (std::fgets(buf, sizeof buf, pipe)) out += buf;
  const int status = pclose(pipe);
  if (output) *output = out;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/// Runs the thon executable with the given arguments.
inline int run_thon(const std::string& args, std::string* output = nullptr) {
  return run_command(std::string(THON_EXE) + " " + args, output);
}

}  // namespace thon::test
