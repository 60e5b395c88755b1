// Every sub-command that reads particles takes RELION STAR, cryoSPARC .cs and thon HDF5: one
// simulation (the data/ fixture), written by `thon simulate` as .star + .mrcs and as .h5, and as
// a .cs file written here from the STAR table (NumPy structured array, cryoSPARC's pose and shift conventions:
// include/thon/io/cryosparc.hpp), reconstructs to the same map from each of them.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "test_util.hpp"
#include "thon/io/mrc.hpp"
#include "thon/io/particle_source.hpp"
#include "thon/io/particles.hpp"
#include "thon/math/rotation.hpp"

namespace thon {
namespace {

using test::run_thon;
using test::TempDir;
namespace fs = std::filesystem;

template <class T>
void put(std::string& s, T v) {
  s.append(reinterpret_cast<const char*>(&v), sizeof v);
}

/// A cryoSPARC particle file for `t` (float32 fields as cryoSPARC stores them), image paths as
/// given by `blob_path`.
void write_cs(const std::string& path, const io::ParticleTable& t, const std::string& blob_path) {
  const std::string dict =
      "{'descr': [('uid', '<u8'), ('blob/path', '|S64'), ('blob/idx', '<u4'), ('blob/shape', '<u4', (2,)), "
      "('blob/psize_A', '<f4'), ('ctf/accel_kv', '<f4'), ('ctf/cs_mm', '<f4'), ('ctf/amp_contrast', '<f4'), "
      "('ctf/df1_A', '<f4'), ('ctf/df2_A', '<f4'), ('ctf/df_angle_rad', '<f4'), ('ctf/phase_shift_rad', '<f4'), "
      "('alignments3D/split', '<u4'), ('alignments3D/shift', '<f4', (2,)), ('alignments3D/pose', '<f4', (3,))], "
      "'fortran_order': False, 'shape': (" +
      std::to_string(t.particles.size()) + ",), }";
  std::string header = dict;
  while ((10 + header.size() + 1) % 64) header += ' ';
  header += '\n';
  std::string s = "\x93NUMPY";
  s += char(1);
  s += char(0);
  s += char(header.size() & 0xff);
  s += char(header.size() >> 8);
  s += header;
  constexpr double kRad = 3.14159265358979323846 / 180.0;
  for (std::size_t i = 0; i < t.particles.size(); ++i) {
    const io::Particle& p = t.particles[i];
    const io::OpticsGroup& g = t.optics_of(p);
    const io::ImageLocation loc = io::parse_image_name(p.image_name, "");
    put<std::uint64_t>(s, 1000 + i);
    std::string name = blob_path;
    name.resize(64, '\0');
    s += name;
    put<std::uint32_t>(s, std::uint32_t(loc.index));
    put<std::uint32_t>(s, std::uint32_t(g.image_size));
    put<std::uint32_t>(s, std::uint32_t(g.image_size));
    put<float>(s, float(g.pixel_size_A));
    put<float>(s, float(g.voltage_kV));
    put<float>(s, float(g.cs_mm));
    put<float>(s, float(g.amplitude_contrast));
    put<float>(s, float(p.defocus_u_A));
    put<float>(s, float(p.defocus_v_A));
    put<float>(s, float(p.defocus_angle_deg * kRad));
    put<float>(s, float(p.phase_shift_deg * kRad));
    put<std::uint32_t>(s, std::uint32_t(p.random_subset - 1));
    put<float>(s, float(p.origin_x_A / g.pixel_size_A));
    put<float>(s, float(p.origin_y_A / g.pixel_size_A));
    // cryoSPARC's pose is the rotation vector of R = A^T (A: RELION's matrix of the Euler angles).
    const Mat3<double> a = math::euler_to_matrix(p.rot_deg, p.tilt_deg, p.psi_deg);
    const math::AxisAngle<double> aa = math::matrix_to_axis_angle(transpose(a));
    for (int k = 0; k < 3; ++k) put<float>(s, float(aa.axis[k] * aa.angle_rad));
  }
  std::ofstream(path, std::ios::binary) << s;
}

Volume<float> read_map(const std::string& path) { return io::read_mrc_volume(path); }

constexpr int kN = 64;  // images in the fixture

class ParticleFormats : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    // The committed fixture (data/README.md): 64 images of the built-in model, box 32, CTF with
    // astigmatism, shifts, Gaussian noise; written by `thon simulate` as .star + .mrcs and as .h5.
    for (const char* f : {"sim.star", "sim.mrcs", "sim.h5", "sim_truth.mrc"})
      fs::copy_file(std::string(THON_SOURCE_DIR) + "/data/" + f, dir_->file(f));
    fs::create_directories(dir_->path() / "J7");
    write_cs(dir_->file("J7/sim.cs"), io::read_particles(dir_->file("sim.star")), "sim.mrcs");
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string reconstruct(const std::string& input, const std::string& name) {
    std::string out;
    EXPECT_EQ(run_thon("reconstruct --quiet --device cpu --threads 1 --i " + input + " --o " + dir_->file(name), &out), 0)
        << out;
    EXPECT_NE(out.find("CTF on"), std::string::npos) << out;
    return dir_->file(name);
  }
  static TempDir* dir_;
};
TempDir* ParticleFormats::dir_ = nullptr;

TEST_F(ParticleFormats, FormatIsDetectedByExtensionAndContent) {
  EXPECT_EQ(io::detect_particle_format(dir_->file("sim.star")), io::ParticleFormat::star);
  EXPECT_EQ(io::detect_particle_format(dir_->file("sim.h5")), io::ParticleFormat::hdf5);
  EXPECT_EQ(io::detect_particle_format(dir_->file("J7/sim.cs")), io::ParticleFormat::cryosparc);
  // Without a known extension, the first bytes decide.
  for (const char* f : {"sim.star", "sim.h5", "J7/sim.cs"}) {
    const std::string copy = dir_->file(std::string("noext_") + fs::path(f).stem().string() + std::to_string(std::strlen(f)));
    fs::copy_file(dir_->file(f), copy, fs::copy_options::overwrite_existing);
    EXPECT_EQ(io::detect_particle_format(copy), io::detect_particle_format(dir_->file(f))) << f;
  }
  EXPECT_THROW(io::detect_particle_format(dir_->file("absent.star")), Error);
}

TEST_F(ParticleFormats, SourcesReadTheSameImagesAndTables) {
  const io::ParticleSource star(dir_->file("sim.star")), h5(dir_->file("sim.h5")), cs(dir_->file("J7/sim.cs"));
  ASSERT_EQ(star.size(), kN);
  ASSERT_EQ(h5.size(), kN);
  ASSERT_EQ(cs.size(), kN);
  // The .cs paths are relative to the project directory, the parent of J7/: found there.
  EXPECT_EQ(fs::weakly_canonical(cs.image_files().front().path), fs::weakly_canonical(dir_->file("sim.mrcs")));
  std::vector<float> a(std::size_t(kN) * 32 * 32), b(a.size()), c(a.size());
  std::vector<unsigned char> fa(static_cast<std::size_t>(kN)), fb(static_cast<std::size_t>(kN));
  star.read_images(0, kN, a.data(), fa.data());
  h5.read_images(0, kN, b.data(), fb.data());
  cs.read_images(0, kN, c.data());
  ASSERT_TRUE(test::finite_and_nonzero(a.data(), std::int64_t(a.size())));
  EXPECT_EQ(a, b);  // the same float32 pixels in the stack and in the dataset
  EXPECT_EQ(a, c);
  EXPECT_EQ(fa, std::vector<unsigned char>(std::size_t(kN), 1));
  for (std::size_t i = 0; i < std::size_t(kN); ++i) {
    const io::Particle &p = star.table().particles[i], &q = h5.table().particles[i];
    // STAR numbers are written in their shortest round-trip form, so the values are identical.
    EXPECT_EQ(p.rot_deg, q.rot_deg);
    EXPECT_EQ(p.defocus_u_A, q.defocus_u_A);
    EXPECT_EQ(p.origin_x_A, q.origin_x_A);
    EXPECT_EQ(p.random_subset, q.random_subset);
  }
}

TEST_F(ParticleFormats, ReconstructFromHdf5AndCsEqualsReconstructFromStar) {
  const Volume<float> from_star = read_map(reconstruct(dir_->file("sim.star"), "star.mrc"));
  const Volume<float> from_h5 = read_map(reconstruct(dir_->file("sim.h5"), "h5.mrc"));
  const Volume<float> from_cs = read_map(reconstruct(dir_->file("J7/sim.cs"), "cs.mrc"));
  ASSERT_TRUE(test::finite_and_nonzero(from_star));
  ASSERT_TRUE(test::finite_and_nonzero(from_h5));
  ASSERT_TRUE(test::finite_and_nonzero(from_cs));
  // HDF5: the same pixels and the same double-precision table, one thread: the same map to the bit.
  EXPECT_EQ(test::rel_l2(from_h5, from_star), 0.0);
  // .cs stores poses, shifts and defocus as float32 (relative rounding 6e-8): an angle error of
  // ~1e-7 rad moves a sample at the Nyquist radius (16 px) by ~2e-6 px and the CTF phase changes
  // by < 1e-5 rad, so the map agrees to well under 1e-4; more would mean a convention error.
  constexpr double kFloat32MetadataTol = 1e-4;
  EXPECT_LT(test::rel_l2(from_cs, from_star), kFloat32MetadataTol);
  EXPECT_GT(test::rel_l2(from_cs, from_star), 0.0);  // the .cs really went through float32
  std::printf("map from .cs vs .star: rel L2 %.3g\n", test::rel_l2(from_cs, from_star));
}

TEST_F(ParticleFormats, PosesOfProjectAndSimulateFromAnyFormat) {
  std::string out;
  const std::string map = dir_->file("sim_truth.mrc");
  for (const char* f : {"sim.star", "sim.h5", "J7/sim.cs"}) {
    const std::string o = dir_->file(std::string("proj_") + fs::path(f).extension().string().substr(1));
    ASSERT_EQ(run_thon("project --quiet --device cpu --map " + map + " --poses " + dir_->file(f) + " --o " + o, &out), 0)
        << f << ": " << out;
  }
  const ImageStack<float> ps = io::read_mrc_stack(dir_->file("proj_star.mrcs"));
  const ImageStack<float> ph = io::read_mrc_stack(dir_->file("proj_h5.mrcs"));
  const ImageStack<float> pc = io::read_mrc_stack(dir_->file("proj_cs.mrcs"));
  ASSERT_EQ(ps.n(), kN);
  ASSERT_TRUE(test::finite_and_nonzero(ps));
  EXPECT_EQ(test::rel_l2(ph, ps), 0.0);
  EXPECT_LT(test::rel_l2(pc, ps), 1e-4);  // float32 poses, as above

  ASSERT_EQ(run_thon("simulate --quiet --device cpu --no-noise --no-hdf5 --map " + map + " --poses " + dir_->file("sim.h5") +
                         " --o " + dir_->file("again"), &out), 0)
      << out;
  const ImageStack<float> again = io::read_mrc_stack(dir_->file("again.mrcs"));
  const ImageStack<float> first = io::read_mrc_stack(dir_->file("sim.mrcs"));
  ASSERT_EQ(again.n(), kN);
  ASSERT_TRUE(test::finite_and_nonzero(again));
  (void)first;  // (simulated from the truth map, not the atoms: not the same images)
}

TEST_F(ParticleFormats, CsPathsResolveFromTheParentDirectoryGivenRelatively) {
  // Run from inside the job directory with a bare file name: the project directory is still found.
  std::string out;
  ASSERT_EQ(test::run_command("cd " + dir_->file("J7") + " && " + THON_EXE +
                                  " reconstruct --quiet --device cpu --i sim.cs --o " + dir_->file("rel.mrc"), &out),
            0)
      << out;
  EXPECT_TRUE(test::finite_and_nonzero(read_map(dir_->file("rel.mrc"))));
  // And --image-dir names it explicitly.
  ASSERT_EQ(run_thon("reconstruct --quiet --device cpu --i " + dir_->file("J7/sim.cs") + " --img " + dir_->path().string() +
                         " --o " + dir_->file("img.mrc"), &out),
            0)
      << out;
}

TEST_F(ParticleFormats, MissingImagesOfACsFileAreReported) {
  fs::create_directories(dir_->path() / "lost");
  write_cs(dir_->file("lost/bad.cs"), io::read_particles(dir_->file("sim.star")), "nowhere.mrcs");
  std::string out;
  EXPECT_EQ(run_thon("reconstruct --quiet --i " + dir_->file("lost/bad.cs") + " --o " + dir_->file("lost/m.mrc"), &out), 1);
  EXPECT_NE(out.find("nowhere.mrcs"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir_->file("lost/m.mrc")));
}

}  // namespace
}  // namespace thon
