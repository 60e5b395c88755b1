// The CUDA runtime, device buffers and the shared parallel_for functor path on the GPU.
// Skips without a device.
#include <gtest/gtest.h>

#include <vector>

#include "cuda/check.cuh"
#include "cuda/parallel.cuh"
#include "test_util.hpp"
#include "thon/core/array.hpp"

namespace thon {
namespace {

struct AxpyFunctor {
  float a;
  const float* x;
  float* y;
  THON_HD void operator()(index_t i) const { y[i] = a * x[i] + y[i]; }
};

class CudaRuntime : public test::GpuTest {};

TEST_F(CudaRuntime, BufferRoundTripAndFunctorMatchesCpu) {
  const index_t n = 1 << 16;
  auto x = test::random_vector(n, 11), y = test::random_vector(n, 12);
  Buffer<float> hx(n), hy(n);
  std::copy(x.begin(), x.end(), hx.begin());
  std::copy(y.begin(), y.end(), hy.begin());
  Buffer<float, Memory::device> dx(n), dy(n);
  dx.copy_from(hx);
  dy.copy_from(hy);
  parallel_for(cuda::policy(), n, AxpyFunctor{2.5f, dx.data(), dy.data()});
  THON_CUDA_LAUNCH_CHECK();
  THON_CUDA_CHECK(cudaDeviceSynchronize());
  Buffer<float> gpu(n);
  gpu.copy_from(dy);
  cpu::parallel_for(n, AxpyFunctor{2.5f, hx.data(), hy.data()});
  // nvcc contracts a*x+y into one FMA (one rounding), the host does two: 1 ulp apart at most.
  for (index_t i = 0; i < n; ++i) ASSERT_NEAR(gpu[i], hy[i], 2e-7f * (std::abs(hy[i]) + 1.0f)) << i;
}

}  // namespace
}  // namespace thon
