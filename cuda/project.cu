// CUDA backend of the projector family: the math/slice.hpp functors on the GPU through
// thon::parallel_for; scatter with atomicAdd.
#include <vector>

#include "cuda/check.cuh"
#include "cuda/fft.hpp"
#include "cuda/parallel.cuh"
#include "cuda/project.hpp"
#include "thon/core/array.hpp"
#include "thon/core/stages.hpp"
#include "thon/math/slice.hpp"

namespace thon::cuda {
namespace {

/// Scatter policy: atomicAdd on the device (float: sm_20+, double: sm_60+). The host branch exists
/// only so the functor compiles for Thrust's host instantiation; it is never executed.
struct AtomicAdd {
  template <class V>
  THON_HD void operator()(V* p, V v) const {
#if defined(__CUDA_ARCH__)
    atomicAdd(p, v);
#else
    *p += v;
#endif
  }
};

template <class V>
Buffer<Mat3<V>, Memory::device> upload_poses(const Mat3<double>* poses, index_t count) {
  Buffer<Mat3<V>> host(count);
  for (index_t i = 0; i < count; ++i) host[i] = poses[i].template cast<V>();
  Buffer<Mat3<V>, Memory::device> d(count);
  d.copy_from(host);
  return d;
}

template <class V>
math::SliceGeometry<V> geometry(const ops::SliceParams& p) {
  math::SliceGeometry<V> g;
  g.n = p.box;
  g.np = p.padded_box;
  g.scale = V(p.scale());
  g.r_max2 = V(p.r_max * p.r_max);
  g.interp = p.interp;
  return g;
}

template <class F>
void run(index_t n, const F& f) {
  thon::parallel_for(policy(), n, f);
  THON_CUDA_LAUNCH_CHECK();
  THON_CUDA_CHECK(cudaDeviceSynchronize());
}

}  // namespace

template <class V>
void extract_slices_3d(const Complex<V>* d_volume, const Mat3<double>* poses, index_t count,
                       Complex<V>* d_out, const ops::SliceParams& p) {
  if (count <= 0) return;
  stage_record("project.extract", StageSite::device, std::uint64_t(count) * sizeof(Mat3<V>));
  const auto d_poses = upload_poses<V>(poses, count);
  run(count * p.slice_size(),
      math::ExtractSlice3D<V, V>{d_volume, d_poses.data(), d_out, geometry<V>(p)});
}

template <class V>
void extract_slices_2d(const Complex<V>* d_image, const Mat3<double>* poses, index_t count,
                       Complex<V>* d_out, const ops::SliceParams& p) {
  if (count <= 0) return;
  stage_record("project.extract_2d", StageSite::device, std::uint64_t(count) * sizeof(Mat3<V>));
  const auto d_poses = upload_poses<V>(poses, count);
  run(count * p.slice_size(),
      math::ExtractSlice2D<V, V>{d_image, d_poses.data(), d_out, geometry<V>(p)});
}

template <class V>
void insert_slices_3d(Complex<V>* d_data, V* d_weight, const Complex<V>* d_slices,
                      const V* d_weights, const Mat3<double>* poses, index_t count,
                      const ops::SliceParams& p) {
  if (count <= 0) return;
  stage_record("project.insert", StageSite::device, std::uint64_t(count) * sizeof(Mat3<V>));
  const auto d_poses = upload_poses<V>(poses, count);
  run(count * p.slice_size(),
      math::InsertSlice3D<V, V, AtomicAdd>{d_data, d_weight, d_slices, d_weights, d_poses.data(),
                                           geometry<V>(p), {}});
}

template <class V>
void insert_slices_2d(Complex<V>* d_data, V* d_weight, const Complex<V>* d_slices,
                      const V* d_weights, const Mat3<double>* poses, index_t count,
                      const ops::SliceParams& p) {
  if (count <= 0) return;
  stage_record("project.insert_2d", StageSite::device, std::uint64_t(count) * sizeof(Mat3<V>));
  const auto d_poses = upload_poses<V>(poses, count);
  run(count * p.slice_size(),
      math::InsertSlice2D<V, V, AtomicAdd>{d_data, d_weight, d_slices, d_weights, d_poses.data(),
                                           geometry<V>(p), {}});
}

template <class V>
void line_project(const V* d_volume, int n, const Mat3<double>* poses, index_t count, V* d_out,
                  math::Interp interp) {
  if (count <= 0) return;
  stage_record("project.line", StageSite::device, std::uint64_t(count) * sizeof(Mat3<V>));
  const auto d_poses = upload_poses<V>(poses, count);
  run(count * n * n, math::LineProject<V, V>{d_volume, d_poses.data(), d_out, n, interp});
}

template <class V>
void resample(const V* d_in, V* d_out, int nx, int ny, int nz, index_t count,
              const Mat3<double>& m, const Vec3<double>& t, math::Interp interp) {
  if (count <= 0) return;
  stage_record("project.resample", StageSite::device, 0);
  run(count * nx * ny * nz, math::Resample<V, V>{d_in, d_out, nx, ny, nz, m.cast<V>(),
                                                 {V(t.x), V(t.y), V(t.z)}, interp});
}

template <class V>
void prepare_fourier(const V* in, int n, int ndim, int np, const double* corr, Complex<V>* d_out) {
  THON_CHECK(ndim == 2 || ndim == 3, "prepare_fourier: ndim ", ndim, " is not 2 or 3");
  const index_t n_in = ndim == 3 ? index_t(n) * n * n : index_t(n) * n;
  const index_t n_pad = ndim == 3 ? index_t(np) * np * np : index_t(np) * np;
  Buffer<V, Memory::device> d_in(n_in), d_pad(n_pad), d_corr(n);
  std::vector<V> table(corr, corr + n);
  THON_CUDA_CHECK(cudaMemcpy(d_in.data(), in, d_in.bytes(), cudaMemcpyHostToDevice));
  THON_CUDA_CHECK(cudaMemcpy(d_corr.data(), table.data(), d_corr.bytes(), cudaMemcpyHostToDevice));
  THON_CUDA_CHECK(cudaMemset(d_pad.data(), 0, d_pad.bytes()));
  thon::parallel_for(policy(), n_in, math::PadShift<V>{d_in.data(), d_pad.data(), d_corr.data(), n, np, ndim});
  THON_CUDA_LAUNCH_CHECK();
  fft_r2c_device(d_pad.data(), d_out, ndim == 3 ? Shape{np, np, np, 1} : Shape{np, np, 1, 1});
  THON_CUDA_CHECK(cudaDeviceSynchronize());
  stage_record("project.prepare", StageSite::device, d_in.bytes() + d_corr.bytes(), 0);
}

template <class V>
void centred_fourier_to_images(const Complex<V>* d_in, int n, index_t count, V* d_images) {
  if (count <= 0) return;
  const Shape s{n, n, 1, int(count)};
  Buffer<Complex<V>, Memory::device> tmp(s.half_total());  // c2r overwrites its input
  THON_CUDA_CHECK(cudaMemcpy(tmp.data(), d_in, tmp.bytes(), cudaMemcpyDeviceToDevice));
  Buffer<V, Memory::device> real(s.total());
  fft_c2r_device(tmp.data(), real.data(), s);
  run(s.total(), math::RollImages<V>{real.data(), d_images, n, true});
  stage_record("project.images", StageSite::device);
}

void zero(void* d_ptr, std::size_t bytes) {
  if (bytes) THON_CUDA_CHECK(cudaMemset(d_ptr, 0, bytes));
}

THON_CUDA_PROJECT_INSTANTIATE(float)
THON_CUDA_PROJECT_INSTANTIATE(double)

}  // namespace thon::cuda
