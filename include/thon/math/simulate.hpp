// Per-element pieces of the projection-method image formation (docs/simulate.md), shared by the
// reference (double), CPU and CUDA backends of ops::form_images. They assemble formulas that live
// elsewhere (the CTF in ctf.hpp, the detector in detector.hpp, the random numbers in random.hpp);
// the only expressions written here are the composition and the Fourier shift phase.
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

#include "thon/core/complex.hpp"
#include "thon/core/hd.hpp"
#include "thon/core/views.hpp"
#include "thon/math/ctf.hpp"
#include "thon/math/detector.hpp"

namespace thon::math {

enum class ImageNoise : int { none = 0, poisson = 1, gaussian = 2 };

/// What every image of a run shares (POD, passed by value to kernels).
struct ImageFormationSetup {
  int box = 0;                    ///< images are box x box pixels
  double pixel_size_A = 1;
  double contrast_scale = 1;      ///< multiplies S(k): 2 sigma pixel_size [1/V] (1 = raw projection)
  bool apply_ctf = true;
  bool tilted = false;            ///< tilted-specimen CTF by strips parallel to the tilt axis
  int tilt_strips = 1;
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

/// exp(+2 pi i k.o): the transform of I(x) = P(x + o) is F_P(k) exp(+2 pi i k.o) (DESIGN.md 3).
template <class T>
THON_HD Complex<T> origin_shift_phase(T kx, T ky, T origin_x_A, T origin_y_A) {
  const T phase = T(6.283185307179586) * (kx * origin_x_A + ky * origin_y_A);
  return {std::cos(phase), std::sin(phase)};
}

/// Defocus change [Å] of strip `strip` of a tilted image (tilt_defocus_offset_A at its centre line).
template <class T>
THON_HD T tilt_strip_offset_A(const ImageFormationSetup& s, int strip) {
  // Strips split the distance range [-R, R], R = box * pixel / sqrt(2) (the corners), evenly.
  const T r = T(s.box) * T(s.pixel_size_A) * T(0.70710678118654752);
  const T width = T(2) * r / T(s.tilt_strips);
  const T d_perp = -r + (T(strip) + T(0.5)) * width;
  // tilt_defocus_offset_A takes a position; the point at distance d_perp along the axis normal
  // (-sin a, cos a) has exactly that signed distance.
  return tilt_defocus_offset_A(s.tilt, -d_perp * T(s.tilt.axis_sin), d_perp * T(s.tilt.axis_cos));
}

/// Strip of pixel (x, y) (indices) of a tilted image.
template <class T>
THON_HD int tilt_strip_of_pixel(const ImageFormationSetup& s, int x, int y) {
  const T px = T(x - s.box / 2) * T(s.pixel_size_A), py = T(y - s.box / 2) * T(s.pixel_size_A);
  const T d_perp = -px * T(s.tilt.axis_sin) + py * T(s.tilt.axis_cos);
  const T r = T(s.box) * T(s.pixel_size_A) * T(0.70710678118654752);
  int strip = int(std::floor((d_perp + r) / (T(2) * r) * T(s.tilt_strips)));
  return strip < 0 ? 0 : (strip >= s.tilt_strips ? s.tilt_strips - 1 : strip);
}

/// The factor multiplying S(k) at half-complex bin (ix, iy): contrast scale x CTF (at defocus
/// offset `defocus_offset_A`, for tilted strips) x origin shift, and with `with_detector` the
/// detector's signal transfer (sqrt(DQE/DQE0) before shot noise, else MTF/MTF0: ops/detector.hpp).
template <class T>
THON_HD Complex<T> image_transfer(const ImageFormationSetup& s, const ImageParticle& p, int ix, int iy,
                                  T defocus_offset_A, bool with_detector) {
  T kx, ky;
  half_complex_frequency(ix, iy, s.box, s.box, T(s.pixel_size_A), &kx, &ky);
  T f = T(s.contrast_scale);
  if (s.apply_ctf) {
    const T s2 = kx * kx + ky * ky;
    const T df = (p.ctf.defocus_u_A == p.ctf.defocus_v_A)
                     ? T(p.ctf.defocus_u_A)
                     : defocus_at_angle(p.ctf, T(std::atan2(ky, kx)));
    f *= ctf_value_at_defocus(p.ctf, s2, df + defocus_offset_A);
  }
  if (with_detector && s.detector.kind != DetectorKind::ideal) {
    // Frequency in Nyquist units: k * 2 pixel.
    const double fx = double(kx) * 2 * s.pixel_size_A, fy = double(ky) * 2 * s.pixel_size_A;
    f *= T(s.noise == ImageNoise::poisson
               ? detector_signal_prefilter(s.detector, fx, fy)
               : detector_mtf(s.detector, fx, fy) / detector_mtf(s.detector, 0, 0));
  }
  return origin_shift_phase(kx, ky, T(p.origin_x_A), T(p.origin_y_A)) * f;
}

/// The projector's slices are centred half-complex transforms (origin at n/2: ops/project.hpp,
/// S_c(k) = exp(+i pi (kx + ky)) F(k) for an even box), while the c2r FFT puts the origin at index 0.
/// Moving the origin is the shift exp(-i pi (kx + ky)) = (-1)^(ix + iy) of integer bins: the fast
/// paths multiply it into the transfer instead of rolling every image after the inverse FFT (the
/// reference calls ops::centred_fourier_to_images; simulate tests compare the two).
THON_HD int centred_to_origin_sign(int ix, int iy) { return ((ix + iy) & 1) ? -1 : 1; }

}  // namespace thon::math
