// `thon simulate` end to end: the files it writes, the true parameters in the STAR file, the images
// against an independent composition of other operations (projector, translation, CTF), the noise
// statistics, determinism, reference vs CPU, and the bad-input contract (exit 1, no output files).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "test_util.hpp"
#include "thon/io/hdf5.hpp"
#include "thon/io/model.hpp"
#include "thon/io/mrc.hpp"
#include "thon/io/particles.hpp"
#include "thon/math/electron.hpp"
#include "thon/math/rotation.hpp"
#include "thon/ops/builtin_model.hpp"
#include "thon/ops/ctf.hpp"
#include "thon/math/filter.hpp"
#include "thon/ops/filter.hpp"
#include "thon/ops/project.hpp"

namespace {

using thon::test::rel_l2;
using thon::test::run_thon;
using thon::test::TempDir;
namespace fs = std::filesystem;

std::vector<std::string> listing(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

/// A small helix bundle (2 outer helices of 12-20 residues, ~250 atoms, ~30 Å across) written as
/// PDB: fits a 32-pixel box at 2 Å, so the tests stay fast.
std::string small_model(const TempDir& dir) {
  thon::ops::BuiltinModelOptions m;
  m.n_outer = 2;
  m.base_residues = 12;
  m.ring_radius_A = 8;
  const std::string path = dir.file("small.pdb");
  thon::ops::write_builtin_model_pdb(path, m);
  return path;
}

std::string simulate(const std::string& args, const std::string& prefix) {
  std::string out;
  const int rc = run_thon("simulate --quiet " + args + " --o " + prefix, &out);
  EXPECT_EQ(rc, 0) << out;
  return out;
}

TEST(SimulateCli, WritesStackStarAndTruthWithTheTrueParameters) {
  TempDir dir;
  const std::string model = small_model(dir);
  simulate("--model " + model + " --n 12 --box 32 --apix 2 --defocus-min 8000 --defocus-max 20000 --astig 600 "
           "--max-shift 5 --dose 30 --voltage 200 --cs 2.0 --ac 0.07 --bfactor 10 --seed 3 --device cpu",
           dir.file("sim"));
  EXPECT_EQ(listing(dir.path()),
            (std::vector<std::string>{"sim.h5", "sim.mrcs", "sim.star", "sim_truth.mrc", "small.pdb"}));

  const thon::io::MrcHeader h = thon::io::read_mrc_header(dir.file("sim.mrcs"));
  EXPECT_EQ(h.nx, 32);
  EXPECT_EQ(h.ny, 32);
  EXPECT_EQ(h.nz, 12);
  EXPECT_TRUE(h.is_stack());
  EXPECT_NEAR(h.pixel_size_A(), 2.0, 1e-6);
  const thon::ImageStack<float> stack = thon::io::read_mrc_stack(dir.file("sim.mrcs"));
  EXPECT_TRUE(thon::test::finite_and_nonzero(stack.data(), stack.size()));

  const thon::Volume<float> truth = thon::io::read_mrc_volume(dir.file("sim_truth.mrc"));
  EXPECT_EQ(truth.nx(), 32);
  EXPECT_EQ(truth.nz(), 32);
  EXPECT_NEAR(truth.pixel_size_A(), 2.0, 1e-6);
  EXPECT_TRUE(thon::test::finite_and_nonzero(truth.data(), truth.size()));
  // The potential is in volts: protein voxels of a few to tens of volts, nothing negative.
  EXPECT_GT(*std::max_element(truth.begin(), truth.end()), 5.0f);
  EXPECT_GE(*std::min_element(truth.begin(), truth.end()), 0.0f);

  const thon::io::ParticleTable t = thon::io::read_particles(dir.file("sim.star"));
  ASSERT_EQ(t.optics.size(), 1u);
  EXPECT_DOUBLE_EQ(t.optics[0].pixel_size_A, 2.0);
  EXPECT_DOUBLE_EQ(t.optics[0].voltage_kV, 200.0);
  EXPECT_DOUBLE_EQ(t.optics[0].cs_mm, 2.0);
  EXPECT_DOUBLE_EQ(t.optics[0].amplitude_contrast, 0.07);
  EXPECT_EQ(t.optics[0].image_size, 32);
  ASSERT_EQ(t.particles.size(), 12u);
  EXPECT_TRUE(t.present.angles && t.present.origins && t.present.ctf && t.present.random_subset);
  for (std::size_t i = 0; i < t.particles.size(); ++i) {
    const auto& p = t.particles[i];
    EXPECT_EQ(p.image_name, thon::io::format_image_name(std::int64_t(i), "sim.mrcs"));
    const double mean = 0.5 * (p.defocus_u_A + p.defocus_v_A);
    EXPECT_GE(mean, 8000.0);
    EXPECT_LE(mean, 20000.0);
    EXPECT_GE(p.defocus_u_A - p.defocus_v_A, 0.0);
    EXPECT_LE(p.defocus_u_A - p.defocus_v_A, 600.0 + 1e-9);
    EXPECT_LE(std::hypot(p.origin_x_A, p.origin_y_A), 5.0 + 1e-9);
    EXPECT_NEAR(p.ctf_bfactor_A2, 10.0, 1e-12);
    EXPECT_EQ(p.random_subset, int(i % 2) + 1);  // alternating half-sets
    EXPECT_GE(p.tilt_deg, 0.0);
    EXPECT_LE(p.tilt_deg, 180.0);
  }

  // The HDF5 dataset holds the same images and particles, and the provenance.
  const thon::io::DatasetReader h5(dir.file("sim.h5"));
  ASSERT_EQ(h5.count(), 12);
  EXPECT_EQ(h5.nx(), 32);
  EXPECT_EQ(h5.attributes().generator, "thon simulate");
  EXPECT_EQ(h5.attributes().seed, 3);
  EXPECT_NE(h5.attributes().command_line.find("--dose 30"), std::string::npos);
  std::vector<float> images(12 * 32 * 32);
  h5.read_images(0, 12, images.data());
  EXPECT_TRUE(std::equal(images.begin(), images.end(), stack.begin()));
  const auto hp = h5.read_particles(0, 12);
  for (std::size_t i = 0; i < hp.size(); ++i) {
    EXPECT_EQ(hp[i].rot_deg, t.particles[i].rot_deg);
    EXPECT_EQ(hp[i].origin_x_A, t.particles[i].origin_x_A);
    EXPECT_EQ(hp[i].defocus_v_A, t.particles[i].defocus_v_A);
    EXPECT_EQ(hp[i].random_subset, t.particles[i].random_subset);
  }
}

// The noise-free image of particle i, rebuilt from its STAR row with other operations: the projector's
// real-space projection of the truth map, ops::translate by the origin (I(x) = P(x + o)), ops::apply_ctf,
// times 2 sigma pixel_size. Tolerance 1e-4: float pipelines of ~4 FFTs of 32^2 (rounding ~1e-6 each).
TEST(SimulateCli, NoiseFreeImagesAreTheCtfOfTheShiftedProjection) {
  TempDir dir;
  const std::string model = small_model(dir);
  simulate("--model " + model + " --n 6 --box 32 --apix 2 --astig 800 --max-shift 6 --no-noise --phase-shift 30 "
           "--bfactor 20 --seed 11 --device cpu",
           dir.file("sim"));
  const thon::ImageStack<float> stack = thon::io::read_mrc_stack(dir.file("sim.mrcs"));
  const thon::Volume<float> truth = thon::io::read_mrc_volume(dir.file("sim_truth.mrc"));
  const thon::io::ParticleTable t = thon::io::read_particles(dir.file("sim.star"));
  const thon::ops::FourierProjector<float> projector(thon::Device::cpu, truth);
  const double scale = 2 * thon::math::interaction_constant_kV(300) * 2.0;
  for (std::size_t i = 0; i < t.particles.size(); ++i) {
    const auto& p = t.particles[i];
    thon::ImageStack<float> img =
        projector.project_images(std::vector<thon::Mat3<double>>{thon::math::euler_to_matrix(p.rot_deg, p.tilt_deg, p.psi_deg)});
    thon::ops::translate(thon::Device::cpu, img.data(), {32, 32, 1, 1}, 2.0, {p.origin_x_A, p.origin_y_A, 0.0});
    thon::math::CtfParams ctf;
    ctf.defocus_u_A = p.defocus_u_A;
    ctf.defocus_v_A = p.defocus_v_A;
    ctf.defocus_angle_deg = p.defocus_angle_deg;
    ctf.phase_shift_deg = p.phase_shift_deg;
    ctf.b_factor_A2 = p.ctf_bfactor_A2;
    ctf.voltage_kV = t.optics[0].voltage_kV;
    ctf.cs_mm = t.optics[0].cs_mm;
    ctf.amplitude_contrast = t.optics[0].amplitude_contrast;
    ctf.prepare();
    EXPECT_NEAR(p.phase_shift_deg, 30.0, 1e-12);
    thon::ops::apply_ctf(thon::Device::cpu, img.data(), 1, 32, 32, 2.0, &ctf);
    for (auto& v : img) v = float(v * scale);
    const float* got = stack.data() + i * 32 * 32;
    EXPECT_TRUE(thon::test::finite_and_nonzero(got, 32 * 32));
    // The Nyquist bins of a shifted real image are ambiguous (a phase shift there cannot stay real:
    // each path keeps a different real part), so both are compared below 0.95 Nyquist.
    std::vector<float> mine(got, got + 32 * 32);
    const auto lowpass = thon::make_lowpass(2 * 2.0 / 0.95);
    thon::ops::apply_filter(thon::Device::cpu, mine.data(), {32, 32, 1, 1}, 2.0, lowpass);
    thon::ops::apply_filter(thon::Device::cpu, img.data(), {32, 32, 1, 1}, 2.0, lowpass);
    EXPECT_LT(rel_l2(mine.data(), img.data(), 32 * 32), 1e-4) << "particle " << i;
  }
}

// Shot noise: written image = 1 - N / (dose p^2) with N ~ Poisson(dose p^2 (1 - c)), so the
// difference to the noise-free image c of the same seed has mean 0 and variance (1 - c) / (dose p^2)
// per pixel (the pixel area counted: a wrong p^2 would be off by 4x here). 16 x 32^2 = 16384 pixels: standard error of the variance
// sqrt(2 / 16384) = 1.1%; tolerance 5%. Gaussian: variance var(c) / snr per image, same tolerance.
TEST(SimulateCli, NoiseVarianceFollowsDosePixelAreaAndSnr) {
  TempDir dir;
  const std::string model = small_model(dir);
  const std::string common = "--model " + model + " --n 16 --box 32 --apix 2 --seed 5 --device cpu ";
  simulate(common + "--no-noise", dir.file("clean"));
  simulate(common + "--dose 20", dir.file("dose"));
  simulate(common + "--snr 0.5", dir.file("snr"));
  const auto clean = thon::io::read_mrc_stack(dir.file("clean.mrcs"));
  const auto dose = thon::io::read_mrc_stack(dir.file("dose.mrcs"));
  const auto snr = thon::io::read_mrc_stack(dir.file("snr.mrcs"));
  const double per_pixel = 20.0 * 2.0 * 2.0;
  double sum = 0, sum2 = 0, expected_var = 0;
  for (thon::index_t i = 0; i < clean.size(); ++i) {
    const double d = double(dose[i]) - clean[i];
    sum += d;
    sum2 += d * d;
    expected_var += (1.0 - clean[i]) / per_pixel;
  }
  const double n = double(clean.size());
  const double mean = sum / n, var = sum2 / n - mean * mean;
  expected_var /= n;
  EXPECT_NEAR(mean, 0.0, 4 * std::sqrt(expected_var / n));
  EXPECT_NEAR(var / expected_var, 1.0, 0.05);

  const thon::index_t npix = 32 * 32;
  for (int m = 0; m < 16; ++m) {
    double cs = 0, cs2 = 0, ds = 0, ds2 = 0;
    for (thon::index_t j = 0; j < npix; ++j) {
      const double c = clean[m * npix + j], d = double(snr[m * npix + j]) - c;
      cs += c;
      cs2 += c * c;
      ds += d;
      ds2 += d * d;
    }
    const double var_c = cs2 / npix - (cs / npix) * (cs / npix), var_d = ds2 / npix - (ds / npix) * (ds / npix);
    // 1024 pixels per image: standard error 4.4%; tolerance 15% per image.
    EXPECT_NEAR(var_d / var_c, 1 / 0.5, 0.15 * 2) << "image " << m;
  }
}

TEST(SimulateCli, DeterministicForASeedWhateverTheBatchSize) {
  TempDir dir;
  const std::string model = small_model(dir);
  const std::string common = "--model " + model + " --n 10 --box 32 --apix 2 --dose 25 --astig 300 --max-shift 3 --device cpu ";
  simulate(common + "--seed 9 --batch 10", dir.file("a"));
  simulate(common + "--seed 9 --batch 3", dir.file("b"));
  simulate(common + "--seed 10", dir.file("c"));
  const auto a = thon::io::read_mrc_stack(dir.file("a.mrcs"));
  const auto b = thon::io::read_mrc_stack(dir.file("b.mrcs"));
  const auto c = thon::io::read_mrc_stack(dir.file("c.mrcs"));
  ASSERT_EQ(a.size(), b.size());
  EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin())) << "batch size changed the images";
  EXPECT_GT(rel_l2(a.data(), c.data(), a.size()), 0.1) << "another seed gave the same images";
  // The STAR file is streamed a batch at a time: the same bytes whatever the batches.
  auto text = [](const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  };
  std::string star_a = text(dir.file("a.star"));
  for (std::size_t at = star_a.find("@a.mrcs"); at != std::string::npos; at = star_a.find("@a.mrcs", at))
    star_a.replace(at, 7, "@b.mrcs");  // the stacks' names differ, not their length
  EXPECT_EQ(star_a, text(dir.file("b.star")));
  const auto ta = thon::io::read_particles(dir.file("a.star")), tb = thon::io::read_particles(dir.file("b.star"));
  ASSERT_EQ(ta.particles.size(), tb.particles.size());
  for (std::size_t i = 0; i < ta.particles.size(); ++i) {
    EXPECT_EQ(ta.particles[i].psi_deg, tb.particles[i].psi_deg);
    EXPECT_EQ(ta.particles[i].origin_x_A, tb.particles[i].origin_x_A);
    EXPECT_EQ(ta.particles[i].defocus_u_A, tb.particles[i].defocus_u_A);
  }
}

// Reference (double projector, plain loops, ops::detect) vs CPU (float, fused functors) through the
// CLI, with CTF, shifts, a counting detector, a tilted specimen and Gaussian noise: rel L2 < 1e-4
// (float rounding ~1e-6 through a few FFTs). Shot noise draws the same counter-based numbers, but a
// count can differ by one where the float and double expected counts (~1e-6 apart) straddle an
// integer boundary of the Poisson sampler (PTRS takes floor of a continuous expression): such a pixel
// differs by exactly 1 / (dose p^2), and only a few in 10^4 may.
TEST(SimulateCli, ReferenceAndCpuGiveTheSameImages) {
  TempDir dir;
  const std::string model = small_model(dir);
  const std::string common = "--model " + model + " --n 4 --box 32 --apix 2 --astig 500 --max-shift 4 --seed 2 ";
  for (const std::string extra : {"--no-noise --detector counting:0.8", "--snr 1 --tilt-angle 40 --tilt-axis 20"}) {
    simulate(common + extra + " --device reference", dir.file("ref"));
    simulate(common + extra + " --device cpu", dir.file("cpu"));
    const auto r = thon::io::read_mrc_stack(dir.file("ref.mrcs"));
    const auto c = thon::io::read_mrc_stack(dir.file("cpu.mrcs"));
    EXPECT_TRUE(thon::test::finite_and_nonzero(c.data(), c.size()));
    EXPECT_LT(rel_l2(c.data(), r.data(), r.size()), 1e-4) << extra;
  }
  simulate(common + "--dose 40 --device reference", dir.file("ref"));
  simulate(common + "--dose 40 --device cpu", dir.file("cpu"));
  const auto r = thon::io::read_mrc_stack(dir.file("ref.mrcs"));
  const auto c = thon::io::read_mrc_stack(dir.file("cpu.mrcs"));
  EXPECT_TRUE(thon::test::finite_and_nonzero(c.data(), c.size()));
  const double count = 1.0 / (40 * 2.0 * 2.0);
  int flips = 0;
  for (thon::index_t i = 0; i < r.size(); ++i) {
    const double d = std::fabs(double(c[i]) - r[i]);
    if (d < 1e-5) continue;
    ++flips;
    EXPECT_NEAR(d / count, std::round(d / count), 1e-3) << "pixel " << i << " differs by " << d;
  }
  EXPECT_LE(flips, 8) << "of " << r.size() << " pixels";
}

TEST(SimulateCli, PosesFileGivesAnglesShiftsAndCtf) {
  TempDir dir;
  const std::string model = small_model(dir);
  simulate("--model " + model + " --n 5 --box 32 --apix 2 --astig 400 --max-shift 4 --no-noise --seed 4 --device cpu",
           dir.file("first"));
  // Simulating again from the first run's STAR file reproduces its images exactly (another seed:
  // nothing random is left once the file gives poses, shifts, CTF and half-sets).
  simulate("--model " + model + " --box 32 --apix 2 --poses " + dir.file("first.star") + " --no-noise --seed 99 --device cpu",
           dir.file("second"));
  const auto a = thon::io::read_mrc_stack(dir.file("first.mrcs"));
  const auto b = thon::io::read_mrc_stack(dir.file("second.mrcs"));
  ASSERT_EQ(a.size(), b.size());
  EXPECT_LT(rel_l2(b.data(), a.data(), a.size()), 1e-6);
  const auto ta = thon::io::read_particles(dir.file("first.star"));
  const auto tb = thon::io::read_particles(dir.file("second.star"));
  ASSERT_EQ(ta.particles.size(), tb.particles.size());
  for (std::size_t i = 0; i < ta.particles.size(); ++i) {
    EXPECT_DOUBLE_EQ(ta.particles[i].rot_deg, tb.particles[i].rot_deg);
    EXPECT_DOUBLE_EQ(ta.particles[i].origin_y_A, tb.particles[i].origin_y_A);
    EXPECT_DOUBLE_EQ(ta.particles[i].defocus_v_A, tb.particles[i].defocus_v_A);
  }
}

TEST(SimulateCli, BuiltinModelRoundTripsThroughPdb) {
  TempDir dir;
  std::string out;
  ASSERT_EQ(run_thon("simulate --write-builtin-model " + dir.file("builtin.pdb"), &out), 0) << out;
  const thon::io::AtomicModel m = thon::io::read_model(dir.file("builtin.pdb"));
  const auto atoms = thon::ops::builtin_helix_bundle();
  ASSERT_EQ(m.atoms.size(), atoms.size());
  EXPECT_GT(atoms.size(), 1000u);
  // PDB coordinates carry 3 decimals: the maps agree to ~1e-3 relative.
  const std::string common = " --n 2 --box 64 --apix 2.5 --no-noise --seed 1 --device cpu";
  simulate("--model builtin" + common, dir.file("a"));
  simulate("--model " + dir.file("builtin.pdb") + common, dir.file("b"));
  const auto ta = thon::io::read_mrc_volume(dir.file("a_truth.mrc"));
  const auto tb = thon::io::read_mrc_volume(dir.file("b_truth.mrc"));
  EXPECT_LT(rel_l2(tb.data(), ta.data(), ta.size()), 5e-3);
}

TEST(SimulateCli, MapInputUsesItsBoxAndPixelSize) {
  TempDir dir;
  const std::string model = small_model(dir);
  simulate("--model " + model + " --n 3 --box 32 --apix 2 --no-noise --seed 8 --device cpu", dir.file("a"));
  simulate("--map " + dir.file("a_truth.mrc") + " --n 3 --no-noise --seed 8 --device cpu", dir.file("b"));
  const auto a = thon::io::read_mrc_stack(dir.file("a.mrcs"));
  const auto b = thon::io::read_mrc_stack(dir.file("b.mrcs"));
  ASSERT_EQ(a.size(), b.size());
  EXPECT_LT(rel_l2(b.data(), a.data(), a.size()), 1e-6);
}

TEST(SimulateCli, BadInputExitsOneAndWritesNothing) {
  TempDir dir;
  const std::string model = small_model(dir);
  {
    std::ofstream f(dir.file("empty.pdb"));
    f << "REMARK no atoms here\nEND\n";
  }
  {
    std::ofstream f(dir.file("unknown.pdb"));
    f << "ATOM      1  CA  ALA A   1       0.000   0.000   0.000  1.00 20.00          QQ\nEND\n";
  }
  {
    std::ofstream f(dir.file("noangles.star"));
    f << "data_particles\nloop_\n_rlnImageName #1\n_rlnDefocusU #2\n000001@x.mrcs 10000\n";
  }
  struct Case {
    std::string args, message;
  };
  const std::vector<Case> cases = {
      {"--model " + dir.file("empty.pdb"), "empty.pdb"},
      {"--model " + dir.file("unknown.pdb"), "unknown element"},
      {"--model " + model + " --dose 0", "--dose"},
      {"--model " + model + " --dose -3", "--dose"},
      {"--model " + model + " --box 0", "--box"},
      {"--model " + model + " --box -8", "--box"},
      {"--model " + model + " --apix 0", "--apix"},
      {"--model " + model + " --apix -1", "--apix"},
      {"--model " + model + " --defocus-min 20000 --defocus-max 10000", "--defocus-min"},
      {"--model " + model + " --poses " + dir.file("noangles.star"), "angles"},
      {"--model " + model + " --map " + dir.file("x.mrc"), "not both"},
      {"--model " + model + " --detector table:" + dir.file("missing.txt"), "missing.txt"},
      {"--model " + dir.file("absent.pdb"), "absent.pdb"},
  };
  const auto before = listing(dir.path());
  for (const auto& c : cases) {
    std::string out;
    EXPECT_EQ(run_thon("simulate --quiet --n 2 --box 32 --apix 2 " + c.args + " --o " + dir.file("bad"), &out), 1)
        << c.args << "\n" << out;
    EXPECT_NE(out.find("thon: error:"), std::string::npos) << out;
    EXPECT_NE(out.find(c.message), std::string::npos) << "'" << c.message << "' not in: " << out;
    EXPECT_EQ(listing(dir.path()), before) << "outputs left by: " << c.args;
  }
}

}  // namespace
