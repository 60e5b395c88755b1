// Host-callable CUDA classify2d engine (no CUDA header here): cuda/classify2d.cu, or a throwing
// stub in cuda/no_cuda_classify2d.cpp when thon is built without CUDA.
#pragma once

#include <cstddef>
#include <memory>

#include "thon/ops/classify2d.hpp"

namespace thon::cuda {

/// References, priors and the M-step accumulators stay on the device for the whole iteration;
/// each batch's transforms and CTFs are copied in, the products run on cuBLAS and the functors of
/// math/likelihood_kernels.hpp on a stream; sums() copies the accumulators back once.
std::unique_ptr<ops::Classify2dEngine> make_classify2d_engine(const ops::Classify2dModel& model,
                                                              const ops::Classify2dSampling& sampling,
                                                              std::size_t max_memory_bytes);

}  // namespace thon::cuda
