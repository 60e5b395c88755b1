// Applying the CTF (math/ctf.hpp, RELION sign) to batches of images, phase flipping and Wiener
// correction, and tilted specimens (defocus varying across the image).
//
// Layouts: images are n contiguous nx x ny real arrays [image][y][x]; their transforms are
// half-complex (nx/2+1) x ny (DESIGN.md section 3). `params` holds one prepared CtfParams per image
// (call CtfParams::prepare() first). All pointers are host memory; the CUDA backend copies.
#pragma once

#include <cstdint>
#include <vector>

#include "thon/core/complex.hpp"
#include "thon/core/device.hpp"
#include "thon/math/ctf.hpp"

namespace thon::ops {

enum class CtfOperation {
  multiply,    ///< X * CTF (simulate)
  phase_flip,  ///< X * sign(CTF)
  wiener,      ///< X * CTF / (CTF^2 + wiener_eps), wiener_eps = 1 / SNR
};

/// Values of the CTF on the half-complex grid of each image: out has n * (nx/2+1) * ny floats.
void ctf_grid(Device device, const math::CtfParams* params, int n, int nx, int ny, double pixel_size_A, float* out);

/// In place on half-complex transforms (n * (nx/2+1) * ny values).
void apply_ctf_fourier(Device device, Complex<float>* ft, int n, int nx, int ny, double pixel_size_A,
                       const math::CtfParams* params, CtfOperation op = CtfOperation::multiply,
                       double wiener_eps = 0.1);

/// In place on real images: forward FFT, the operation, inverse FFT (normalised).
void apply_ctf(Device device, float* images, int n, int nx, int ny, double pixel_size_A,
               const math::CtfParams* params, CtfOperation op = CtfOperation::multiply, double wiener_eps = 0.1);

/// Tilted specimen (math::TiltGeometry, prepared): the defocus at image position (x, y) [Å from the
/// centre pixel nx/2, ny/2] is dF_u,v + tilt_defocus_offset_A(x, y).
/// strip_width_A > 0: strips parallel to the tilt axis, each treated with the CTF at its central
///   defocus (Philippsen, Engel & Engel, Ultramicroscopy 107:202 (2007); Voortman et al.,
///   Ultramicroscopy 111 (2011)): one inverse FFT per strip.
/// strip_width_A <= 0: exact per pixel: output pixel (x, y) is the inverse DFT, evaluated at (x, y)
///   only, of X(k) CTF(k; dF(x, y)) (cost O(N^2) per pixel; for tests and small boxes).
/// With op = phase_flip or wiener this is the strip-wise (or per-pixel) correction.
void apply_ctf_tilted(Device device, float* images, int n, int nx, int ny, double pixel_size_A,
                      const math::CtfParams* params, const math::TiltGeometry& tilt, double strip_width_A,
                      CtfOperation op = CtfOperation::multiply, double wiener_eps = 0.1);

/// Per-image CTF parameters for simulation: defocus uniform in [min_A, max_A] (mean of U and V),
/// astigmatism |U - V| uniform in [0, astigmatism_max_A], angle uniform in [0, 180) degrees.
struct DefocusRange {
  double min_A = 10000, max_A = 25000;
  double astigmatism_max_A = 0;
};

/// n prepared CtfParams for images first_image .. first_image + n - 1: `base` with the defocus drawn
/// from `range` by the counter-based generator (stream: seed, image), so any batch split gives the
/// same values. Throws thon::Error for min_A > max_A, negative astigmatism or n < 0.
std::vector<math::CtfParams> sample_ctf_params(const math::CtfParams& base, const DefocusRange& range, int n,
                                               std::uint64_t seed, std::int64_t first_image = 0);

}  // namespace thon::ops
