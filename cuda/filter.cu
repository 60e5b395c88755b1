// The CUDA Fourier toolkit: the shared algorithms (host/common/filter.hpp) with cuFFT and the
// shared functors on the default stream; shell sums privatised per block in shared memory.
#include <vector>

#include "cuda/check.cuh"
#include "cuda/fft.hpp"
#include "cuda/filter.hpp"
#include "cuda/parallel.cuh"
#include "common/filter.hpp"

namespace thon::cuda {
namespace {

/// One block's shell histogram in shared memory (when it fits), merged into global with atomics.
template <class F>
__global__ void shell_sums_kernel(F f, long long n, int n_shells, bool use_shared, double* d_sums,
                                  unsigned long long* d_counts) {
  extern __shared__ double s_mem[];
  double* s_sums = s_mem;
  unsigned long long* s_counts = reinterpret_cast<unsigned long long*>(s_mem + n_shells * F::K);
  if (use_shared) {
    for (int j = threadIdx.x; j < n_shells * F::K; j += blockDim.x) s_sums[j] = 0;
    for (int j = threadIdx.x; j < n_shells; j += blockDim.x) s_counts[j] = 0;
    __syncthreads();
  }
  double* sums = use_shared ? s_sums : d_sums;
  unsigned long long* counts = use_shared ? s_counts : d_counts;
  double v[F::K];
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    int shell = 0, count = 0;
    if (!f(i, shell, v, count) || shell < 0 || shell >= n_shells) continue;
    for (int k = 0; k < F::K; ++k) atomicAdd(&sums[shell * F::K + k], v[k]);
    atomicAdd(&counts[shell], (unsigned long long)count);
  }
  if (use_shared) {
    __syncthreads();
    for (int j = threadIdx.x; j < n_shells * F::K; j += blockDim.x) atomicAdd(&d_sums[j], s_sums[j]);
    for (int j = threadIdx.x; j < n_shells; j += blockDim.x) atomicAdd(&d_counts[j], s_counts[j]);
  }
}

struct CudaExec {
  using Real = float;
  static constexpr Memory memory = Memory::device;
  template <class F>
  static void for_each(index_t n, const F& f) {
    ::thon::parallel_for(policy(), n, f);
    THON_CUDA_LAUNCH_CHECK();
  }
  static void r2c(const float* in, Complex<float>* out, const Shape& s) { fft_r2c_device(in, out, s); }
  static void c2r(Complex<float>* in, float* out, const Shape& s) { fft_c2r_device(in, out, s); }
  template <class F>
  static void shell_sums(index_t n, int n_shells, const F& f, double* sums, std::int64_t* counts) {
    if (n <= 0) return;
    Buffer<double, Memory::device> d_sums(index_t(n_shells) * F::K);
    Buffer<unsigned long long, Memory::device> d_counts(n_shells);
    THON_CUDA_CHECK(cudaMemset(d_sums.data(), 0, d_sums.bytes()));
    THON_CUDA_CHECK(cudaMemset(d_counts.data(), 0, d_counts.bytes()));
    const std::size_t shared = std::size_t(n_shells) * (F::K * sizeof(double) + sizeof(unsigned long long));
    const bool use_shared = shared <= 32 * 1024;
    const int threads = 256;
    const int blocks = int(std::min<index_t>((n + threads - 1) / threads, 1024));
    shell_sums_kernel<<<blocks, threads, use_shared ? shared : 0>>>(f, n, n_shells, use_shared, d_sums.data(),
                                                                  d_counts.data());
    THON_CUDA_LAUNCH_CHECK();
    std::vector<unsigned long long> c(n_shells);
    THON_CUDA_CHECK(cudaMemcpy(sums, d_sums.data(), d_sums.bytes(), cudaMemcpyDeviceToHost));
    THON_CUDA_CHECK(cudaMemcpy(c.data(), d_counts.data(), d_counts.bytes(), cudaMemcpyDeviceToHost));
    for (int r = 0; r < n_shells; ++r) counts[r] = std::int64_t(c[r]);
  }
};

template <class T>
Buffer<T, Memory::device> to_device(const T* p, index_t n) {
  Buffer<T, Memory::device> d(n);
  if (n > 0) THON_CUDA_CHECK(cudaMemcpy(d.data(), p, sizeof(T) * n, cudaMemcpyHostToDevice));
  return d;
}
template <class T>
void to_host(const Buffer<T, Memory::device>& d, T* p) {
  if (d.size() > 0) THON_CUDA_CHECK(cudaMemcpy(p, d.data(), d.bytes(), cudaMemcpyDeviceToHost));
}

}  // namespace

void apply_filter(float* data, const Shape& s, double p, const FilterSpec& spec) {
  auto d = to_device(data, s.total());
  detail::apply_filter<CudaExec>(d.data(), s, p, spec);
  to_host(d, data);
}
void translate(float* data, const Shape& s, double p, const Vec3<double>& o) {
  auto d = to_device(data, s.total());
  detail::translate<CudaExec>(d.data(), s, p, o);
  to_host(d, data);
}
RadialProfile power_spectrum_profile(const float* data, const Shape& s) {
  const auto d = to_device(data, s.total());
  return detail::power_spectrum_profile<CudaExec>(d.data(), s);
}
RadialProfile radial_average(const float* data, const Shape& s) {
  const auto d = to_device(data, s.total());
  return detail::radial_average<CudaExec>(d.data(), s);
}
ComplexRadialProfile radial_average(const Complex<float>* data, const Shape& s) {
  const auto d = to_device(data, s.total());
  return detail::radial_average<CudaExec>(d.data(), s);
}
void centred_power_spectrum(const float* data, const Shape& s, float* out) {
  const auto d = to_device(data, s.total());
  Buffer<float, Memory::device> d_out(s.size());
  detail::centred_power_spectrum<CudaExec>(d.data(), s, d_out.data());
  to_host(d_out, out);
}
void fourier_resize(const float* in, const Shape& is, float* out, const Shape& os) {
  const auto d = to_device(in, is.total());
  Buffer<float, Memory::device> d_out(os.total());
  detail::fourier_resize<CudaExec>(d.data(), is, d_out.data(), os);
  to_host(d_out, out);
}
void convolve_fft(const float* image, const Shape& is, const float* kernel, const Shape& ks, float* out,
                  ConvolveMode mode) {
  const auto di = to_device(image, is.total()), dk = to_device(kernel, ks.total());
  const Shape os = mode == ConvolveMode::full ? detail::full_convolution_shape(is, ks) : Shape{is.nx, is.ny, is.nz, 1};
  Buffer<float, Memory::device> d_out(os.total());
  detail::convolve_fft<CudaExec>(di.data(), is, dk.data(), ks, d_out.data(), mode);
  to_host(d_out, out);
}
void convolve_direct(const float* image, const Shape& is, const float* kernel, const Shape& ks, float* out,
                     ConvolveMode mode) {
  const auto di = to_device(image, is.total()), dk = to_device(kernel, ks.total());
  const Shape os = mode == ConvolveMode::full ? detail::full_convolution_shape(is, ks) : Shape{is.nx, is.ny, is.nz, 1};
  Buffer<float, Memory::device> d_out(os.total());
  detail::convolve_direct<CudaExec>(di.data(), is, dk.data(), ks, d_out.data(), mode);
  to_host(d_out, out);
}
void fsc_sums(const float* a, const float* b, const Shape& s, std::vector<double>& sums,
              std::vector<std::int64_t>& counts) {
  const auto da = to_device(a, s.total()), db = to_device(b, s.total());
  detail::fsc_sums<CudaExec>(da.data(), db.data(), s, sums, counts);
}

}  // namespace thon::cuda
