// Per-row functors of the atomic potential on a grid, shared by the CPU (thon::cpu::parallel_for) and
// CUDA (thon::cuda::policy) backends. Each call fills one row of the output: no two calls write the
// same element, so there are no races. The formulas are those of scattering.hpp (exact erf box
// integrals of Peng's Gaussians); atoms arrive prepared by the host (ops/potential.cpp).
#pragma once

#include <cmath>
#include <cstddef>

#include "thon/core/hd.hpp"
#include "thon/core/views.hpp"
#include "thon/math/scattering.hpp"

namespace thon::math {

/// One atom ready for the grid: centre in continuous voxel coordinates (voxel i covers [i-0.5, i+0.5]),
/// per-term amplitude (occupancy * 47.8776 * a_i / voxel volume, already divided by 2^dims for the
/// erf halves), cutoff radius [voxels], and its separable 1D factors: along axis d the voxels
/// first[d] .. first[d] + count[d] - 1 (clipped to the grid) have the factors
/// factors[offset[d] + i * count[d] + j] = erf(k_i (j' + 0.5 - u)) - erf(k_i (j' - 0.5 - u)),
/// j' = first[d] + j, k_i = 2 pi pixel / sqrt(b_i + B) (computed once on the host, in double).
/// k[i] = 2 pi pixel / sqrt(b_i + B) [1/voxel] is kept for integrals along an axis not tabulated in
/// `factors` (the z extent of a multislice slab, ops/multislice.cpp).
struct GaussianAtom {
  float u[3];
  float amp[kPengTerms];
  float k[kPengTerms];
  float r_cut;
  int first[3];
  int count[3];
  index_t offset[3];
};

/// First index in atoms[0..n) (sorted by u[axis]) with u[axis] >= value.
THON_HD index_t lower_bound_atoms(const GaussianAtom* atoms, index_t n, int axis, float value) {
  index_t lo = 0, hi = n;
  while (lo < hi) {
    const index_t mid = (lo + hi) / 2;
    if (atoms[mid].u[axis] < value) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/// 3D potential [V]: row = z * ny + y of an nx x ny x nz grid. Atoms sorted by u[2]. The result is
/// max(molecular potential, solvent_V) when solvent_V > 0 (TEM-simulator's solvent rule), else the
/// molecular potential.
template <class Real>
struct PotentialRowFunctor {
  const GaussianAtom* atoms;
  const float* factors;  ///< the 1D factors of all atoms (GaussianAtom::offset)
  index_t n_atoms;
  float r_max;  ///< largest r_cut of all atoms [voxels]
  int nx, ny, nz;
  Real solvent_V;
  Real* out;

  THON_HD void operator()(index_t row) const {
    const int z = int(row / ny), y = int(row % ny);
    Real* line = out + row * nx;
    for (int x = 0; x < nx; ++x) line[x] = Real(0);
    const float fz = float(z);
    for (index_t j = lower_bound_atoms(atoms, n_atoms, 2, fz - 0.5f - r_max); j < n_atoms; ++j) {
      const GaussianAtom& a = atoms[j];
      if (a.u[2] > fz + 0.5f + r_max) break;
      const int jz = z - a.first[2], jy = y - a.first[1];
      if (jz < 0 || jz >= a.count[2] || jy < 0 || jy >= a.count[1]) continue;
      float wyz[kPengTerms];
      for (int i = 0; i < kPengTerms; ++i)
        wyz[i] = a.amp[i] * factors[a.offset[2] + i * a.count[2] + jz] * factors[a.offset[1] + i * a.count[1] + jy];
      const float* fx = factors + a.offset[0];
      const int cx = a.count[0];
      Real* dst = line + a.first[0];
      for (int x = 0; x < cx; ++x) {
        float v = 0;
        for (int i = 0; i < kPengTerms; ++i) v += wyz[i] * fx[i * cx + x];
        dst[x] += Real(v);
      }
    }
    if (solvent_V > Real(0))
      for (int x = 0; x < nx; ++x) line[x] = line[x] > solvent_V ? line[x] : solvent_V;
  }
};

/// 2D projected potential [V Å] of a batch of images: row = image * ny + y. Atoms of image m are
/// atoms[offset[m] .. offset[m+1]) sorted by u[1] (u[2] unused: the projection is infinite in z).
template <class Real>
struct ProjectedRowFunctor {
  const GaussianAtom* atoms;
  const float* factors;
  const index_t* offset;
  float r_max;
  int nx, ny;
  Real* out;

  THON_HD void operator()(index_t row) const {
    const index_t m = row / ny;
    const int y = int(row % ny);
    Real* line = out + row * nx;
    for (int x = 0; x < nx; ++x) line[x] = Real(0);
    const GaussianAtom* img_atoms = atoms + offset[m];
    const index_t n = offset[m + 1] - offset[m];
    const float fy = float(y);
    for (index_t j = lower_bound_atoms(img_atoms, n, 1, fy - 0.5f - r_max); j < n; ++j) {
      const GaussianAtom& a = img_atoms[j];
      if (a.u[1] > fy + 0.5f + r_max) break;
      const int jy = y - a.first[1];
      if (jy < 0 || jy >= a.count[1]) continue;
      float wy[kPengTerms];
      for (int i = 0; i < kPengTerms; ++i) wy[i] = a.amp[i] * factors[a.offset[1] + i * a.count[1] + jy];
      const float* fx = factors + a.offset[0];
      const int cx = a.count[0];
      Real* dst = line + a.first[0];
      for (int x = 0; x < cx; ++x) {
        float v = 0;
        for (int i = 0; i < kPengTerms; ++i) v += wy[i] * fx[i * cx + x];
        dst[x] += Real(v);
      }
    }
  }
};

}  // namespace thon::math
