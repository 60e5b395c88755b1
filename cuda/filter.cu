// The CUDA Fourier toolkit: the shared algorithms (host/common/filter.hpp) with cuFFT and the
// shared functors on the default stream; shell sums privatised per block in shared memory.
#include <vector>

#include "cuda/check.cuh"
#include "cuda/fft.hpp"
#include "cuda/filter.hpp"
#include "cuda/parallel.cuh"
#include "common/filter.hpp"
#include "cuda/shell_sums.cuh"
#include "thon/core/stages.hpp"

namespace thon::cuda {
namespace {

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
    ::thon::cuda::shell_sums(n, n_shells, f, sums, counts);
  }
};

template <class T>
Buffer<T, Memory::device> to_device(const T* p, index_t n) {
  Buffer<T, Memory::device> d(n);
  if (n > 0) THON_CUDA_CHECK(cudaMemcpy(d.data(), p, sizeof(T) * n, cudaMemcpyHostToDevice));
  stage_record("filter", StageSite::device, d.bytes(), 0);
  return d;
}
template <class T>
void to_host(const Buffer<T, Memory::device>& d, T* p) {
  if (d.size() > 0) THON_CUDA_CHECK(cudaMemcpy(p, d.data(), d.bytes(), cudaMemcpyDeviceToHost));
  stage_bytes("filter", 0, d.bytes());
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
void fsc_sums_device(const float* d_a, const float* d_b, const Shape& s, std::vector<double>& sums,
                     std::vector<std::int64_t>& counts) {
  detail::fsc_sums<CudaExec>(d_a, d_b, s, sums, counts);
}
void fsc_sums(const float* a, const float* b, const Shape& s, std::vector<double>& sums,
              std::vector<std::int64_t>& counts) {
  const auto da = to_device(a, s.total()), db = to_device(b, s.total());
  detail::fsc_sums<CudaExec>(da.data(), db.data(), s, sums, counts);
}

}  // namespace thon::cuda
