// `thon verify` on a generated data set (thon simulate, box 32, 24 particles): every operation is
// within its tolerance on the CPU (exit 0), exactly 0 for the reference against itself, and
// outside it (exit 2) when the fast result is perturbed through the hidden test option, with the
// printed rel L2 equal to the injected perturbation (|(1+p) f - r| / |r| = p when f = r to 1e-5).
// CUDA runs the same checks when a device is present and skips otherwise. Bad input exits 1.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <string>

#include "test_util.hpp"
#include "thon/io/star.hpp"

namespace thon {
namespace {

namespace fs = std::filesystem;
using test::run_thon;
using test::TempDir;

const char* const kOperations[] = {"project", "backproject", "reconstruct", "ctf", "classify2d"};

class VerifyCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>();
    std::string out;
    // CTF, shifts and noise on: every column the operations read is exercised.
    ASSERT_EQ(run_thon("simulate --n 24 --box 32 --apix 5 --max-shift 4 --astig 500 --no-hdf5 --quiet --seed 3 --o " +
                           dir_->file("sim"),
                       &out),
              0)
        << out;
    // The same particles without poses, and without CTF columns, for the bad-input checks.
    for (const auto& [name, prefix] : {std::pair{"noposes.star", "rlnAngle"}, std::pair{"noctf.star", "rlnDefocus"}}) {
      io::StarFile f = io::StarFile::read(dir_->file("sim.star"));
      io::StarBlock* b = f.find("particles");
      ASSERT_NE(b, nullptr);
      for (int c = b->n_columns() - 1; c >= 0; --c)
        if (b->columns()[std::size_t(c)].rfind(prefix, 0) == 0) b->remove_column(c);
      f.write(dir_->file(name));
    }
  }
  static void TearDownTestSuite() { dir_.reset(); }

  static std::string args(const std::string& op, const std::string& star = "sim.star") {
    return "verify --op " + op + " --map " + dir_->file("sim_truth.mrc") + " --i " + dir_->file(star);
  }
  /// The rel L2 error printed by thon verify (NaN when absent).
  static double rel_l2(const std::string& out) {
    const auto p = out.find("rel L2 error: ");
    return p == std::string::npos ? NAN : std::stod(out.substr(p + 14));
  }
  static double tolerance(const std::string& out) {
    const auto p = out.find("(tolerance ");
    return p == std::string::npos ? NAN : std::stod(out.substr(p + 11));
  }
  static std::unique_ptr<TempDir> dir_;
};
std::unique_ptr<TempDir> VerifyCli::dir_;

TEST_F(VerifyCli, CpuWithinToleranceForEveryOperation) {
  for (const char* op : kOperations) {
    std::string out;
    EXPECT_EQ(run_thon(args(op) + " --device cpu", &out), 0) << op << "\n" << out;
    EXPECT_NE(out.find("within tolerance"), std::string::npos) << out;
    const double e = rel_l2(out);
    // Non-zero: the float path really ran (a copy of the reference would give exactly 0).
    EXPECT_TRUE(e > 0 && e < tolerance(out)) << op << ": " << e;
  }
}

TEST_F(VerifyCli, ReferenceAgainstItselfIsExactlyZero) {
  for (const char* op : kOperations) {
    std::string out;
    EXPECT_EQ(run_thon(args(op) + " --device reference --n 8", &out), 0) << op << "\n" << out;
    EXPECT_EQ(rel_l2(out), 0.0) << op << "\n" << out;
  }
}

TEST_F(VerifyCli, InjectedPerturbationFailsWithExitTwo) {
  for (const char* op : kOperations) {
    std::string out;
    EXPECT_EQ(run_thon(args(op) + " --device cpu --n 8 --inject-perturbation 1e-3", &out), 2) << op << "\n" << out;
    EXPECT_NE(out.find("OUTSIDE tolerance"), std::string::npos) << out;
    EXPECT_NEAR(rel_l2(out), 1e-3, 2e-5) << op;  // p, up to the unperturbed error (< 2e-5)
  }
}

TEST_F(VerifyCli, CudaWithinToleranceWhenADeviceIsPresent) {
  if (!cuda_device_available()) GTEST_SKIP() << "no CUDA device: " << cuda_device_summary();
  for (const char* op : kOperations) {
    std::string out;
    EXPECT_EQ(run_thon(args(op) + " --device cuda", &out), 0) << op << "\n" << out;
    EXPECT_GT(rel_l2(out), 0.0) << op;
    EXPECT_EQ(run_thon(args(op) + " --device cuda --n 8 --inject-perturbation 1e-3", &out), 2) << op << "\n" << out;
  }
}

TEST_F(VerifyCli, BadInputExitsOne) {
  auto fails_with = [](const std::string& a, const std::string& message) {
    std::string out;
    EXPECT_EQ(run_thon(a, &out), 1) << a << "\n" << out;
    EXPECT_NE(out.find(message), std::string::npos) << a << ":\n" << out;
  };
  fails_with(args("classify3d"), "unknown operation 'classify3d'");
  for (const char* op : {"project", "backproject", "reconstruct"}) fails_with(args(op, "noposes.star"), "needs poses");
  fails_with(args("ctf", "noctf.star"), "needs the CTF");
  fails_with("verify --op project --i " + dir_->file("sim.star"), "needs --map");
  fails_with(args("ctf") + " --n -1", "--n -1");
  fails_with(args("ctf", "missing.star"), "missing.star");
  fails_with(args("classify2d") + " --ref " + dir_->file("sim_truth.mrc") + " --k 2", "--k is 2");
  fails_with(args("classify2d") + " --ref " + dir_->file("absent.mrcs"), "absent.mrcs");
  std::string help;
  ASSERT_EQ(run_thon("verify --help", &help), 0);
  EXPECT_EQ(help.find("inject"), std::string::npos) << "the test-only option is listed in --help";
}

}  // namespace
}  // namespace thon
