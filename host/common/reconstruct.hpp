// The inversion steps of the reconstruct family shared by the reference and CPU backends
// (host/reference/reconstruct.cpp, host/cpu/reconstruct.cpp): the loop over the voxels of the
// r_max ball, the regularised division into a padded spectrum, and crop + gridding correction. Real
// is the precision of the spectrum (double in the reference, float on the CPU); the per-voxel
// formulas are in include/thon/math/reconstruct.hpp.
#pragma once

#include <omp.h>

#include <cmath>
#include <vector>

#include "thon/core/array.hpp"
#include "thon/math/reconstruct.hpp"
#include "thon/ops/reconstruct.hpp"

namespace thon::detail {

/// shell[r2] = round(sqrt(r2) / pad) for r2 < (pad r_max)^2: RELION's shell of a padded-grid voxel.
inline std::vector<int> shell_table(const math::InsertGeometry& g) {
  const int rmax_pad = g.pad * g.r_max;
  std::vector<int> t(std::size_t(rmax_pad) * rmax_pad);
  for (std::size_t r2 = 0; r2 < t.size(); ++r2) t[r2] = int(std::lround(std::sqrt(double(r2)) / g.pad));
  return t;
}

/// Calls f(thread, shell, voxel index) for every stored voxel with |q| < pad * r_max (OpenMP over z;
/// `thread` indexes per-thread partial sums).
template <class F>
void for_each_voxel_in_sphere(const math::InsertGeometry& g, F f) {
  const int rmax_pad = g.pad * g.r_max;
  const int max_r2 = rmax_pad * rmax_pad;
  const std::vector<int> shell = shell_table(g);
#pragma omp parallel for schedule(dynamic, 1)
  for (int z = -rmax_pad + 1; z < rmax_pad; ++z) {
    const int t = omp_get_thread_num();
    for (int y = -rmax_pad + 1; y < rmax_pad; ++y) {
      const int ryz = y * y + z * z;
      if (ryz >= max_r2) continue;
      const index_t row = g.acc_index(0, y, z);
      for (int x = 0; x < rmax_pad && ryz + x * x < max_r2; ++x) f(t, shell[std::size_t(ryz + x * x)], row + x);
    }
  }
}

template <class Real>
void fill_spectrum(const std::vector<const ops::FourierAccumulator*>& accs, const math::InsertGeometry& g,
                   const std::vector<double>& inv_tau2, const std::vector<double>& mean_w,
                   Complex<Real>* spec) {
  for_each_voxel_in_sphere(g, [&](int, int shell, index_t i) {
    Real re = 0, im = 0, w = 0;
    for (const ops::FourierAccumulator* a : accs) {
      re += a->data[i].re;
      im += a->data[i].im;
      w += a->weight[i];
    }
    const std::size_t s = std::size_t(shell);
    const Real it2 = s < inv_tau2.size() ? Real(inv_tau2[s]) : Real(0);
    Real floor = Real(ops::kWeightFloorFraction * mean_w[s]);
    if (!(floor > Real(1e-30))) floor = Real(1e-30);
    spec[i] = math::regularised_divide(Complex<Real>(re, im), w, it2, floor);
  });
}

template <class Real>
Volume<float> crop_and_correct(const Real* padded, const math::InsertGeometry& g, double pixel_size_A) {
  const int n = g.n, np = g.pad * g.n, c = n / 2;
  Volume<float> out = Volume<float>::cube(n, pixel_size_A);
  float* o = out.data();
#pragma omp parallel for schedule(static)
  for (int z = 0; z < n; ++z)
    for (int y = 0; y < n; ++y)
      for (int x = 0; x < n; ++x) {
        const int dz = z - c, dy = y - c, dx = x - c;
        const std::size_t src = (std::size_t((dz + np) % np) * np + std::size_t((dy + np) % np)) * np +
                                std::size_t((dx + np) % np);
        const Real corr = math::gridding_correction<Real>(g.kernel, Real(dx), Real(dy), Real(dz), np);
        o[(std::size_t(z) * n + y) * n + x] = float(padded[src] / corr);
      }
  return out;
}

}  // namespace thon::detail
