// io::ParticleStarWriter (rows streamed through a spool file) against io::write_particles (the whole
// table in memory): the same bytes for the same optics, columns and particles, whatever the batch
// sizes; the values read back; the spool removed; bad rows rejected.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.hpp"
#include "thon/core/error.hpp"
#include "thon/io/particles.hpp"

namespace {

using namespace thon::io;
using thon::test::TempDir;
namespace fs = std::filesystem;

std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

/// A new table of `n` particles with values of every magnitude and sign (so the column widths vary
/// from row to row), two optics groups, and the optional CTF terms non-default only where asked.
ParticleTable generated_table(std::int64_t n, const ParticleColumns& columns, bool phase_shift, bool bfactor,
                              bool scale, std::uint32_t seed) {
  ParticleTable t;
  OpticsGroup g1, g2;
  g1.number = 1;
  g1.pixel_size_A = 1.06;
  g1.image_size = 64;
  g2.number = 2;
  g2.name = "second group";  // needs quotes
  g2.pixel_size_A = 0.8347;
  g2.voltage_kV = 200;
  g2.cs_mm = 1.4;
  g2.amplitude_contrast = 0.07;
  g2.image_size = 128;
  t.optics = {g1, g2};
  t.present = columns;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  t.particles.resize(std::size_t(n));
  for (std::int64_t i = 0; i < n; ++i) {
    Particle& p = t.particles[std::size_t(i)];
    p.image_name = format_image_name(i, i % 7 == 3 ? "stack with space.mrcs" : "run/stack.mrcs");
    p.optics_group = 1 + int(i % 2);
    p.rot_deg = 180 * u(rng);
    p.tilt_deg = i % 5 == 0 ? 90.0 : 90 + 90 * u(rng);
    p.psi_deg = std::ldexp(u(rng), -int(i % 40));  // 1e-12 ... 1: long and short texts
    p.origin_x_A = i % 3 == 0 ? 0.0 : 10 * u(rng);
    p.origin_y_A = std::round(100 * u(rng)) / 4;
    p.defocus_u_A = 15000 + 5000 * u(rng);
    p.defocus_v_A = p.defocus_u_A - 300 * std::fabs(u(rng));
    p.defocus_angle_deg = 90 + 90 * u(rng);
    p.phase_shift_deg = phase_shift && i == n / 2 ? 45.5 : 0.0;
    p.ctf_bfactor_A2 = bfactor && i == n - 1 ? 12.0 : 0.0;
    p.ctf_scale = scale && i == 0 ? 0.9 : 1.0;
    p.random_subset = 1 + int((i / 3) % 2);
    p.class_number = 1 + int(i % 11);
  }
  return t;
}

/// Streams `t` through ParticleStarWriter in batches of `batch` (0: one batch) and returns the text.
std::string streamed(const ParticleTable& t, std::int64_t batch, const std::string& path) {
  ParticleStarWriter w(path, t.optics, t.present);
  const std::int64_t n = std::int64_t(t.particles.size());
  if (batch <= 0) batch = std::max<std::int64_t>(n, 1);
  for (std::int64_t first = 0; first < n; first += batch)
    w.append(t.particles.data() + first, std::min(batch, n - first));
  EXPECT_EQ(w.count(), n);
  w.finish();
  EXPECT_FALSE(fs::exists(path + ".rows")) << "spool left behind";
  return read_text(path);
}

struct Case {
  const char* name;
  ParticleColumns columns;
  bool phase_shift, bfactor, scale;
};

std::vector<Case> cases() {
  ParticleColumns all;
  all.angles = all.origins = all.ctf = all.random_subset = all.class_number = true;
  ParticleColumns sim = all;  // what thon simulate writes
  sim.class_number = false;
  ParticleColumns no_ctf = sim;
  no_ctf.ctf = false;
  ParticleColumns names_only;
  return {{"all columns, every optional CTF term", all, true, true, true},
          {"simulate's columns, default CTF terms", sim, false, false, false},
          {"simulate's columns, phase shift only", sim, true, false, false},
          {"B-factor and scale", sim, false, true, true},
          {"no CTF (terms ignored)", no_ctf, true, true, true},
          {"image names only", names_only, false, false, false}};
}

// The oracle is write_particles on the same table: the same file byte for byte, for batches of 1,
// of a prime size that does not divide n, and one batch.
TEST(ParticleStarWriter, SameBytesAsWriteParticles) {
  TempDir dir;
  for (const Case& c : cases()) {
    const ParticleTable t = generated_table(200, c.columns, c.phase_shift, c.bfactor, c.scale, 7);
    write_particles(dir.file("whole.star"), t);
    const std::string expected = read_text(dir.file("whole.star"));
    ASSERT_GT(expected.size(), 200u) << c.name;
    for (const std::int64_t batch : {std::int64_t(1), std::int64_t(37), std::int64_t(0)})
      EXPECT_EQ(streamed(t, batch, dir.file("stream.star")), expected) << c.name << ", batch " << batch;
  }
}

// Enough rows (~100 bytes each in the spool) for it to be written and read back in many 256 KiB
// pieces, so rows straddle the read boundaries.
TEST(ParticleStarWriter, LargeTableSameBytesAndValues) {
  TempDir dir;
  const ParticleTable t = generated_table(30000, cases()[0].columns, true, true, true, 11);
  write_particles(dir.file("whole.star"), t);
  const std::string expected = read_text(dir.file("whole.star"));
  ASSERT_GT(expected.size(), std::size_t(3) << 20);
  EXPECT_TRUE(streamed(t, 4096, dir.file("stream.star")) == expected);
  // And the values read back exactly (shortest round-trip text).
  const ParticleTable back = read_particles(dir.file("stream.star"));
  ASSERT_EQ(back.particles.size(), t.particles.size());
  ASSERT_EQ(back.optics.size(), 2u);
  EXPECT_EQ(back.optics[1].name, "second group");
  EXPECT_EQ(back.optics[1].pixel_size_A, 0.8347);
  for (std::size_t i = 0; i < t.particles.size(); i += 997) {
    const Particle &a = t.particles[i], &b = back.particles[i];
    EXPECT_EQ(b.image_name, a.image_name);
    EXPECT_EQ(b.optics_group, a.optics_group);
    EXPECT_EQ(b.rot_deg, a.rot_deg);
    EXPECT_EQ(b.psi_deg, a.psi_deg);
    EXPECT_EQ(b.origin_y_A, a.origin_y_A);
    EXPECT_EQ(b.defocus_v_A, a.defocus_v_A);
    EXPECT_EQ(b.phase_shift_deg, a.phase_shift_deg);
    EXPECT_EQ(b.class_number, a.class_number);
    EXPECT_TRUE(std::isfinite(b.defocus_u_A) && b.defocus_u_A > 0);
  }
}

TEST(ParticleStarWriter, EmptyTableSameBytes) {
  TempDir dir;
  const ParticleTable t = generated_table(0, cases()[1].columns, false, false, false, 1);
  write_particles(dir.file("whole.star"), t);
  EXPECT_EQ(streamed(t, 0, dir.file("stream.star")), read_text(dir.file("whole.star")));
}

TEST(ParticleStarWriter, DestroyedUnfinishedLeavesNothing) {
  TempDir dir;
  const ParticleTable t = generated_table(10, cases()[1].columns, false, false, false, 2);
  {
    ParticleStarWriter w(dir.file("x.star"), t.optics, t.present);
    w.append(t.particles.data(), 10);
    EXPECT_TRUE(fs::exists(dir.file("x.star.rows")));
  }
  EXPECT_FALSE(fs::exists(dir.file("x.star.rows")));
  EXPECT_FALSE(fs::exists(dir.file("x.star")));
}

TEST(ParticleStarWriter, BadInputThrows) {
  TempDir dir;
  ParticleTable t = generated_table(3, cases()[1].columns, false, false, false, 3);
  EXPECT_THROW(ParticleStarWriter(dir.file("a.star"), {}, t.present), thon::Error);
  std::vector<OpticsGroup> bad = t.optics;
  bad[1].pixel_size_A = 0;
  EXPECT_THROW(ParticleStarWriter(dir.file("b.star"), bad, t.present), thon::Error);
  EXPECT_THROW(ParticleStarWriter(dir.file("missing/dir/c.star"), t.optics, t.present), thon::Error);
  ParticleStarWriter w(dir.file("d.star"), t.optics, t.present);
  t.particles[1].optics_group = 5;
  try {
    w.append(t.particles.data(), 3);
    ADD_FAILURE() << "unknown optics group accepted";
  } catch (const thon::Error& e) {
    EXPECT_NE(std::string(e.what()).find("optics group 5"), std::string::npos) << e.what();
  }
  t.particles[1].optics_group = 1;
  t.particles[2].image_name.clear();
  EXPECT_THROW(w.append(t.particles.data() + 2, 1), thon::Error);
}

}  // namespace
