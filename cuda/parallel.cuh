// The GPU execution policy for thon::parallel_for / transform_reduce (include/thon/core/parallel.hpp):
// the same functors the CPU runs with thrust::omp::par run here on a CUDA stream.
#pragma once

#include <cuda_runtime.h>
#include <thrust/execution_policy.h>
#include <thrust/system/cuda/execution_policy.h>

#include "thon/core/parallel.hpp"

namespace thon::cuda {

/// Asynchronous policy on `stream`: the caller synchronises (or checks) after the algorithm.
inline auto policy(cudaStream_t stream = 0) { return thrust::cuda::par_nosync.on(stream); }

}  // namespace thon::cuda
