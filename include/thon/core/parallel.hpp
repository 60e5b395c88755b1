// parallel_for / transform_reduce over Thrust execution policies. The same functor runs on the CPU
// (thrust::omp::par, here) and on the GPU (thrust::cuda::par_nosync.on(stream), cuda/parallel.cuh),
// so CI exercises every kernel body on the CPU.
#pragma once

#include <thrust/for_each.h>
#include <thrust/functional.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/system/omp/execution_policy.h>
#include <thrust/transform_reduce.h>

#include "thon/core/views.hpp"

namespace thon {

/// Calls f(i) for i in [0, n) under the given Thrust execution policy.
template <class Policy, class F>
void parallel_for(const Policy& policy, index_t n, F f) {
  if (n <= 0) return;
  thrust::for_each_n(policy, thrust::counting_iterator<index_t>(0), n, f);
}

/// Returns op-reduction of f(i) over [0, n), starting from init.
template <class Policy, class T, class F, class Op>
T transform_reduce(const Policy& policy, index_t n, F f, T init, Op op) {
  if (n <= 0) return init;
  return thrust::transform_reduce(policy, thrust::counting_iterator<index_t>(0),
                                  thrust::counting_iterator<index_t>(n), f, init, op);
}

namespace cpu {
/// The CPU execution policy: OpenMP threads.
inline auto policy() { return thrust::omp::par; }

template <class F>
void parallel_for(index_t n, F f) {
  ::thon::parallel_for(policy(), n, f);
}
template <class T, class F>
T sum(index_t n, F f, T init = T(0)) {
  return ::thon::transform_reduce(policy(), n, f, init, thrust::plus<T>());
}
}  // namespace cpu

}  // namespace thon
