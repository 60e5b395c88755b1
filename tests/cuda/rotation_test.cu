// The rotation and symmetrisation formulas (include/thon/math/rotation.hpp, symmetry.hpp) run on the
// GPU through the same functors as on the CPU. Compiled by nvcc in CI (so the headers stay
// device-clean); skips without a device.
#include <gtest/gtest.h>

#include <vector>

#include "cuda/check.cuh"
#include "cuda/parallel.cuh"
#include "test_util.hpp"
#include "thon/core/array.hpp"
#include "thon/math/rotation.hpp"
#include "thon/math/symmetry.hpp"
#include "thon/ops/sampling.hpp"
#include "thon/ops/symmetry.hpp"

namespace thon {
namespace {

/// Euler -> matrix -> quaternion -> axis-angle -> Euler -> matrix; writes the 9 entries.
struct RoundTripFunctor {
  const double* angles;  // 3 per rotation, degrees
  double* out;           // 9 per rotation
  THON_HD void operator()(index_t i) const {
    const auto m0 = math::euler_to_matrix(angles[3 * i], angles[3 * i + 1], angles[3 * i + 2]);
    const auto aa = math::quaternion_to_axis_angle(math::matrix_to_quaternion(m0));
    const auto e = math::matrix_to_euler(math::axis_angle_to_matrix(aa));
    const auto m = math::euler_to_matrix(e.rot_deg, e.tilt_deg, e.psi_deg);
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c) out[9 * i + 3 * r + c] = m.m[r][c];
  }
};

class CudaGeometry : public test::GpuTest {};

// GPU vs CPU: the same double-precision formula; FMA contraction on the GPU changes the last bits,
// 1e-12 covers it.
TEST_F(CudaGeometry, RotationRoundTripMatchesCpu) {
  const auto poses = random_orientations(10000, 3);
  const index_t n = index_t(poses.size());
  Buffer<double> h_angles(3 * n), h_out(9 * n), g_out(9 * n);
  for (index_t i = 0; i < n; ++i) {
    h_angles[3 * i] = poses[i].rot_deg;
    h_angles[3 * i + 1] = poses[i].tilt_deg;
    h_angles[3 * i + 2] = poses[i].psi_deg;
  }
  Buffer<double, Memory::device> d_angles(3 * n), d_out(9 * n);
  d_angles.copy_from(h_angles);
  parallel_for(cuda::policy(), n, RoundTripFunctor{d_angles.data(), d_out.data()});
  THON_CUDA_LAUNCH_CHECK();
  THON_CUDA_CHECK(cudaDeviceSynchronize());
  g_out.copy_from(d_out);
  cpu::parallel_for(n, RoundTripFunctor{h_angles.data(), h_out.data()});
  ASSERT_TRUE(test::finite_and_nonzero(g_out.data(), g_out.size()));
  for (index_t i = 0; i < 9 * n; ++i) ASSERT_NEAR(g_out[i], h_out[i], 1e-12) << i;
}

// The symmetrisation functor on the GPU against the CPU path (float, rel L2 1e-5: FMA and
// summation rounding over 24 operators).
TEST_F(CudaGeometry, SymmetriseFunctorMatchesCpu) {
  const int n = 32;
  Volume<float> in = Volume<float>::cube(n);
  const auto noise = test::random_vector(in.size(), 5);
  std::copy(noise.begin(), noise.end(), in.begin());
  const auto g = make_point_group("O");
  Volume<float> cpu_out;
  cpu::symmetrise(in, cpu_out, g.ops);
  std::vector<Mat3<float>> fops;
  for (const auto& m : g.ops) fops.push_back(m.cast<float>());
  Buffer<Mat3<float>> h_ops(index_t(fops.size()));
  std::copy(fops.begin(), fops.end(), h_ops.begin());
  Buffer<Mat3<float>, Memory::device> d_ops(h_ops.size());
  d_ops.copy_from(h_ops);
  Buffer<float, Memory::device> d_in(in.size()), d_out(in.size());
  d_in.copy_from(in.buffer());
  const Span3D<const float> vin{d_in.data(), n, n, n};
  const Span3D<float> vout{d_out.data(), n, n, n};
  parallel_for(cuda::policy(), in.size(),
               math::SymmetriseVoxel<float>{vin, vout, d_ops.data(), int(fops.size())});
  THON_CUDA_LAUNCH_CHECK();
  THON_CUDA_CHECK(cudaDeviceSynchronize());
  Buffer<float> gpu(in.size());
  gpu.copy_from(d_out);
  ASSERT_TRUE(test::finite_and_nonzero(gpu.data(), gpu.size()));
  EXPECT_LT(test::rel_l2(gpu.data(), cpu_out.data(), gpu.size()), 1e-5);
}

// The dispatcher's CUDA path against the double reference (float rounding, 1e-5).
TEST_F(CudaGeometry, SymmetriseMatchesReference) {
  Volume<float> in = Volume<float>::cube(24);
  const auto noise = test::random_vector(in.size(), 9);
  std::copy(noise.begin(), noise.end(), in.begin());
  for (const char* name : {"C7", "D3", "I"}) {
    const auto g = make_point_group(name);
    Volume<float> gpu, ref;
    ops::symmetrise(Device::cuda, in, gpu, g);
    ops::symmetrise(Device::reference, in, ref, g);
    ASSERT_TRUE(test::finite_and_nonzero(gpu.data(), gpu.size()));
    EXPECT_LT(test::rel_l2(gpu.data(), ref.data(), ref.size()), 1e-5) << name;
  }
}

}  // namespace
}  // namespace thon
