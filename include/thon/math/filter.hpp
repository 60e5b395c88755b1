// Per-frequency filter weights and the phase-shift translation factor (one formula, one place).
// Frequencies s in cycles/Å (|s| of the bin, see fourier_grid.hpp); widths in the same unit.
#pragma once

#include <cmath>

#include "thon/core/complex.hpp"
#include "thon/core/hd.hpp"

namespace thon::math {

enum class FilterKind : int { none = 0, lowpass, highpass, bandpass, gaussian, bfactor };

/// One Fourier filter, passed by value to every backend.
///   lowpass : raised-cosine edge centred on high_cut_per_A (weight 1/2 there), width edge_width_per_A
///   highpass: 1 - the same edge centred on low_cut_per_A
///   bandpass: highpass(low_cut_per_A) * lowpass(high_cut_per_A)
///   gaussian: exp(-s^2 / (2 sigma^2)), sigma_per_A
///   bfactor : exp(-B s^2 / 4), B in Å^2 (B > 0 blurs, B < 0 sharpens)
struct FilterSpec {
  FilterKind kind = FilterKind::none;
  double low_cut_per_A = 0;
  double high_cut_per_A = 0;
  double edge_width_per_A = 0;
  double sigma_per_A = 0;
  double bfactor_A2 = 0;
};

/// Raised-cosine low-pass: 1 for s <= c - w/2, 0 for s >= c + w/2, and
/// (1 + cos(pi (s - c + w/2) / w)) / 2 in between (RELION's lowPassFilterMap edge). w = 0: hard edge
/// (1 for s <= c).
template <class T>
THON_HD T raised_cosine_lowpass(T s, T cut, T width) {
  if (width <= T(0)) return s <= cut ? T(1) : T(0);
  const T lo = cut - T(0.5) * width;
  if (s <= lo) return T(1);
  if (s >= cut + T(0.5) * width) return T(0);
  return T(0.5) * (T(1) + std::cos(T(3.14159265358979323846) * (s - lo) / width));
}

/// Raised-cosine high-pass: 1 - raised_cosine_lowpass(s, cut, width).
template <class T>
THON_HD T raised_cosine_highpass(T s, T cut, T width) {
  return T(1) - raised_cosine_lowpass(s, cut, width);
}

/// Gaussian low-pass exp(-s^2 / (2 sigma^2)).
template <class T>
THON_HD T gaussian_lowpass(T s, T sigma) {
  return std::exp(-s * s / (T(2) * sigma * sigma));
}

/// B-factor weight exp(-B s^2 / 4) (the CTF envelope convention of PHYSICS.md).
template <class T>
THON_HD T bfactor_weight(T s, T bfactor_A2) {
  return std::exp(-bfactor_A2 * s * s / T(4));
}

/// Weight of `spec` at frequency magnitude s (cycles/Å).
template <class T>
THON_HD T filter_weight(const FilterSpec& f, T s) {
  switch (f.kind) {
    case FilterKind::lowpass: return raised_cosine_lowpass(s, T(f.high_cut_per_A), T(f.edge_width_per_A));
    case FilterKind::highpass: return raised_cosine_highpass(s, T(f.low_cut_per_A), T(f.edge_width_per_A));
    case FilterKind::bandpass:
      return raised_cosine_highpass(s, T(f.low_cut_per_A), T(f.edge_width_per_A)) *
             raised_cosine_lowpass(s, T(f.high_cut_per_A), T(f.edge_width_per_A));
    case FilterKind::gaussian: return gaussian_lowpass(s, T(f.sigma_per_A));
    case FilterKind::bfactor: return bfactor_weight(s, T(f.bfactor_A2));
    default: return T(1);
  }
}

/// Translation by phase shift: the image I(x) = P(x + o) (origin shift o in Å, DESIGN.md section 3)
/// has F_I(k) = F_P(k) exp(+2 pi i k.o) with k in cycles/Å and the forward FFT exp(-2 pi i k.x).
template <class T>
THON_HD Complex<T> phase_shift_factor(T kx_per_A, T ky_per_A, T kz_per_A, T ox_A, T oy_A, T oz_A) {
  const T phase = T(2 * 3.14159265358979323846) * (kx_per_A * ox_A + ky_per_A * oy_A + kz_per_A * oz_A);
  return Complex<T>(std::cos(phase), std::sin(phase));
}

}  // namespace thon::math
