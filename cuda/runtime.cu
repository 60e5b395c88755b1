#include <cstdio>
#include <string>

#include "cuda/check.cuh"
#include "cuda/runtime.hpp"

namespace thon::cuda {

int device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no driver / no device" error
    return 0;
  }
  return n;
}

std::string device_summary() {
  int n = 0;
  const cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess) {
    cudaGetLastError();
    return std::string("no CUDA device: ") + cudaGetErrorString(e);
  }
  if (n == 0) return "no CUDA device";
  std::string s;
  for (int i = 0; i < n; ++i) {
    cudaDeviceProp p{};
    THON_CUDA_CHECK(cudaGetDeviceProperties(&p, i));
    char line[256];
    std::snprintf(line, sizeof line, "%s%d: %s (sm_%d%d, %.1f GiB)", i ? "; " : "", i, p.name,
                  p.major, p.minor, double(p.totalGlobalMem) / (1024.0 * 1024.0 * 1024.0));
    s += line;
  }
  return s;
}

void* device_malloc(std::size_t bytes) {
  void* p = nullptr;
  const cudaError_t e = cudaMalloc(&p, bytes);
  if (e != cudaSuccess) {
    cudaGetLastError();
    fail(e == cudaErrorMemoryAllocation ? ErrorCode::out_of_memory : ErrorCode::cuda,
         "cudaMalloc of ", bytes, " bytes failed: ", cudaGetErrorString(e));
  }
  return p;
}

void device_free(void* p) noexcept { cudaFree(p); }

void copy(void* dst, bool dst_on_device, const void* src, bool src_on_device, std::size_t bytes) {
  const cudaMemcpyKind kind = dst_on_device ? (src_on_device ? cudaMemcpyDeviceToDevice : cudaMemcpyHostToDevice)
                                            : (src_on_device ? cudaMemcpyDeviceToHost : cudaMemcpyHostToHost);
  THON_CUDA_CHECK(cudaMemcpy(dst, src, bytes, kind));
}

void memory_info(std::size_t* free_bytes, std::size_t* total_bytes) {
  THON_CUDA_CHECK(cudaMemGetInfo(free_bytes, total_bytes));
}

void synchronize() { THON_CUDA_CHECK(cudaDeviceSynchronize()); }

}  // namespace thon::cuda
