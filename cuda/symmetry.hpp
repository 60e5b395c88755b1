// Host-callable CUDA map symmetrisation (no CUDA headers here): cuda/symmetry.cu, or a throwing
// stub in cuda/no_cuda_symmetry.cpp when thon is built without CUDA.
#pragma once

#include <vector>

#include "cuda/entry_points.hpp"
#include "thon/core/array.hpp"
#include "thon/core/vec.hpp"

namespace thon::cuda {

/// Same contract as thon::cpu::symmetrise (include/thon/ops/symmetry.hpp): host volumes in and out,
/// copied to the device and back; the per-voxel functor is math::SymmetriseVoxel<float>. Default
/// stream, synchronous.
#define THON_CUDA_SYMMETRY_FUNCTIONS(X) \
  X(void, symmetrise, (const Volume<float>& in, Volume<float>& out, const std::vector<Mat3<double>>& ops))
THON_CUDA_SYMMETRY_FUNCTIONS(THON_CUDA_DECLARE)

}  // namespace thon::cuda
