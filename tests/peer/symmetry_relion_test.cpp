// Point groups against RELION itself: relion_particle_symmetry_expand writes, for each particle,
// the poses of every symmetry copy. The set of those matrices must equal thon's symmetry_expand
// for the same pose, for every group thon supports. Skipped when RELION is not installed.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "test_util.hpp"
#include "thon/ops/symmetry.hpp"

namespace {

using namespace thon;
const char* kRelionExpand = "/usr/bin/relion_particle_symmetry_expand";

double max_abs_diff(const Mat3<double>& a, const Mat3<double>& b) {
  double d = 0;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) d = std::max(d, std::fabs(a.m[r][c] - b.m[r][c]));
  return d;
}

std::vector<math::EulerAngles<double>> relion_expand(const test::TempDir& dir, const std::string& sym,
                                                     const std::vector<math::EulerAngles<double>>& poses) {
  const std::string in = dir.file("in_" + sym + ".star"), out = dir.file("out_" + sym + ".star");
  {
    std::ofstream f(in);
    f << "\n# version 30001\n\ndata_optics\n\nloop_\n_rlnOpticsGroupName #1\n_rlnOpticsGroup #2\n"
         "_rlnImagePixelSize #3\n_rlnImageSize #4\n_rlnImageDimensionality #5\n_rlnVoltage #6\n"
         "_rlnSphericalAberration #7\n_rlnAmplitudeContrast #8\nopticsGroup1 1 1.0 64 2 300 2.7 0.1\n\n"
         "# version 30001\n\ndata_particles\n\nloop_\n_rlnImageName #1\n_rlnAngleRot #2\n"
         "_rlnAngleTilt #3\n_rlnAnglePsi #4\n_rlnOpticsGroup #5\n";
    f.precision(17);
    for (std::size_t i = 0; i < poses.size(); ++i)
      f << i + 1 << "@dummy.mrcs " << poses[i].rot_deg << " " << poses[i].tilt_deg << " " << poses[i].psi_deg
        << " 1\n";
  }
  const std::string cmd = std::string(kRelionExpand) + " --i " + in + " --o " + out + " --sym " + sym +
                          " > " + dir.file("log_" + sym + ".txt") + " 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::vector<math::EulerAngles<double>> expanded;
  std::ifstream f(out);
  std::string line;
  while (std::getline(f, line)) {
    if (line.find("@dummy.mrcs") == std::string::npos) continue;
    std::istringstream s(line);
    std::string name;
    math::EulerAngles<double> e;
    s >> name >> e.rot_deg >> e.tilt_deg >> e.psi_deg;
    expanded.push_back(e);
  }
  return expanded;
}

// RELION prints angles with 6 decimals (1e-6 degree ~ 2e-8 rad) and rounds its 3-fold axes to 8-10
// digits: matrices agree to 1e-6 (tolerance 1e-5).
TEST(SymmetryRelionPeerTest, ExpandedPosesEqualRelions) {
  if (!std::filesystem::exists(kRelionExpand)) GTEST_SKIP() << "RELION not installed";
  const std::vector<math::EulerAngles<double>> poses{{10, 20, 30}, {-123.4, 77.7, 5.5}, {45, 150, -60}};
  test::TempDir dir;
  for (const char* name : {"C5", "D7", "T", "O", "I", "I1", "I2", "I3", "I4"}) {
    const auto g = make_point_group(name);
    const auto relion = relion_expand(dir, name, poses);
    ASSERT_EQ(relion.size(), poses.size() * g.ops.size()) << name;
    for (std::size_t p = 0; p < poses.size(); ++p) {
      const auto ours = symmetry_expand(math::euler_to_matrix(poses[p].rot_deg, poses[p].tilt_deg, poses[p].psi_deg), g);
      for (std::size_t k = 0; k < g.ops.size(); ++k) {
        const auto& e = relion[p * g.ops.size() + k];
        const auto m = math::euler_to_matrix(e.rot_deg, e.tilt_deg, e.psi_deg);
        double best = 1e9;
        for (const auto& o : ours) best = std::min(best, max_abs_diff(o, m));
        EXPECT_LT(best, 1e-5) << name << " pose " << p << " RELION copy " << k << ": (" << e.rot_deg << ", "
                              << e.tilt_deg << ", " << e.psi_deg << ")";
      }
    }
  }
}

}  // namespace
