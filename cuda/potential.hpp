// CUDA potential (host pointers in and out; the row functors of math/potential_kernels.hpp on the GPU).
// Defined in cuda/potential.cu, or throwing in cuda/no_cuda_potential.cpp. No CUDA headers here.
#pragma once

#include "cuda/entry_points.hpp"
#include "thon/math/potential_kernels.hpp"

namespace thon::cuda {

#define THON_CUDA_POTENTIAL_FUNCTIONS(X)                                                             \
  X(void, potential_rows,                                                                            \
    (const math::GaussianAtom* atoms, index_t n_atoms, const float* factors, index_t n_factors,      \
     float r_max, int nx, int ny, int nz, float solvent_V, float* out))                              \
  X(void, projected_rows,                                                                            \
    (const math::GaussianAtom* atoms, index_t n_atoms, const float* factors, index_t n_factors,      \
     const index_t* offset, int n_images, float r_max, int nx, int ny, float* out))
THON_CUDA_POTENTIAL_FUNCTIONS(THON_CUDA_DECLARE)

}  // namespace thon::cuda
