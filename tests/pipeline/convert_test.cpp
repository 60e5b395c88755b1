// `thon convert` and `thon info` for STAR, cryoSPARC and HDF5: round trips through the CLI on the
// real files, and the bad-input contract (exit status 1, "thon: error:" naming the file and the
// line or field, nothing written).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "test_util.hpp"
#include "thon/io/cryosparc.hpp"
#include "thon/io/hdf5.hpp"
#include "thon/io/mrc.hpp"
#include "thon/io/particles.hpp"

namespace {

using namespace thon::io;
using thon::test::data_path;
using thon::test::run_thon;
using thon::test::TempDir;
namespace fs = std::filesystem;

std::vector<std::string> listing(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

void expect_contains(const std::string& out, const std::string& what) {
  EXPECT_NE(out.find(what), std::string::npos) << "'" << what << "' not in:\n" << out;
}

TEST(ConvertCli, CryosparcToStar) {
  THON_REQUIRE_DATA("metadata/cryosparc_P12_J24_001_particles.cs");
  TempDir dir;
  std::string out;
  const std::string cs = data_path("metadata/cryosparc_P12_J24_001_particles.cs");
  ASSERT_EQ(run_thon("convert --i " + cs + " --o " + dir.file("p.star"), &out), 0) << out;
  expect_contains(out, "converted 2019 particles");
  const ParticleTable star = read_particles(dir.file("p.star"));
  const NpyRecords rec = NpyRecords::read(cs);
  const ParticleTable direct = cryosparc_to_particles(rec);
  ASSERT_EQ(star.particles.size(), 2019u);
  const NpyField& df1 = rec.require("ctf/df1_A");
  for (std::size_t i = 0; i < star.particles.size(); ++i) {
    const Particle& a = star.particles[i];
    const Particle& b = direct.particles[i];
    // The STAR text reads back to the same doubles (shortest round-trip formatting).
    ASSERT_EQ(a.rot_deg, b.rot_deg);
    ASSERT_EQ(a.tilt_deg, b.tilt_deg);
    ASSERT_EQ(a.psi_deg, b.psi_deg);
    ASSERT_EQ(a.origin_x_A, b.origin_x_A);
    ASSERT_EQ(a.defocus_angle_deg, b.defocus_angle_deg);
    ASSERT_EQ(float(a.defocus_u_A), float(rec.number(std::int64_t(i), df1)));
    ASSERT_EQ(a.image_name, b.image_name);
    ASSERT_EQ(a.random_subset, b.random_subset);
  }
  EXPECT_EQ(star.optics[0].amplitude_contrast, 0.07);
  std::string info;
  ASSERT_EQ(run_thon("info " + cs, &info), 0) << info;
  expect_contains(info, "records: 2019 of 246 bytes, 34 fields");
  expect_contains(info, "alignments3D/pose                f4 (3)");
  expect_contains(info, "as RELION particles: 2019 particles, 1 optics group; poses yes, shifts yes, CTF yes, half-sets yes");
  ASSERT_EQ(run_thon("info " + dir.file("p.star"), &info), 0) << info;
  expect_contains(info, "data_particles: loop, 2019 rows");
  expect_contains(info, "RELION 3.1 particles: 2019 particles, 1 optics group");
  expect_contains(info, "2.95 A/px, 200 kV, Cs 2 mm, amplitude contrast 0.07, box 180, 2019 particles");
}

TEST(ConvertCli, StarToHdf5ToStarIsLossless) {
  THON_REQUIRE_DATA("particles/relion31.star");
  TempDir dir;
  std::string out;
  const std::string src = data_path("particles/relion31.star");
  ASSERT_EQ(run_thon("convert --no-progress --compress 4 --batch 2 --i " + src + " --o " + dir.file("d.h5"), &out), 0) << out;
  expect_contains(out, "converted 5 particles and 5 images");
  ASSERT_EQ(run_thon("convert --no-progress --batch 3 --i " + dir.file("d.h5") + " --o " + dir.file("back.star"), &out), 0) << out;
  EXPECT_EQ(listing(dir.path()), (std::vector<std::string>{"back.mrcs", "back.star", "d.h5"}));
  // Images: equal to the bit.
  const thon::ImageStack<float> a = read_mrc_stack(data_path("particles/relion31.mrcs"));
  const thon::ImageStack<float> b = read_mrc_stack(dir.file("back.mrcs"));
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), std::size_t(a.size()) * sizeof(float)), 0);
  EXPECT_TRUE(thon::test::finite_and_nonzero(b.data(), b.size()));
  EXPECT_NEAR(read_mrc_header(dir.file("back.mrcs")).pixel_size_A(), 2.806, 1e-6);
  // Every STAR value: the same text as in the source, except the image names (new stack).
  const StarFile s0 = StarFile::read(src);
  const StarFile s1 = StarFile::read(dir.file("back.star"));
  for (const char* block : {"optics", "particles"}) {
    const StarBlock& x = *s0.find(block);
    const StarBlock& y = *s1.find(block);
    ASSERT_EQ(x.columns(), y.columns()) << block;
    ASSERT_EQ(x.n_rows(), y.n_rows());
    for (int c = 0; c < x.n_columns(); ++c)
      for (std::int64_t r = 0; r < x.n_rows(); ++r) {
        if (x.columns()[std::size_t(c)] == "rlnImageName")
          EXPECT_EQ(y.text(r, c), format_image_name(r, "back.mrcs"));
        else
          EXPECT_EQ(x.text(r, c), y.text(r, c)) << block << " " << x.columns()[std::size_t(c)];
      }
  }
  // And back to HDF5: the same images and particle table.
  ASSERT_EQ(run_thon("convert --no-progress --i " + dir.file("back.star") + " --o " + dir.file("again.h5"), &out), 0) << out;
  const DatasetReader r1(dir.file("d.h5")), r2(dir.file("again.h5"));
  ASSERT_EQ(r1.count(), 5);
  ASSERT_EQ(r2.count(), 5);
  EXPECT_EQ(r1.deflate_level(), 4);
  std::vector<float> i1(5 * 256 * 256), i2(i1.size());
  r1.read_images(0, 5, i1.data());
  r2.read_images(0, 5, i2.data());
  EXPECT_EQ(std::memcmp(i1.data(), i2.data(), i1.size() * sizeof(float)), 0);
  EXPECT_EQ(std::memcmp(i1.data(), a.data(), i1.size() * sizeof(float)), 0);
  const auto p1 = r1.read_particles(0, 5), p2 = r2.read_particles(0, 5);
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(p1[i].rot_deg, p2[i].rot_deg);
    EXPECT_EQ(p1[i].origin_y_A, p2[i].origin_y_A);
    EXPECT_EQ(p1[i].defocus_u_A, p2[i].defocus_u_A);
    EXPECT_EQ(p1[i].random_subset, p2[i].random_subset);
  }
  EXPECT_EQ(r1.attributes().generator, "thon convert");
  expect_contains(r1.attributes().command_line, "--i " + src);
  std::string info;
  ASSERT_EQ(run_thon("info " + dir.file("d.h5"), &info), 0) << info;
  expect_contains(info, "particles: 5 images of 256 x 256 (float32, deflate 4)");
  expect_contains(info, "/images: float32 [5 x 256 x 256], chunks 1 x 256 x 256, filters shuffle, deflate");
}

TEST(ConvertCli, Relion30StarBecomes31) {
  THON_REQUIRE_DATA("particles/empiar_10076_7.star");
  TempDir dir;
  std::string out;
  ASSERT_EQ(run_thon("convert --i " + data_path("particles/empiar_10076_7.star") + " --o " + dir.file("e.star"), &out), 0)
      << out;
  const ParticleTable t = read_particles(dir.file("e.star"));
  ASSERT_NE(t.star.find("optics"), nullptr);
  EXPECT_DOUBLE_EQ(t.optics[0].pixel_size_A, 5.0e4 / 38168.0);
  // The images still resolve from the new directory (names rebased).
  EXPECT_EQ(check_particle_images(t), 1);
  // 3.0 -> HDF5 needs the image size from the stack header: 320 x 320.
  ASSERT_EQ(run_thon("convert --no-progress --i " + data_path("particles/empiar_10076_7.star") + " --o " + dir.file("e.h5"), &out), 0)
      << out;
  const DatasetReader r(dir.file("e.h5"));
  EXPECT_EQ(r.nx(), 320);
  EXPECT_EQ(r.optics()[0].image_size, 320);
}

TEST(InfoCli, ModelsAndStar) {
  THON_REQUIRE_DATA("models/1aki.cif");
  std::string out;
  ASSERT_EQ(run_thon("info " + data_path("models/1aki.cif"), &out), 0) << out;
  expect_contains(out, "chains: 1 (A)");
  expect_contains(out, "residues: 207 (78 waters)");
  expect_contains(out, "atoms: 1079");
  expect_contains(out, "atoms by element: C 613 N 193 O 263 S 10");
  expect_contains(out, "extent: ");
  THON_REQUIRE_DATA("metadata/relion31.6opticsgroups.star");
  ASSERT_EQ(run_thon("info " + data_path("metadata/relion31.6opticsgroups.star"), &out), 0) << out;
  expect_contains(out, "data_optics: loop, 6 rows x 18 columns");
  expect_contains(out, "RELION 3.1 particles: 139 particles, 6 optics groups");
  expect_contains(out, "optics group 3 \"opticsGroup2\": 1.25 A/px, 200 kV, Cs 2.7 mm, amplitude contrast 0.1, box 196, 5 particles");
  ASSERT_EQ(run_thon("info " + data_path("metadata/FinalRefinement-OriginalParticles-PfCRT.star"), &out), 0) << out;
  expect_contains(out, "RELION 3.0 particles: 5 particles, 1 optics group");
}

// --- Bad input ---------------------------------------------------------------------------------

/// Runs thon, expects exit 1 with "thon: error:" and every needle, and no new file in `dir`.
void expect_failure(const std::string& args, const std::vector<std::string>& needles, const TempDir& dir) {
  const auto before = listing(dir.path());
  std::string out;
  EXPECT_EQ(run_thon(args, &out), 1) << args << "\n" << out;
  expect_contains(out, "thon: error:");
  for (const auto& n : needles) expect_contains(out, n);
  EXPECT_EQ(listing(dir.path()), before) << "files written by: " << args;
}

std::string write(const TempDir& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir.file(name), std::ios::binary) << text;
  return dir.file(name);
}

const char* kOptics = "data_optics\nloop_\n_rlnOpticsGroup\n_rlnImagePixelSize\n1 2.806\n\n";

TEST(ConvertCli, BadStarFiles) {
  THON_REQUIRE_DATA("particles/relion31.mrcs");
  TempDir dir;
  const std::string stack = data_path("particles/relion31.mrcs");
  const std::string head = std::string(kOptics) + "data_particles\nloop_\n_rlnImageName\n_rlnDefocusU\n";
  auto convert = [&](const std::string& in, const std::string& out) {
    return "convert --no-progress --i " + in + " --o " + dir.file(out);
  };
  const std::string few = write(dir, "few.star", head + "1@" + stack + " 10000\n2@" + stack + "\n");
  expect_failure(convert(few, "o.star"), {"few.star:12:1", "loop row has 1 value, expected 2"}, dir);
  expect_failure(convert(few, "o.h5"), {"few.star:12:1"}, dir);
  const std::string dup = write(dir, "dup.star", head + "_rlnDefocusU\n1@" + stack + " 1 2\n");
  expect_failure(convert(dup, "o.star"), {"dup.star:11:1", "duplicated column _rlnDefocusU"}, dir);
  const std::string noname = write(dir, "noname.star", std::string(kOptics) + "data_particles\nloop_\n_rlnDefocusU\n100\n");
  expect_failure(convert(noname, "o.star"), {"noname.star", "_rlnImageName"}, dir);
  const std::string nan = write(dir, "num.star", head + "1@" + stack + " 1e4\n2@" + stack + " 12x00\n");
  expect_failure(convert(nan, "o.h5"), {"num.star, block data_particles, line 12, column _rlnDefocusU: '12x00' is not a number"}, dir);
  const std::string missing = write(dir, "missing.star", head + "1@" + stack + " 1e4\n2@nothere.mrcs 1e4\n");
  expect_failure(convert(missing, "o.h5"), {"missing.star, block data_particles, line 12, column _rlnImageName", "does not exist"}, dir);
  const std::string past = write(dir, "past.star", head + "5@" + stack + " 1e4\n6@" + stack + " 1e4\n");
  expect_failure(convert(past, "o.h5"), {"past.star, block data_particles, line 12", "index 6 is past the end", "(5 images)"}, dir);
  expect_failure(convert(dir.file("absent.star"), "o.star"), {"absent.star: no such file"}, dir);
  expect_failure(convert(few, "o.txt"), {"unknown format"}, dir);
  expect_failure("convert --i " + few + " --o " + dir.file("nodir/o.star"), {"does not exist"}, dir);
}

TEST(ConvertCli, BadHdf5AndCsFiles) {
  THON_REQUIRE_DATA("particles/relion31.star");
  TempDir dir;
  // A valid dataset, then a truncated copy (written outside `dir`'s listing checks first).
  TempDir work;
  std::string out;
  ASSERT_EQ(run_thon("convert --no-progress --i " + data_path("particles/relion31.star") + " --o " + work.file("d.h5"), &out), 0) << out;
  fs::copy_file(work.file("d.h5"), dir.file("cut.h5"));
  fs::resize_file(dir.file("cut.h5"), fs::file_size(dir.file("cut.h5")) / 3);
  expect_failure("convert --no-progress --i " + dir.file("cut.h5") + " --o " + dir.file("o.star"), {"cut.h5"}, dir);
  write(dir, "text.h5", "hello\n");
  expect_failure("convert --i " + dir.file("text.h5") + " --o " + dir.file("o.star"), {"text.h5: not an HDF5 file"}, dir);
  expect_failure("info " + dir.file("text.h5"), {"text.h5"}, dir);
  // A .cs file with a missing field (no blob/idx), written as NumPy 1.0 by hand.
  std::string h = "{'descr': [('blob/path', '|S8'), ('blob/psize_A', '<f4')], 'fortran_order': False, 'shape': (1,), }";
  while ((10 + h.size() + 1) % 64) h += ' ';
  h += '\n';
  std::string npy = "\x93NUMPY\x01";
  npy += '\0';
  npy += char(h.size() & 0xff);
  npy += char(h.size() >> 8);
  npy += h + std::string("a.mrcs\0\0", 8) + std::string("\0\0\xc0\x3f", 4);
  write(dir, "bad.cs", npy);
  expect_failure("convert --i " + dir.file("bad.cs") + " --o " + dir.file("o.star"), {"bad.cs: required field 'blob/idx' is missing"}, dir);
  write(dir, "short.cs", npy.substr(0, npy.size() - 3));
  expect_failure("convert --i " + dir.file("short.cs") + " --o " + dir.file("o.star"), {"short.cs: truncated"}, dir);
}

TEST(InfoCli, BadModels) {
  TempDir dir;
  write(dir, "empty.pdb", "HEADER    NOTHING HERE\nEND\n");
  expect_failure("info " + dir.file("empty.pdb"), {"empty.pdb: the model has no atoms"}, dir);
  write(dir, "unk.pdb",
        "ATOM      1  QQ1 LIG C   5       0.000   0.000   0.000  1.00 10.00          QQ\nEND\n");
  expect_failure("info " + dir.file("unk.pdb"), {"unk.pdb", "atom 'QQ1' (serial 1) of residue LIG 5 in chain C has an unknown element"},
                 dir);
}

}  // namespace
