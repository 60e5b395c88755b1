// Host-callable CUDA Fourier insertion (no CUDA header here): cuda/reconstruct.cu, or throwing
// stubs in cuda/no_cuda_reconstruct.cpp when thon is built without CUDA.
#pragma once

#include <memory>
#include <vector>

#include "thon/ops/reconstruct.hpp"

namespace thon::cuda {

/// Device-resident half-set accumulators; each batch is copied to the GPU, transformed with a
/// batched cuFFT r2c plan and inserted by the shared functors with atomicAdd.
std::unique_ptr<ops::FourierInserter> make_fourier_inserter(const ops::ReconstructGeometry& g,
                                                            const std::vector<Mat3<double>>& symmetry);

}  // namespace thon::cuda
