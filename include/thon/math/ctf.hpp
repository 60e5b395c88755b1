// The contrast transfer function in RELION's sign convention (DESIGN.md section 3, PHYSICS.md 5.6-5.8).
//
//   dF(theta) = (U + V)/2 + (U - V)/2 cos(2 (theta - angle)),  theta = atan2(ky, kx), U, V > 0 underfocus
//   chi(s)    = pi lambda dF s^2 - (pi/2) Cs lambda^3 s^4 + phase_shift              [rad], s in 1/Å
//   CTF       = sqrt(1 - Q^2) sin(chi) + Q cos(chi) = sin(chi + w),  w = atan2(Q, sqrt(1 - Q^2))
// so CTF(0) = +Q (particles white at low resolution, as RELION's extracted particles). Envelopes:
//   B-factor   exp(-B s^2 / 4)                                      (RELION CTF::getCTF)
//   spatial    exp(-(pi alpha / lambda)^2 (Cs lambda^3 s^3 - dF lambda s)^2)   alpha = source
//              semi-angle [rad], 1/e convention (Frank; Kirkland "Advanced computing in EM" 3.4)
//   temporal   exp(-(1/4) pi^2 lambda^2 Delta^2 s^4)  Delta = 1/e half-width of the focal spread [Å]
//              (Kirkland); Delta = Cc (dE/E)(1 + E/E0)/(1 + E/2E0) from the chromatic aberration.
// The complex transfer of the wave (for exit waves) is exp(+i (chi + w)) times the envelopes. With
// this sign a defocus-only transfer equals Fresnel propagation by -dF with the propagator
// exp(-i pi lambda dz k^2) (PHYSICS.md 5.5; Kirkland's exp(-i chi_K) with chi_K = -chi), and a weak
// object psi = 1 + i phi gives the physical image I = 1 - 2 F^-1[CTF F[phi]] (protein dark at
// underfocus). RELION's particles are contrast-inverted: +CTF applied to the projected potential.
#pragma once

#include <cmath>

#include "thon/core/complex.hpp"
#include "thon/core/hd.hpp"
#include "thon/math/electron.hpp"
#include "thon/math/fast_sin.hpp"

namespace thon::math {

/// User-facing CTF parameters (units in names) plus the constants `prepare()` derives on the host.
/// A POD: pass by value to kernels. Call prepare() after changing any user field.
struct CtfParams {
  // User parameters.
  double voltage_kV = 300;
  double cs_mm = 2.7;
  double amplitude_contrast = 0.1;   ///< Q, fraction in [0, 1)
  double defocus_u_A = 15000;        ///< positive = underfocus
  double defocus_v_A = 15000;
  double defocus_angle_deg = 0;      ///< angle of U from +x toward +y
  double phase_shift_deg = 0;        ///< phase plate
  double b_factor_A2 = 0;            ///< envelope exp(-B s^2/4)
  double scale = 1;                  ///< overall multiplier (RELION rlnCtfScalefactor)
  double source_alpha_mrad = 0;      ///< illumination semi-angle (spatial coherence), 0 = off
  double focal_spread_A = 0;         ///< 1/e half-width Delta of the focal spread, 0 = off

  // Derived (prepare()).
  double lambda_A = 0;
  double cs_A = 0;
  double angle_rad = 0;
  double phase_shift_rad = 0;
  double w_rad = 0;                  ///< amplitude-contrast phase atan2(Q, sqrt(1 - Q^2))
  double alpha_rad = 0;
  double cos2a = 1, sin2a = 0;       ///< cos, sin of 2 x defocus angle

  /// Host-side: computes the derived constants once.
  void prepare() {
    lambda_A = electron_wavelength_A_kV(voltage_kV);
    cs_A = cs_mm * 1e7;
    angle_rad = defocus_angle_deg * 3.14159265358979323846 / 180.0;
    phase_shift_rad = phase_shift_deg * 3.14159265358979323846 / 180.0;
    w_rad = std::atan2(amplitude_contrast, std::sqrt(1.0 - amplitude_contrast * amplitude_contrast));
    alpha_rad = source_alpha_mrad * 1e-3;
    cos2a = std::cos(2.0 * angle_rad);
    sin2a = std::sin(2.0 * angle_rad);
  }
};

/// Focal spread Delta [Å] (1/e half-width) from the chromatic aberration Cc [mm] and the relative
/// energy spread dE/E, relativistically corrected (PHYSICS.md 5.7; TEM-simulator).
inline double focal_spread_from_cc_A(double cc_mm, double energy_spread_rel, double voltage_kV) {
  const double e = voltage_kV * 1e3 / kElectronRestEnergy_eV;
  return cc_mm * 1e7 * energy_spread_rel * (1.0 + e) / (1.0 + 0.5 * e);
}

/// Defocus [Å] along direction theta (rad from +x toward +y).
template <class T>
THON_HD T defocus_at_angle(const CtfParams& p, T theta) {
  const T u = T(p.defocus_u_A), v = T(p.defocus_v_A);
  return T(0.5) * (u + v) + T(0.5) * (u - v) * std::cos(T(2) * (theta - T(p.angle_rad)));
}

/// Defocus [Å] at frequency (kx, ky) with s2 = kx^2 + ky^2, without trigonometric calls:
/// cos 2(theta - a) = ((kx^2 - ky^2) cos 2a + 2 kx ky sin 2a) / s^2 (the mean defocus at s = 0).
template <class T>
THON_HD T defocus_at_frequency(const CtfParams& p, T kx, T ky, T s2) {
  // Branch-free (pixel loops vectorise): s2 = 0 only at the origin, where the numerator is 0, and
  // U = V makes the second term exactly 0, so both cases return the mean as a branch would.
  const T mean = T(0.5) * (T(p.defocus_u_A) + T(p.defocus_v_A));
  const T c = ((kx * kx - ky * ky) * T(p.cos2a) + T(2) * kx * ky * T(p.sin2a)) / (s2 + T(s2 == T(0)));
  return mean + T(0.5) * (T(p.defocus_u_A) - T(p.defocus_v_A)) * c;
}

/// chi (without the amplitude-contrast phase) at frequency (kx, ky) [1/Å] and defocus dF [Å].
template <class T>
THON_HD T ctf_chi_at_defocus(const CtfParams& p, T s2, T defocus_A) {
  const T pi = T(3.14159265358979323846);
  const T lambda = T(p.lambda_A);
  return pi * lambda * defocus_A * s2 - T(0.5) * pi * T(p.cs_A) * lambda * lambda * lambda * s2 * s2 +
         T(p.phase_shift_rad);
}

template <class T>
THON_HD T ctf_chi(const CtfParams& p, T kx, T ky) {
  const T s2 = kx * kx + ky * ky;
  const T df = defocus_at_frequency(p, kx, ky, s2);
  return ctf_chi_at_defocus(p, s2, df);
}

/// Product of the B-factor, spatial- and temporal-coherence envelopes (and the scale) at s^2 and dF.
template <class T>
THON_HD T ctf_envelope(const CtfParams& p, T s2, T defocus_A) {
  const T pi = T(3.14159265358979323846);
  T e = T(p.scale);
  if (p.b_factor_A2 != 0) e *= std::exp(-T(0.25) * T(p.b_factor_A2) * s2);
  const T lambda = T(p.lambda_A);
  if (p.alpha_rad != 0) {
    const T s = std::sqrt(s2);
    const T grad = T(p.cs_A) * lambda * lambda * lambda * s2 * s - defocus_A * lambda * s;
    const T a = pi * T(p.alpha_rad) / lambda;
    e *= std::exp(-a * a * grad * grad);
  }
  if (p.focal_spread_A != 0) {
    const T d = T(p.focal_spread_A);
    e *= std::exp(-T(0.25) * pi * pi * lambda * lambda * d * d * s2 * s2);
  }
  return e;
}

/// CTF at an explicit defocus dF [Å] (astigmatism already resolved; tilted specimens).
template <class T>
THON_HD T ctf_value_at_defocus(const CtfParams& p, T s2, T defocus_A) {
  return std::sin(ctf_chi_at_defocus(p, s2, defocus_A) + T(p.w_rad)) * ctf_envelope(p, s2, defocus_A);
}

/// The CTF (RELION sign, envelopes included) at frequency (kx, ky) [1/Å].
template <class T>
THON_HD T ctf_value(const CtfParams& p, T kx, T ky) {
  const T s2 = kx * kx + ky * ky;
  const T df = defocus_at_frequency(p, kx, ky, s2);
  return ctf_value_at_defocus(p, s2, df);
}

/// Whether ctf_envelope differs from 1 (scale, B-factor, spatial or temporal coherence).
THON_HD bool ctf_has_envelope(const CtfParams& p) {
  return p.scale != 1 || p.b_factor_A2 != 0 || p.alpha_rad != 0 || p.focal_spread_A != 0;
}

/// sin(chi + w) in float with the sine by sin_fast at (kx, ky), s2 = kx^2 + ky^2 [1/Å^2]: the CTF
/// before its envelopes, branch-free so that a pixel loop vectorises.
THON_HD float ctf_sine_fast(const CtfParams& p, float kx, float ky, float s2) {
  const float df = defocus_at_frequency(p, kx, ky, s2);
  return sin_fast(ctf_chi_at_defocus(p, s2, df) + float(p.w_rad));
}

/// ctf_value_at_defocus in float with the sine by sin_fast (|difference| < 2e-7 plus float
/// rounding): the per-pixel CTF of the float image formation (math/simulate.hpp).
THON_HD float ctf_value_at_defocus_fast(const CtfParams& p, float s2, float defocus_A) {
  const float v = sin_fast(ctf_chi_at_defocus(p, s2, defocus_A) + float(p.w_rad));
  return ctf_has_envelope(p) ? v * ctf_envelope(p, s2, defocus_A) : v;
}

/// ctf_value in float with the sine by sin_fast (|difference| < 2e-7 plus float rounding): the
/// per-pixel CTF of the reconstruction's fused preparation (host/cpu/reconstruct.cpp).
THON_HD float ctf_value_fast(const CtfParams& p, float kx, float ky) {
  const float s2 = kx * kx + ky * ky;
  const float v = ctf_sine_fast(p, kx, ky, s2);
  return ctf_has_envelope(p) ? v * ctf_envelope(p, s2, defocus_at_frequency(p, kx, ky, s2)) : v;
}

/// Complex wave transfer exp(+i (chi + w)) times the envelopes, for exit waves (see the header).
template <class T>
THON_HD Complex<T> ctf_complex(const CtfParams& p, T kx, T ky) {
  const T s2 = kx * kx + ky * ky;
  const T df = defocus_at_frequency(p, kx, ky, s2);
  const T phase = ctf_chi_at_defocus(p, s2, df) + T(p.w_rad);
  const T e = ctf_envelope(p, s2, df);
  return {e * std::cos(phase), e * std::sin(phase)};
}

/// Frequency (kx, ky) [1/Å] of bin (ix, iy) of a half-complex nx x ny transform at pixel size p.
template <class T>
THON_HD void half_complex_frequency(int ix, int iy, int nx, int ny, T pixel_size_A, T* kx, T* ky) {
  const int jy = iy <= ny / 2 ? iy : iy - ny;
  *kx = T(ix) / (T(nx) * pixel_size_A);
  *ky = T(jy) / (T(ny) * pixel_size_A);
}

/// Wiener-type correction factor CTF / (CTF^2 + eps), eps = 1/SNR; phase flip is sign(CTF).
template <class T>
THON_HD T wiener_factor(T ctf, T eps) { return ctf / (ctf * ctf + eps); }
template <class T>
THON_HD T phase_flip_factor(T ctf) { return ctf < T(0) ? T(-1) : T(1); }

/// Tilted specimen geometry (PHYSICS.md 5.8): the local defocus at image position (x, y) [Å, relative
/// to the image centre] is dF(x, y) = dF0 + handedness * d_perp(x, y) * tan(tilt), with
/// d_perp = -x sin(axis) + y cos(axis) the signed distance from the tilt axis, which runs through the
/// centre at `axis_angle_deg` from +x toward +y. handedness = +1: points on the +d_perp side
/// (left of the axis direction) are further from the objective (more underfocus).
struct TiltGeometry {
  double tilt_deg = 0;
  double axis_angle_deg = 0;
  int handedness = +1;
  // Derived: prepare().
  double tan_tilt = 0, axis_cos = 1, axis_sin = 0;
  void prepare() {
    const double k = 3.14159265358979323846 / 180.0;
    tan_tilt = std::tan(tilt_deg * k);
    axis_cos = std::cos(axis_angle_deg * k);
    axis_sin = std::sin(axis_angle_deg * k);
  }
};

/// Defocus change [Å] at position (x, y) [Å from the image centre] of a tilted specimen.
template <class T>
THON_HD T tilt_defocus_offset_A(const TiltGeometry& g, T x_A, T y_A) {
  const T d_perp = -x_A * T(g.axis_sin) + y_A * T(g.axis_cos);
  return T(g.handedness) * d_perp * T(g.tan_tilt);
}

}  // namespace thon::math
