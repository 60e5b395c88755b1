#include "cpu/potential.hpp"

#include "thon/core/parallel.hpp"

namespace thon::cpu {

void potential_rows(const math::GaussianAtom* atoms, index_t n_atoms, const float* factors, index_t /*n_factors*/,
                    float r_max, int nx, int ny, int nz, float solvent_V, float* out) {
  const math::PotentialRowFunctor<float> f{atoms, factors, n_atoms, r_max, nx, ny, nz, solvent_V, out};
  parallel_for(index_t(ny) * nz, f);
}

void projected_rows(const math::GaussianAtom* atoms, index_t /*n_atoms*/, const float* factors,
                    index_t /*n_factors*/, const index_t* offset, int n_images, float r_max, int nx, int ny, float* out) {
  const math::ProjectedRowFunctor<float> f{atoms, factors, offset, r_max, nx, ny, out};
  parallel_for(index_t(ny) * n_images, f);
}

}  // namespace thon::cpu
