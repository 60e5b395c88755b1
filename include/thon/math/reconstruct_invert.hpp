// Per-element steps of a reconstruction after (and just before) the insertion, as functors over
// one index, so the CUDA backend runs them on the device with the same arithmetic the host runs:
// image padding, the CTF of every r2c pixel, the Hermitian completion of the x = 0 plane, the
// per-shell mean weight, the regularised division into the spectrum, the crop with gridding
// correction, RELION's soft edge outside the particle sphere and the multiplication by a mask.
// The formulas are those of math/reconstruct.hpp and math/ctf.hpp; the layouts those of
// math/reconstruct_insert.hpp (accumulators (np/2+1) x np x np, maps n^3 with the origin at n/2).
#pragma once

#include <cmath>

#include "thon/core/complex.hpp"
#include "thon/core/hd.hpp"
#include "thon/math/ctf.hpp"
#include "thon/math/fourier_grid.hpp"
#include "thon/math/reconstruct.hpp"
#include "thon/math/reconstruct_insert.hpp"

namespace thon::math {

/// Copies count n x n images into the centres of m x m zero images (centre n/2 -> m/2): one
/// output pixel per index, count * m * m.
struct PadImages {
  const float* in = nullptr;
  int n = 0, m = 0;
  float* out = nullptr;
  THON_HD void operator()(index_t i) const {
    const index_t mm = index_t(m) * m;
    const index_t img = i / mm, p = i - img * mm;
    const int y = int(p / m) - (m / 2 - n / 2), x = int(p % m) - (m / 2 - n / 2);
    out[i] = (x >= 0 && x < n && y >= 0 && y < n) ? in[(img * n + y) * n + x] : 0.f;
  }
};

/// Hermitian completion of the x = 0 plane (ops::complete_hermitian_plane): pair i of
/// h (2h - 1) pairs {(0, y, z), (0, -y, -z)}, h = np/2, z in [0, h), y in (-h, h), skipping
/// z == 0 && y <= 0 (each unordered pair once; (0,0,0) separately: its imaginary part is zeroed).
struct HermitianPlanePair {
  InsertGeometry g;
  Complex<float>* d = nullptr;
  float* w = nullptr;
  THON_HD void operator()(index_t i) const {
    const int h = g.np() / 2;
    const int z = int(i / (2 * h - 1)), y = int(i % (2 * h - 1)) - (h - 1);
    if (z == 0 && y <= 0) {
      if (z == 0 && y == 0) d[0].im = 0.f;
      return;
    }
    const index_t a = g.acc_index(0, y, z), b = g.acc_index(0, -y, -z);
    const Complex<float> s = d[a] + conj(d[b]);
    const float ws = w[a] + w[b];
    d[a] = s;
    d[b] = conj(s);
    w[a] = ws;
    w[b] = ws;
  }
};

/// RELION's shell of a padded-grid voxel at squared radius r2 (grid voxels): round(sqrt(r2) / pad).
THON_HD int padded_shell(int r2, int pad) { return int(::lround(::sqrt(double(r2)) / double(pad))); }

/// Signed frequency (x, y, z) of stored accumulator voxel i, and whether it is inside the inserted
/// sphere |q| < pad r_max (the voxels ops::shell_mean_weight and ops::invert visit).
THON_HD bool voxel_in_sphere(const InsertGeometry& g, index_t i, int& r2) {
  const int np = g.np(), hxa = np / 2 + 1;
  const int x = int(i % hxa);
  const index_t yz = i / hxa;
  int y = int(yz % np), z = int(yz / np);
  if (y >= np - np / 2) y -= np;
  if (z >= np - np / 2) z -= np;
  const int rp = g.pad * g.r_max;
  r2 = x * x + y * y + z * z;
  return x < rp && y > -rp && y < rp && z > -rp && z < rp && r2 < rp * rp;
}

/// Shell-sum term of the mean weight <W>_shell over the voxels of the sphere (w1 may be null:
/// one half-set). Interface of the shell reductions (K values, shell, count).
struct ShellWeightTerm {
  static constexpr int K = 1;
  InsertGeometry g;
  const float* w0 = nullptr;
  const float* w1 = nullptr;
  THON_HD bool operator()(index_t i, int& shell, double* v, int& count) const {
    int r2;
    if (!voxel_in_sphere(g, i, r2)) return false;
    shell = padded_shell(r2, g.pad);
    v[0] = double(w0[i]) + (w1 ? double(w1[i]) : 0.0);
    count = 1;
    return true;
  }
};

/// The spectrum of the map (ops::invert): per voxel of the sphere sum(CTF X) /
/// max(sum(CTF^2) + inv_tau2[shell], floor[shell]) (math::regularised_divide), 0 outside.
/// d1/w1 null for one half-set; inv_tau2 null for none.
struct FillSpectrum {
  InsertGeometry g;
  const Complex<float>* d0 = nullptr;
  const float* w0 = nullptr;
  const Complex<float>* d1 = nullptr;
  const float* w1 = nullptr;
  const float* inv_tau2 = nullptr;  ///< per shell 0 .. r_max
  const float* floor = nullptr;     ///< per shell 0 .. r_max
  Complex<float>* spec = nullptr;
  THON_HD void operator()(index_t i) const {
    int r2;
    if (!voxel_in_sphere(g, i, r2)) {
      spec[i] = Complex<float>();
      return;
    }
    const int s = padded_shell(r2, g.pad);
    float re = d0[i].re, im = d0[i].im, w = w0[i];
    if (d1) re += d1[i].re, im += d1[i].im, w += w1[i];
    spec[i] = regularised_divide(Complex<float>(re, im), w, inv_tau2 ? inv_tau2[s] : 0.f, floor[s]);
  }
};

/// Crop of the padded np^3 real map to n^3 (centre n/2, wrapped origin of the padded transform)
/// and division by the gridding correction of the kernel: one output voxel per index.
struct CropCorrect {
  InsertGeometry g;
  const float* padded = nullptr;
  float* out = nullptr;
  THON_HD void operator()(index_t i) const {
    const int n = g.n, np = g.np(), c = n / 2;
    const int x = int(i % n), y = int((i / n) % n), z = int(i / (index_t(n) * n));
    const int dz = z - c, dy = y - c, dx = x - c;
    const index_t src = (index_t((dz + np) % np) * np + index_t((dy + np) % np)) * np + index_t((dx + np) % np);
    out[i] = padded[src] / gridding_correction<float>(g.kernel, float(dx), float(dy), float(dz), np);
  }
};

/// Weight of the background in RELION's softMaskOutsideMap at radius r: 0 inside `radius`, a
/// raised cosine up to radius + width, 1 beyond (ops::soften_outside_sphere).
THON_HD double edge_background_weight(double r, double radius, double width) {
  if (r < radius) return 0.0;
  if (r > radius + width) return 1.0;
  return 0.5 + 0.5 * ::cos(3.14159265358979323846 * (radius + width - r) / width);
}

/// Distance of voxel (x, y, z) of an n^3 map from the centre n/2.
THON_HD double centre_distance(int x, int y, int z, int n) {
  const double dx = x - n / 2, dy = y - n / 2, dz = z - n / 2;
  return ::sqrt(dx * dx + dy * dy + dz * dz);
}

/// Sums (weight, weight * value) of the background of a map: the reduction of soften_outside_sphere.
struct EdgeBackgroundTerm {
  const float* map = nullptr;
  int n = 0;
  double radius = 0, width = 0;
  THON_HD void operator()(index_t i, double& w, double& wv) const {
    const int x = int(i % n), y = int((i / n) % n), z = int(i / (index_t(n) * n));
    w = edge_background_weight(centre_distance(x, y, z, n), radius, width);
    wv = w * double(map[i]);
  }
};

/// Blend towards the background value `bg` (the second pass of soften_outside_sphere).
struct EdgeBlend {
  float* map = nullptr;
  int n = 0;
  double radius = 0, width = 0, bg = 0;
  THON_HD void operator()(index_t i) const {
    const int x = int(i % n), y = int((i / n) % n), z = int(i / (index_t(n) * n));
    const double w = edge_background_weight(centre_distance(x, y, z, n), radius, width);
    if (w > 0) map[i] = float((1 - w) * double(map[i]) + w * bg);
  }
};

/// out[i] = a[i] * mask[i].
struct MultiplyMask {
  const float* a = nullptr;
  const float* mask = nullptr;
  float* out = nullptr;
  THON_HD void operator()(index_t i) const { out[i] = a[i] * mask[i]; }
};

}  // namespace thon::math
