// `thon reconstruct` round trips on generated data (STAR + MRC written here, projections of a blob
// phantom known in closed form), symmetry, the bad-input contract (exit 1, a message naming the
// file, no output written) and the real 5-particle RELION 3.1 file.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "pipeline/reconstruct.hpp"
#include "reconstruct_fixtures.hpp"
#include "test_util.hpp"
#include "thon/io/mrc.hpp"
#include "thon/io/particles.hpp"
#include "thon/io/star.hpp"
#include "thon/ops/fsc.hpp"

namespace thon {
namespace {

using test::run_thon;
using test::TempDir;
namespace fs = std::filesystem;

void expect_contains(const std::string& out, const std::string& what) {
  EXPECT_NE(out.find(what), std::string::npos) << "'" << what << "' not in:\n" << out;
}

void expect_no_outputs(const TempDir& dir) {
  for (const std::string& f : pipeline::reconstruct_output_paths(dir.file("map.mrc")))
    EXPECT_FALSE(fs::exists(f)) << f << " written although the run failed";
  for (const auto& e : fs::directory_iterator(dir.path()))
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << "temporary file left: " << e.path();
}

std::string reconstruct_args(const TempDir& dir, const std::string& extra = "") {
  return "reconstruct --quiet --i " + dir.file("particles.star") + " --o " + dir.file("map.mrc") + " " + extra;
}

double min_fsc(const Volume<float>& map, const Volume<float>& truth, double fraction) {
  const std::vector<double> f = ops::fsc(Device::cpu, map, truth).fsc;
  double m = 1;
  for (int s = 1; s <= int(fraction * (truth.nx() / 2)); ++s) m = std::min(m, f[std::size_t(s)]);
  return m;
}

TEST(ReconstructCli, WritesMapHalfMapsFscTableAndPlot) {
  TempDir dir;
  const auto blobs = test::make_blobs(24, 9.0, 11, 0.9, 1.3);
  test::BlobDatasetOptions o;
  o.count = 300;
  test::write_blob_dataset(dir.path().string(), blobs, o);
  std::string out;
  ASSERT_EQ(run_thon(reconstruct_args(dir), &out), 0) << out;
  expect_contains(out, "resolution_0.143_A: ");
  expect_contains(out, "CTF on");
  for (const std::string& f : pipeline::reconstruct_output_paths(dir.file("map.mrc"))) EXPECT_TRUE(fs::exists(f)) << f;

  const io::MrcHeader h = io::read_mrc_header(dir.file("map.mrc"));
  EXPECT_EQ(h.nx, 32);
  EXPECT_EQ(h.nz, 32);
  EXPECT_EQ(h.mode, 2);
  EXPECT_FALSE(h.is_stack());
  EXPECT_NEAR(h.pixel_size_A(), 2.0, 1e-5);
  const Volume<float> map = io::read_mrc_volume(dir.file("map.mrc"));
  const Volume<float> h1 = io::read_mrc_volume(dir.file("map_half1.mrc"));
  const Volume<float> h2 = io::read_mrc_volume(dir.file("map_half2.mrc"));
  ASSERT_TRUE(test::finite_and_nonzero(map.data(), map.size()));
  ASSERT_TRUE(test::finite_and_nonzero(h1.data(), h1.size()));
  // Noise-free data with CTF: map and half maps match the truth to 0.8 Nyquist (FSC > 0.9).
  const Volume<float> truth = test::render_volume(blobs, 32, 2.0);
  EXPECT_GT(min_fsc(map, truth, 0.8), 0.9);
  EXPECT_GT(min_fsc(h1, truth, 0.8), 0.9);
  EXPECT_GT(min_fsc(h2, truth, 0.8), 0.9);

  // The FSC table: RELION labels, one row per shell 0 .. 16, resolution consistent with the printout.
  const io::StarFile star = io::StarFile::read(dir.file("map_fsc.star"));
  const io::StarBlock* fsc = star.find("fsc");
  ASSERT_NE(fsc, nullptr);
  EXPECT_EQ(fsc->n_rows(), 17);
  for (const char* c : {"rlnSpectralIndex", "rlnResolution", "rlnAngstromResolution",
                        "rlnFourierShellCorrelationUnmaskedMaps", "rlnFourierShellCorrelationMaskedMaps", "rlnSsnrMap"})
    EXPECT_TRUE(fsc->has_column(c)) << c;
  EXPECT_NEAR(fsc->number(16, fsc->column_index("rlnAngstromResolution")), 4.0, 1e-6);  // Nyquist 2 p
  // Noise-free halves agree to Nyquist: resolution 4.0 Å.
  const io::StarBlock* general = star.find("general");
  ASSERT_NE(general, nullptr);
  EXPECT_NEAR(general->number(0, general->column_index("rlnFinalResolution")), 4.0, 1e-6);
  expect_contains(out, "resolution_0.143_A: 4.000");

  std::ifstream png(dir.file("map_fsc.png"), std::ios::binary);
  char magic[8] = {};
  png.read(magic, 8);
  EXPECT_EQ(std::memcmp(magic, "\x89PNG\r\n\x1a\n", 8), 0);
}

// A C4-symmetric phantom from 40 images: inserting the 4 symmetry copies of each image gives the map
// that 160 images would; without symmetry the same 40 images leave it worse.
TEST(ReconstructCli, SymmetryCopiesImproveAC4Phantom) {
  TempDir dir;
  std::vector<test::Blob> blobs;
  for (const test::Blob& b : test::make_blobs(6, 8.0, 21, 0.9, 1.3))
    for (int k = 0; k < 4; ++k) {  // rotations by k * 90 degrees about z: closed under C4
      test::Blob r = b;
      const double c = std::cos(k * M_PI / 2), s = std::sin(k * M_PI / 2);
      r.centre = {c * b.centre.x - s * b.centre.y, s * b.centre.x + c * b.centre.y, b.centre.z};
      blobs.push_back(r);
    }
  test::BlobDatasetOptions o;
  o.count = 40;
  o.ctf = false;
  test::write_blob_dataset(dir.path().string(), blobs, o);
  const Volume<float> truth = test::render_volume(blobs, 32, 2.0);
  std::string out;
  ASSERT_EQ(run_thon(reconstruct_args(dir, "--sym C1"), &out), 0) << out;
  const double e1 = test::rel_l2_in_sphere(io::read_mrc_volume(dir.file("map.mrc")), truth, 12.8);
  ASSERT_EQ(run_thon(reconstruct_args(dir, "--sym C4"), &out), 0) << out;
  expect_contains(out, "symmetry C4 (4 operators)");
  const Volume<float> map4 = io::read_mrc_volume(dir.file("map.mrc"));
  ASSERT_TRUE(test::finite_and_nonzero(map4.data(), map4.size()));
  const double e4 = test::rel_l2_in_sphere(map4, truth, 12.8);
  std::printf("40 images of a C4 phantom: rel L2 %.4f with C1, %.4f with C4\n", e1, e4);
  EXPECT_LT(e4, 5e-2);  // as the 600-image C1 phantom test
  EXPECT_LT(e4, 0.8 * e1);
}

TEST(ReconstructCli, StarWithoutPosesIsAnError) {
  TempDir dir;
  test::BlobDatasetOptions o;
  o.count = 10;
  o.angles = false;
  test::write_blob_dataset(dir.path().string(), test::make_blobs(3, 6.0, 1), o);
  std::string out;
  EXPECT_EQ(run_thon(reconstruct_args(dir), &out), 1) << out;
  expect_contains(out, "thon: error:");
  expect_contains(out, "particles.star");
  expect_contains(out, "no poses");
  expect_no_outputs(dir);
}

TEST(ReconstructCli, MissingImageFileIsAnError) {
  TempDir dir;
  test::BlobDatasetOptions o;
  o.count = 10;
  test::write_blob_dataset(dir.path().string(), test::make_blobs(3, 6.0, 1), o);
  fs::remove(dir.file("particles.mrcs"));
  std::string out;
  EXPECT_EQ(run_thon(reconstruct_args(dir), &out), 1) << out;
  expect_contains(out, "particles.mrcs");
  expect_contains(out, "does not exist");
  expect_no_outputs(dir);
}

TEST(ReconstructCli, ParticlesOfDifferentSizesAreAnError) {
  TempDir dir;
  test::BlobDatasetOptions o;
  o.count = 10;
  test::write_blob_dataset(dir.path().string(), test::make_blobs(3, 6.0, 1), o);
  io::write_mrc(dir.file("small.mrcs"), ImageStack<float>(24, 24, 2, 2.0));
  io::ParticleTable t = io::read_particles(dir.file("particles.star"));
  t.particles[3].image_name = "000001@small.mrcs";
  io::write_particles(dir.file("particles.star"), t);
  std::string out;
  EXPECT_EQ(run_thon(reconstruct_args(dir), &out), 1) << out;
  expect_contains(out, "different sizes");
  expect_contains(out, "small.mrcs");
  expect_no_outputs(dir);
}

TEST(ReconstructCli, PixelSizeOfTheStarFileWinsWithAWarning) {
  TempDir dir;
  test::BlobDatasetOptions o;
  o.count = 20;
  test::write_blob_dataset(dir.path().string(), test::make_blobs(3, 6.0, 1), o);
  ImageStack<float> s = io::read_mrc_stack(dir.file("particles.mrcs"));
  s.set_pixel_size_A(1.5);  // the header now says 1.5 Å, the STAR file 2.0 Å
  io::write_mrc(dir.file("particles.mrcs"), s);
  std::string out;
  ASSERT_EQ(run_thon(reconstruct_args(dir), &out), 0) << out;
  expect_contains(out, "thon: warning:");
  expect_contains(out, "using the STAR file's value");
  EXPECT_NEAR(io::read_mrc_header(dir.file("map.mrc")).pixel_size_A(), 2.0, 1e-5);
}

TEST(ReconstructCli, ImagesWithNanAreSkippedAndCounted) {
  TempDir dir;
  test::BlobDatasetOptions o;
  o.count = 20;
  test::write_blob_dataset(dir.path().string(), test::make_blobs(3, 6.0, 1), o);
  {  // poke a NaN into image 4 (0-based 3), pixel 5, of the mode-2 stack
    std::fstream f(dir.file("particles.mrcs"), std::ios::in | std::ios::out | std::ios::binary);
    const float nan = std::numeric_limits<float>::quiet_NaN();
    f.seekp(1024 + (3 * 32 * 32 + 5) * 4);
    f.write(reinterpret_cast<const char*>(&nan), 4);
  }
  std::string out;
  ASSERT_EQ(run_thon(reconstruct_args(dir), &out), 0) << out;
  expect_contains(out, "1 of 20 images contain NaN or Inf values and were skipped");
  expect_contains(out, "inserted 19");
  const Volume<float> map = io::read_mrc_volume(dir.file("map.mrc"));
  EXPECT_TRUE(test::finite_and_nonzero(map.data(), map.size()));
}

TEST(ReconstructCli, MaxresFinerThanNyquistIsAnError) {
  TempDir dir;
  test::BlobDatasetOptions o;
  o.count = 10;
  test::write_blob_dataset(dir.path().string(), test::make_blobs(3, 6.0, 1), o);
  std::string out;
  EXPECT_EQ(run_thon(reconstruct_args(dir, "--maxres 3.0"), &out), 1) << out;  // Nyquist 4 Å
  expect_contains(out, "--maxres 3");
  expect_contains(out, "finer than Nyquist");
  expect_no_outputs(dir);
}

TEST(ReconstructCli, CtfRequestedWithoutCtfColumnsIsAnError) {
  TempDir dir;
  test::BlobDatasetOptions o;
  o.count = 10;
  o.ctf = false;
  test::write_blob_dataset(dir.path().string(), test::make_blobs(3, 6.0, 1), o);
  std::string out;
  EXPECT_EQ(run_thon(reconstruct_args(dir, "--ctf"), &out), 1) << out;
  expect_contains(out, "no rlnDefocusU");
  expect_no_outputs(dir);
  ASSERT_EQ(run_thon(reconstruct_args(dir), &out), 0) << out;  // automatic: off
  expect_contains(out, "CTF off");
}

// The real RELION 3.1 file (5 particles, 256 px, 2.806 Å): the map is noise, but its shape, pixel
// size and header must be right. --pad 1 keeps the 256^3 inversions quick.
TEST(ReconstructCli, RealRelion31ParticlesReconstruct) {
  THON_REQUIRE_DATA("particles/relion31.star");
  TempDir dir;
  std::string out;
  ASSERT_EQ(run_thon("reconstruct --quiet --pad 1 --i " + test::data_path("particles/relion31.star") + " --o " +
                         dir.file("map.mrc"),
                     &out),
            0)
      << out;
  expect_contains(out, "particles: 5 (inserted 5");
  expect_contains(out, "resolution_0.143_A: ");
  const io::MrcHeader h = io::read_mrc_header(dir.file("map.mrc"));
  EXPECT_EQ(h.nx, 256);
  EXPECT_EQ(h.ny, 256);
  EXPECT_EQ(h.nz, 256);
  EXPECT_EQ(h.mz, 256);
  EXPECT_EQ(h.ispg, 1);
  EXPECT_FALSE(h.is_stack());
  EXPECT_NEAR(h.pixel_size_A(), 2.806, 1e-4);
  const Volume<float> map = io::read_mrc_volume(dir.file("map.mrc"));
  EXPECT_TRUE(test::finite_and_nonzero(map.data(), map.size()));
}

}  // namespace
}  // namespace thon
