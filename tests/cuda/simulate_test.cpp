// ops::form_images on the GPU against the reference: the same functors as the CPU path, cuFFT for
// the transforms, the same counter-based random numbers. Skips without a CUDA device.
#include <gtest/gtest.h>

#include <vector>

#include "test_util.hpp"
#include "thon/io/model.hpp"
#include "thon/math/electron.hpp"
#include "thon/math/rotation.hpp"
#include "thon/ops/builtin_model.hpp"
#include "thon/ops/detector.hpp"
#include "thon/ops/potential.hpp"
#include "thon/ops/project.hpp"
#include "thon/ops/simulate.hpp"

namespace thon {
namespace {

class CudaFormImages : public test::BackendTest {};

// cuFFT vs double reference: ~1e-6 per transform; identical noise draws. Tolerance 1e-4.
TEST_P(CudaFormImages, MatchesReference) {
  constexpr int box = 48, n = 6;
  constexpr double pixel = 2.0;
  ops::BuiltinModelOptions m;
  m.n_outer = 3;
  m.base_residues = 16;
  const auto atoms = ops::builtin_helix_bundle(m);
  ops::PotentialGrid g;
  g.nx = g.ny = g.nz = box;
  g.pixel_size_A = pixel;
  g.centre_A = io::centre_of_mass(atoms);
  const Volume<float> v = ops::atom_potential(Device::cpu, atoms, g);
  const ops::FourierProjector<float> projector(Device::cpu, v);
  std::vector<Mat3<double>> poses;
  std::vector<ops::ImageParticle> particles;
  for (int i = 0; i < n; ++i) {
    poses.push_back(math::euler_to_matrix(41.0 * i, 15.0 + 27.0 * i, 33.0 * i - 60));
    ops::ImageParticle p;
    p.ctf.defocus_u_A = 15000 + 500 * i;
    p.ctf.defocus_v_A = 14000 + 300 * i;
    p.ctf.defocus_angle_deg = 23.0 * i;
    p.ctf.prepare();
    p.origin_x_A = 0.9 * i - 2;
    p.origin_y_A = 1.7 - 0.5 * i;
    p.index = 7 + i;
    particles.push_back(p);
  }
  std::vector<Complex<float>> slices(std::size_t(n) * projector.params().slice_size());
  projector.project(poses, slices.data());

  for (int mode = 0; mode < 4; ++mode) {
    ops::ImageFormationSetup s;
    s.box = box;
    s.pixel_size_A = pixel;
    s.contrast_scale = 2 * math::interaction_constant_kV(300) * pixel;
    s.detector = mode >= 1 ? ops::counting_detector(0.9) : ops::ideal_detector();
    s.noise = mode == 2 ? math::ImageNoise::poisson : (mode == 3 ? math::ImageNoise::gaussian : math::ImageNoise::none);
    s.dose_e_per_A2 = 40;
    s.snr = 0.5;
    s.seed = 99;
    if (mode == 3) {
      s.tilted = true;
      s.strip_width_A = 8;
      s.tilt.tilt_deg = 30;
      s.tilt.axis_angle_deg = -15;
      s.tilt.prepare();
      math::tilt_strip_range(s);
    }
    std::vector<float> ref(std::size_t(n) * box * box), gpu(ref.size());
    ops::form_images(Device::reference, s, particles.data(), n, slices.data(), ref.data());
    ops::form_images(device(), s, particles.data(), n, slices.data(), gpu.data());
    EXPECT_TRUE(test::finite_and_nonzero(gpu.data(), std::int64_t(gpu.size())));
    EXPECT_LT(test::rel_l2(gpu.data(), ref.data(), std::int64_t(ref.size())), 1e-4) << "mode " << mode;
  }
}

THON_INSTANTIATE_BACKENDS(CudaFormImages);

}  // namespace
}  // namespace thon
