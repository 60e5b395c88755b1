// `thon multislice` and `thon simulate --method multislice` end to end: the files, the images and
// exit waves against ops::multislice_images on the reference backend (double, direct sums and DFT)
// with the parameters read back from the STAR file, and the bad-input contract (exit 1, the value
// named, no output files).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "test_util.hpp"
#include "thon/io/model.hpp"
#include "thon/io/mrc.hpp"
#include "thon/io/particles.hpp"
#include "thon/math/rotation.hpp"
#include "thon/ops/builtin_model.hpp"
#include "thon/ops/multislice.hpp"

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

/// ~250 atoms, ~30 Å across: a 32-pixel field at 2 Å holds it with its cut-off.
std::string small_model(const TempDir& dir) {
  thon::ops::BuiltinModelOptions m;
  m.n_outer = 2;
  m.base_residues = 12;
  m.ring_radius_A = 8;
  const std::string path = dir.file("small.pdb");
  thon::ops::write_builtin_model_pdb(path, m);
  return path;
}

TEST(MultisliceCli, ImagesAndExitWavesMatchTheReference) {
  TempDir dir;
  const std::string model = small_model(dir);
  std::string out;
  const std::string args = "multislice --quiet --model " + model +
                           " --box 32 --field 36 --apix 2 --slice-thickness 4 --ice-thickness 80 --depth 38 --ice random"
                           " --angles 10 70 -30 --n 2 --defocus-min 9000 --defocus-max 15000 --astig 500 --max-shift 3"
                           " --no-noise --save-exit-wave --seed 5 --device cpu --o " + dir.file("ms");
  ASSERT_EQ(run_thon(args, &out), 0) << out;
  EXPECT_NE(out.find("largest propagator phase"), std::string::npos) << out;
  EXPECT_EQ(listing(dir.path()), (std::vector<std::string>{"ms.h5", "ms.mrcs", "ms.star", "ms_exit_im.mrcs",
                                                           "ms_exit_re.mrcs", "ms_truth.mrc", "small.pdb"}));
  const auto table = thon::io::read_particles(dir.file("ms.star"));
  ASSERT_EQ(table.particles.size(), 2u);
  const auto images = thon::io::read_mrc_stack(dir.file("ms.mrcs"));
  const auto re = thon::io::read_mrc_stack(dir.file("ms_exit_re.mrcs"));
  const auto im = thon::io::read_mrc_stack(dir.file("ms_exit_im.mrcs"));
  ASSERT_EQ(images.size(), 2 * 32 * 32);
  ASSERT_EQ(re.size(), 2 * 36 * 36);

  // The same run on the reference backend, from the parameters in the STAR file.
  const auto atoms = thon::io::read_model(model).atoms;
  const auto centre = thon::io::centre_of_mass(atoms);
  thon::ops::MultisliceSetup s;
  s.field = 36;
  s.box = 32;
  s.pixel_size_A = 2;
  s.slice_thickness_A = 4;
  s.ice_thickness_A = 80;
  s.depth_A = 38;
  s.ice = thon::math::IceModel::random;
  s.seed = 5;
  thon::ops::prepare_multislice(s, thon::ops::particle_radius_A(atoms, centre, 0));
  std::vector<thon::Mat3<double>> rot;
  std::vector<thon::math::ImageParticle> parts;
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& p = table.particles[i];
    EXPECT_NEAR(p.rot_deg, 10, 1e-9);
    EXPECT_NEAR(p.tilt_deg, 70, 1e-9);
    rot.push_back(thon::math::euler_to_matrix(p.rot_deg, p.tilt_deg, p.psi_deg));
    thon::math::ImageParticle ip;
    ip.ctf.defocus_u_A = p.defocus_u_A;
    ip.ctf.defocus_v_A = p.defocus_v_A;
    ip.ctf.defocus_angle_deg = p.defocus_angle_deg;
    ip.ctf.prepare();
    ip.origin_x_A = p.origin_x_A;
    ip.origin_y_A = p.origin_y_A;
    ip.index = std::int64_t(i);
    parts.push_back(ip);
  }
  std::vector<float> intensity(images.size());
  std::vector<thon::Complex<float>> exit(re.size());
  thon::ops::multislice_images(thon::Device::reference, atoms, centre, s, rot.data(), parts.data(), 2, intensity.data(),
                               exit.data());
  std::vector<float> expect(intensity.size()), got(images.begin(), images.end());
  for (std::size_t i = 0; i < expect.size(); ++i) expect[i] = 1.0f - intensity[i];  // written: 1 - I
  EXPECT_TRUE(thon::test::finite_and_nonzero(got));
  // Float CPU path against the double reference: lens phases ~50 rad in float (see host tests).
  EXPECT_LT(rel_l2(got, expect), 1e-3);
  std::vector<thon::Complex<float>> exit_file(re.size());
  for (std::size_t i = 0; i < exit_file.size(); ++i) exit_file[i] = thon::Complex<float>(re.data()[i], im.data()[i]);
  EXPECT_LT(rel_l2(exit_file.data(), exit.data(), std::int64_t(exit.size())), 2e-5);
}

TEST(MultisliceCli, SimulateMethodMultisliceWritesTheDataSet) {
  TempDir dir;
  const std::string model = small_model(dir);
  std::string out;
  ASSERT_EQ(run_thon("simulate --quiet --method multislice --model " + model +
                         " --n 3 --box 32 --apix 2 --slice-thickness 5 --dose 50 --device cpu --o " + dir.file("sim"),
                     &out),
            0)
      << out;
  EXPECT_EQ(listing(dir.path()),
            (std::vector<std::string>{"sim.h5", "sim.mrcs", "sim.star", "sim_truth.mrc", "small.pdb"}));
  const auto images = thon::io::read_mrc_stack(dir.file("sim.mrcs"));
  EXPECT_EQ(images.size(), 3 * 32 * 32);
  EXPECT_TRUE(thon::test::finite_and_nonzero(images.data(), images.size()));
}

TEST(MultisliceCli, BadInputExitsOneAndWritesNothing) {
  TempDir dir;
  const std::string model = small_model(dir);
  const std::string base = "multislice --quiet --model " + model + " --no-noise --device cpu --o " + dir.file("bad") + " ";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--box 32 --apix 2 --slice-thickness 0", "--slice-thickness must be positive, got 0"},
      {"--box 32 --apix 2 --slice-thickness 500", "--slice-thickness 500"},
      {"--box 32 --apix 2 --ice-thickness 30", "does not hold the particle"},
      {"--box 16 --apix 2", "smaller than the particle"},
      {"--box 32 --apix 2 --field 20", "--field 20 pixels is smaller than the particle box"},
      {"--apix 0.05 --box 1024", "paraxial"},
      {"--box 32 --apix 2 --ice glass --ice-thickness 100", "--ice must be constant or random, got glass"},
      {"--box 32 --apix 2 --mean-free-path -3", "--mean-free-path must be >= 0"},
  };
  for (const auto& [extra, message] : cases) {
    std::string out;
    EXPECT_EQ(run_thon(base + extra, &out), 1) << extra << "\n" << out;
    EXPECT_NE(out.find(message), std::string::npos) << extra << "\n" << out;
    EXPECT_EQ(listing(dir.path()), std::vector<std::string>{"small.pdb"}) << extra;
  }
  std::string out;
  EXPECT_EQ(run_thon("simulate --quiet --method abc --model " + model + " --o " + dir.file("bad"), &out), 1);
  EXPECT_NE(out.find("--method must be projection or multislice, got abc"), std::string::npos) << out;
}

}  // namespace
