// CUDA CTF: the same functors as the CPU (math/ctf_kernels.hpp) on the GPU.
#include "cuda/ctf.hpp"

#include "cuda/check.cuh"
#include "thon/core/stages.hpp"
#include "cuda/parallel.cuh"
#include "thon/core/array.hpp"

namespace thon::cuda {

namespace {
template <class T>
Buffer<T, Memory::device> to_device(const T* p, index_t n) {
  Buffer<T, Memory::device> d(p ? n : 0);
  if (p && n > 0) THON_CUDA_CHECK(cudaMemcpy(d.data(), p, sizeof(T) * std::size_t(n), cudaMemcpyHostToDevice));
  return d;
}
template <class T>
void to_host(T* dst, const Buffer<T, Memory::device>& src) {
  if (dst && src.size() > 0)
    THON_CUDA_CHECK(cudaMemcpy(dst, src.data(), sizeof(T) * std::size_t(src.size()), cudaMemcpyDeviceToHost));
}
}  // namespace

void ctf_half_complex(const math::CtfParams* params, const float* defocus_offset_A, int n, int nx, int ny,
                      double pixel_size_A, int op, double wiener_eps, Complex<float>* ft, float* ctf_out) {
  const index_t total = index_t(n) * (nx / 2 + 1) * ny;
  auto d_params = to_device(params, n);
  auto d_off = to_device(defocus_offset_A, n);
  auto d_ft = to_device(ft, total);
  Buffer<float, Memory::device> d_ctf(ctf_out ? total : 0);
  const math::CtfHalfComplexFunctor<float> f{d_params.data(), defocus_offset_A ? d_off.data() : nullptr, nx, ny,
                                             float(pixel_size_A), op, float(wiener_eps), ft ? d_ft.data() : nullptr,
                                             ctf_out ? d_ctf.data() : nullptr};
  ::thon::parallel_for(policy(), total, f);
  THON_CUDA_LAUNCH_CHECK();
  to_host(ft, d_ft);
  to_host(ctf_out, d_ctf);
  stage_record("ctf.apply", StageSite::device, d_params.bytes() + d_off.bytes() + d_ft.bytes(),
               d_ft.bytes() + d_ctf.bytes());
}

void tilted_ctf_pixels(const Complex<float>* ft, const math::CtfParams* params, const math::TiltGeometry& tilt, int n,
                       int nx, int ny, double pixel_size_A, int op, double wiener_eps, float* out) {
  auto d_params = to_device(params, n);
  auto d_ft = to_device(ft, index_t(n) * (nx / 2 + 1) * ny);
  Buffer<float, Memory::device> d_out(index_t(n) * nx * ny);
  const math::TiltedCtfPixelFunctor<float> f{d_params.data(), tilt, nx, ny, float(pixel_size_A), op,
                                             float(wiener_eps), d_ft.data(), d_out.data()};
  ::thon::parallel_for(policy(), d_out.size(), f);
  THON_CUDA_LAUNCH_CHECK();
  to_host(out, d_out);
  stage_record("ctf.tilted", StageSite::device, d_params.bytes() + d_ft.bytes(), d_out.bytes());
}

}  // namespace thon::cuda
