// THON_HD marks the per-element functions that the reference, CPU and CUDA backends share.
// Under nvcc they are __host__ __device__; under a host compiler they are plain inline functions.
#pragma once

#if defined(__CUDACC__)
#define THON_HD __host__ __device__ __forceinline__
#define THON_HD_LAMBDA __host__ __device__
#else
#define THON_HD inline
#define THON_HD_LAMBDA
#endif
