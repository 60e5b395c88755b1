// Per-element formulas of 3D reconstruction by direct Fourier inversion (DESIGN.md section 4.6):
// the gridding correction of the insertion kernel, the regularised division of one voxel, the
// SSNR <-> FSC relations of RELION's tau^2 estimate, the soft spherical mask and the centring
// phase of an image. The insertion kernels themselves (weights, the (index, weight, conj)
// enumerator over half-complex arrays) are the projector's, in math/interp.hpp.
#pragma once

#include <cmath>

#include "thon/core/complex.hpp"
#include "thon/core/hd.hpp"
#include "thon/math/interp.hpp"

namespace thon::math {

/// Real-space gridding correction factor of the voxel at (x, y, z) voxels from the centre of the
/// padded box of side n_pad: the reconstruction is divided by this product of the kernel's Fourier
/// transforms (math::interp_kernel_ft, the projector's: insertion with kernel h in Fourier space
/// multiplies real space by H(x / n_pad) H(y / n_pad) H(z / n_pad)). H = sinc for nearest, sinc^2
/// for linear, the Keys transform for cubic (closed form checked in reconstruct_math_test).
template <class T>
THON_HD T gridding_correction(Interp kernel, T x, T y, T z, int n_pad) {
  const T inv = T(1) / T(n_pad);
  return interp_kernel_ft(kernel, x * inv) * interp_kernel_ft(kernel, y * inv) * interp_kernel_ft(kernel, z * inv);
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
