// The fixtures in data/ are reproducible: each command recorded in data/README.md is run again in
// a temporary directory and what it writes is compared with the committed file (the rules are in
// data/README.md: text byte for byte, images to a float32 FFT-rounding tolerance, HDF5 through
// the reader). Every committed fixture must come from a recorded command.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.hpp"
#include "thon/io/hdf5.hpp"
#include "thon/io/mrc.hpp"

namespace thon {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

const std::string kDataDir = std::string(THON_SOURCE_DIR) + "/data";

// FFTW may choose another algorithm on another CPU: float32 transforms then differ by a few ulp
// per pass (~1e-6 relative over the 3D and 2D transforms of a simulation); 1e-5 allows for it
// and is far below any real change (one image changed is ~1e-1).
constexpr double kFftRoundingTol = 1e-5;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The `thon ...` lines between the fixture-command markers of data/README.md.
std::vector<std::string> recorded_commands() {
  std::istringstream in(slurp(kDataDir + "/README.md"));
  std::vector<std::string> commands;
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line.find("<!-- fixture commands -->") != std::string::npos) inside = true;
    if (line.find("<!-- end fixture commands -->") != std::string::npos) inside = false;
    if (inside && line.rfind("thon ", 0) == 0) commands.push_back(line.substr(5));
  }
  return commands;
}

void compare_mrc(const std::string& made, const std::string& committed) {
  const io::MrcHeader a = io::read_mrc_header(made), b = io::read_mrc_header(committed);
  EXPECT_EQ(a.nx, b.nx);
  EXPECT_EQ(a.ny, b.ny);
  EXPECT_EQ(a.nz, b.nz);
  EXPECT_EQ(a.mode, b.mode);
  EXPECT_EQ(a.is_stack(), b.is_stack());
  EXPECT_NEAR(a.pixel_size_A(), b.pixel_size_A(), 1e-6 * b.pixel_size_A());
  const ImageStack<float> x = io::read_mrc_stack(made), y = io::read_mrc_stack(committed);
  ASSERT_TRUE(test::finite_and_nonzero(y)) << committed;
  EXPECT_LE(test::rel_l2(x, y), kFftRoundingTol) << made << " vs " << committed;
  if (slurp(made) != slurp(committed))
    std::printf("note: %s is not bit-identical (rel L2 %.3g): another FFTW plan?\n", committed.c_str(),
                test::rel_l2(x, y));
}

void compare_hdf5(const std::string& made, const std::string& committed) {
  const io::DatasetReader a(made), b(committed);
  ASSERT_EQ(a.count(), b.count());
  ASSERT_EQ(a.nx(), b.nx());
  ASSERT_EQ(a.ny(), b.ny());
  EXPECT_EQ(a.attributes().generator, b.attributes().generator);
  EXPECT_EQ(a.attributes().command_line, b.attributes().command_line);
  EXPECT_EQ(a.attributes().seed, b.attributes().seed);
  EXPECT_EQ(a.attributes().pixel_size_A, b.attributes().pixel_size_A);
  ASSERT_EQ(a.optics().size(), b.optics().size());
  for (std::size_t g = 0; g < a.optics().size(); ++g) {
    EXPECT_EQ(a.optics()[g].pixel_size_A, b.optics()[g].pixel_size_A);
    EXPECT_EQ(a.optics()[g].voltage_kV, b.optics()[g].voltage_kV);
    EXPECT_EQ(a.optics()[g].image_size, b.optics()[g].image_size);
  }
  const auto pa = a.read_particles(0, a.count()), pb = b.read_particles(0, b.count());
  for (std::size_t i = 0; i < pa.size(); ++i) {
    EXPECT_EQ(pa[i].rot_deg, pb[i].rot_deg) << i;
    EXPECT_EQ(pa[i].tilt_deg, pb[i].tilt_deg) << i;
    EXPECT_EQ(pa[i].psi_deg, pb[i].psi_deg) << i;
    EXPECT_EQ(pa[i].origin_x_A, pb[i].origin_x_A) << i;
    EXPECT_EQ(pa[i].defocus_u_A, pb[i].defocus_u_A) << i;
    EXPECT_EQ(pa[i].defocus_v_A, pb[i].defocus_v_A) << i;
    EXPECT_EQ(pa[i].random_subset, pb[i].random_subset) << i;
  }
  const std::size_t n = std::size_t(a.count()) * std::size_t(a.nx()) * std::size_t(a.ny());
  std::vector<float> ia(n), ib(n);
  a.read_images(0, a.count(), ia.data());
  b.read_images(0, b.count(), ib.data());
  ASSERT_TRUE(test::finite_and_nonzero(ib.data(), std::int64_t(n)));
  EXPECT_LE(test::rel_l2(ia, ib), kFftRoundingTol);
}

TEST(Fixtures, EveryCommittedFixtureIsRemadeByItsRecordedCommand) {
  const std::vector<std::string> commands = recorded_commands();
  ASSERT_FALSE(commands.empty()) << "no fixture commands in " << kDataDir << "/README.md";
  TempDir dir;
  for (const std::string& c : commands) {
    std::string out;
    ASSERT_EQ(test::run_command("cd " + dir.path().string() + " && THON_FFTW_PLANNER=estimate " + THON_EXE + " " + c, &out), 0)
        << "thon " << c << "\n" << out;
  }
  std::set<std::string> made;
  for (const auto& e : fs::directory_iterator(dir.path())) made.insert(e.path().filename().string());
  std::set<std::string> committed;
  for (const auto& e : fs::directory_iterator(kDataDir))
    if (e.path().filename() != "README.md") committed.insert(e.path().filename().string());
  // Every committed file is made by a command, and every file a command makes is committed.
  EXPECT_EQ(made, committed);
  ASSERT_FALSE(committed.empty());
  for (const std::string& f : committed) {
    if (!made.count(f)) continue;
    SCOPED_TRACE(f);
    const std::string a = dir.file(f), b = kDataDir + "/" + f;
    const std::string ext = fs::path(f).extension().string();
    if (ext == ".mrc" || ext == ".mrcs") {
      compare_mrc(a, b);
    } else if (ext == ".h5") {
      compare_hdf5(a, b);
    } else {
      const std::string x = slurp(a), y = slurp(b);
      EXPECT_GT(y.size(), 0u);
      EXPECT_TRUE(x == y) << f << " differs from the committed file";
    }
  }
}

TEST(Fixtures, DataFolderStaysSmall) {
  std::uintmax_t total = 0;
  for (const auto& e : fs::recursive_directory_iterator(kDataDir))
    if (e.is_regular_file()) total += e.file_size();
  EXPECT_LT(total, std::uintmax_t(2) << 20) << "data/ is " << total << " bytes";
}

}  // namespace
}  // namespace thon
