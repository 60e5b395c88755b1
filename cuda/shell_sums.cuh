// Per-shell sums on the GPU for the shell functors of include/thon/math (interface: K values per
// item, f(i, shell, v, count) -> bool): one block's histogram privatised in shared memory when it
// fits, merged into global memory with one atomicAdd per shell per block.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "cuda/check.cuh"
#include "thon/core/array.hpp"

namespace thon::cuda {

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

/// sums[shell * K + k] and counts[shell] (host arrays of n_shells * K and n_shells) over items
/// [0, n), on `stream`; synchronises the stream before returning (the results are on the host).
template <class F>
void shell_sums(index_t n, int n_shells, const F& f, double* sums, std::int64_t* counts, cudaStream_t stream = 0) {
  std::fill(sums, sums + std::size_t(n_shells) * F::K, 0.0);
  std::fill(counts, counts + n_shells, std::int64_t(0));
  if (n <= 0) return;
  Buffer<double, Memory::device> d_sums(index_t(n_shells) * F::K);
  Buffer<unsigned long long, Memory::device> d_counts(n_shells);
  THON_CUDA_CHECK(cudaMemsetAsync(d_sums.data(), 0, d_sums.bytes(), stream));
  THON_CUDA_CHECK(cudaMemsetAsync(d_counts.data(), 0, d_counts.bytes(), stream));
  const std::size_t shared = std::size_t(n_shells) * (F::K * sizeof(double) + sizeof(unsigned long long));
  const bool use_shared = shared <= 32 * 1024;
  const int threads = 256;
  const int blocks = int(std::min<index_t>((n + threads - 1) / threads, 1024));
  shell_sums_kernel<<<blocks, threads, use_shared ? shared : 0, stream>>>(f, n, n_shells, use_shared, d_sums.data(),
                                                                        d_counts.data());
  THON_CUDA_LAUNCH_CHECK();
  std::vector<unsigned long long> c(static_cast<std::size_t>(n_shells));
  THON_CUDA_CHECK(cudaMemcpyAsync(sums, d_sums.data(), d_sums.bytes(), cudaMemcpyDeviceToHost, stream));
  THON_CUDA_CHECK(cudaMemcpyAsync(c.data(), d_counts.data(), d_counts.bytes(), cudaMemcpyDeviceToHost, stream));
  THON_CUDA_CHECK(cudaStreamSynchronize(stream));
  for (int r = 0; r < n_shells; ++r) counts[r] = std::int64_t(c[std::size_t(r)]);
}

}  // namespace thon::cuda
