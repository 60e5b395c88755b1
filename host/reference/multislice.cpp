// Reference multislice: double precision, plain loops. Slab potentials by the direct sum over atoms
// and pixels of the exact erf integrals (math::atom_slab_pixel_average_VA); transforms by the direct
// DFT (reference/fft.cpp); every per-bin factor from include/thon/math/multislice.hpp. Written for
// reading: one particle at a time, small fields only.
#include <algorithm>
#include <cmath>
#include <vector>

#include "ops/potential_prepare.hpp"
#include "reference/fft.hpp"
#include "thon/core/error.hpp"
#include "thon/math/scattering.hpp"
#include "thon/ops/multislice.hpp"

namespace thon::ref {

void slab_potential(const std::vector<io::Atom>& atoms, const Vec3<double>& centre_A, const ops::MultisliceSetup& s,
                    const Mat3<double>& rotation, int j, double* v) {
  const int n = s.field;
  const double p = s.pixel_size_A;
  std::fill(v, v + index_t(n) * n, 0.0);
  double z1, z2;
  math::slab_range_A(s, j, &z1, &z2);
  for (const io::Atom& atom : atoms) {
    const math::PengCoefficients c = math::peng_coefficients(atom.z);
    const double b = atom.b_factor_A2 + s.extra_b_A2;
    double b_max = 0;
    for (double bi : c.b) b_max = std::max(b_max, bi);
    const double r_cut = math::atom_cutoff_radius_A(b_max, b);
    const Vec3<double> rel = rotation * (atom.position_A - centre_A);
    if (rel.z + r_cut < z1 || rel.z - r_cut > z2) continue;  // its potential does not reach the slab
    int lo[2], hi[2];
    for (int d = 0; d < 2; ++d) {
      const double u = rel[d] / p + n / 2;
      lo[d] = std::max(0, int(std::floor(u - r_cut / p + 0.5)));
      hi[d] = std::min(n - 1, int(std::floor(u + r_cut / p + 0.5)));
    }
    for (int y = lo[1]; y <= hi[1]; ++y)
      for (int x = lo[0]; x <= hi[0]; ++x) {
        const int idx[2] = {x, y};
        double box_lo[2], box_hi[2];
        for (int d = 0; d < 2; ++d) {
          const double centre = (idx[d] - n / 2) * p;
          box_lo[d] = centre - 0.5 * p - rel[d];
          box_hi[d] = centre + 0.5 * p - rel[d];
        }
        v[index_t(y) * n + x] +=
            math::atom_slab_pixel_average_VA(c, b, atom.occupancy, box_lo, box_hi, z1 - rel.z, z2 - rel.z);
      }
  }
}

void multislice_images(const std::vector<io::Atom>& atoms, const Vec3<double>& centre_A, const ops::MultisliceSetup& s,
                       const Mat3<double>* rotations, const math::ImageParticle* particles, int n_particles,
                       double* intensity, Complex<double>* exit_waves) {
  using C = Complex<double>;
  const int n = s.field;
  const index_t n2 = index_t(n) * n;
  const Shape shape{n, n, 1, 1};
  std::vector<double> v(static_cast<std::size_t>(n2));
  const auto nn = static_cast<std::size_t>(n2);
  std::vector<C> t(nn), psi(nn), screen(nn);
  for (int m = 0; m < n_particles; ++m) {
    std::fill(psi.begin(), psi.end(), C(1.0, 0.0));
    for (int j = 0; j < s.n_slabs; ++j) {
      slab_potential(atoms, centre_A, s, rotations[m], j, v.data());
      const double v_add = math::slab_uniform_potential_VA(s, j), vim_add = math::slab_uniform_absorption_VA(s, j);
      if (s.ice == math::IceModel::random) {
        for (int iy = 0; iy < n; ++iy)
          for (int ix = 0; ix < n; ++ix)
            screen[std::size_t(iy) * n + ix] = math::ice_screen_coefficient<double>(s, particles[m].index, j, ix, iy);
        dft_c2c(screen.data(), screen.data(), shape, FftDirection::inverse);  // carries the 1/N
      }
      for (index_t i = 0; i < n2; ++i) {
        double vi = v[i] + v_add;
        if (s.ice == math::IceModel::random) vi += math::ice_uses_imag(s, j) ? screen[i].im : screen[i].re;
        t[i] = math::transmission(s.sigma, vi, s.absorption_ratio * vi + vim_add);
      }
      // Band limit of t.
      dft_c2c(t.data(), t.data(), shape, FftDirection::forward);
      for (int iy = 0; iy < n; ++iy)
        for (int ix = 0; ix < n; ++ix) t[std::size_t(iy) * n + ix] *= math::field_mask<double>(s, ix, iy);
      dft_c2c(t.data(), t.data(), shape, FftDirection::inverse);
      // Transmit and propagate (band-limited) to the next slab's centre, or to the exit surface.
      for (index_t i = 0; i < n2; ++i) psi[i] *= t[i];
      dft_c2c(psi.data(), psi.data(), shape, FftDirection::forward);
      const double dz = math::slab_step_A(s, j);
      for (int iy = 0; iy < n; ++iy)
        for (int ix = 0; ix < n; ++ix) psi[std::size_t(iy) * n + ix] *= math::field_propagator<double>(s, ix, iy, dz);
      if (j < s.n_slabs - 1) dft_c2c(psi.data(), psi.data(), shape, FftDirection::inverse);
    }
    // psi is the transform of the exit wave.
    if (exit_waves) dft_c2c(psi.data(), exit_waves + m * n2, shape, FftDirection::inverse);
    for (int iy = 0; iy < n; ++iy)
      for (int ix = 0; ix < n; ++ix) {
        C& f = psi[std::size_t(iy) * n + ix];
        f = math::field_lens<double>(s, particles[m], ix, iy, f);
      }
    dft_c2c(psi.data(), psi.data(), shape, FftDirection::inverse);
    double* im = intensity + index_t(m) * s.box * s.box;
    for (int y = 0; y < s.box; ++y)
      for (int x = 0; x < s.box; ++x) im[index_t(y) * s.box + x] = norm(psi[math::crop_to_field(s, x, y)]);
  }
}

}  // namespace thon::ref
