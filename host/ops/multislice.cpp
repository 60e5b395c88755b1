// Dispatcher of ops::multislice_images, the checks and slab plan of a multislice setup, and the
// host-side slab atoms of the fast backends.
#include "thon/ops/multislice.hpp"

#include <algorithm>
#include <cmath>

#include "cuda/multislice.hpp"
#include "ops/potential_prepare.hpp"
#include "thon/core/error.hpp"
#include "thon/math/electron.hpp"
#include "thon/math/scattering.hpp"

namespace thon::ops {

namespace {
bool finite(double x) { return std::isfinite(x); }
}  // namespace

double particle_radius_A(const std::vector<io::Atom>& atoms, const Vec3<double>& centre_A, double extra_b_A2) {
  detail::check_atoms(atoms);
  double r = 0;
  for (const io::Atom& a : atoms) {
    const math::PengCoefficients c = math::peng_coefficients(a.z);
    double b_max = 0;
    for (double b : c.b) b_max = std::max(b_max, b);
    r = std::max(r, length(a.position_A - centre_A) + math::atom_cutoff_radius_A(b_max, a.b_factor_A2 + extra_b_A2));
  }
  return r;
}

void prepare_multislice(MultisliceSetup& s, double radius_A) {
  THON_CHECK(s.box > 0 && s.box % 2 == 0, "--box must be positive and even, got ", s.box);
  THON_CHECK(s.field % 2 == 0, "--field must be even, got ", s.field);
  THON_CHECK(s.field >= s.box, "--field ", s.field, " pixels is smaller than the particle box (--box ", s.box, ")");
  THON_CHECK(finite(s.pixel_size_A) && s.pixel_size_A > 0, "--apix (pixel size) must be positive, got ", s.pixel_size_A);
  THON_CHECK(finite(s.voltage_kV) && s.voltage_kV > 0, "--voltage must be positive, got ", s.voltage_kV);
  THON_CHECK(finite(s.slice_thickness_A) && s.slice_thickness_A > 0, "--slice-thickness must be positive, got ",
             s.slice_thickness_A, " Å");
  THON_CHECK(finite(s.ice_thickness_A) && s.ice_thickness_A >= 0, "--ice-thickness must be >= 0, got ",
             s.ice_thickness_A, " Å");
  THON_CHECK(finite(radius_A) && radius_A > 0, "multislice: the particle has no extent (no atoms?)");
  THON_CHECK(2 * radius_A <= s.field * s.pixel_size_A, "--field ", s.field, " pixels (", s.field * s.pixel_size_A,
             " Å) is smaller than the particle (", 2 * radius_A, " Å across with its potential's cut-off)");
  THON_CHECK(finite(s.absorption_ratio) && s.absorption_ratio >= 0, "--absorption-ratio must be >= 0, got ",
             s.absorption_ratio);
  THON_CHECK(finite(s.mean_free_path_A) && s.mean_free_path_A >= 0, "--mean-free-path must be >= 0 (0: off), got ",
             s.mean_free_path_A, " Å");
  THON_CHECK(finite(s.beam_tilt_x_mrad) && finite(s.beam_tilt_y_mrad) && std::fabs(s.beam_tilt_x_mrad) < 100 &&
                 std::fabs(s.beam_tilt_y_mrad) < 100,
             "--beam-tilt-x/--beam-tilt-y must be finite and below 100 mrad, got ", s.beam_tilt_x_mrad, ", ",
             s.beam_tilt_y_mrad);
  THON_CHECK(finite(s.band_limit) && s.band_limit > 0 && s.band_limit <= 1, "band limit must be in (0, 1] of Nyquist, got ",
             s.band_limit);
  THON_CHECK(finite(s.band_edge) && s.band_edge >= 0 && s.band_edge < s.band_limit, "band-limit edge must be in [0, ",
             s.band_limit, "), got ", s.band_edge);
  THON_CHECK(finite(s.aperture_mrad) && s.aperture_mrad >= 0, "--aperture must be >= 0 mrad (0: none), got ",
             s.aperture_mrad);
  THON_CHECK(finite(s.ice_potential_V) && s.ice_potential_V >= 0, "ice potential must be >= 0 V, got ", s.ice_potential_V);
  THON_CHECK(finite(s.extra_b_A2) && s.extra_b_A2 >= 0, "extra B-factor must be >= 0, got ", s.extra_b_A2);

  s.lambda_A = math::electron_wavelength_A_kV(s.voltage_kV);
  s.sigma = math::interaction_constant_kV(s.voltage_kV);
  const double k_nyq = 0.5 / s.pixel_size_A;
  s.k_cut = s.band_limit * k_nyq;
  s.k_edge = s.band_edge * k_nyq;
  s.k_aperture = s.aperture_mrad * 1e-3 / s.lambda_A;
  s.tan_tilt_x = std::tan(s.beam_tilt_x_mrad * 1e-3);
  s.tan_tilt_y = std::tan(s.beam_tilt_y_mrad * 1e-3);
  THON_CHECK(s.lambda_A * s.k_cut <= kMaxScatteringAngle_rad, "--apix ", s.pixel_size_A,
             " Å: the band limit (", s.k_cut, " 1/Å) at ", s.voltage_kV, " kV needs a scattering angle of ",
             1e3 * s.lambda_A * s.k_cut, " mrad, beyond the paraxial propagator's ", 1e3 * kMaxScatteringAngle_rad,
             " mrad: use a coarser pixel");

  if (s.ice_thickness_A > 0) {
    THON_CHECK(finite(s.depth_A), "--depth must be finite");
    THON_CHECK(s.depth_A - radius_A >= 0 && s.depth_A + radius_A <= s.ice_thickness_A, "--ice-thickness ",
               s.ice_thickness_A, " Å does not hold the particle (radius ", radius_A, " Å) at --depth ", s.depth_A,
               " Å: need ", radius_A, " <= depth <= ", s.ice_thickness_A - radius_A);
    s.thickness_A = s.ice_thickness_A;
    s.z_entrance_A = -s.depth_A;
  } else {
    THON_CHECK(s.ice == math::IceModel::none, "--ice needs --ice-thickness > 0");
    s.thickness_A = 2 * radius_A;
    s.z_entrance_A = -radius_A;
  }
  THON_CHECK(s.slice_thickness_A <= s.thickness_A, "--slice-thickness ", s.slice_thickness_A,
             " Å is thicker than the specimen (", s.thickness_A, " Å)");
  s.n_slabs = int(std::ceil(s.thickness_A / s.slice_thickness_A - 1e-9));
  THON_CHECK(s.n_slabs >= 1 && s.n_slabs <= 100000, "multislice: ", s.n_slabs, " slabs is out of range");

  // Water: O + 2 H (Peng 1996), for the random ice screen; n from the mean inner potential.
  const math::PengCoefficients o = math::peng_coefficients(8), h = math::peng_coefficients(1);
  double fe0 = 0;
  for (int i = 0; i < math::kPengTerms; ++i) {
    s.water_a[i] = o.a[i];
    s.water_b[i] = o.b[i];
    s.water_a[5 + i] = s.water_a[10 + i] = h.a[i];
    s.water_b[5 + i] = s.water_b[10 + i] = h.b[i];
    fe0 += o.a[i] + 2 * h.a[i];
  }
  s.water_number_density_per_A3 = s.ice_potential_V / (math::kPotentialPrefactor_VA2 * fe0);

  // The exit wave of the empty specimen (uniform ice and absorption): a plane wave of amplitude u.
  Complex<double> u(1.0, 0.0);
  for (int j = 0; j < s.n_slabs; ++j) {
    const double v = math::slab_uniform_potential_VA(s, j);
    u *= math::transmission(s.sigma, v, s.absorption_ratio * v + math::slab_uniform_absorption_VA(s, j));
  }
  s.unscattered_re = u.re;
  s.unscattered_im = u.im;
}

double max_propagator_phase_rad(const MultisliceSetup& s) {
  return math::propagator_max_phase_rad(s.lambda_A, s.slice_thickness_A, s.k_cut);
}

std::int64_t multislice_fft_count(const MultisliceSetup& s, bool exit_wave) {
  std::int64_t n = 4 * std::int64_t(s.n_slabs);  // t: 2; psi: forward every slab, inverse all but the last; lens: 1
  if (s.ice == math::IceModel::random)
    for (int j = 0; j < s.n_slabs; ++j) n += math::ice_uses_imag(s, j) ? 0 : 1;  // one screen per pair
  if (exit_wave) n += 1;
  return n;
}

SlabAtoms::SlabAtoms(const std::vector<io::Atom>& atoms, const Vec3<double>& centre_A, const MultisliceSetup& s,
                     const Mat3<double>* rotations, int n)
    : s_(s), n_(n), atoms_(std::size_t(n)) {
  const int dims[3] = {s.field, s.field, 1};
  for (int m = 0; m < n; ++m) {
    float rm = 0;
    atoms_[std::size_t(m)] =
        detail::prepare_atoms(atoms, dims, 2, s.pixel_size_A, centre_A, rotations[m], s.extra_b_A2, &rm, &factors_);
    r_max_ = std::max(r_max_, rm);
  }
  z_min_ = 1e300;
  z_max_ = -1e300;
  for (const auto& list : atoms_)
    for (const math::GaussianAtom& a : list) {
      z_min_ = std::min(z_min_, double(a.u[2]) - a.r_cut);
      z_max_ = std::max(z_max_, double(a.u[2]) + a.r_cut);
    }
}

bool SlabAtoms::has_atoms(int j) const {
  double z1, z2;
  math::slab_range_A(s_, j, &z1, &z2);
  return z_max_ >= z1 / s_.pixel_size_A && z_min_ <= z2 / s_.pixel_size_A;
}

SlabAtoms::EmptyRun SlabAtoms::empty_run(int j) const {
  EmptyRun r;
  r.end = j;
  while (r.end < s_.n_slabs && !has_atoms(r.end)) {
    const double v = math::slab_uniform_potential_VA(s_, r.end);
    r.transmission *= math::transmission(s_.sigma, v, s_.absorption_ratio * v + math::slab_uniform_absorption_VA(s_, r.end));
    r.distance_A += math::slab_step_A(s_, r.end);
    ++r.end;
  }
  return r;
}

void SlabAtoms::slab(int j, std::vector<math::GaussianAtom>& out, std::vector<index_t>& offset) const {
  double z1, z2;
  math::slab_range_A(s_, j, &z1, &z2);
  const double p = s_.pixel_size_A;
  z1 /= p;
  z2 /= p;  // voxel units, as GaussianAtom::u[2] and k
  out.clear();
  offset.assign(1, 0);
  for (int m = 0; m < n_; ++m) {
    for (const math::GaussianAtom& a : atoms_[std::size_t(m)]) {
      const double u = a.u[2];
      if (u + a.r_cut < z1 || u - a.r_cut > z2) continue;
      math::GaussianAtom g = a;
      for (int i = 0; i < math::kPengTerms; ++i)
        g.amp[i] = float(double(a.amp[i]) * math::erf_interval(double(a.k[i]), z1 - u, z2 - u));
      out.push_back(g);
    }
    offset.push_back(index_t(out.size()));
  }
}

std::int64_t multislice_images(Device device, const std::vector<io::Atom>& atoms, const Vec3<double>& centre_A,
                       const MultisliceSetup& s, const Mat3<double>* rotations, const math::ImageParticle* particles,
                       int n, float* intensity, Complex<float>* exit_waves, void (*progress)(void*, int),
                       void* progress_context) {
  THON_CHECK(s.n_slabs > 0 && s.lambda_A > 0, "multislice_images: the setup is not prepared (prepare_multislice)");
  detail::check_atoms(atoms);
  if (n <= 0) return 0;
  for (int m = 1; m < n; ++m)
    THON_CHECK(particles[m].index == particles[0].index + m, "multislice_images: particle indices must be consecutive");
  if (device == Device::reference) {
    const index_t nb = index_t(s.box) * s.box, nf = index_t(s.field) * s.field;
    std::vector<double> im(std::size_t(nb * n));
    std::vector<Complex<double>> ew(exit_waves ? std::size_t(nf * n) : 0);
    ref::multislice_images(atoms, centre_A, s, rotations, particles, n, im.data(), exit_waves ? ew.data() : nullptr);
    for (std::size_t i = 0; i < im.size(); ++i) intensity[i] = float(im[i]);
    for (std::size_t i = 0; i < ew.size(); ++i) exit_waves[i] = Complex<float>(ew[i]);
    if (progress) progress(progress_context, s.n_slabs);
    return multislice_fft_count(s, exit_waves != nullptr);
  }
  const SlabAtoms slab_atoms(atoms, centre_A, s, rotations, n);
  if (device == Device::cpu)
    return cpu::multislice_images(slab_atoms, s, particles, n, intensity, exit_waves, progress, progress_context);
  return cuda::multislice_images(slab_atoms, s, particles, n, intensity, exit_waves, progress, progress_context);
}

}  // namespace thon::ops
