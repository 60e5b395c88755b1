// Multislice per-element physics (PHYSICS.md 5.4-5.6; Kirkland, "Advanced Computing in Electron
// Microscopy", 2nd ed., ch. 6; Cowley & Moodie, Acta Cryst. 10 (1957) 609): the transmission
// function of a slab, the Fresnel propagator with beam tilt, the 2/3-Nyquist band limit with a
// soft edge, the objective aperture and the wave transfer of the objective lens.
//
// Frequencies k in cycles/Å. Full complex (c2c) layout of an n x n field at pixel p: bin (ix, iy)
// is (wrapped(ix), wrapped(iy)) / (n p), both axes wrapped (fourier_grid.hpp).
//
//   transmission  t(x) = exp(i sigma v(x) - sigma v_im(x)),  v the slab's projected potential [V Å],
//                 v_im its absorptive part [V Å] (|t|^2 = exp(-2 sigma v_im))
//   propagator    P(k) = exp(-i pi lambda dz |k|^2) exp(-2 pi i dz (kx tan(theta_x) + ky tan(theta_y)))
//                 (PHYSICS.md 5.5; abTEM _fresnel_propagator_array and its tilt; Kirkland's sign).
//                 With ctf.hpp's sign a defocus-only transfer of defocus dF equals P by dz = -dF.
//   band limit    1 for |k| <= k_c - w, raised cosine to 0 at k_c, 0 beyond; k_c = (2/3) k_Nyquist
//                 (Kirkland BW = 2/3; abTEM's cosine taper): applied to t and to psi, so the product
//                 t psi aliases only beyond k_c.
//   lens          W(k) = A(k) E(k) exp(+i (chi(k; dF) + w)) on the scattered wave; the unscattered
//                 beam passes with 1 (multislice.hpp field_lens): the amplitude-contrast phase w
//                 and the phase plate act on the scattered wave relative to the unscattered beam, so
//                 a weak phase object psi = 1 + i phi images as I = 1 - 2 F^-1[sin(chi + w) E F[phi]],
//                 the projection image of `thon simulate` (simulate.hpp). A the objective aperture
//                 (1 for |k| <= k_ap), E the envelopes.
#pragma once

#include <cmath>

#include "thon/core/complex.hpp"
#include "thon/core/hd.hpp"
#include "thon/math/ctf.hpp"
#include "thon/math/filter.hpp"
#include "thon/math/fourier_grid.hpp"

namespace thon::math {

/// Frequency (kx, ky) [1/Å] of bin (ix, iy) of a full complex nx x ny transform at pixel size p.
template <class T>
THON_HD void full_complex_frequency(int ix, int iy, int nx, int ny, T pixel_size_A, T* kx, T* ky) {
  *kx = T(wrapped_frequency(ix, nx)) / (T(nx) * pixel_size_A);
  *ky = T(wrapped_frequency(iy, ny)) / (T(ny) * pixel_size_A);
}

/// Largest propagator phase pi lambda dz k_max^2 [rad] (k_max [1/Å], usually the band limit).
THON_HD double propagator_max_phase_rad(double lambda_A, double dz_A, double k_max_per_A) {
  return 3.14159265358979323846 * lambda_A * dz_A * k_max_per_A * k_max_per_A;
}

/// Fresnel propagator by dz [Å] at (kx, ky) [1/Å], beam tilt as tan(theta_x), tan(theta_y).
template <class T>
THON_HD Complex<T> fresnel_propagator(T lambda_A, T dz_A, T kx, T ky, T tan_tilt_x, T tan_tilt_y) {
  const T pi = T(3.14159265358979323846);
  const T phase = -pi * lambda_A * dz_A * (kx * kx + ky * ky) - T(2) * pi * dz_A * (kx * tan_tilt_x + ky * tan_tilt_y);
  return {std::cos(phase), std::sin(phase)};
}

/// Band-limit mask at |k| [1/Å]: 1 below k_c - edge, a raised cosine over [k_c - edge, k_c], 0 above.
template <class T>
THON_HD T band_limit_mask(T k, T k_cut, T edge) {
  return raised_cosine_lowpass(k, k_cut - T(0.5) * edge, edge);
}

/// Transmission exp(i sigma v - sigma v_im) of a slab with projected potential v and absorptive
/// part v_im [V Å], sigma [rad / (V Å)].
template <class T>
THON_HD Complex<T> transmission(T sigma, T v, T v_im) {
  const T a = std::exp(-sigma * v_im);
  return {a * std::cos(sigma * v), a * std::sin(sigma * v)};
}

/// Objective aperture: 1 for |k| <= k_ap [1/Å] (k_ap = semi-angle / lambda), 0 beyond; k_ap <= 0: open.
template <class T>
THON_HD T objective_aperture(T k2, T k_ap) {
  return (k_ap <= T(0) || k2 <= k_ap * k_ap) ? T(1) : T(0);
}

/// The lens transfer W(k) of the header at (kx, ky) (the scattered wave's), defocus `defocus_offset_A` added to the
/// particle's (astigmatic) defocus: the exit wave lies that far below the plane the defocus refers to.
template <class T>
THON_HD Complex<T> wave_transfer(const CtfParams& p, T kx, T ky, T defocus_offset_A, T k_ap) {
  const T s2 = kx * kx + ky * ky;
  const T df = defocus_at_frequency(p, kx, ky, s2) + defocus_offset_A;
  const T phase = ctf_chi_at_defocus(p, s2, df) + T(p.w_rad);
  const T e = ctf_envelope(p, s2, df) * objective_aperture(s2, k_ap);
  return {e * std::cos(phase), e * std::sin(phase)};
}

}  // namespace thon::math
