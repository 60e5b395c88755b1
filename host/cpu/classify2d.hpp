// CPU classify2d engine: OpenMP functors (math/likelihood_kernels.hpp) and OpenBLAS sgemm.
#pragma once

#include <cstddef>
#include <memory>

#include "thon/ops/classify2d.hpp"

namespace thon::cpu {

/// The E-step cross term of a batch is one real sgemm over the interleaved (re, im) pixels, which is
/// Re(Y A^H), the real part of the complex product, at half the operations of cgemm; the norm
/// term one sgemm; the M-step the two transposed products, accumulated per optics group.
std::unique_ptr<ops::Classify2dEngine> make_classify2d_engine(const ops::Classify2dModel& model,
                                                              const ops::Classify2dSampling& sampling,
                                                              std::size_t max_memory_bytes);

/// Sets the threads of OpenMP and of OpenBLAS (0: leave as they are).
void set_classify2d_threads(int n);

}  // namespace thon::cpu
