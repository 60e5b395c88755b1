// cuFFT plans cached by (type, shape, batch); the 1/N of inverse transforms is a scaling pass with
// the shared ScaleKernel functor. Plans are created under a mutex; cufftSetStream is called before
// each execution, so one plan must not run concurrently on two streams from two host threads.
#include <cufft.h>

#include <map>
#include <memory>
#include <mutex>
#include <tuple>

#include "cuda/check.cuh"
#include "thon/core/stages.hpp"
#include "cuda/fft.hpp"
#include "cuda/parallel.cuh"
#include "thon/core/array.hpp"
#include "thon/math/fourier_kernels.hpp"

namespace thon::cuda {
namespace {

using Key = std::tuple<int /*cufftType*/, int, int, int, int /*batch*/>;

struct Plan {
  cufftHandle handle = 0;
  ~Plan() { cufftDestroy(handle); }  // result ignored: may run after the context is gone at exit
};

std::mutex& plan_mutex() {
  static std::mutex m;
  return m;
}
std::map<Key, std::unique_ptr<Plan>>& plan_cache() {
  static auto* cache = new std::map<Key, std::unique_ptr<Plan>>();  // never destroyed: see ~Plan
  return *cache;
}

cufftHandle get_plan(cufftType type, const Shape& s) {
  THON_CHECK(s.nx > 0 && s.ny > 0 && s.nz > 0 && s.batch > 0, "cuFFT: invalid shape ", s.nx, " x ", s.ny,
             " x ", s.nz, " (batch ", s.batch, ")");
  const Key key{int(type), s.nx, s.ny, s.nz, s.batch};
  std::lock_guard<std::mutex> lock(plan_mutex());
  auto& cache = plan_cache();
  auto it = cache.find(key);
  if (it != cache.end()) return it->second->handle;
  int n[3];
  int rank;
  if (s.nz > 1) { n[0] = s.nz; n[1] = s.ny; n[2] = s.nx; rank = 3; }
  else if (s.ny > 1) { n[0] = s.ny; n[1] = s.nx; rank = 2; }
  else { n[0] = s.nx; rank = 1; }
  const int real_dist = int(s.size()), half_dist = int(s.half_size());
  int idist = real_dist, odist = real_dist;
  if (type == CUFFT_R2C || type == CUFFT_D2Z) odist = half_dist;
  if (type == CUFFT_C2R || type == CUFFT_Z2D) idist = half_dist;
  auto plan = std::make_unique<Plan>();
  THON_CUDA_CHECK(cufftPlanMany(&plan->handle, rank, n, nullptr, 1, idist, nullptr, 1, odist, type, s.batch));
  const cufftHandle h = plan->handle;
  cache.emplace(key, std::move(plan));
  return h;
}

cudaStream_t as_stream(void* stream) { return static_cast<cudaStream_t>(stream); }

template <class T>
void scale_device(T* d, index_t n, T factor, void* stream) {
  parallel_for(policy(as_stream(stream)), n, math::ScaleKernel<T>{d, factor});
  THON_CUDA_LAUNCH_CHECK();
}

template <class Real, class In, class Out, class DevFn>
void host_roundtrip(const In* in, index_t n_in, Out* out, index_t n_out, DevFn fn) {
  Buffer<In, Memory::device> d_in(n_in);
  Buffer<Out, Memory::device> d_out(n_out);
  THON_CUDA_CHECK(cudaMemcpy(d_in.data(), in, sizeof(In) * n_in, cudaMemcpyHostToDevice));
  fn(d_in.data(), d_out.data());
  THON_CUDA_CHECK(cudaMemcpy(out, d_out.data(), sizeof(Out) * n_out, cudaMemcpyDeviceToHost));
  stage_record("fft", StageSite::device, sizeof(In) * std::uint64_t(n_in), sizeof(Out) * std::uint64_t(n_out));
}

}  // namespace

void fft_r2c_device(const float* d_in, Complex<float>* d_out, const Shape& s, void* stream) {
  const cufftHandle p = get_plan(CUFFT_R2C, s);
  THON_CUDA_CHECK(cufftSetStream(p, as_stream(stream)));
  THON_CUDA_CHECK(cufftExecR2C(p, const_cast<float*>(d_in), reinterpret_cast<cufftComplex*>(d_out)));
}
void fft_r2c_device(const double* d_in, Complex<double>* d_out, const Shape& s, void* stream) {
  const cufftHandle p = get_plan(CUFFT_D2Z, s);
  THON_CUDA_CHECK(cufftSetStream(p, as_stream(stream)));
  THON_CUDA_CHECK(cufftExecD2Z(p, const_cast<double*>(d_in), reinterpret_cast<cufftDoubleComplex*>(d_out)));
}
void fft_c2r_device(Complex<float>* d_in, float* d_out, const Shape& s, void* stream) {
  const cufftHandle p = get_plan(CUFFT_C2R, s);
  THON_CUDA_CHECK(cufftSetStream(p, as_stream(stream)));
  THON_CUDA_CHECK(cufftExecC2R(p, reinterpret_cast<cufftComplex*>(d_in), d_out));
  scale_device(d_out, s.total(), 1.0f / float(s.size()), stream);
}
void fft_c2r_device(Complex<double>* d_in, double* d_out, const Shape& s, void* stream) {
  const cufftHandle p = get_plan(CUFFT_Z2D, s);
  THON_CUDA_CHECK(cufftSetStream(p, as_stream(stream)));
  THON_CUDA_CHECK(cufftExecZ2D(p, reinterpret_cast<cufftDoubleComplex*>(d_in), d_out));
  scale_device(d_out, s.total(), 1.0 / double(s.size()), stream);
}
void fft_c2c_device(Complex<float>* d_in, Complex<float>* d_out, const Shape& s, FftDirection dir, void* stream) {
  const cufftHandle p = get_plan(CUFFT_C2C, s);
  THON_CUDA_CHECK(cufftSetStream(p, as_stream(stream)));
  THON_CUDA_CHECK(cufftExecC2C(p, reinterpret_cast<cufftComplex*>(d_in), reinterpret_cast<cufftComplex*>(d_out),
                               dir == FftDirection::forward ? CUFFT_FORWARD : CUFFT_INVERSE));
  if (dir == FftDirection::inverse)
    scale_device(reinterpret_cast<float*>(d_out), 2 * s.total(), 1.0f / float(s.size()), stream);
}
void fft_c2c_device(Complex<double>* d_in, Complex<double>* d_out, const Shape& s, FftDirection dir, void* stream) {
  const cufftHandle p = get_plan(CUFFT_Z2Z, s);
  THON_CUDA_CHECK(cufftSetStream(p, as_stream(stream)));
  THON_CUDA_CHECK(cufftExecZ2Z(p, reinterpret_cast<cufftDoubleComplex*>(d_in),
                               reinterpret_cast<cufftDoubleComplex*>(d_out),
                               dir == FftDirection::forward ? CUFFT_FORWARD : CUFFT_INVERSE));
  if (dir == FftDirection::inverse)
    scale_device(reinterpret_cast<double*>(d_out), 2 * s.total(), 1.0 / double(s.size()), stream);
}

void fft_r2c(const float* in, Complex<float>* out, const Shape& s) {
  host_roundtrip<float>(in, s.total(), out, s.half_total(), [&](float* a, Complex<float>* b) { fft_r2c_device(a, b, s); });
}
void fft_r2c(const double* in, Complex<double>* out, const Shape& s) {
  host_roundtrip<double>(in, s.total(), out, s.half_total(), [&](double* a, Complex<double>* b) { fft_r2c_device(a, b, s); });
}
void fft_c2r(const Complex<float>* in, float* out, const Shape& s) {
  host_roundtrip<float>(in, s.half_total(), out, s.total(), [&](Complex<float>* a, float* b) { fft_c2r_device(a, b, s); });
}
void fft_c2r(const Complex<double>* in, double* out, const Shape& s) {
  host_roundtrip<double>(in, s.half_total(), out, s.total(), [&](Complex<double>* a, double* b) { fft_c2r_device(a, b, s); });
}
void fft_c2c(const Complex<float>* in, Complex<float>* out, const Shape& s, FftDirection dir) {
  host_roundtrip<float>(in, s.total(), out, s.total(),
                        [&](Complex<float>* a, Complex<float>* b) { fft_c2c_device(a, b, s, dir); });
}
void fft_c2c(const Complex<double>* in, Complex<double>* out, const Shape& s, FftDirection dir) {
  host_roundtrip<double>(in, s.total(), out, s.total(),
                         [&](Complex<double>* a, Complex<double>* b) { fft_c2c_device(a, b, s, dir); });
}

int fft_plan_cache_size() {
  std::lock_guard<std::mutex> lock(plan_mutex());
  return int(plan_cache().size());
}

}  // namespace thon::cuda
