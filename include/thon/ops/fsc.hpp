// Fourier shell (ring) correlation of two maps (images) and the resolution at a threshold.
//
// FSC(r) = sum Re(A B*) / sqrt(sum |A|^2 sum |B|^2) over the stored half-complex bins of shell
// r = round(|k|) in Fourier pixels (RELION's getFSC), r = 0 .. n/2; count[r] = number of bins.
// Resolution of shell r: n p / r Å (shell 0 is written as 999 Å, as RELION does).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "thon/core/array.hpp"
#include "thon/core/device.hpp"
#include "thon/core/views.hpp"

namespace thon {

struct FscCurve {
  int box = 0;                  ///< n of the cubic (square) box
  double pixel_size_A = 0;
  std::vector<double> fsc;      ///< per shell 0 .. n/2
  std::vector<std::int64_t> count;
  /// Shell r in cycles/Å: r / (n p).
  double frequency_per_A(int shell) const { return double(shell) / (double(box) * pixel_size_A); }
};

struct FscResolution {
  int shell = 0;                ///< last shell before the curve first drops below the threshold
  double resolution_A = 0;      ///< n p / shell (infinity when shell is 0)
};

namespace ops {

/// FSC of two cubic volumes or FRC of two square images of the same shape (batch 1).
FscCurve fsc(Device device, const float* a, const float* b, const Shape& shape, double pixel_size_A);
FscCurve fsc(Device device, const Volume<float>& a, const Volume<float>& b);
FscCurve frc(Device device, const Image<float>& a, const Image<float>& b);

}  // namespace ops

/// RELION's rule (relion_postprocess): walk the shells from 1; the resolution is that of the last
/// shell before the first one whose FSC is below `threshold` (Nyquist when none is).
FscResolution fsc_resolution(const std::vector<double>& fsc, double threshold, int box,
                             double pixel_size_A);

/// The curve as a RELION-style STAR table: data_fsc, loop of _rlnSpectralIndex, _rlnResolution
/// (1/Å), _rlnAngstromResolution, _rlnFourierShellCorrelation.
std::string fsc_star_text(const FscCurve& curve);
/// Writes fsc_star_text atomically (temporary file, then rename). Throws thon::Error(io).
void write_fsc_star(const std::string& path, const FscCurve& curve);

}  // namespace thon
