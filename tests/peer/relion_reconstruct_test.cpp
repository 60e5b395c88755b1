// Peer check of `thon reconstruct` against `relion_reconstruct --ctf` (RELION 3.1) on the same STAR
// file and stack: relion_project --ctf projects a known map (thon's potential of its built-in helix
// bundle) at random poses, origin shifts and defoci; Gaussian noise is added; both programs
// reconstruct. Checks (issue 6): mutual FSC > 0.95 to 0.7 Nyquist; thon's FSC to the truth at least
// RELION's minus 0.02 at every shell to 0.8 Nyquist.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

#include "test_util.hpp"
#include "thon/io/mrc.hpp"
#include "thon/ops/builtin_model.hpp"
#include "thon/ops/fsc.hpp"
#include "thon/ops/potential.hpp"

namespace thon {
namespace {

TEST(PeerRelion, ReconstructMatchesRelionReconstruct) {
  if (!std::filesystem::exists("/usr/bin/relion_reconstruct") || !std::filesystem::exists("/usr/bin/relion_project"))
    GTEST_SKIP() << "relion_reconstruct / relion_project not installed";
  test::TempDir dir;
  const int n = 64, count = 1000;
  const double p = 1.5;
  ops::BuiltinModelOptions mo;
  mo.n_outer = 4;
  mo.base_residues = 24;
  ops::PotentialGrid g;
  g.nx = g.ny = g.nz = n;
  g.pixel_size_A = p;
  g.extra_b_A2 = 20;
  const Volume<float> truth = ops::atom_potential(Device::cpu, ops::builtin_helix_bundle(mo), g);
  io::write_mrc(dir.file("truth.mrc"), truth);

  // Poses uniform on the sphere, shifts +-3 Å, defocus 1-2.5 um, astigmatic; written for relion_project.
  std::mt19937 rng(2024);
  std::uniform_real_distribution<double> u01(0, 1);
  {
    std::ofstream s(dir.file("poses.star"));
    s << "\ndata_optics\n\nloop_\n_rlnOpticsGroup #1\n_rlnOpticsGroupName #2\n_rlnAmplitudeContrast #3\n"
         "_rlnSphericalAberration #4\n_rlnVoltage #5\n_rlnImagePixelSize #6\n_rlnImageSize #7\n"
         "_rlnImageDimensionality #8\n1 opticsGroup1 0.1 2.7 300 "
      << p << " " << n << " 2\n\ndata_particles\n\nloop_\n_rlnAngleRot #1\n_rlnAngleTilt #2\n_rlnAnglePsi #3\n"
         "_rlnOriginXAngst #4\n_rlnOriginYAngst #5\n_rlnDefocusU #6\n_rlnDefocusV #7\n_rlnDefocusAngle #8\n"
         "_rlnOpticsGroup #9\n_rlnImageName #10\n";
    for (int i = 0; i < count; ++i) {
      const double du = 10000 + 15000 * u01(rng);
      s << 360 * u01(rng) << " " << std::acos(2 * u01(rng) - 1) * 180 / M_PI << " " << 360 * u01(rng) << " "
        << 6 * u01(rng) - 3 << " " << 6 * u01(rng) - 3 << " " << du << " " << du - 500 * u01(rng) << " "
        << 180 * u01(rng) << " 1 " << i + 1 << "@dummy.mrcs\n";
    }
  }
  std::string log;
  ASSERT_EQ(test::run_command("cd " + dir.path().string() + " && /usr/bin/relion_project --i truth.mrc --ang poses.star --ctf "
                              "--angpix " + std::to_string(p) + " --o proj",
                              &log),
            0)
      << log;
  // Noise: white Gaussian with sigma = 1.5 x the rms of the clean projections (seeded), written over
  // relion_project's stack so both programs read the same images.
  ImageStack<float> stack = io::read_mrc_stack(dir.file("proj.mrcs"));
  ASSERT_EQ(stack.n(), count);
  double ss = 0, sm = 0;
  for (index_t i = 0; i < stack.size(); ++i) ss += double(stack[i]) * stack[i], sm += stack[i];
  const double rms = std::sqrt(ss / double(stack.size()) - std::pow(sm / double(stack.size()), 2));
  std::normal_distribution<double> gauss(0, 1.5 * rms);
  for (index_t i = 0; i < stack.size(); ++i) stack[i] += float(gauss(rng));
  stack.set_pixel_size_A(p);
  io::write_mrc(dir.file("proj.mrcs"), stack);

  ASSERT_EQ(test::run_command("cd " + dir.path().string() + " && /usr/bin/relion_reconstruct --i proj.star --o relion.mrc "
                              "--ctf --angpix " + std::to_string(p),
                              &log),
            0)
      << log;
  ASSERT_EQ(test::run_thon("reconstruct --quiet --i " + dir.file("proj.star") + " --o " + dir.file("thon.mrc"), &log), 0)
      << log;
  const Volume<float> relion = io::read_mrc_volume(dir.file("relion.mrc"));
  const Volume<float> thon_map = io::read_mrc_volume(dir.file("thon.mrc"));
  ASSERT_TRUE(test::finite_and_nonzero(thon_map.data(), thon_map.size()));
  ASSERT_TRUE(test::finite_and_nonzero(relion.data(), relion.size()));
  const auto mutual = ops::fsc(Device::cpu, thon_map, relion).fsc;
  const auto thon_truth = ops::fsc(Device::cpu, thon_map, truth).fsc;
  const auto relion_truth = ops::fsc(Device::cpu, relion, truth).fsc;
  for (int s = 1; s <= n / 2; ++s)
    std::printf("shell %2d (%5.2f A): mutual %.4f  thon-truth %.4f  relion-truth %.4f\n", s, n * p / s,
                mutual[std::size_t(s)], thon_truth[std::size_t(s)], relion_truth[std::size_t(s)]);
  for (int s = 1; s <= int(0.7 * n / 2); ++s) EXPECT_GT(mutual[std::size_t(s)], 0.95) << "shell " << s;
  for (int s = 1; s <= int(0.8 * n / 2); ++s)
    EXPECT_GE(thon_truth[std::size_t(s)], relion_truth[std::size_t(s)] - 0.02) << "shell " << s;
}

}  // namespace
}  // namespace thon
