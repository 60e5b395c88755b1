// CUDA noise and detector filters: the same functors as the CPU on the GPU.
#include "cuda/noise.hpp"

#include "cuda/check.cuh"
#include "thon/core/stages.hpp"
#include "cuda/parallel.cuh"
#include "thon/core/array.hpp"

namespace thon::cuda {

namespace {
template <class T>
Buffer<T, Memory::device> to_device(const T* p, index_t n) {
  Buffer<T, Memory::device> d(n);
  if (n > 0) THON_CUDA_CHECK(cudaMemcpy(d.data(), p, sizeof(T) * std::size_t(n), cudaMemcpyHostToDevice));
  return d;
}
template <class T>
void to_host(T* dst, const Buffer<T, Memory::device>& src) {
  if (src.size() > 0)
    THON_CUDA_CHECK(cudaMemcpy(dst, src.data(), sizeof(T) * std::size_t(src.size()), cudaMemcpyDeviceToHost));
  stage_record("noise", StageSite::device, src.bytes(), src.bytes());
}
}  // namespace

void poisson_noise(float* data, index_t n_total, index_t npix, index_t first_image, std::uint64_t seed, double scale,
                   double out_scale) {
  auto d = to_device(data, n_total);
  ::thon::parallel_for(policy(), n_total,
                       math::PoissonNoiseFunctor<float>{seed, first_image, npix, scale, out_scale, d.data()});
  THON_CUDA_LAUNCH_CHECK();
  to_host(data, d);
}

void gaussian_noise(float* data, index_t n_total, index_t npix, index_t first_image, std::uint64_t seed,
                    const float* sigma) {
  auto d = to_device(data, n_total);
  auto d_sigma = to_device(sigma, n_total / npix);
  ::thon::parallel_for(policy(), n_total,
                       math::GaussianNoiseFunctor<float>{seed, first_image, npix, d_sigma.data(), d.data()});
  THON_CUDA_LAUNCH_CHECK();
  to_host(data, d);
}

void detector_filter(Complex<float>* ft, int n, int nx, int ny, const math::DetectorModel& model, int which) {
  const index_t total = index_t(n) * (nx / 2 + 1) * ny;
  auto d = to_device(ft, total);
  ::thon::parallel_for(policy(), total, math::DetectorFilterFunctor<float>{model, nx, ny, which, d.data()});
  THON_CUDA_LAUNCH_CHECK();
  to_host(ft, d);
}

}  // namespace thon::cuda
