// Detector transfer: MTF and DQE as functions of the spatial frequency f in units of Nyquist
// (f = 1 at 1/(2 pixel)), PHYSICS.md 5.9.
//
// Model (Vulovic et al., "Image formation modeling in cryo-electron microscopy", J. Struct. Biol.
// 183:19 (2013); InSilicoTEM DetectSim.m): with NTF = sqrt(MTF^2 / DQE) the noise transfer,
//   expected image -> x MTF/NTF = sqrt(DQE) -> Poisson counts -> x NTF
// so the signal is transferred by MTF and the (white) shot noise by NTF. Without noise the signal is
// simply multiplied by MTF. cisTEM (simulate.cpp apply_sqrt_DQE_or_NTF) and cryoJAX multiply the
// signal by sqrt(DQE) before Poisson, the same first step. All curves are normalised to 1 at f = 0
// here so the dose is preserved; DQE(0) < 1 enters as a reduced effective dose (see ops/detector.hpp).
//
// Presets: ideal (MTF = DQE = 1); counting (MTF(f) = sinc(pi f / 2) per axis, DQE(f) = DQE0
// sinc^2(pi fx / 2) sinc^2(pi fy / 2), cryoJAX CountingDQE, DQE at Nyquist on-axis (2/pi)^2 DQE0);
// table (measured curves, radial, linear interpolation in f).
#pragma once

#include <cmath>

#include "thon/core/hd.hpp"

namespace thon::math {

enum class DetectorKind : int { ideal = 0, counting = 1, table = 2 };

inline constexpr int kDetectorTableMax = 128;

/// A POD describing the detector; tables hold up to kDetectorTableMax points (f ascending in [0, 1]).
struct DetectorModel {
  DetectorKind kind = DetectorKind::ideal;
  double dqe0 = 1.0;  ///< DQE at zero frequency (counting preset); tables: their own value at f = 0
  int n_mtf = 0, n_dqe = 0;
  float mtf_f[kDetectorTableMax], mtf_v[kDetectorTableMax];
  float dqe_f[kDetectorTableMax], dqe_v[kDetectorTableMax];
};

/// Linear interpolation of a table (f ascending); constant beyond the ends.
THON_HD double table_lookup(const float* f, const float* v, int n, double x) {
  if (n <= 0) return 1.0;
  if (x <= f[0]) return v[0];
  if (x >= f[n - 1]) return v[n - 1];
  int lo = 0, hi = n - 1;
  while (hi - lo > 1) {
    const int mid = (lo + hi) / 2;
    if (f[mid] <= x) lo = mid; else hi = mid;
  }
  const double t = (x - f[lo]) / (double(f[hi]) - f[lo]);
  return v[lo] + t * (double(v[hi]) - v[lo]);
}

/// Normalised sinc: sin(x)/x, 1 at 0.
THON_HD double sinc(double x) { return std::fabs(x) < 1e-8 ? 1.0 : std::sin(x) / x; }

/// MTF at frequency (fx, fy) in Nyquist units.
THON_HD double detector_mtf(const DetectorModel& d, double fx, double fy) {
  const double pi = 3.14159265358979323846;
  switch (d.kind) {
    case DetectorKind::counting: return sinc(0.5 * pi * fx) * sinc(0.5 * pi * fy);
    case DetectorKind::table: return table_lookup(d.mtf_f, d.mtf_v, d.n_mtf, std::sqrt(fx * fx + fy * fy));
    default: return 1.0;
  }
}

/// DQE at (fx, fy) in Nyquist units (absolute: includes DQE(0)).
THON_HD double detector_dqe(const DetectorModel& d, double fx, double fy) {
  const double pi = 3.14159265358979323846;
  switch (d.kind) {
    case DetectorKind::counting: {
      const double s = sinc(0.5 * pi * fx) * sinc(0.5 * pi * fy);
      return d.dqe0 * s * s;
    }
    case DetectorKind::table: return table_lookup(d.dqe_f, d.dqe_v, d.n_dqe, std::sqrt(fx * fx + fy * fy));
    default: return 1.0;
  }
}

/// Filter applied to the expected image before shot noise: sqrt(DQE(f) / DQE(0)).
THON_HD double detector_signal_prefilter(const DetectorModel& d, double fx, double fy) {
  const double d0 = detector_dqe(d, 0, 0);
  const double q = detector_dqe(d, fx, fy);
  return d0 > 0 && q > 0 ? std::sqrt(q / d0) : 0.0;
}

/// Filter applied after shot noise: NTF(f) / NTF(0) with NTF = MTF / sqrt(DQE), so that
/// prefilter * postfilter = MTF / MTF(0) (signal) and the noise spectrum is NTF^2.
THON_HD double detector_noise_postfilter(const DetectorModel& d, double fx, double fy) {
  const double m = detector_mtf(d, fx, fy), m0 = detector_mtf(d, 0, 0);
  const double pre = detector_signal_prefilter(d, fx, fy);
  if (pre <= 0 || m0 == 0) return 0.0;
  return (m / m0) / pre;
}

}  // namespace thon::math
