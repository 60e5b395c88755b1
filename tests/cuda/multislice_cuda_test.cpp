// ops::multislice_images on the GPU against the reference (double, direct sums and DFT): the same
// functors as the CPU path, cuFFT for the transforms, the same counter-based ice. Skips without a
// CUDA device.
#include <gtest/gtest.h>

#include <vector>

#include "test_util.hpp"
#include "thon/io/model.hpp"
#include "thon/math/rotation.hpp"
#include "thon/ops/builtin_model.hpp"
#include "thon/ops/multislice.hpp"

namespace thon {
namespace {

class CudaMultislice : public test::GpuTest {};

void compare(const ops::MultisliceSetup& s0, double tol_exit, double tol_contrast) {
  ops::BuiltinModelOptions m;
  m.n_outer = 2;
  m.base_residues = 10;
  m.ring_radius_A = 8;
  const auto atoms = ops::builtin_helix_bundle(m);
  const Vec3<double> c = io::centre_of_mass(atoms);
  auto s = s0;
  ops::prepare_multislice(s, ops::particle_radius_A(atoms, c, 0));
  const Mat3<double> rot[2] = {math::euler_to_matrix(15.0, 70.0, -30.0), math::euler_to_matrix(100.0, 20.0, 60.0)};
  math::ImageParticle parts[2];
  for (int i = 0; i < 2; ++i) {
    parts[i].ctf.defocus_u_A = 9000 + 3000 * i;
    parts[i].ctf.defocus_v_A = 8500 + 3000 * i;
    parts[i].ctf.defocus_angle_deg = 30;
    parts[i].ctf.prepare();
    parts[i].index = 10 + i;
  }
  parts[1].origin_x_A = 1.5;
  const index_t nb = index_t(s.box) * s.box, nf = index_t(s.field) * s.field;
  std::vector<float> i_ref(static_cast<std::size_t>(2 * nb)), i_gpu(i_ref.size());
  std::vector<Complex<float>> e_ref(static_cast<std::size_t>(2 * nf)), e_gpu(e_ref.size());
  ops::multislice_images(Device::reference, atoms, c, s, rot, parts, 2, i_ref.data(), e_ref.data());
  ops::multislice_images(Device::cuda, atoms, c, s, rot, parts, 2, i_gpu.data(), e_gpu.data());
  EXPECT_TRUE(test::finite_and_nonzero(e_gpu.data(), std::int64_t(e_gpu.size())));
  EXPECT_LT(test::rel_l2(e_gpu.data(), e_ref.data(), std::int64_t(e_ref.size())), tol_exit);
  std::vector<double> c_ref(i_ref.size()), c_gpu(i_ref.size());
  for (std::size_t i = 0; i < c_ref.size(); ++i) {
    c_ref[i] = 1.0 - i_ref[i];
    c_gpu[i] = 1.0 - i_gpu[i];
  }
  EXPECT_TRUE(test::finite_and_nonzero(c_gpu));
  EXPECT_LT(test::rel_l2(c_gpu, c_ref), tol_contrast);
}

// Tolerances as the CPU backend's (tests/host/multislice_test.cpp): float transforms over ~10
// slabs (2e-5 on the exit wave), lens phases of ~60 rad in float (1e-3 on the contrast).
TEST_F(CudaMultislice, RandomIceMatchesReference) {
  ops::MultisliceSetup s;
  s.field = 56;
  s.box = 48;
  s.slice_thickness_A = 6;
  s.ice_thickness_A = 60;
  s.depth_A = 30;
  s.ice = math::IceModel::random;
  s.absorption_ratio = 0.05;
  s.beam_tilt_x_mrad = 1.5;
  s.aperture_mrad = 12;
  s.seed = 7;
  compare(s, 2e-5, 1e-3);
}

TEST_F(CudaMultislice, ConstantIceWithEmptySlabsMatchesReference) {
  ops::MultisliceSetup s;
  s.field = 48;
  s.box = 48;
  s.slice_thickness_A = 5;
  s.ice_thickness_A = 200;
  s.depth_A = 40;
  s.ice = math::IceModel::constant;
  s.mean_free_path_A = 2500;
  compare(s, 2e-5, 1e-3);
}

}  // namespace
}  // namespace thon
