// Per-element pieces of the projection-method image formation (docs/simulate.md), shared by the
// reference (double), CPU and CUDA backends of ops::form_images. They assemble formulas that live
// elsewhere (the CTF in ctf.hpp, the detector in detector.hpp, the origin shift in filter.hpp, the
// random numbers in random.hpp); only their composition is written here.
//
// Model, per particle (contrast-inverted "white" convention of extracted RELION particles):
//   S(k)        central slice of the 3D transform of the potential map V [V] (voxel sums: the FT of
//               P(x) = sum_z V(A^T x)); P * pixel_size is the projected potential V_z [V Å].
//   phase       phi(x) = sigma V_z(x) [rad], weak-phase object psi = 1 + i phi (sigma: electron.hpp).
//   contrast    C(k) = 2 sigma pixel_size * CTF(k) * D(k) * exp(+2 pi i k.o) * S(k),
//               CTF in RELION's sign (CTF(0) = +Q), o the origin shift [Å] (I(x) = P(x + o)),
//               D(k) the detector's signal transfer (MTF/MTF(0) without shot noise; sqrt(DQE/DQE0)
//               before shot noise, the NTF after it: detector.hpp).
//   intensity   the physical image is I(x) = 1 - c(x) (c = F^-1[C]; vacuum = 1, protein darker at
//               low resolution, as in a micrograph); the written image is c = 1 - I: white protein.
//   noise       applied to I by the detector chain of ops/detector.hpp and the functors of
//               noise_kernels.hpp: Poisson counts N' = Poisson(dose p^2 DQE0 I) / DQE0, written as
//               1 - N' / (dose p^2); or I + Gaussian(0, var(I) / snr) per image, written as 1 - I.
#pragma once

#include <cmath>
#include <cstdint>
#include <type_traits>

#include "thon/core/complex.hpp"
#include "thon/core/hd.hpp"
#include "thon/core/views.hpp"
#include "thon/math/ctf.hpp"
#include "thon/math/detector.hpp"
#include "thon/math/filter.hpp"

namespace thon::math {

enum class ImageNoise : int { none = 0, poisson = 1, gaussian = 2 };

/// What every image of a run shares (POD, passed by value to kernels).
struct ImageFormationSetup {
  int box = 0;                    ///< images are box x box pixels
  double pixel_size_A = 1;
  double contrast_scale = 1;      ///< multiplies S(k): 2 sigma pixel_size [1/V] (1 = raw projection)
  bool apply_ctf = true;
  bool tilted = false;            ///< tilted-specimen CTF by strips parallel to the tilt axis
  double strip_width_A = 20;      ///< strip j holds the pixels with round(d_perp / width) == j;
                                  ///< <= 0: exact per pixel (ops::form_images)
  int strip_lo = 0, strip_hi = 0; ///< strips present in the box (tilt_strip_range)
  TiltGeometry tilt;              ///< prepared
  DetectorModel detector;
  ImageNoise noise = ImageNoise::none;
  double dose_e_per_A2 = 0;       ///< Poisson: electrons per Å^2
  double snr = 0;                 ///< Gaussian: signal variance / noise variance, per image
  std::uint64_t seed = 0;
};

/// What differs between images (POD).
struct ImageParticle {
  CtfParams ctf;                  ///< prepared
  double origin_x_A = 0, origin_y_A = 0;
  std::int64_t index = 0;         ///< particle number in the whole run: keys its random numbers
};

/// Random-number stream (random.hpp) of particle `particle`'s parameters (pose, defocus, shift).
/// Pixel noise uses the streams of noise_kernels.hpp, (particle * npix + pixel) < 2^60, so the two
/// never meet. Every backend and every batch size draws the same numbers.
THON_HD std::uint64_t particle_stream(std::int64_t particle) {
  return (std::uint64_t(2) << 60) | std::uint64_t(particle);
}

// Tilted specimens by strips parallel to the tilt axis, as ops::apply_ctf_tilted does them
// (Philippsen, Engel & Engel, Ultramicroscopy 107:202 (2007)): strip j holds the pixels whose signed
// distance d_perp from the axis (ctf.hpp, TiltGeometry) rounds to j strip widths, and is imaged with
// the CTF at the defocus of d_perp = j * width.

/// Signed distance [Å] of pixel (x, y) from the tilt axis through the centre (box/2, box/2).
template <class T>
THON_HD T tilt_distance_A(const ImageFormationSetup& s, int x, int y) {
  return -T(x - s.box / 2) * T(s.pixel_size_A) * T(s.tilt.axis_sin) + T(y - s.box / 2) * T(s.pixel_size_A) * T(s.tilt.axis_cos);
}

/// Strip of pixel (x, y): round(d_perp / width) (half away from zero, as std::lround).
template <class T>
THON_HD int tilt_strip_of_pixel(const ImageFormationSetup& s, int x, int y) {
  return int(std::round(tilt_distance_A<double>(s, x, y) / s.strip_width_A));
}

/// Defocus change [Å] of strip j: tilt_defocus_offset_A at a point of signed distance j * width
/// (the point d (-sin a, cos a) has distance d from the axis).
template <class T>
THON_HD T tilt_strip_offset_A(const ImageFormationSetup& s, int strip) {
  const double d = double(strip) * s.strip_width_A;
  return T(tilt_defocus_offset_A(s.tilt, -d * s.tilt.axis_sin, d * s.tilt.axis_cos));
}

/// Host: the strips the corners of the box fall in (strip_lo <= 0 <= strip_hi).
inline void tilt_strip_range(ImageFormationSetup& s) {
  s.strip_lo = s.strip_hi = 0;
  for (int y : {0, s.box - 1})
    for (int x : {0, s.box - 1}) {
      const int j = tilt_strip_of_pixel<double>(s, x, y);
      s.strip_lo = j < s.strip_lo ? j : s.strip_lo;
      s.strip_hi = j > s.strip_hi ? j : s.strip_hi;
    }
}

/// The real factor multiplying S(k) at half-complex bin (ix, iy): contrast scale x CTF (at defocus
/// offset `defocus_offset_A`, for tilted strips), and with `with_detector` the detector's signal
/// transfer (sqrt(DQE/DQE0) before shot noise, else MTF/MTF0: ops/detector.hpp). The origin shift
/// is the other factor (image_transfer; the fast paths build it from per-axis tables).
template <class T>
THON_HD T image_transfer_real(const ImageFormationSetup& s, const ImageParticle& p, int ix, int iy,
                              T defocus_offset_A, bool with_detector) {
  T kx, ky;
  half_complex_frequency(ix, iy, s.box, s.box, T(s.pixel_size_A), &kx, &ky);
  T f = T(s.contrast_scale);
  if (s.apply_ctf) {
    const T s2 = kx * kx + ky * ky;
    const T df = defocus_at_frequency(p.ctf, kx, ky, s2) + defocus_offset_A;
    // Float (the CPU and CUDA backends): the branch-free sine of fast_sin.hpp, which lets the CPU's
    // row loop vectorise; double (the reference): std::sin.
    if constexpr (std::is_same<T, float>::value)
      f *= ctf_value_at_defocus_fast(p.ctf, s2, df);
    else
      f *= ctf_value_at_defocus(p.ctf, s2, df);
  }
  if (with_detector && s.detector.kind != DetectorKind::ideal) {
    // Frequency in Nyquist units: k * 2 pixel.
    const double fx = double(kx) * 2 * s.pixel_size_A, fy = double(ky) * 2 * s.pixel_size_A;
    f *= T(s.noise == ImageNoise::poisson
               ? detector_signal_prefilter(s.detector, fx, fy)
               : detector_mtf(s.detector, fx, fy) / detector_mtf(s.detector, 0, 0));
  }
  return f;
}

/// The whole factor: image_transfer_real x the origin shift exp(+2 pi i k.o) (filter.hpp).
template <class T>
THON_HD Complex<T> image_transfer(const ImageFormationSetup& s, const ImageParticle& p, int ix, int iy,
                                  T defocus_offset_A, bool with_detector) {
  T kx, ky;
  half_complex_frequency(ix, iy, s.box, s.box, T(s.pixel_size_A), &kx, &ky);
  return phase_shift_factor(kx, ky, T(0), T(p.origin_x_A), T(p.origin_y_A), T(0)) *
         image_transfer_real(s, p, ix, iy, defocus_offset_A, with_detector);
}

/// Per-axis origin-shift tables of one image: exp(+2 pi i kx ox) for the box/2+1 x bins, then
/// exp(+2 pi i ky oy) for the box y bins (their product is the 2D shift phase).
template <class T>
THON_HD Complex<T> origin_shift_table_entry(const ImageFormationSetup& s, const ImageParticle& p, int j) {
  const int h = s.box / 2 + 1;
  T kx, ky;
  if (j < h) {
    half_complex_frequency(j, 0, s.box, s.box, T(s.pixel_size_A), &kx, &ky);
    return phase_shift_factor(kx, T(0), T(0), T(p.origin_x_A), T(0), T(0));
  }
  half_complex_frequency(0, j - h, s.box, s.box, T(s.pixel_size_A), &kx, &ky);
  return phase_shift_factor(T(0), ky, T(0), T(0), T(p.origin_y_A), T(0));
}

/// The projector's slices are centred half-complex transforms (origin at n/2: ops/project.hpp,
/// S_c(k) = exp(+i pi (kx + ky)) F(k) for an even box), while the c2r FFT puts the origin at index 0.
/// Moving the origin is the shift exp(-i pi (kx + ky)) = (-1)^(ix + iy) of integer bins: the fast
/// paths multiply it into the transfer instead of rolling every image after the inverse FFT (the
/// reference calls ops::centred_fourier_to_images; simulate tests compare the two).
THON_HD int centred_to_origin_sign(int ix, int iy) { return ((ix + iy) & 1) ? -1 : 1; }

}  // namespace thon::math
