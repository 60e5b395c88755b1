// Error checks for every CUDA runtime, cuFFT and cuBLAS call, and after every kernel launch.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cufft.h>

#include "thon/core/error.hpp"

namespace thon::cuda {

inline void check(cudaError_t e, const char* what, const char* file, int line) {
  if (e != cudaSuccess)
    fail(ErrorCode::cuda, what, " failed at ", file, ":", line, ": ", cudaGetErrorString(e));
}
inline void check(cufftResult e, const char* what, const char* file, int line) {
  if (e != CUFFT_SUCCESS) fail(ErrorCode::fft, what, " failed at ", file, ":", line, ": cufft status ", int(e));
}
inline void check(cublasStatus_t e, const char* what, const char* file, int line) {
  if (e != CUBLAS_STATUS_SUCCESS)
    fail(ErrorCode::cuda, what, " failed at ", file, ":", line, ": cublas status ", int(e));
}

}  // namespace thon::cuda

#define THON_CUDA_CHECK(call) ::thon::cuda::check((call), #call, __FILE__, __LINE__)

/// After every <<<>>> launch and Thrust call; synchronises in debug builds to report faults early.
#ifdef NDEBUG
#define THON_CUDA_LAUNCH_CHECK() THON_CUDA_CHECK(cudaGetLastError())
#else
#define THON_CUDA_LAUNCH_CHECK()                 \
  do {                                           \
    THON_CUDA_CHECK(cudaGetLastError());         \
    THON_CUDA_CHECK(cudaDeviceSynchronize());    \
  } while (0)
#endif
