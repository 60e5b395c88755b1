// Per-element formulas of 3D reconstruction by direct Fourier inversion (DESIGN.md section 4.6):
// the insertion kernels and their gridding correction, the regularised division of one voxel, the
// SSNR <-> FSC relations of RELION's tau^2 estimate, and the soft spherical mask.
//
// Geometry of the accumulator ("centred half" layout, as RELION's BackProjector keeps it): a
// Fourier sample of an n-pixel image at index (kx, ky) (cycles per box, -n/2 <= k < n/2) lands at
// q = pad * A^T (kx, ky, 0) in voxel units of the padded 3D grid (n_pad = pad * n). Only q.x >= 0 is
// stored (Friedel mates are conjugate); x in [0, R], y and z in [-R, R].
#pragma once

#include <cmath>

#include "thon/core/complex.hpp"
#include "thon/core/hd.hpp"

namespace thon::math {

/// The kernel that spreads one Fourier sample over the 3D grid.
enum class GriddingKernel : int { nearest = 0, linear = 1, cubic = 2 };

/// Keys (1981) cubic convolution parameter; a = -0.5 reproduces quadratics (Keys, IEEE TASSP 29, 1153).
inline constexpr double kKeysA = -0.5;

/// Keys cubic kernel h(s), support |s| < 2, h(0) = 1, h(integer != 0) = 0.
template <class T>
THON_HD T keys_kernel(T s, T a = T(kKeysA)) {
  s = s < T(0) ? -s : s;
  if (s < T(1)) return ((a + T(2)) * s - (a + T(3))) * s * s + T(1);
  if (s < T(2)) return ((a * s - T(5) * a) * s + T(8) * a) * s - T(4) * a;
  return T(0);
}

/// Number of grid points one kernel touches along an axis (1, 2 or 4).
THON_HD constexpr int kernel_support(GriddingKernel k) {
  return k == GriddingKernel::nearest ? 1 : (k == GriddingKernel::linear ? 2 : 4);
}

/// One-dimensional weights of a sample at coordinate q: points first, first+1, ... (support) with
/// weights w[0..support). Nearest rounds half up; linear w = (1 - f, f); cubic Keys at distances
/// (1 + f, f, 1 - f, 2 - f). The weights sum to 1 for every kernel.
template <class T>
THON_HD int kernel_weights_1d(GriddingKernel kernel, T q, T* w) {
  const T fl = std::floor(q);
  const int i0 = int(fl);
  const T f = q - fl;
  switch (kernel) {
    case GriddingKernel::nearest:
      w[0] = T(1);
      return f < T(0.5) ? i0 : i0 + 1;
    case GriddingKernel::linear:
      w[0] = T(1) - f;
      w[1] = f;
      return i0;
    default:
      w[0] = keys_kernel(T(1) + f);
      w[1] = keys_kernel(f);
      w[2] = keys_kernel(T(1) - f);
      w[3] = keys_kernel(T(2) - f);
      return i0 - 1;
  }
}

/// Calls f(x, y, z, weight) for every grid point (integer voxel coordinates, any sign) that the
/// kernel centred at (qx, qy, qz) touches, with the separable weight. The caller maps x < 0 to the
/// stored Friedel mate (-x, -y, -z) with the conjugate value.
template <class T, class F>
THON_HD void for_each_kernel_point(GriddingKernel kernel, T qx, T qy, T qz, F& f) {
  T wx[4], wy[4], wz[4];
  const int x0 = kernel_weights_1d(kernel, qx, wx);
  const int y0 = kernel_weights_1d(kernel, qy, wy);
  const int z0 = kernel_weights_1d(kernel, qz, wz);
  const int s = kernel_support(kernel);
  for (int k = 0; k < s; ++k)
    for (int j = 0; j < s; ++j) {
      const T wzy = wz[k] * wy[j];
      for (int i = 0; i < s; ++i) f(x0 + i, y0 + j, z0 + k, wzy * wx[i]);
    }
}

/// Fourier transform of the 1D kernel, H(u) = integral h(s) exp(-2 pi i u s) ds, at u cycles per
/// grid sample (the kernels are even, so H is real):
///   nearest (box of width 1):   sinc(u)           = sin(pi u) / (pi u)
///   linear  (triangle, width 2): sinc(u)^2
///   cubic   (Keys, a = -1/2):    sin^3(pi u) (3 sin(pi u) - 2 pi u cos(pi u)) / (pi u)^4
/// The cubic form is the piecewise-polynomial integral done symbolically (sympy) and agrees with the
/// general-a expression of Park & Schowengerdt (CVGIP 23, 258, 1983, eq. 15) at a = -1/2; the test
/// checks it against numerical quadrature of keys_kernel.
template <class T>
THON_HD T kernel_fourier_transform(GriddingKernel kernel, T u) {
  const T pi = T(3.14159265358979323846);
  const T x = pi * u;
  if (x * x < T(1e-8)) return T(1);
  const T s = std::sin(x), c = std::cos(x);
  switch (kernel) {
    case GriddingKernel::nearest:
      return s / x;
    case GriddingKernel::linear:
      return (s / x) * (s / x);
    default: {
      const T x2 = x * x;
      return s * s * s * (T(3) * s - T(2) * x * c) / (x2 * x2);
    }
  }
}

/// Real-space gridding correction factor of the voxel at (x, y, z) voxels from the centre of the
/// padded box of side n_pad: the reconstruction is divided by this product of kernel transforms
/// (insertion in Fourier space multiplies real space by H(x / n_pad) H(y / n_pad) H(z / n_pad)).
template <class T>
THON_HD T gridding_correction(GriddingKernel kernel, T x, T y, T z, int n_pad) {
  const T inv = T(1) / T(n_pad);
  return kernel_fourier_transform(kernel, x * inv) * kernel_fourier_transform(kernel, y * inv) *
         kernel_fourier_transform(kernel, z * inv);
}

/// Regularised division of one voxel: data / max(weight + inv_tau2, floor). data = sum(CTF X),
/// weight = sum(CTF^2) (both summed with the kernel weights), inv_tau2 = 1/tau^2 in weight units
/// (0 for plain division), floor > 0 keeps empty or nearly empty voxels from blowing up.
template <class T>
THON_HD Complex<T> regularised_divide(Complex<T> data, T weight, T inv_tau2, T floor) {
  T den = weight + inv_tau2;
  if (!(den > floor)) den = floor;
  return Complex<T>(data.re / den, data.im / den);
}

/// RELION's FSC -> SSNR conversion (BackProjector::reconstruct, src/backprojector.cpp): the FSC is
/// clamped to [0.001, 0.999]; for a map from both halves (`whole`), FSC' = sqrt(2 FSC / (1 + FSC))
/// (twice the particles), clamped again; SSNR = FSC / (1 - FSC).
template <class T>
THON_HD T ssnr_from_fsc(T fsc, bool whole) {
  T f = fsc < T(0.001) ? T(0.001) : fsc;
  if (whole) f = std::sqrt(T(2) * f / (f + T(1)));
  f = f > T(0.999) ? T(0.999) : f;
  return f / (T(1) - f);
}

/// 1/tau^2 added to the weight of every voxel of a shell, in weight units. RELION computes
/// sigma2 = 1 / (pad^3 <W>_shell), tau2 = SSNR sigma2 and adds 1 / (pad^3 fudge tau2); the pad^3
/// factors cancel, leaving <W>_shell / (fudge SSNR). `mean_weight` is <W> over all voxels of the shell.
template <class T>
THON_HD T inv_tau2_from_ssnr(T mean_weight, T ssnr, T tau2_fudge) {
  if (!(ssnr > T(0))) return T(0);
  return mean_weight / (tau2_fudge * ssnr);
}

/// Soft spherical mask: 1 inside radius r0, raised-cosine fall-off to 0 over `edge` (same units):
/// m(r) = 0.5 (1 + cos(pi (r - r0) / edge)) for r0 <= r < r0 + edge, 0 beyond.
template <class T>
THON_HD T soft_sphere_mask(T r, T r0, T edge) {
  if (r <= r0) return T(1);
  if (!(edge > T(0)) || r >= r0 + edge) return T(0);
  return T(0.5) * (T(1) + std::cos(T(3.14159265358979323846) * (r - r0) / edge));
}

/// Centring and origin phase of one image Fourier sample. Index (kx, ky) of an n-pixel image (signed),
/// image origin shift (ox, oy) in pixels with I(x) = P(x + o) and the particle's centre at index n/2:
/// the DFT of the centred projection is F_P(k) = F_I(k) exp(2 pi i k.(c - o) / n), c = n/2.
template <class T>
THON_HD Complex<T> centring_phase(int kx, int ky, int n, T ox, T oy) {
  const T c = T(n / 2);
  const T phase = T(6.28318530717958647692) * (T(kx) * (c - ox) + T(ky) * (c - oy)) / T(n);
  return Complex<T>(std::cos(phase), std::sin(phase));
}

}  // namespace thon::math
