// Host-callable CUDA Fourier insertion and inversion (no CUDA header here): cuda/reconstruct.cu,
// or throwing stand-ins in cuda/no_cuda_reconstruct.cpp when thon is built without CUDA.
#pragma once

#include <memory>
#include <vector>

#include "cuda/entry_points.hpp"
#include "thon/ops/reconstruct.hpp"
#include "thon/ops/reconstruct_maps.hpp"

namespace thon::cuda {

/// Device-resident half-set accumulators. Each batch is staged in pinned host memory and copied
/// to the GPU on a copy stream while the previous batch is computed on a compute stream (padding,
/// batched cuFFT r2c with plans made once per batch size, CTF, centring phase, tiled insertion
/// without global atomics: math/reconstruct_tiles.hpp). insert() returns before the GPU is done;
/// accumulator() and make_map_maker() wait for it. Chunks sized from free device memory.
/// make_map_maker: the MapMaker of a CUDA inserter: Hermitian completion, shell weights,
/// regularised division, inverse 3D cuFFT, gridding correction, soft edge, masks and FSC on the
/// device.
#define THON_CUDA_RECONSTRUCT_FUNCTIONS(X)                                                           \
  X(std::unique_ptr<ops::FourierInserter>, make_fourier_inserter,                                    \
    (const ops::ReconstructGeometry& g, const std::vector<Mat3<double>>& symmetry))                  \
  X(std::unique_ptr<ops::MapMaker>, make_map_maker, (std::unique_ptr<ops::FourierInserter> inserter))
THON_CUDA_RECONSTRUCT_FUNCTIONS(THON_CUDA_DECLARE)

}  // namespace thon::cuda
