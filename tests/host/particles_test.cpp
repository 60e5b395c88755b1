// RELION particle tables: 3.1 with several optics groups, 3.0 without optics, round trips,
// image-name resolution and the errors of bad tables.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "test_util.hpp"
#include "thon/core/error.hpp"
#include "thon/io/mrc.hpp"
#include "thon/io/particles.hpp"

namespace {

using namespace thon::io;
using thon::test::data_path;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const thon::Error& e) {
    return e.what();
  }
  return "";
}

TEST(Particles, Relion31SixOpticsGroups) {
  THON_REQUIRE_DATA("metadata/relion31.6opticsgroups.star");
  const ParticleTable t = read_particles(data_path("metadata/relion31.6opticsgroups.star"));
  ASSERT_EQ(t.optics.size(), 6u);
  ASSERT_EQ(t.particles.size(), 139u);
  EXPECT_TRUE(t.present.angles && t.present.origins && t.present.ctf && t.present.random_subset &&
              t.present.class_number && t.present.pixel_size && t.present.optics_ctf);
  // Values from the file's data_optics (group 6: "opticsGroup6", 1.25 Å; group 2: 1.24 Å; group 4: Cs 2.6).
  const OpticsGroup& g6 = t.optics[5];
  EXPECT_EQ(g6.number, 6);
  EXPECT_EQ(g6.name, "opticsGroup6");
  EXPECT_DOUBLE_EQ(g6.pixel_size_A, 1.25);
  EXPECT_DOUBLE_EQ(t.optics[1].pixel_size_A, 1.24);
  EXPECT_DOUBLE_EQ(t.optics[3].cs_mm, 2.6);
  EXPECT_DOUBLE_EQ(t.optics[0].voltage_kV, 200.0);
  EXPECT_EQ(t.optics[0].image_size, 196);
  // Particles per optics group, counted with Python on the file (PROVENANCE.md: 48/29/5/7/26/24).
  std::map<int, int> count;
  for (const auto& p : t.particles) ++count[p.optics_group];
  EXPECT_EQ(count, (std::map<int, int>{{1, 48}, {2, 29}, {3, 5}, {4, 7}, {5, 26}, {6, 24}}));
  // First particle row, as in the file.
  const Particle& p = t.particles[0];
  EXPECT_EQ(p.image_name, "3@Polish/job520/Micrographs/0003_shiny.mrcs");
  EXPECT_EQ(p.optics_group, 6);
  EXPECT_DOUBLE_EQ(p.rot_deg, -128.10516);
  EXPECT_DOUBLE_EQ(p.tilt_deg, 37.068920);
  EXPECT_DOUBLE_EQ(p.psi_deg, -82.17809);
  EXPECT_DOUBLE_EQ(p.origin_x_A, 13.284554);
  EXPECT_DOUBLE_EQ(p.origin_y_A, -3.21701);
  EXPECT_DOUBLE_EQ(p.defocus_u_A, 10352.805929);
  EXPECT_DOUBLE_EQ(p.defocus_v_A, 8905.919375);
  EXPECT_DOUBLE_EQ(p.defocus_angle_deg, 60.889370);
  EXPECT_EQ(p.random_subset, 2);
  EXPECT_EQ(p.class_number, 1);
  EXPECT_DOUBLE_EQ(t.optics_of(p).pixel_size_A, 1.25);
}

/// Every column of every block of `a` appears in `b` with the same text in every row.
void expect_same_values(const StarFile& a, const StarFile& b) {
  for (const auto& block : a.blocks()) {
    const StarBlock* other = b.find(block.name());
    ASSERT_NE(other, nullptr) << block.name();
    ASSERT_EQ(other->n_rows(), block.n_rows());
    for (int c = 0; c < block.n_columns(); ++c) {
      const int oc = other->column_index(block.columns()[std::size_t(c)]);
      ASSERT_GE(oc, 0) << block.columns()[std::size_t(c)];
      for (std::int64_t r = 0; r < block.n_rows(); ++r)
        ASSERT_EQ(block.text(r, c), other->text(r, oc)) << block.name() << " " << block.columns()[std::size_t(c)] << " row " << r;
    }
  }
}

TEST(Particles, Relion31RoundTripKeepsEveryValueAndColumnOrder) {
  THON_REQUIRE_DATA("metadata/relion31.6opticsgroups.star");
  thon::test::TempDir dir;
  const ParticleTable t = read_particles(data_path("metadata/relion31.6opticsgroups.star"));
  write_particles(dir.file("out.star"), t);
  const StarFile again = StarFile::read(dir.file("out.star"));
  expect_same_values(t.star, again);
  // Column order unchanged, no columns added (the source had every column thon writes).
  EXPECT_EQ(again.find("optics")->columns(), t.star.find("optics")->columns());
  EXPECT_EQ(again.find("particles")->columns(), t.star.find("particles")->columns());
  // And the typed view reads back equal.
  const ParticleTable u = read_particles(dir.file("out.star"));
  ASSERT_EQ(u.particles.size(), t.particles.size());
  for (std::size_t i = 0; i < t.particles.size(); ++i) {
    EXPECT_EQ(u.particles[i].rot_deg, t.particles[i].rot_deg);
    EXPECT_EQ(u.particles[i].origin_y_A, t.particles[i].origin_y_A);
    EXPECT_EQ(u.particles[i].defocus_v_A, t.particles[i].defocus_v_A);
  }
}

TEST(Particles, EditedAndFilteredTableKeepsUnknownColumns) {
  THON_REQUIRE_DATA("metadata/relion31.6opticsgroups.star");
  thon::test::TempDir dir;
  ParticleTable t = read_particles(data_path("metadata/relion31.6opticsgroups.star"));
  // Keep every other particle, reversed, and change a pose.
  std::vector<Particle> kept;
  for (std::size_t i = t.particles.size(); i-- > 0;)
    if (i % 2 == 0) kept.push_back(t.particles[i]);
  kept[0].rot_deg = 12.25;
  const std::size_t src = std::size_t(kept[0].source_row);
  t.particles = kept;
  write_particles(dir.file("f.star"), t);
  const ParticleTable u = read_particles(dir.file("f.star"));
  ASSERT_EQ(u.particles.size(), kept.size());
  EXPECT_EQ(u.particles[0].rot_deg, 12.25);
  const StarBlock& in = *t.star.find("particles");
  const StarBlock& out = *u.star.find("particles");
  const int c_in = in.require_column("rlnLogLikeliContribution"), c_out = out.require_column("rlnLogLikeliContribution");
  EXPECT_EQ(out.text(0, c_out), in.text(std::int64_t(src), c_in));
  EXPECT_EQ(out.text(1, c_out), in.text(std::int64_t(src) - 2, c_in));
}

TEST(Particles, Relion30WithoutOptics) {
  THON_REQUIRE_DATA("metadata/FinalRefinement-OriginalParticles-PfCRT.star");
  const ParticleTable t = read_particles(data_path("metadata/FinalRefinement-OriginalParticles-PfCRT.star"));
  ASSERT_EQ(t.particles.size(), 5u);
  ASSERT_EQ(t.optics.size(), 1u);
  // Pixel size = rlnDetectorPixelSize (µm) * 1e4 / rlnMagnification = 1.035 * 1e4 / 10000.
  EXPECT_DOUBLE_EQ(t.optics[0].pixel_size_A, 1.035 * 1e4 / 10000.0);
  EXPECT_DOUBLE_EQ(t.optics[0].voltage_kV, 300.0);
  EXPECT_DOUBLE_EQ(t.optics[0].cs_mm, 0.001);
  EXPECT_TRUE(t.present.angles && t.present.origins && t.present.ctf && t.present.pixel_size);
  // Origins: rlnOriginX/Y in pixels times the pixel size (row 1: -0.14063, -0.04688 px).
  EXPECT_DOUBLE_EQ(t.particles[0].origin_x_A, -0.14063 * 1.035);
  EXPECT_DOUBLE_EQ(t.particles[0].origin_y_A, -0.04688 * 1.035);
  EXPECT_DOUBLE_EQ(t.particles[0].psi_deg, 98.225690);
  EXPECT_EQ(t.particles[1].random_subset, 1);

  // Written as RELION 3.1: optics block, origins in Å, the 3.0 optics columns moved out.
  thon::test::TempDir dir;
  write_particles(dir.file("v31.star"), t);
  const ParticleTable u = read_particles(dir.file("v31.star"));
  ASSERT_NE(u.star.find("optics"), nullptr);
  const StarBlock& p = *u.star.find("particles");
  EXPECT_FALSE(p.has_column("rlnOriginX"));
  EXPECT_FALSE(p.has_column("rlnMagnification"));
  EXPECT_TRUE(p.has_column("rlnImageOriginalName"));  // unknown column kept
  EXPECT_DOUBLE_EQ(u.optics[0].pixel_size_A, 1.035);
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(u.particles[i].origin_x_A, t.particles[i].origin_x_A);
    EXPECT_EQ(u.particles[i].defocus_u_A, t.particles[i].defocus_u_A);
    EXPECT_EQ(u.particles[i].image_name, t.particles[i].image_name);
  }
}

TEST(Particles, Relion30EmpiarPixelSize) {
  THON_REQUIRE_DATA("particles/empiar_10076_7.star");
  const ParticleTable t = read_particles(data_path("particles/empiar_10076_7.star"));
  ASSERT_EQ(t.particles.size(), 7u);
  EXPECT_FALSE(t.present.angles);
  EXPECT_TRUE(t.present.ctf);
  // 5 µm * 1e4 / 38168 = 1.30999... Å (PROVENANCE.md: pixel of 1.31 Å).
  EXPECT_DOUBLE_EQ(t.optics[0].pixel_size_A, 5.0 * 1e4 / 38168.0);
  EXPECT_DOUBLE_EQ(t.particles[0].defocus_u_A, 15301.1);
  EXPECT_DOUBLE_EQ(t.particles[0].defocus_angle_deg, 5.28);
  EXPECT_DOUBLE_EQ(t.optics[0].amplitude_contrast, 0.07);
  const ImageLocation loc = parse_image_name(t.particles[6].image_name, t.directory);
  EXPECT_EQ(loc.index, 6);
  EXPECT_EQ(std::filesystem::path(loc.path), std::filesystem::path(data_path("particles/empiar_10076_7.mrc")));
  EXPECT_EQ(check_particle_images(t), 1);
}

TEST(Particles, Relion31ImagesResolveRelativeToTheStarFile) {
  THON_REQUIRE_DATA("particles/relion31.star");
  THON_REQUIRE_DATA("particles/relion31.mrcs");
  const ParticleTable t = read_particles(data_path("particles/relion31.star"));
  ASSERT_EQ(t.particles.size(), 5u);
  EXPECT_DOUBLE_EQ(t.optics[0].pixel_size_A, 2.806);
  EXPECT_EQ(t.optics[0].image_size, 256);
  for (std::size_t i = 0; i < t.particles.size(); ++i) {
    const ImageLocation loc = parse_image_name(t.particles[i].image_name, t.directory);
    EXPECT_EQ(loc.index, std::int64_t(i));
    EXPECT_EQ(std::filesystem::path(loc.path), std::filesystem::path(data_path("particles/relion31.mrcs")));
  }
  // The stack holds exactly 5 images of 256 x 256 float32: (1311744 - 1024) / (256 * 256 * 4) = 5.
  EXPECT_EQ((std::filesystem::file_size(data_path("particles/relion31.mrcs")) - 1024) / (256 * 256 * 4), 5u);
  EXPECT_EQ(check_particle_images(t), 1);
  EXPECT_DOUBLE_EQ(t.particles[3].rot_deg, 160.041375);  // PROVENANCE.md table, particle 4
  // Every image resolves and reads (256 x 256, finite, not blank), and equals the same image read
  // from the whole stack at once.
  const thon::ImageStack<float> all = read_mrc_stack(data_path("particles/relion31.mrcs"));
  ASSERT_EQ(all.n(), 5);
  for (std::size_t i = 0; i < t.particles.size(); ++i) {
    const ImageLocation loc = parse_image_name(t.particles[i].image_name, t.directory);
    const thon::Image<float> im = read_mrc_image(loc.path, loc.index);
    ASSERT_EQ(im.nx(), t.optics[0].image_size);
    ASSERT_EQ(im.ny(), t.optics[0].image_size);
    EXPECT_TRUE(thon::test::finite_and_nonzero(im.data(), im.size()));
    EXPECT_EQ(std::memcmp(im.data(), all.image(int(i)).data, std::size_t(im.size()) * sizeof(float)), 0);
  }
}

TEST(Particles, ImageNames) {
  EXPECT_EQ(format_image_name(0, "s.mrcs"), "000001@s.mrcs");
  EXPECT_EQ(format_image_name(1234566, "d/s.mrcs"), "1234567@d/s.mrcs");
  const ImageLocation a = parse_image_name("000012@stack.mrcs", "dir");
  EXPECT_EQ(a.index, 11);
  EXPECT_EQ(a.path, "dir/stack.mrcs");
  EXPECT_EQ(parse_image_name("3@/abs/s.mrcs", "dir").path, "/abs/s.mrcs");
  EXPECT_EQ(parse_image_name("single.mrc", "").index, 0);
  for (const char* bad : {"0@s.mrcs", "x@s.mrcs", "@s.mrcs", "3@", "-1@s"})
    EXPECT_THROW(parse_image_name(bad, ""), thon::Error) << bad;
}

TEST(Particles, BadTablesGiveClearErrors) {
  const std::string optics = "data_optics\nloop_\n_rlnOpticsGroup\n_rlnImagePixelSize\n1 1.5\n2 1.5\n\n";
  // Missing required column.
  std::string e = error_of([&] { parse_particles("data_particles\nloop_\n_rlnAngleRot\n1\n", "m.star", ""); });
  EXPECT_NE(e.find("_rlnImageName"), std::string::npos) << e;
  // Two optics groups and no rlnOpticsGroup column.
  e = error_of([&] { parse_particles(optics + "data_particles\nloop_\n_rlnImageName\n1@a\n", "m.star", ""); });
  EXPECT_NE(e.find("_rlnOpticsGroup is missing"), std::string::npos) << e;
  // Unknown optics group.
  e = error_of([&] { parse_particles(optics + "data_particles\nloop_\n_rlnImageName\n_rlnOpticsGroup\n1@a 3\n", "m.star", ""); });
  EXPECT_NE(e.find("m.star, block data_particles, line 12, column _rlnOpticsGroup: optics group 3"), std::string::npos) << e;
  // Non-numeric value in a numeric column.
  e = error_of([&] {
    parse_particles(optics + "data_particles\nloop_\n_rlnImageName\n_rlnOpticsGroup\n_rlnDefocusU\n1@a 1 12000\n2@a 1 12x00\n",
                    "m.star", "");
  });
  EXPECT_NE(e.find("line 14, column _rlnDefocusU: '12x00' is not a number"), std::string::npos) << e;
  // Non-finite values are rejected.
  e = error_of([&] { parse_particles(optics + "data_particles\nloop_\n_rlnImageName\n_rlnOpticsGroup\n_rlnAngleRot\n1@a 1 nan\n", "m.star", ""); });
  EXPECT_NE(e.find("not finite"), std::string::npos) << e;
  // Bad pixel size.
  e = error_of([&] { parse_particles("data_optics\nloop_\n_rlnOpticsGroup\n_rlnImagePixelSize\n1 0\ndata_particles\nloop_\n_rlnImageName\n1@a\n", "m.star", ""); });
  EXPECT_NE(e.find("pixel size must be positive"), std::string::npos) << e;
  // 3.0 origins in pixels without a pixel size.
  e = error_of([&] { parse_particles("data_\nloop_\n_rlnImageName\n_rlnOriginX\n_rlnOriginY\n1@a 1 2\n", "m.star", ""); });
  EXPECT_NE(e.find("origins in pixels but no pixel size"), std::string::npos) << e;
}

TEST(Particles, MissingImagesAreReported) {
  THON_REQUIRE_DATA("particles/relion31.mrcs");
  const std::string dir = std::filesystem::path(data_path("particles/relion31.mrcs")).parent_path().string();
  const std::string head = "data_optics\nloop_\n_rlnOpticsGroup\n_rlnImagePixelSize\n1 2.806\ndata_particles\nloop_\n_rlnImageName\n";
  std::string e = error_of([&] { check_particle_images(parse_particles(head + "5@relion31.mrcs\n6@relion31.mrcs\n", "m.star", dir)); });
  EXPECT_NE(e.find("m.star, block data_particles, line 10, column _rlnImageName: image '6@relion31.mrcs': index 6 is past the end"),
            std::string::npos) << e;
  EXPECT_NE(e.find("(5 images)"), std::string::npos) << e;
  e = error_of([&] { check_particle_images(parse_particles(head + "1@nothere.mrcs\n", "m.star", dir)); });
  EXPECT_NE(e.find("line 9, column _rlnImageName: image '1@nothere.mrcs': file"), std::string::npos) << e;
  EXPECT_NE(e.find("does not exist"), std::string::npos) << e;
}

TEST(Particles, NewTableWritesRelion31) {
  thon::test::TempDir dir;
  ParticleTable t;
  OpticsGroup g;
  g.pixel_size_A = 1.5;
  g.image_size = 64;
  t.optics.push_back(g);
  t.present.angles = t.present.origins = t.present.ctf = t.present.random_subset = true;
  for (int i = 0; i < 3; ++i) {
    Particle p;
    p.image_name = format_image_name(i, "s.mrcs");
    p.rot_deg = 10.0 * i + 0.1;
    p.tilt_deg = 90;
    p.psi_deg = -45;
    p.origin_x_A = 0.3 * i;
    p.defocus_u_A = 12000 + i;
    p.defocus_v_A = 11000;
    p.random_subset = 1 + i % 2;
    t.particles.push_back(p);
  }
  write_particles(dir.file("new.star"), t);
  const ParticleTable u = read_particles(dir.file("new.star"));
  ASSERT_EQ(u.particles.size(), 3u);
  EXPECT_DOUBLE_EQ(u.optics[0].pixel_size_A, 1.5);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(u.particles[std::size_t(i)].rot_deg, 10.0 * i + 0.1);
    EXPECT_EQ(u.particles[std::size_t(i)].origin_x_A, 0.3 * i);
    EXPECT_EQ(u.particles[std::size_t(i)].random_subset, 1 + i % 2);
  }
  EXPECT_TRUE(u.present.angles && u.present.origins && u.present.ctf);
  const std::string text = u.star.to_string();
  EXPECT_EQ(text.find("rlnPhaseShift"), std::string::npos);  // default CTF terms not written
}

// A table whose rows still name source rows (source_row >= 0, as read_particles leaves them) but
// whose source STAR was dropped: written from the fields alone, read back equal.
TEST(Particles, StaleSourceRowsWithoutSourceStarAreWrittenFromTheFields) {
  thon::test::TempDir dir;
  ParticleTable t;
  OpticsGroup g;
  g.pixel_size_A = 2.5;
  g.voltage_kV = 200;
  g.source_row = 0;
  t.optics.push_back(g);
  t.present.angles = true;
  for (int i = 0; i < 2; ++i) {
    Particle p;
    p.image_name = format_image_name(i, "s.mrcs");
    p.psi_deg = 30.0 * i + 0.5;
    p.source_row = i;
    t.particles.push_back(p);
  }
  ASSERT_EQ(t.star.find("optics"), nullptr);
  write_particles(dir.file("stale.star"), t);
  const ParticleTable u = read_particles(dir.file("stale.star"));
  ASSERT_EQ(u.particles.size(), 2u);
  EXPECT_DOUBLE_EQ(u.optics[0].pixel_size_A, 2.5);
  EXPECT_DOUBLE_EQ(u.optics[0].voltage_kV, 200);
  for (int i = 0; i < 2; ++i) EXPECT_EQ(u.particles[std::size_t(i)].psi_deg, 30.0 * i + 0.5);
}

}  // namespace
