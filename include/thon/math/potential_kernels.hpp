// Per-row functors of the atomic potential on a grid, shared by the CPU (thon::cpu::parallel_for) and
// CUDA (thon::cuda::policy) backends. Each call fills one row of the output: no two calls write the
// same element, so there are no races. The formulas are those of scattering.hpp (exact erf box
// integrals of Peng's Gaussians); atoms arrive prepared by the host (ops/potential.cpp).
#pragma once

#include <cmath>

#include "thon/core/hd.hpp"
#include "thon/core/views.hpp"
#include "thon/math/scattering.hpp"

namespace thon::math {

/// One atom ready for the grid: centre in continuous voxel coordinates (voxel i covers [i-0.5, i+0.5]),
/// per-term amplitude (occupancy * 47.8776 * a_i / voxel volume, already divided by 2^dims for the
/// erf halves) and width factor k_i = 2 pi pixel / sqrt(b_i + B) [1/voxel], cutoff radius [voxels].
struct GaussianAtom {
  float u[3];
  float amp[kPengTerms];
  float k[kPengTerms];
  float r_cut;
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
  index_t n_atoms;
  float r_max;  ///< largest r_cut of all atoms [voxels]
  int nx, ny, nz;
  Real solvent_V;
  Real* out;

  THON_HD void operator()(index_t row) const {
    const int z = int(row / ny), y = int(row % ny);
    Real* line = out + row * nx;
    for (int x = 0; x < nx; ++x) line[x] = Real(0);
    const float fz = float(z), fy = float(y);
    for (index_t j = lower_bound_atoms(atoms, n_atoms, 2, fz - 0.5f - r_max); j < n_atoms; ++j) {
      const GaussianAtom& a = atoms[j];
      if (a.u[2] > fz + 0.5f + r_max) break;
      const float r = a.r_cut;
      if (std::fabs(a.u[2] - fz) > r + 0.5f || std::fabs(a.u[1] - fy) > r + 0.5f) continue;
      int x0 = int(std::floor(a.u[0] - r + 0.5f)), x1 = int(std::floor(a.u[0] + r + 0.5f));
      if (x0 < 0) x0 = 0;
      if (x1 > nx - 1) x1 = nx - 1;
      float wyz[kPengTerms], lo[kPengTerms];
      for (int i = 0; i < kPengTerms; ++i) {
        const float k = a.k[i];
        wyz[i] = a.amp[i] * (std::erf(k * (fz + 0.5f - a.u[2])) - std::erf(k * (fz - 0.5f - a.u[2]))) *
                 (std::erf(k * (fy + 0.5f - a.u[1])) - std::erf(k * (fy - 0.5f - a.u[1])));
        lo[i] = std::erf(k * (float(x0) - 0.5f - a.u[0]));
      }
      for (int x = x0; x <= x1; ++x) {
        Real v = 0;
        for (int i = 0; i < kPengTerms; ++i) {
          const float hi = std::erf(a.k[i] * (float(x) + 0.5f - a.u[0]));
          v += Real(wyz[i] * (hi - lo[i]));
          lo[i] = hi;
        }
        line[x] += v;
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
      const float r = a.r_cut;
      if (std::fabs(a.u[1] - fy) > r + 0.5f) continue;
      int x0 = int(std::floor(a.u[0] - r + 0.5f)), x1 = int(std::floor(a.u[0] + r + 0.5f));
      if (x0 < 0) x0 = 0;
      if (x1 > nx - 1) x1 = nx - 1;
      float wy[kPengTerms], lo[kPengTerms];
      for (int i = 0; i < kPengTerms; ++i) {
        const float k = a.k[i];
        wy[i] = a.amp[i] * (std::erf(k * (fy + 0.5f - a.u[1])) - std::erf(k * (fy - 0.5f - a.u[1])));
        lo[i] = std::erf(k * (float(x0) - 0.5f - a.u[0]));
      }
      for (int x = x0; x <= x1; ++x) {
        Real v = 0;
        for (int i = 0; i < kPengTerms; ++i) {
          const float hi = std::erf(a.k[i] * (float(x) + 0.5f - a.u[0]));
          v += Real(wy[i] * (hi - lo[i]));
          lo[i] = hi;
        }
        line[x] += v;
      }
    }
  }
};

}  // namespace thon::math
