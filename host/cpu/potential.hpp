// CPU potential: the row functors of math/potential_kernels.hpp under OpenMP (one row per call).
#pragma once

#include "thon/math/potential_kernels.hpp"

namespace thon::cpu {

/// atoms prepared and sorted by u[2] (ops/potential_prepare.hpp); out: nx*ny*nz floats [V].
void potential_rows(const math::GaussianAtom* atoms, index_t n_atoms, const float* factors, index_t n_factors,
                    float r_max, int nx, int ny, int nz, float solvent_V, float* out);
/// atoms of image m at [offset[m], offset[m+1]) sorted by u[1]; out: n_images*nx*ny floats [V Å].
void projected_rows(const math::GaussianAtom* atoms, index_t n_atoms, const float* factors, index_t n_factors,
                    const index_t* offset, int n_images, float r_max, int nx, int ny, float* out);

}  // namespace thon::cpu
