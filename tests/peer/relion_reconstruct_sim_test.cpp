// A noise-free data set simulated by `thon simulate` and reconstructed by relion_reconstruct gives back
// the truth map: FSC > 0.9 up to 0.8 of Nyquist. RELION reads the poses, origins (rlnOriginX/YAngst),
// CTF (defocus U/V/angle, phase shift, B-factor) and optics from thon's STAR file and undoes them
// itself, so any convention thon got wrong (Euler angles, shift sign, astigmatism angle, CTF sign,
// pixel size, image centre) breaks the reconstruction: a 45-degree error in the astigmatism angle
// alone drops the FSC below 0.5 at 0.8 Nyquist with these parameters; the wrong shift sign below 0.
// Skipped when relion is not installed.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "test_util.hpp"
#include "thon/io/mrc.hpp"
#include "thon/ops/builtin_model.hpp"
#include "thon/ops/fsc.hpp"

namespace {

using thon::test::run_command;
using thon::test::run_thon;
using thon::test::TempDir;

bool have_relion() { return std::filesystem::exists("/usr/bin/relion_reconstruct"); }

/// A helix bundle of 5 helices (~1500 atoms, ~55 Å long) that fits a 64-pixel box at 2 Å.
std::string model(const TempDir& dir) {
  thon::ops::BuiltinModelOptions m;
  m.n_outer = 4;
  m.base_residues = 24;
  const std::string path = dir.file("bundle.pdb");
  thon::ops::write_builtin_model_pdb(path, m);
  return path;
}

/// Simulates in `dir`, reconstructs with relion_reconstruct (run in `dir`: the STAR names the stack
/// relative to itself) and returns the FSC against the truth map.
thon::FscCurve simulate_and_reconstruct(const TempDir& dir, const std::string& args, bool ctf) {
  std::string out;
  EXPECT_EQ(run_thon("simulate --quiet --model " + model(dir) + " --device cpu --o " + dir.file("sim") + " " + args, &out), 0)
      << out;
  const std::string cmd = "cd " + dir.path().string() + " && /usr/bin/relion_reconstruct --i sim.star --o relion.mrc" +
                          (ctf ? " --ctf" : "") + " > relion.log";
  EXPECT_EQ(run_command(cmd, &out), 0) << out;
  const thon::Volume<float> recon = thon::io::read_mrc_volume(dir.file("relion.mrc"));
  const thon::Volume<float> truth = thon::io::read_mrc_volume(dir.file("sim_truth.mrc"));
  EXPECT_EQ(recon.nx(), truth.nx());
  EXPECT_TRUE(thon::test::finite_and_nonzero(recon.data(), recon.size()));
  EXPECT_TRUE(thon::test::finite_and_nonzero(truth.data(), truth.size()));
  return thon::ops::fsc(thon::Device::cpu, recon, truth);
}

void expect_fsc_above(const thon::FscCurve& c, double threshold, double nyquist_fraction) {
  const int last = int(std::lround(nyquist_fraction * (c.box / 2)));
  ASSERT_GT(int(c.fsc.size()), last);
  for (int r = 1; r <= last; ++r)
    EXPECT_GT(c.fsc[std::size_t(r)], threshold) << "shell " << r << " (" << c.box * c.pixel_size_A / r << " Å)";
}

// 1500 images of 64^2 at 2 Å (Nyquist 4 Å): the 3D transform is filled to Nyquist with random poses
// (each slice covers a great circle; a shell of radius 26 needs ~2 x 26 x pi slices), and the CTF
// zeros of different defoci fill each other. Noise-free: the FSC is limited only by interpolation
// (trilinear, padding 2 on both sides), ~0.99 at 0.8 Nyquist.
TEST(RelionReconstructSim, NoiseFreeCtfDataGivesBackTheTruthMap) {
  if (!have_relion()) GTEST_SKIP() << "relion not installed";
  TempDir dir;
  const thon::FscCurve c = simulate_and_reconstruct(
      dir,
      "--n 1500 --box 64 --apix 2 --no-noise --defocus-min 8000 --defocus-max 20000 --astig 5000 --max-shift 8 "
      "--phase-shift 30 --bfactor 20 --seed 17",
      true);
  expect_fsc_above(c, 0.9, 0.8);
}

TEST(RelionReconstructSim, NoiseFreeDataWithoutCtfGivesBackTheTruthMap) {
  if (!have_relion()) GTEST_SKIP() << "relion not installed";
  TempDir dir;
  const thon::FscCurve c =
      simulate_and_reconstruct(dir, "--n 800 --box 64 --apix 2 --no-noise --no-ctf --max-shift 10 --seed 18", false);
  expect_fsc_above(c, 0.9, 0.8);
}

}  // namespace
