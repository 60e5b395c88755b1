// `thon project` round trips: the stack and STAR it writes read back with the right poses, sizes
// and pixel size; bad input gives a clear error, exit status 1 and no output files.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "test_util.hpp"
#include "thon/io/mrc.hpp"
#include "thon/io/particles.hpp"
#include "thon/ops/project.hpp"

namespace thon {
namespace {

namespace fs = std::filesystem;

/// Pearson correlation of two arrays.
double correlation(const float* a, const float* b, std::int64_t n) {
  double ma = 0, mb = 0;
  for (std::int64_t i = 0; i < n; ++i) ma += a[i], mb += b[i];
  ma /= double(n);
  mb /= double(n);
  double sab = 0, saa = 0, sbb = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

// EMD-3197 (20^3, 11.4 Å): random poses, read back. Each image equals the in-process projection at
// the pose the STAR file gives (rel 1e-6: same float code, through the MRC writer), and is closer
// to the independent real-space line integral at its own pose than at any other pose. (The map
// fills its box, so real-space and Fourier projections differ at the corners: correlation 0.7-0.95
// at the right pose, lower at the others.)
TEST(ProjectCli, Emd3197RandomPosesReadBack) {
  THON_REQUIRE_DATA("maps/EMD-3197.map");
  test::TempDir dir;
  const std::string map = test::data_path("maps/EMD-3197.map");
  std::string out;
  // --batch 5: three batches (5, 5, 2), so the background writer sees batches written while the
  // next one is projected; the comparison below checks they land in order.
  ASSERT_EQ(test::run_thon("project --map " + map + " --n 12 --seed 5 --batch 5 --quiet --device cpu --o " +
                               dir.file("proj"), &out), 0) << out;
  const io::ParticleTable table = io::read_particles(dir.file("proj.star"));
  ASSERT_EQ(table.particles.size(), 12u);
  ASSERT_TRUE(table.present.angles);
  ASSERT_EQ(table.optics.size(), 1u);
  EXPECT_NEAR(table.optics[0].pixel_size_A, 11.4, 1e-4);
  EXPECT_EQ(table.optics[0].image_size, 20);
  const ImageStack<float> stack = io::read_mrc_stack(dir.file("proj.mrcs"));
  ASSERT_EQ(stack.n(), 12);
  ASSERT_EQ(stack.nx(), 20);
  EXPECT_NEAR(stack.pixel_size_A(), 11.4, 1e-4);
  EXPECT_TRUE(test::finite_and_nonzero(stack.data(), stack.size()));

  const Volume<float> v = io::read_mrc_volume(map);
  std::vector<double> rot, tilt, psi;
  for (std::size_t i = 0; i < table.particles.size(); ++i) {
    const auto& p = table.particles[i];
    rot.push_back(p.rot_deg);
    tilt.push_back(p.tilt_deg);
    psi.push_back(p.psi_deg);
    EXPECT_EQ(p.origin_x_A, 0.0);
    EXPECT_EQ(p.origin_y_A, 0.0);
    const auto loc = io::parse_image_name(p.image_name, table.directory);
    EXPECT_EQ(loc.index, std::int64_t(i));
    EXPECT_EQ(fs::path(loc.path).filename(), "proj.mrcs");
  }
  const auto poses = ops::poses_from_euler(rot, tilt, psi);
  const ops::FourierProjector<float> projector(Device::cpu, v);
  const ImageStack<float> expect = projector.project_images(poses);
  EXPECT_LT(test::rel_l2(stack.data(), expect.data(), stack.size()), 1e-6);
  // Independent check of the pose association: each image correlates best with the real-space
  // line integral of the map at its own pose (argmax over the 12 poses).
  std::vector<float> lines(std::size_t(stack.size()));
  ops::line_project(Device::cpu, v.data(), 20, poses.data(), 12, lines.data());
  for (int i = 0; i < 12; ++i) {
    const float* a = stack.data() + std::int64_t(i) * 400;
    int best = -1;
    double best_cc = -2;
    for (int j = 0; j < 12; ++j) {
      const double cc = correlation(a, lines.data() + std::int64_t(j) * 400, 400);
      if (cc > best_cc) best_cc = cc, best = j;
    }
    EXPECT_EQ(best, i) << "image " << i << " matches the line integral of pose " << best;
  }
}

// Poses from a STAR file: the output STAR carries the same angles, in order.
TEST(ProjectCli, PosesFromStarFile) {
  THON_REQUIRE_DATA("maps/EMD-3197.map");
  test::TempDir dir;
  io::ParticleTable in;
  in.optics.push_back(io::OpticsGroup{});
  in.present.angles = true;
  const double angles[][3] = {{0, 0, 0}, {10, 20, 30}, {-170, 179.5, 45}, {90, 90, -90}};
  for (int i = 0; i < 4; ++i) {
    io::Particle p;
    p.image_name = io::format_image_name(i, "dummy.mrcs");
    p.rot_deg = angles[i][0];
    p.tilt_deg = angles[i][1];
    p.psi_deg = angles[i][2];
    in.particles.push_back(p);
  }
  io::write_particles(dir.file("poses.star"), in);
  std::string out;
  ASSERT_EQ(test::run_thon("project --map " + test::data_path("maps/EMD-3197.map") + " --star " +
                               dir.file("poses.star") + " --interp cubic --pad 3 --quiet --o " +
                               dir.file("p"), &out), 0) << out;
  const auto table = io::read_particles(dir.file("p.star"));
  ASSERT_EQ(table.particles.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(table.particles[std::size_t(i)].rot_deg, angles[i][0], 1e-6);
    EXPECT_NEAR(table.particles[std::size_t(i)].tilt_deg, angles[i][1], 1e-6);
    EXPECT_NEAR(table.particles[std::size_t(i)].psi_deg, angles[i][2], 1e-6);
  }
  EXPECT_EQ(io::read_mrc_stack(dir.file("p.mrcs")).n(), 4);
}

void expect_failure(const std::string& args, const std::string& message, const test::TempDir& dir) {
  std::string out;
  EXPECT_EQ(test::run_thon(args + " --quiet --o " + dir.file("bad"), &out), 1) << out;
  EXPECT_NE(out.find(message), std::string::npos) << "wanted '" << message << "' in: " << out;
  EXPECT_FALSE(fs::exists(dir.file("bad.mrcs")));
  EXPECT_FALSE(fs::exists(dir.file("bad.star")));
}

TEST(ProjectCli, BadInput) {
  test::TempDir dir;
  Volume<float> cube = Volume<float>::cube(8, 2.0);
  cube(4, 4, 4) = 1;
  io::write_mrc(dir.file("cube.mrc"), cube);
  Volume<float> slab(8, 8, 6, 2.0);
  slab(3, 4, 4) = 1;
  io::write_mrc(dir.file("slab.mrc"), slab);
  // A poses file without angle columns, and one with a non-finite angle.
  {
    std::ofstream f(dir.file("noangles.star"));
    f << "data_particles\n\nloop_\n_rlnImageName #1\n_rlnDefocusU #2\n000001@a.mrcs 10000\n";
  }
  {
    std::ofstream f(dir.file("nan.star"));
    f << "data_particles\n\nloop_\n_rlnImageName #1\n_rlnAngleRot #2\n_rlnAngleTilt #3\n"
         "_rlnAnglePsi #4\n000001@a.mrcs 0 nan 0\n";
  }
  const std::string cube_map = " --map " + dir.file("cube.mrc");
  expect_failure("project" + cube_map + " --star " + dir.file("noangles.star"), "rlnAngle", dir);
  expect_failure("project" + cube_map + " --star " + dir.file("nan.star"), "not", dir);
  expect_failure("project --map " + dir.file("slab.mrc") + " --n 3", "cubic", dir);
  expect_failure("project" + cube_map + " --n 3 --pad 0.5", "pad", dir);
  expect_failure("project" + cube_map + " --n 3 --interp spline", "spline", dir);
  expect_failure("project" + cube_map + " --n 0", "--n", dir);
}

}  // namespace
}  // namespace thon
