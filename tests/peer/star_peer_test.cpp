// RELION reads the STAR files thon writes (and thon reads RELION's rewrite of them).
// Skipped when the relion package is not installed.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "test_util.hpp"
#include "thon/io/particles.hpp"

namespace {

using namespace thon::io;
using thon::test::data_path;

bool have_relion() { return std::filesystem::exists("/usr/bin/relion_star_printtable"); }

/// Runs relion_star_printtable and returns one vector of numbers per row.
std::vector<std::vector<double>> relion_table(const std::string& star, const std::string& block,
                                              const std::string& columns) {
  std::string out;
  const int rc = thon::test::run_command("/usr/bin/relion_star_printtable " + star + " " + block + " " + columns, &out);
  EXPECT_EQ(rc, 0) << out;
  std::vector<std::vector<double>> rows;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::vector<double> v;
    double x;
    while (ls >> x) v.push_back(x);
    if (!v.empty()) rows.push_back(v);
  }
  return rows;
}

TEST(StarPeer, RelionReadsThonRelion31Output) {
  if (!have_relion()) GTEST_SKIP() << "relion not installed";
  THON_REQUIRE_DATA("metadata/relion31.6opticsgroups.star");
  thon::test::TempDir dir;
  const ParticleTable t = read_particles(data_path("metadata/relion31.6opticsgroups.star"));
  write_particles(dir.file("thon.star"), t);
  const auto rows = relion_table(dir.file("thon.star"), "data_particles",
                                 "rlnAngleRot rlnAngleTilt rlnAnglePsi rlnOriginXAngst rlnDefocusU rlnOpticsGroup");
  ASSERT_EQ(rows.size(), t.particles.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), 6u);
    // RELION prints with %12.6f-like precision: 1e-5 relative covers its rounding.
    EXPECT_NEAR(rows[i][0], t.particles[i].rot_deg, 1e-4);
    EXPECT_NEAR(rows[i][1], t.particles[i].tilt_deg, 1e-4);
    EXPECT_NEAR(rows[i][2], t.particles[i].psi_deg, 1e-4);
    EXPECT_NEAR(rows[i][3], t.particles[i].origin_x_A, 1e-4);
    EXPECT_NEAR(rows[i][4], t.particles[i].defocus_u_A, 1e-2);
    EXPECT_EQ(rows[i][5], t.particles[i].optics_group);
  }
  const auto optics = relion_table(dir.file("thon.star"), "data_optics", "rlnOpticsGroup rlnImagePixelSize rlnSphericalAberration");
  ASSERT_EQ(optics.size(), 6u);
  for (std::size_t g = 0; g < 6; ++g) {
    EXPECT_EQ(optics[g][0], t.optics[g].number);
    EXPECT_NEAR(optics[g][1], t.optics[g].pixel_size_A, 1e-6);
    EXPECT_NEAR(optics[g][2], t.optics[g].cs_mm, 1e-6);
  }
}

// A file streamed by ParticleStarWriter (as thon simulate writes it) reads in RELION.
TEST(StarPeer, RelionReadsStreamedParticles) {
  if (!have_relion()) GTEST_SKIP() << "relion not installed";
  thon::test::TempDir dir;
  OpticsGroup g;
  g.pixel_size_A = 1.5;
  g.image_size = 64;
  ParticleColumns columns;
  columns.angles = columns.origins = columns.ctf = columns.random_subset = true;
  std::vector<Particle> ps(50);
  for (std::size_t i = 0; i < ps.size(); ++i) {
    Particle& p = ps[i];
    p.image_name = format_image_name(std::int64_t(i), "sim.mrcs");
    p.rot_deg = -170.0 + 7.1 * double(i);
    p.tilt_deg = 3.3 * double(i);
    p.psi_deg = 10.0 - 0.25 * double(i);
    p.origin_x_A = 0.5 * double(i % 9) - 2;
    p.defocus_u_A = 12000.0 + 111.0 * double(i);
    p.defocus_v_A = p.defocus_u_A - 50;
    p.random_subset = 1 + int(i % 2);
  }
  ParticleStarWriter w(dir.file("s.star"), {g}, columns);
  w.append(ps.data(), 17);
  w.append(ps.data() + 17, 33);
  w.finish();
  const auto rows = relion_table(dir.file("s.star"), "data_particles",
                                 "rlnAngleRot rlnAngleTilt rlnAnglePsi rlnOriginXAngst rlnDefocusU rlnRandomSubset");
  ASSERT_EQ(rows.size(), ps.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), 6u);
    // RELION prints with 6 decimals: 1e-4 covers its rounding.
    EXPECT_NEAR(rows[i][0], ps[i].rot_deg, 1e-4);
    EXPECT_NEAR(rows[i][1], ps[i].tilt_deg, 1e-4);
    EXPECT_NEAR(rows[i][2], ps[i].psi_deg, 1e-4);
    EXPECT_NEAR(rows[i][3], ps[i].origin_x_A, 1e-4);
    EXPECT_NEAR(rows[i][4], ps[i].defocus_u_A, 1e-2);
    EXPECT_EQ(rows[i][5], ps[i].random_subset);
  }
  const auto optics = relion_table(dir.file("s.star"), "data_optics", "rlnImagePixelSize rlnImageSize");
  ASSERT_EQ(optics.size(), 1u);
  EXPECT_NEAR(optics[0][0], 1.5, 1e-6);
  EXPECT_EQ(optics[0][1], 64);
}

TEST(StarPeer, Relion30ConvertedTo31ReadsInRelionWithOriginsInAngstrom) {
  if (!have_relion()) GTEST_SKIP() << "relion not installed";
  THON_REQUIRE_DATA("metadata/FinalRefinement-OriginalParticles-PfCRT.star");
  thon::test::TempDir dir;
  const ParticleTable t = read_particles(data_path("metadata/FinalRefinement-OriginalParticles-PfCRT.star"));
  write_particles(dir.file("v31.star"), t);
  const auto rows = relion_table(dir.file("v31.star"), "data_particles", "rlnOriginXAngst rlnOriginYAngst");
  ASSERT_EQ(rows.size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_NEAR(rows[i][0], t.particles[i].origin_x_A, 1e-5);
    EXPECT_NEAR(rows[i][1], t.particles[i].origin_y_A, 1e-5);
  }
  // RELION's own rewrite of thon's file reads back in thon with the same values.
  if (std::filesystem::exists("/usr/bin/relion_star_handler")) {
    std::string out;
    ASSERT_EQ(thon::test::run_command("cd " + dir.path().string() + " && /usr/bin/relion_star_handler --i v31.star --o relion.star", &out), 0) << out;
    const ParticleTable u = read_particles(dir.file("relion.star"));
    ASSERT_EQ(u.particles.size(), 5u);
    EXPECT_NEAR(u.optics[0].pixel_size_A, 1.035, 1e-6);
    for (std::size_t i = 0; i < 5; ++i) EXPECT_NEAR(u.particles[i].origin_x_A, t.particles[i].origin_x_A, 1e-5);
  }
}

}  // namespace
