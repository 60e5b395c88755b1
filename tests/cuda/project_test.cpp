// CUDA backend of the projector family against the reference (double). Skips without a device.
// Tolerances: float on the GPU vs double, sums of <= 64 interpolation terms: 1e-5; insertion adds
// with atomicAdd in a nondeterministic order and accumulates up to (count x 8) terms per voxel:
// sqrt(n) eps scaling keeps it under 1e-5 for these sizes.
#include <gtest/gtest.h>

#include <vector>

#include "host/projection_fixtures.hpp"
#include "test_util.hpp"
#include "thon/ops/backproject.hpp"
#include "thon/ops/project.hpp"
#include "thon/ops/resample.hpp"

namespace thon {
namespace {

using test::rel_l2;
constexpr double kGpuVsRef = 1e-5;
const Interp kKernels[] = {Interp::nearest, Interp::linear, Interp::cubic};

class ProjectGpu : public test::BackendTest {};

TEST_P(ProjectGpu, ProjectorMatchesReference) {
  const int n = 32;
  const Volume<float> v = test::blob_volume<float>(n, test::make_blobs(n, 4, 3));
  const auto poses = test::random_poses(12, 4);
  for (Interp k : kKernels) {
    ops::ProjectorOptions opt;
    opt.interp = k;
    const ops::FourierProjector<float> gpu(device(), v, opt), ref(Device::reference, v, opt);
    const ImageStack<float> a = gpu.project_images(poses), b = ref.project_images(poses);
    EXPECT_TRUE(test::finite_and_nonzero(a.data(), a.size()));
    EXPECT_LT(rel_l2(a.data(), b.data(), a.size()), kGpuVsRef) << to_string(k);
  }
}

TEST_P(ProjectGpu, BackprojectorMatchesReference) {
  const int n = 24;
  const auto poses = test::random_poses(16, 8);
  const auto p = ops::SliceParams::make(n, 2.0, Interp::linear);
  const index_t ns = index_t(poses.size()) * p.slice_size();
  const auto re = test::random_vector<float>(2 * ns, 5);
  std::vector<Complex<float>> slices(static_cast<std::size_t>(ns));
  for (index_t i = 0; i < ns; ++i) slices[std::size_t(i)] = {re[std::size_t(2 * i)], re[std::size_t(2 * i + 1)]};
  const auto w = test::random_vector<float>(ns, 6);
  for (Interp k : kKernels) {
    ops::BackprojectorOptions opt;
    opt.interp = k;
    ops::FourierBackprojector<float> gpu(device(), n, opt), ref(Device::reference, n, opt);
    gpu.insert(poses, slices.data(), w.data());
    ref.insert(poses, slices.data(), w.data());
    EXPECT_TRUE(test::finite_and_nonzero(gpu.data()));
    EXPECT_LT(rel_l2(gpu.data(), ref.data()), kGpuVsRef) << to_string(k);
    EXPECT_LT(rel_l2(gpu.weight(), ref.weight()), kGpuVsRef) << to_string(k);
  }
}

TEST_P(ProjectGpu, InPlaneProjectorAndBackprojectorMatchReference) {
  const int n = 40;
  const auto pix = test::random_vector<float>(n * n, 12);
  Image<float> im(n, n);
  std::copy(pix.begin(), pix.end(), im.begin());
  const auto poses = ops::poses_from_psi({0, 10, 45, 90, 200.5});
  for (Interp k : kKernels) {
    ops::ProjectorOptions opt;
    opt.interp = k;
    const ops::FourierProjector2D<float> gpu(device(), im, opt), ref(Device::reference, im, opt);
    const index_t ns = index_t(poses.size()) * gpu.params().slice_size();
    std::vector<Complex<float>> a(static_cast<std::size_t>(ns)), b(a.size());
    gpu.project(poses.data(), index_t(poses.size()), a.data());
    ref.project(poses.data(), index_t(poses.size()), b.data());
    EXPECT_TRUE(test::finite_and_nonzero(a));
    EXPECT_LT(rel_l2(a, b), kGpuVsRef);
    ops::BackprojectorOptions bo;
    bo.interp = k;
    ops::FourierBackprojector2D<float> bg(device(), n, bo), br(Device::reference, n, bo);
    bg.insert(poses.data(), index_t(poses.size()), b.data());
    br.insert(poses.data(), index_t(poses.size()), b.data());
    EXPECT_LT(rel_l2(bg.data(), br.data()), kGpuVsRef);
  }
}

TEST_P(ProjectGpu, LineProjectAndResampleMatchReference) {
  const int n = 24;
  const auto vol = test::random_vector<float>(n * n * n, 2);
  const auto poses = test::random_poses(5, 3);
  for (Interp k : kKernels) {
    std::vector<float> a(static_cast<std::size_t>(5 * n * n)), b(a.size());
    ops::line_project(device(), vol.data(), n, poses.data(), 5, a.data(), k);
    ops::line_project(Device::reference, vol.data(), n, poses.data(), 5, b.data(), k);
    EXPECT_TRUE(test::finite_and_nonzero(a));
    EXPECT_LT(rel_l2(a, b), kGpuVsRef);
    std::vector<float> c(vol.size()), d(vol.size());
    ops::resample(device(), vol.data(), c.data(), n, n, n, 1, poses[0], {0.5, -1.25, 2.0}, k);
    ops::resample(Device::reference, vol.data(), d.data(), n, n, n, 1, poses[0], {0.5, -1.25, 2.0}, k);
    EXPECT_TRUE(test::finite_and_nonzero(c));
    EXPECT_LT(rel_l2(c, d), kGpuVsRef);
  }
}

THON_INSTANTIATE_BACKENDS(ProjectGpu);

}  // namespace
}  // namespace thon
