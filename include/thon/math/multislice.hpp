// Multislice image formation, the per-element pieces shared by the reference (double), CPU and
// CUDA backends of ops::multislice_images (docs/multislice.md). The formulas are those of
// propagator.hpp (transmission, propagator, band limit, lens), scattering.hpp (slab potentials) and
// random.hpp; only their composition and the geometry of the slabs are written here.
//
// Geometry (z along the beam, Å, relative to the particle centre, which sits at field pixel
// (n/2, n/2) in x, y): the specimen spans [z_entrance, z_entrance + thickness]; slab j covers
// [z_entrance + j dz, z_entrance + (j+1) dz] (the last one may be thinner) and its phase grating
// acts at the slab's centre plane. The recursion is
//   psi_0 = 1;  psi_{j+1} = F^-1[ P(dz_j^+) M F[ t_j psi_j ] ],  t_j = F^-1[ M F[exp(i sigma v_j - sigma v_im,j)] ]
// with M the band limit and dz_j^+ the distance from slab j's centre to slab j+1's centre, and the
// exit wave (at the exit surface) is F^-1[ P(dz_last / 2) M F[t_last psi_last] ]. The defocus of
// each particle refers to the plane z = 0 through its centre; the exit surface lies
// z_exit = z_entrance + thickness below it, so the lens applies W(k; dF + z_exit).
#pragma once

#include <cmath>
#include <cstdint>

#include "thon/core/complex.hpp"
#include "thon/core/hd.hpp"
#include "thon/core/views.hpp"
#include "thon/math/propagator.hpp"
#include "thon/math/random.hpp"
#include "thon/math/simulate.hpp"

namespace thon::math {

enum class IceModel : int { none = 0, constant = 1, random = 2 };

/// Number of Gaussian terms of a water molecule (O + 2 H, Peng 1996): 15.
inline constexpr int kWaterTerms = 15;

/// What every particle of a run shares (POD, passed by value to kernels). User fields first;
/// ops::prepare_multislice fills the derived ones and checks everything.
struct MultisliceSetup {
  int field = 0;                    ///< the wave is field x field pixels (>= box)
  int box = 0;                      ///< images: the central box x box pixels of the field
  double pixel_size_A = 1;
  double voltage_kV = 300;
  double slice_thickness_A = 2;     ///< dz
  double ice_thickness_A = 0;       ///< 0: no ice; the specimen is the particle's own slab
  double depth_A = 0;               ///< ice: the particle centre lies this far below the entrance surface
  IceModel ice = IceModel::none;
  double ice_potential_V = 4.58;    ///< mean inner potential of the ice (PHYSICS.md 5.3: 0.94 g/cm^3)
  double absorption_ratio = 0;      ///< v_im = ratio v (TEM-simulator's famp)
  double mean_free_path_A = 0;      ///< > 0: uniform v_im = dz / (2 sigma Lambda) per slab (InSilicoTEM)
  double beam_tilt_x_mrad = 0, beam_tilt_y_mrad = 0;
  double band_limit = 2.0 / 3.0;    ///< cut-off, fraction of Nyquist
  double band_edge = 0.02;          ///< width of the raised-cosine edge, fraction of Nyquist
  double aperture_mrad = 0;         ///< objective aperture semi-angle; 0: none
  double extra_b_A2 = 0;            ///< added to every atom's B-factor
  std::uint64_t seed = 1;           ///< random ice

  // Derived (ops::prepare_multislice).
  double lambda_A = 0;
  double sigma = 0;                 ///< interaction constant [rad / (V Å)]
  double k_cut = 0, k_edge = 0;     ///< band limit and edge width [1/Å]
  double k_aperture = 0;            ///< [1/Å]; 0: open
  double tan_tilt_x = 0, tan_tilt_y = 0;
  double z_entrance_A = 0;          ///< entrance surface relative to the particle centre
  double thickness_A = 0;           ///< specimen thickness
  int n_slabs = 0;
  double water_number_density_per_A3 = 0;  ///< random ice: ice_potential_V / (47.8776 f_water(0))
  double water_a[kWaterTerms] = {};        ///< f_water(s) = sum a_i exp(-b_i s^2) [Å]
  double water_b[kWaterTerms] = {};
  double unscattered_re = 1, unscattered_im = 0;  ///< u: exit wave of the empty specimen (lens, below)
};

/// z range [Å, relative to the particle centre] of slab j.
THON_HD void slab_range_A(const MultisliceSetup& s, int j, double* z1, double* z2) {
  *z1 = s.z_entrance_A + j * s.slice_thickness_A;
  const double end = s.z_entrance_A + s.thickness_A;
  const double z = s.z_entrance_A + (j + 1) * s.slice_thickness_A;
  *z2 = (j == s.n_slabs - 1 || z > end) ? end : z;
}

/// Thickness [Å] of slab j: dz, or what is left for the last one (exactly the same value for
/// every full slab, so tables keyed by it are shared).
THON_HD double slab_thickness_A(const MultisliceSetup& s, int j) {
  if (j < s.n_slabs - 1) return s.slice_thickness_A;
  return s.thickness_A - (s.n_slabs - 1) * s.slice_thickness_A;
}

/// Propagation distance [Å] after slab j's grating: to slab j+1's centre, or to the exit surface.
THON_HD double slab_step_A(const MultisliceSetup& s, int j) {
  if (j == s.n_slabs - 1) return 0.5 * slab_thickness_A(s, j);
  return 0.5 * (slab_thickness_A(s, j) + slab_thickness_A(s, j + 1));
}

/// Uniform additions to slab j's potential: ice mean inner potential (constant or the mean of the
/// random screen) times the slab thickness [V Å], and the absorptive part of the mean free path.
THON_HD double slab_uniform_potential_VA(const MultisliceSetup& s, int j) {
  if (s.ice == IceModel::none) return 0;
  return s.ice_potential_V * slab_thickness_A(s, j);
}
THON_HD double slab_uniform_absorption_VA(const MultisliceSetup& s, int j) {
  if (s.mean_free_path_A <= 0) return 0;
  return slab_thickness_A(s, j) / (2.0 * s.sigma * s.mean_free_path_A);
}

/// Random ice: power spectrum [(V Å)^2 Å^2] of the projected potential of a slab of thickness dz of
/// independent water molecules (number density n): n dz (47.8776 f_water(k/2))^2 (no O-O structure
/// factor: S(k) = 1). The mean n dz 47.8776 f_water(0) = ice_potential_V dz is added separately.
THON_HD double ice_power_spectrum(const MultisliceSetup& s, double k2_per_A2, double dz_A) {
  const double s2 = 0.25 * k2_per_A2;
  double f = 0;
  for (int i = 0; i < kWaterTerms; ++i) f += s.water_a[i] * std::exp(-s.water_b[i] * s2);
  const double v = kPotentialPrefactor_VA2 * f;
  return s.water_number_density_per_A3 * dz_A * v * v;
}

/// Random ice by pairs: one complex Gaussian field Z = F^-1[a (g1 + i g2)] holds two independent
/// real screens of the same spectrum (Re Z and Im Z are uncorrelated for a circular draw with an
/// even amplitude a(k)), so slabs 2p and 2p+1 of equal thickness share draw p: 2p takes Re Z,
/// 2p+1 takes Im Z. An unpaired slab (the last one of an odd count, or a thinner last slab) draws
/// alone (key n_slabs for a thinner odd last slab, whose pair key is taken).
THON_HD bool ice_paired(const MultisliceSetup& s, int j) {
  const int partner = j ^ 1;
  return partner < s.n_slabs && slab_thickness_A(s, partner) == slab_thickness_A(s, j);
}
THON_HD int ice_draw_key(const MultisliceSetup& s, int j) { return (ice_paired(s, j) || j % 2 == 0) ? j / 2 : s.n_slabs; }
THON_HD bool ice_uses_imag(const MultisliceSetup& s, int j) { return j % 2 == 1 && ice_paired(s, j); }

/// Random-number stream of bin `bin` of ice draw `key` of particle `particle`; disjoint from the
/// noise streams (< 2^60) and the particle streams (2 << 60).
THON_HD std::uint64_t ice_stream(const MultisliceSetup& s, std::int64_t particle, int key, index_t bin) {
  return (std::uint64_t(3) << 60) |
         ((std::uint64_t(particle) * std::uint64_t(s.n_slabs + 1) + std::uint64_t(key)) * std::uint64_t(s.field) *
              std::uint64_t(s.field) +
          std::uint64_t(bin));
}

/// Amplitude a(k) = sqrt(PS(k)) / pixel * sqrt(N) of the ice screen of a slab of thickness dz at
/// bin (ix, iy) (full complex layout); 0 at DC (the mean is added separately).
template <class T>
THON_HD T ice_screen_amplitude(const MultisliceSetup& s, int ix, int iy, double dz_A) {
  if (ix == 0 && iy == 0) return T(0);
  double kx, ky;
  full_complex_frequency(ix, iy, s.field, s.field, s.pixel_size_A, &kx, &ky);
  return T(std::sqrt(ice_power_spectrum(s, kx * kx + ky * ky, dz_A)) / s.pixel_size_A * double(s.field));
}

/// Fourier coefficient of the ice screen of slab j at bin `bin` = iy * field + ix: amplitude
/// (g1 + i g2), g standard normal from the bin's stream of the slab's draw, so the real (or, for the
/// second slab of a pair, imaginary) part of the unnormalised inverse DFT divided by N is a real
/// Gaussian field of spectrum PS.
template <class T>
THON_HD Complex<T> ice_screen_draw(const MultisliceSetup& s, std::int64_t particle, int slab, index_t bin, T amplitude) {
  if (amplitude == T(0)) return {T(0), T(0)};
  RandomStream rng(s.seed, ice_stream(s, particle, ice_draw_key(s, slab), bin));
  double g1, g2;
  rng.normal_pair(&g1, &g2);
  return {T(amplitude * g1), T(amplitude * g2)};
}

/// Both of the above at bin (ix, iy) of slab j (the reference's per-bin form).
template <class T>
THON_HD Complex<T> ice_screen_coefficient(const MultisliceSetup& s, std::int64_t particle, int slab, int ix, int iy) {
  return ice_screen_draw(s, particle, slab, index_t(iy) * s.field + ix,
                         ice_screen_amplitude<T>(s, ix, iy, slab_thickness_A(s, slab)));
}

/// Band-limit mask at bin (ix, iy) of the field.
template <class T>
THON_HD T field_mask(const MultisliceSetup& s, int ix, int iy) {
  T kx, ky;
  full_complex_frequency(ix, iy, s.field, s.field, T(s.pixel_size_A), &kx, &ky);
  return band_limit_mask(std::sqrt(kx * kx + ky * ky), T(s.k_cut), T(s.k_edge));
}

/// Propagator by dz times the band limit at bin (ix, iy).
template <class T>
THON_HD Complex<T> field_propagator(const MultisliceSetup& s, int ix, int iy, T dz_A) {
  T kx, ky;
  full_complex_frequency(ix, iy, s.field, s.field, T(s.pixel_size_A), &kx, &ky);
  const T m = band_limit_mask(std::sqrt(kx * kx + ky * ky), T(s.k_cut), T(s.k_edge));
  if (m == T(0)) return {T(0), T(0)};
  return fresnel_propagator(T(s.lambda_A), dz_A, kx, ky, T(s.tan_tilt_x), T(s.tan_tilt_y)) * m;
}

/// The objective lens on bin (ix, iy) of the unnormalised transform f of particle p's exit wave:
/// W(k; dF + z_exit) times the origin shift exp(+2 pi i k.o) (I(x) = P(x + o), as simulate.hpp) on
/// the scattered wave. The unscattered beam is the exit wave u of the empty specimen (vacuum: 1;
/// uniform ice and absorption: a plane wave of amplitude u, s.unscattered_*), N u at the DC bin
/// (N = field^2); it passes with transfer 1 and the rest of the DC bin, scattered, with W(0), so a
/// weak object imaged through vacuum gives thon simulate's projection image, mean included.
template <class T>
THON_HD Complex<T> field_lens(const MultisliceSetup& s, const ImageParticle& p, int ix, int iy, Complex<T> f) {
  T kx, ky;
  full_complex_frequency(ix, iy, s.field, s.field, T(s.pixel_size_A), &kx, &ky);
  const T z_exit = T(s.z_entrance_A + s.thickness_A);
  const Complex<T> w = wave_transfer(p.ctf, kx, ky, z_exit, T(s.k_aperture));
  if (ix == 0 && iy == 0) {
    const T n = T(s.field) * T(s.field);
    const Complex<T> u(T(s.unscattered_re) * n, T(s.unscattered_im) * n);
    return (f - u) * w + u;
  }
  return f * w * phase_shift_factor(kx, ky, T(0), T(p.origin_x_A), T(p.origin_y_A), T(0));
}

/// Index in the field of pixel (x, y) of the central box.
THON_HD index_t crop_to_field(const MultisliceSetup& s, int x, int y) {
  const int o = s.field / 2 - s.box / 2;
  return index_t(y + o) * s.field + (x + o);
}

// ---- Element-wise functors (index i over n particles x field^2, c2c layout, or x box^2) ----

/// t[i] = transmission(sigma, v + v_add (+ screen), ratio (v + v_add) + vim_add) of one slab.
/// `screen` (random ice, nullable) is the complex inverse DFT of the coefficients; its real part (its
/// imaginary part with `imag`: ice_uses_imag) divided by field^2 is added to v.
template <class Real>
struct TransmissionFunctor {
  Real sigma, ratio, v_add, vim_add, screen_scale;
  const Real* v;
  const Complex<Real>* screen;
  bool imag;
  Complex<Real>* t;
  THON_HD void operator()(index_t i) const {
    Real vi = v[i] + v_add;
    if (screen) vi += (imag ? screen[i].im : screen[i].re) * screen_scale;
    if (ratio == Real(0) && vim_add == Real(0)) {  // no absorption: skip exp(0)
      t[i] = Complex<Real>(std::cos(sigma * vi), std::sin(sigma * vi));
      return;
    }
    t[i] = transmission(sigma, vi, ratio * vi + vim_add);
  }
};

/// f[i] *= mask(k) * scale.
template <class Real>
struct MaskFunctor {
  MultisliceSetup s;
  Real scale;
  Complex<Real>* f;
  THON_HD void operator()(index_t i) const {
    const index_t n2 = index_t(s.field) * s.field, r = i % n2;
    f[i] *= field_mask<Real>(s, int(r % s.field), int(r / s.field)) * scale;
  }
};

/// psi[i] *= t[i].
template <class Real>
struct MultiplyFunctor {
  const Complex<Real>* t;
  Complex<Real>* psi;
  THON_HD void operator()(index_t i) const { psi[i] *= t[i]; }
};

/// f[i] *= P(dz) mask(k) * scale.
template <class Real>
struct PropagateFunctor {
  MultisliceSetup s;
  Real dz_A, scale;
  Complex<Real>* f;
  THON_HD void operator()(index_t i) const {
    const index_t n2 = index_t(s.field) * s.field, r = i % n2;
    f[i] *= field_propagator<Real>(s, int(r % s.field), int(r / s.field), dz_A) * scale;
  }
};

/// f[i] = ice screen coefficient of particle (first + i / field^2), slab `slab`, from the amplitude
/// table amp[field^2] (IceAmplitudeTableFunctor).
template <class Real>
struct IceScreenFunctor {
  MultisliceSetup s;
  std::int64_t first;
  int slab;
  const Real* amp;
  Complex<Real>* f;
  THON_HD void operator()(index_t i) const {
    const index_t n2 = index_t(s.field) * s.field, r = i % n2;
    f[i] = ice_screen_draw(s, first + i / n2, slab, r, amp[r]);
  }
};

// Per-bin tables of one run (index i < field^2), filled once from the formulas above: the fast
// backends multiply by them instead of re-evaluating the exponentials of every slab.
template <class Real>
struct PropagatorTableFunctor {
  MultisliceSetup s;
  Real dz_A;
  Complex<Real>* out;
  THON_HD void operator()(index_t i) const { out[i] = field_propagator<Real>(s, int(i % s.field), int(i / s.field), dz_A); }
};
template <class Real>
struct MaskTableFunctor {
  MultisliceSetup s;
  Real* out;
  THON_HD void operator()(index_t i) const { out[i] = field_mask<Real>(s, int(i % s.field), int(i / s.field)); }
};
template <class Real>
struct IceAmplitudeTableFunctor {
  MultisliceSetup s;
  double dz_A;
  Real* out;
  THON_HD void operator()(index_t i) const { out[i] = ice_screen_amplitude<Real>(s, int(i % s.field), int(i / s.field), dz_A); }
};

/// For bin i < n2 of each of the n waves: f[m n2 + i] *= table[i] * c (a propagator table times a
/// uniform factor: the 1/N of the coming inverse transform, and for slabs without atoms their
/// uniform transmissions). One call per bin: no index division, the table entry read once.
template <class Real>
struct TableMultiplyFunctor {
  const Complex<Real>* table;
  Complex<Real> c;
  index_t n2;
  int n;
  Complex<Real>* f;
  THON_HD void operator()(index_t i) const {
    const Complex<Real> w = table[i] * c;
    for (int m = 0; m < n; ++m) f[m * n2 + i] *= w;
  }
};
/// For bin i < n2 of each of the n waves: f[m n2 + i] *= table[i] * scale.
template <class Real>
struct RealTableMultiplyFunctor {
  const Real* table;
  Real scale;
  index_t n2;
  int n;
  Complex<Real>* f;
  THON_HD void operator()(index_t i) const {
    const Real w = table[i] * scale;
    for (int m = 0; m < n; ++m) f[m * n2 + i] *= w;
  }
};

/// A run of k consecutive slabs without atoms, carried in Fourier space: the propagators multiply
/// to one of the total distance (P(a) P(b) = P(a + b), tilt included) and the band limit applies k
/// times: out[i] = P(dz_total) M^k at bin i < field^2.
template <class Real>
struct RunPropagatorTableFunctor {
  MultisliceSetup s;
  Real dz_total_A;
  int k;
  Complex<Real>* out;
  THON_HD void operator()(index_t i) const {
    const int ix = int(i % s.field), iy = int(i / s.field);
    Real kx, ky;
    full_complex_frequency(ix, iy, s.field, s.field, Real(s.pixel_size_A), &kx, &ky);
    const Real m = field_mask<Real>(s, ix, iy);
    Real mk = Real(1);
    for (int j = 0; j < k; ++j) mk *= m;
    out[i] = mk == Real(0) ? Complex<Real>(Real(0), Real(0))
                           : fresnel_propagator(Real(s.lambda_A), dz_total_A, kx, ky, Real(s.tan_tilt_x), Real(s.tan_tilt_y)) * mk;
  }
};

/// f[i] *= W(k) shift(k) * scale of particle i / field^2.
template <class Real>
struct LensFunctor {
  MultisliceSetup s;
  const ImageParticle* particles;
  Real scale;
  Complex<Real>* f;
  THON_HD void operator()(index_t i) const {
    const index_t n2 = index_t(s.field) * s.field, r = i % n2;
    f[i] = field_lens<Real>(s, particles[i / n2], int(r % s.field), int(r / s.field), f[i]) * scale;
  }
};
/// out[i] = |psi|^2 at pixel i of the central box (i over n x box^2).
template <class Real>
struct IntensityCropFunctor {
  MultisliceSetup s;
  const Complex<Real>* psi;
  Real* out;
  THON_HD void operator()(index_t i) const {
    const index_t b2 = index_t(s.box) * s.box, r = i % b2;
    out[i] = norm(psi[(i / b2) * index_t(s.field) * s.field + crop_to_field(s, int(r % s.box), int(r / s.box))]);
  }
};

}  // namespace thon::math
