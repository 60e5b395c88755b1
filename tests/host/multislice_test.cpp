// Multislice (ops::multislice_images, math/multislice.hpp, math/propagator.hpp) against independent
// oracles: slab potentials telescope to the exact projected potential; Fresnel propagation equals a
// defocus-only CTF (ctf.hpp, a separate formula); a zero-potential slab conserves |psi|^2; the 2/3
// band limit removes the aliasing of the product t psi (checked against a twice-oversampled
// product); the thin-specimen limit equals thon simulate's projection image (ops::form_images on the
// exact projected potential); convergence in dz; and the CPU backend against the reference.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "cpu/fft.hpp"
#include "test_util.hpp"
#include "thon/core/parallel.hpp"
#include "thon/io/model.hpp"
#include "thon/math/electron.hpp"
#include "thon/math/rotation.hpp"
#include "thon/ops/builtin_model.hpp"
#include "thon/ops/fft.hpp"
#include "thon/ops/multislice.hpp"
#include "thon/ops/potential.hpp"
#include "thon/ops/simulate.hpp"

namespace thon {
namespace {

using test::rel_l2;
using Cd = Complex<double>;
using Cf = Complex<float>;

/// A few dozen light atoms in a ball of radius `r_A` (fixed seed).
std::vector<io::Atom> cluster(int n, double r_A, double b_A2, std::uint32_t seed, double z_half_A = -1) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  const int elements[3] = {6, 7, 8};
  std::vector<io::Atom> atoms;
  while (int(atoms.size()) < n) {
    Vec3<double> p{u(rng) * r_A, u(rng) * r_A, z_half_A >= 0 ? u(rng) * z_half_A : u(rng) * r_A};
    if (length(p) > r_A) continue;
    io::Atom a;
    a.z = elements[atoms.size() % 3];
    a.position_A = p;
    a.b_factor_A2 = b_A2;
    atoms.push_back(a);
  }
  return atoms;
}

ops::MultisliceSetup base_setup(int field, int box, double pixel_A, double dz_A) {
  ops::MultisliceSetup s;
  s.field = field;
  s.box = box;
  s.pixel_size_A = pixel_A;
  s.slice_thickness_A = dz_A;
  return s;
}

math::ImageParticle particle(double du_A, double dv_A, double angle_deg, std::int64_t index, double ac = 0.1) {
  math::ImageParticle p;
  p.ctf.defocus_u_A = du_A;
  p.ctf.defocus_v_A = dv_A;
  p.ctf.defocus_angle_deg = angle_deg;
  p.ctf.amplitude_contrast = ac;
  p.ctf.prepare();
  p.index = index;
  return p;
}

/// A random wave whose spectrum lies inside the flat part of the band limit (mask = 1).
std::vector<Cd> passband_wave(const ops::MultisliceSetup& s, std::uint32_t seed) {
  const int n = s.field;
  std::vector<Cd> w(std::size_t(n) * n);
  auto r = test::random_vector<double>(2 * index_t(n) * n, seed);
  for (int iy = 0; iy < n; ++iy)
    for (int ix = 0; ix < n; ++ix) {
      double kx, ky;
      math::full_complex_frequency(ix, iy, n, n, s.pixel_size_A, &kx, &ky);
      const bool inside = std::sqrt(kx * kx + ky * ky) < s.k_cut - s.k_edge;
      const std::size_t i = std::size_t(iy) * n + ix;
      w[i] = inside ? Cd(r[2 * i], r[2 * i + 1]) : Cd(0, 0);
    }
  w[0] = Cd(double(n) * n, 0);  // a strong unscattered beam, as in a specimen
  ops::fft_c2c(Device::cpu, w.data(), w.data(), Shape{n, n, 1, 1}, FftDirection::inverse);
  return w;
}

TEST(Multislice, SlabsTelescopeToTheExactProjection) {
  const auto atoms = cluster(40, 9, 15, 11);
  const Vec3<double> c = io::centre_of_mass(atoms);
  auto s = base_setup(40, 40, 1.0, 2.5);
  ops::prepare_multislice(s, ops::particle_radius_A(atoms, c, 0));
  ASSERT_GT(s.n_slabs, 4);
  const Mat3<double> a = math::euler_to_matrix(30.0, 60.0, -20.0);
  const index_t n2 = index_t(s.field) * s.field;
  std::vector<double> sum(static_cast<std::size_t>(n2), 0.0), v(static_cast<std::size_t>(n2));
  for (int j = 0; j < s.n_slabs; ++j) {
    ref::slab_potential(atoms, c, s, a, j, v.data());
    for (index_t i = 0; i < n2; ++i) sum[std::size_t(i)] += v[std::size_t(i)];
  }
  ops::ProjectionGrid g;
  g.nx = g.ny = s.field;
  g.pixel_size_A = s.pixel_size_A;
  g.centre_A = c;
  const auto proj = ops::atom_projected_potential(Device::reference, atoms, g, {a});
  std::vector<double> expect(proj.begin(), proj.end());
  EXPECT_TRUE(test::finite_and_nonzero(sum));
  // The slabs span the atoms' cut-off spheres: the z mass left outside is < erfc(4) / 2 = 7.7e-9
  // per term; the reference projection is stored in float (6e-8 relative).
  EXPECT_LT(rel_l2(sum, expect), 2e-7);
}

TEST(Multislice, AtomOnABoundaryIsSplitBetweenItsSlabs) {
  io::Atom atom;
  atom.z = 8;
  atom.b_factor_A2 = 20;
  const std::vector<io::Atom> atoms{atom};
  auto s = base_setup(32, 32, 1.0, 2.0);
  ops::prepare_multislice(s, ops::particle_radius_A(atoms, atom.position_A, 0));
  // Move the slab edges so that one lies on the atom (z = 0): z_entrance = -2 dz.
  s.z_entrance_A = -2 * s.slice_thickness_A;
  s.thickness_A = 4 * s.slice_thickness_A;
  s.n_slabs = 4;
  const index_t n2 = index_t(s.field) * s.field;
  std::vector<double> v1(static_cast<std::size_t>(n2)), v2(static_cast<std::size_t>(n2));
  ref::slab_potential(atoms, atom.position_A, s, Mat3<double>::identity(), 1, v1.data());  // [-dz, 0]
  ref::slab_potential(atoms, atom.position_A, s, Mat3<double>::identity(), 2, v2.data());  // [0, dz]
  EXPECT_TRUE(test::finite_and_nonzero(v1));
  EXPECT_LT(rel_l2(v1, v2), 1e-12);  // symmetric halves of one atom, not the whole atom in one slab
}

TEST(Multislice, FastSlabPotentialMatchesTheReference) {
  const auto atoms = cluster(60, 10, 10, 3);
  const Vec3<double> c = io::centre_of_mass(atoms);
  auto s = base_setup(48, 48, 0.9, 3.0);
  ops::prepare_multislice(s, ops::particle_radius_A(atoms, c, 0));
  const Mat3<double> rot[2] = {math::euler_to_matrix(10.0, 80.0, 45.0), math::euler_to_matrix(-70.0, 33.0, 5.0)};
  const ops::SlabAtoms slab_atoms(atoms, c, s, rot, 2);
  const index_t n2 = index_t(s.field) * s.field;
  std::vector<float> fast(static_cast<std::size_t>(2 * n2));
  std::vector<double> expect(static_cast<std::size_t>(2 * n2));
  std::vector<math::GaussianAtom> sa;
  std::vector<index_t> offset;
  for (int j = 0; j < s.n_slabs; ++j) {
    slab_atoms.slab(j, sa, offset);
    cpu::parallel_for(index_t(s.field) * 2, math::ProjectedRowFunctor<float>{sa.data(), slab_atoms.factors().data(),
                                                                             offset.data(), slab_atoms.r_max(), s.field,
                                                                             s.field, fast.data()});
    for (int m = 0; m < 2; ++m) ref::slab_potential(atoms, c, s, rot[m], j, expect.data() + m * n2);
    if (j == s.n_slabs / 2) {
      EXPECT_TRUE(test::finite_and_nonzero(fast));
    }
    // Float factors and amplitudes (6e-8 each) summed over ~10 overlapping atoms x 5 terms.
    EXPECT_LT(rel_l2(fast, expect), 1e-5) << "slab " << j;
  }
}

TEST(Multislice, FreeSpacePropagationEqualsDefocusOnlyCtf) {
  auto s = base_setup(64, 64, 1.2, 7.0);
  const auto atoms = cluster(5, 4, 20, 1);
  ops::prepare_multislice(s, ops::particle_radius_A(atoms, io::centre_of_mass(atoms), 0));
  // ctf.hpp's complex transfer exp(+i chi) with Cs = 0, Q = 0 at defocus -dz, against the
  // propagator exp(-i pi lambda dz k^2) by dz (PHYSICS.md 5.6 point 1: propagation by dz = CTF of -dz).
  const double dz = 350.0;
  math::CtfParams ctf;
  ctf.cs_mm = 0;
  ctf.amplitude_contrast = 0;
  ctf.defocus_u_A = ctf.defocus_v_A = -dz;
  ctf.voltage_kV = s.voltage_kV;
  ctf.prepare();
  auto psi = passband_wave(s, 5);
  std::vector<Cd> ft = psi, ft_float_in = psi;
  const Shape shape{s.field, s.field, 1, 1};
  ops::fft_c2c(Device::cpu, ft.data(), ft.data(), shape, FftDirection::forward);
  std::vector<Cd> a = ft, b = ft;
  for (int iy = 0; iy < s.field; ++iy)
    for (int ix = 0; ix < s.field; ++ix) {
      double kx, ky;
      math::full_complex_frequency(ix, iy, s.field, s.field, s.pixel_size_A, &kx, &ky);
      const std::size_t i = std::size_t(iy) * s.field + ix;
      a[i] *= math::field_propagator<double>(s, ix, iy, dz);
      b[i] *= math::ctf_complex(ctf, kx, ky);
    }
  ops::fft_c2c(Device::cpu, a.data(), a.data(), shape, FftDirection::inverse);
  ops::fft_c2c(Device::cpu, b.data(), b.data(), shape, FftDirection::inverse);
  EXPECT_TRUE(test::finite_and_nonzero(a.data(), std::int64_t(a.size())));
  EXPECT_LT(rel_l2(a.data(), b.data(), std::int64_t(a.size())), 1e-12);  // double, same grid
  // The float functor path (PropagateFunctor, FFTW float): rounding of a 64^2 FFT pair ~ 1e-6.
  std::vector<Cf> f(psi.size());
  for (std::size_t i = 0; i < psi.size(); ++i) f[i] = Cf(psi[i]);
  cpu::fft_c2c_unnormalised(f.data(), f.data(), shape, FftDirection::forward);
  cpu::parallel_for(index_t(f.size()), math::PropagateFunctor<float>{s, float(dz), 1.0f / float(f.size()), f.data()});
  cpu::fft_c2c_unnormalised(f.data(), f.data(), shape, FftDirection::inverse);
  EXPECT_LT(rel_l2(f.data(), b.data(), std::int64_t(f.size())), 1e-5);
  // And the sign is not trivially satisfied: the opposite defocus differs.
  ctf.defocus_u_A = ctf.defocus_v_A = +dz;
  ctf.prepare();
  std::vector<Cd> c = ft;
  for (int iy = 0; iy < s.field; ++iy)
    for (int ix = 0; ix < s.field; ++ix) {
      double kx, ky;
      math::full_complex_frequency(ix, iy, s.field, s.field, s.pixel_size_A, &kx, &ky);
      c[std::size_t(iy) * s.field + ix] *= math::ctf_complex(ctf, kx, ky);
    }
  ops::fft_c2c(Device::cpu, c.data(), c.data(), shape, FftDirection::inverse);
  EXPECT_GT(rel_l2(c.data(), a.data(), std::int64_t(a.size())), 1e-2);
}

TEST(Multislice, ZeroPotentialSlabConservesTheNorm) {
  auto s = base_setup(64, 64, 1.0, 5.0);
  const auto atoms = cluster(5, 4, 20, 1);
  ops::prepare_multislice(s, ops::particle_radius_A(atoms, io::centre_of_mass(atoms), 0));
  s.beam_tilt_x_mrad = 3;
  s.tan_tilt_x = std::tan(3e-3);
  const auto psi0 = passband_wave(s, 9);
  const index_t n2 = index_t(s.field) * s.field;
  std::vector<Cf> psi(psi0.size()), t(psi0.size());
  for (std::size_t i = 0; i < psi.size(); ++i) psi[i] = Cf(psi0[i]);
  std::vector<float> v(psi.size(), 0.0f);
  const Shape shape{s.field, s.field, 1, 1};
  const float inv = 1.0f / float(n2);
  // One slab step exactly as the CPU backend does it, on a vacuum slab.
  cpu::parallel_for(n2, math::TransmissionFunctor<float>{float(s.sigma), 0, 0, 0, inv, v.data(), nullptr, false, t.data()});
  cpu::fft_c2c_unnormalised(t.data(), t.data(), shape, FftDirection::forward);
  cpu::parallel_for(n2, math::MaskFunctor<float>{s, inv, t.data()});
  cpu::fft_c2c_unnormalised(t.data(), t.data(), shape, FftDirection::inverse);
  cpu::parallel_for(n2, math::MultiplyFunctor<float>{t.data(), psi.data()});
  cpu::fft_c2c_unnormalised(psi.data(), psi.data(), shape, FftDirection::forward);
  cpu::parallel_for(n2, math::PropagateFunctor<float>{s, float(s.slice_thickness_A), inv, psi.data()});
  cpu::fft_c2c_unnormalised(psi.data(), psi.data(), shape, FftDirection::inverse);
  double before = 0, after = 0;
  for (std::size_t i = 0; i < psi.size(); ++i) {
    before += norm(psi0[i]);
    after += double(norm(psi[i]));
  }
  EXPECT_TRUE(test::finite_and_nonzero(psi.data(), std::int64_t(psi.size())));
  // |P| = 1 and the mask is 1 on the wave's spectrum: only float rounding of 4 FFTs (~1e-6).
  EXPECT_NEAR(after / before, 1.0, 1e-5);
}

TEST(Multislice, BandLimitRemovesAliasingOfTheProduct) {
  // t psi of two fields limited to 2/3 Nyquist, against the same product on a grid twice as fine
  // (no aliasing there): equal inside the band limit, to double rounding. Without the band limit
  // (fields filling the whole band) the coarse product is aliased.
  const int n = 48;
  auto s = base_setup(n, n, 1.0, 5.0);
  const auto atoms = cluster(5, 4, 20, 1);
  ops::prepare_multislice(s, ops::particle_radius_A(atoms, io::centre_of_mass(atoms), 0));
  const Shape coarse{n, n, 1, 1}, fine{2 * n, 2 * n, 1, 1};
  auto run = [&](double limit_per_A) {
    auto r = test::random_vector<double>(4 * index_t(n) * n, 21);
    std::vector<Cd> a(std::size_t(n) * n), b(a.size());
    for (int iy = 0; iy < n; ++iy)
      for (int ix = 0; ix < n; ++ix) {
        double kx, ky;
        math::full_complex_frequency(ix, iy, n, n, 1.0, &kx, &ky);
        const bool in = std::sqrt(kx * kx + ky * ky) <= limit_per_A;
        const std::size_t i = std::size_t(iy) * n + ix;
        a[i] = in ? Cd(r[4 * i], r[4 * i + 1]) : Cd(0, 0);
        b[i] = in ? Cd(r[4 * i + 2], r[4 * i + 3]) : Cd(0, 0);
      }
    // Coarse product.
    std::vector<Cd> ra = a, rb = b;
    ops::fft_c2c(Device::cpu, ra.data(), ra.data(), coarse, FftDirection::inverse);
    ops::fft_c2c(Device::cpu, rb.data(), rb.data(), coarse, FftDirection::inverse);
    for (std::size_t i = 0; i < ra.size(); ++i) ra[i] *= rb[i];
    ops::fft_c2c(Device::cpu, ra.data(), ra.data(), coarse, FftDirection::forward);
    // Fine product: the same spectra zero-padded to 2n (the Nyquist bins are empty: limit < Nyquist).
    std::vector<Cd> fa(std::size_t(4) * n * n), fb(fa.size());
    for (int iy = 0; iy < n; ++iy)
      for (int ix = 0; ix < n; ++ix) {
        const int jx = math::wrapped_index(math::wrapped_frequency(ix, n), 2 * n);
        const int jy = math::wrapped_index(math::wrapped_frequency(iy, n), 2 * n);
        fa[std::size_t(jy) * 2 * n + jx] = a[std::size_t(iy) * n + ix];
        fb[std::size_t(jy) * 2 * n + jx] = b[std::size_t(iy) * n + ix];
      }
    ops::fft_c2c(Device::cpu, fa.data(), fa.data(), fine, FftDirection::inverse);
    ops::fft_c2c(Device::cpu, fb.data(), fb.data(), fine, FftDirection::inverse);
    for (std::size_t i = 0; i < fa.size(); ++i) fa[i] *= fb[i];
    ops::fft_c2c(Device::cpu, fa.data(), fa.data(), fine, FftDirection::forward);
    // Compare inside the band limit (the fine grid's transforms carry 4x the coarse one's for the same spectrum).
    std::vector<Cd> got, want;
    for (int iy = 0; iy < n; ++iy)
      for (int ix = 0; ix < n; ++ix) {
        const double m = math::field_mask<double>(s, ix, iy);
        if (m <= 0) continue;
        const int jx = math::wrapped_index(math::wrapped_frequency(ix, n), 2 * n);
        const int jy = math::wrapped_index(math::wrapped_frequency(iy, n), 2 * n);
        got.push_back(ra[std::size_t(iy) * n + ix] * m);
        want.push_back(fa[std::size_t(jy) * 2 * n + jx] * (4.0 * m));
      }
    EXPECT_TRUE(test::finite_and_nonzero(got.data(), std::int64_t(got.size())));
    return rel_l2(got.data(), want.data(), std::int64_t(got.size()));
  };
  EXPECT_LT(run(s.k_cut), 1e-12);
  EXPECT_GT(run(0.5), 1e-2);  // the whole band: aliased
}

TEST(Multislice, ThinWeakSpecimenEqualsTheProjectionImage) {
  // A weak thin object (light atoms in a 2 Å layer, B = 300 Å^2: the image's amplitude beyond the
  // band limit k_c = 1/3 Å^-1, which thon simulate keeps and multislice cuts, is ~exp(-B k_c^2 / 4)
  // = 2.4e-4 of it),
  // one slab: 1 - I of the multislice equals thon simulate's projection-method image
  // (ops::form_images on the exact projected potential), up to the weak-phase approximation.
  const int box = 64;
  const double p = 1.0;
  const auto atoms = cluster(30, 14, 300, 17, 1.0);
  const Vec3<double> c = io::centre_of_mass(atoms);
  auto s = base_setup(box, box, p, 1.0);
  const double radius = ops::particle_radius_A(atoms, c, 0);
  s.slice_thickness_A = 2 * radius;
  ops::prepare_multislice(s, radius);
  ASSERT_EQ(s.n_slabs, 1);
  const Mat3<double> rot = Mat3<double>::identity();
  const auto part = particle(12000, 11000, 30, 0, 0.1);
  std::vector<float> intensity(std::size_t(box) * box);
  ops::multislice_images(Device::reference, atoms, c, s, &rot, &part, 1, intensity.data(), nullptr);
  std::vector<float> ms(intensity.size());
  for (std::size_t i = 0; i < ms.size(); ++i) ms[i] = 1.0f - intensity[i];

  ops::ProjectionGrid g;
  g.nx = g.ny = box;
  g.pixel_size_A = p;
  g.centre_A = c;
  const auto vz = ops::atom_projected_potential(Device::reference, atoms, g, {rot});
  std::vector<float> pz(vz.begin(), vz.end());
  for (float& x : pz) x = float(x / p);  // the projector's slices hold the FT of sum_z V = V_z / p
  std::vector<Cf> slice(std::size_t(box / 2 + 1) * box);
  ops::fft_r2c(Device::cpu, pz.data(), slice.data(), Shape{box, box, 1, 1});
  for (int iy = 0; iy < box; ++iy)
    for (int ix = 0; ix <= box / 2; ++ix)
      slice[std::size_t(iy) * (box / 2 + 1) + ix] *= float(math::centred_to_origin_sign(ix, iy));
  ops::ImageFormationSetup fs;
  fs.box = box;
  fs.pixel_size_A = p;
  fs.contrast_scale = 2 * math::interaction_constant_kV(300) * p;
  fs.noise = math::ImageNoise::none;
  std::vector<float> projection(intensity.size());
  ops::form_images(Device::reference, fs, &part, 1, slice.data(), projection.data());
  EXPECT_TRUE(test::finite_and_nonzero(ms));
  EXPECT_TRUE(test::finite_and_nonzero(projection));
  double phase_max = 0;
  for (float x : vz) phase_max = std::max(phase_max, s.sigma * x);
  // Weak-phase approximation: the neglected terms are O(phi^2) against 2 phi: ~ phi_max / 2.
  EXPECT_LT(phase_max, 0.02);
  EXPECT_LT(rel_l2(ms, projection), 1e-2) << "largest phase " << phase_max << " rad";
}

/// A small protein (helix bundle) in ice for the backend and convergence tests.
std::vector<io::Atom> small_protein() {
  ops::BuiltinModelOptions m;
  m.n_outer = 2;
  m.base_residues = 10;
  m.ring_radius_A = 8;
  return ops::builtin_helix_bundle(m);
}

TEST(Multislice, CpuMatchesReference) {
  const auto atoms = small_protein();
  const Vec3<double> c = io::centre_of_mass(atoms);
  auto s = base_setup(56, 48, 1.0, 6.0);
  s.ice_thickness_A = 60;
  s.depth_A = 30;
  s.ice = math::IceModel::random;
  s.absorption_ratio = 0.05;
  s.mean_free_path_A = 3000;
  s.beam_tilt_x_mrad = 1.5;
  s.beam_tilt_y_mrad = -0.7;
  s.aperture_mrad = 12;
  s.seed = 7;
  ops::prepare_multislice(s, ops::particle_radius_A(atoms, c, 0));
  const Mat3<double> rot[2] = {math::euler_to_matrix(15.0, 70.0, -30.0), math::euler_to_matrix(100.0, 20.0, 60.0)};
  math::ImageParticle parts[2] = {particle(9000, 8000, 40, 40), particle(14000, 14500, -10, 41)};
  parts[0].ctf.cs_mm = 2.7;
  parts[0].ctf.b_factor_A2 = 30;
  parts[0].ctf.prepare();
  parts[1].origin_x_A = 2.5;
  parts[1].origin_y_A = -1.25;
  const index_t nb = index_t(s.box) * s.box, nf = index_t(s.field) * s.field;
  std::vector<float> i_ref(static_cast<std::size_t>(2 * nb)), i_cpu(i_ref.size());
  std::vector<Cf> e_ref(static_cast<std::size_t>(2 * nf)), e_cpu(e_ref.size());
  ops::multislice_images(Device::reference, atoms, c, s, rot, parts, 2, i_ref.data(), e_ref.data());
  ops::multislice_images(Device::cpu, atoms, c, s, rot, parts, 2, i_cpu.data(), e_cpu.data());
  EXPECT_TRUE(test::finite_and_nonzero(i_cpu));
  EXPECT_TRUE(test::finite_and_nonzero(e_cpu.data(), std::int64_t(e_cpu.size())));
  // Exit wave: float transforms and functors (~1e-6 per slab) over 10 slabs.
  EXPECT_LT(rel_l2(e_cpu.data(), e_ref.data(), std::int64_t(e_ref.size())), 2e-5);
  // Contrast 1 - I: the lens phase chi ~ 60 rad in float (4e-6 rad) against a contrast of ~0.1.
  std::vector<double> c_ref(i_ref.size()), c_cpu(i_ref.size());
  for (std::size_t i = 0; i < c_ref.size(); ++i) {
    c_ref[i] = 1.0 - i_ref[i];
    c_cpu[i] = 1.0 - i_cpu[i];
  }
  EXPECT_LT(rel_l2(c_cpu, c_ref), 1e-3);
  // The random ice is really there: a second seed changes the image.
  auto s2 = s;
  s2.seed = 8;
  std::vector<float> i_seed(i_ref.size());
  ops::multislice_images(Device::cpu, atoms, c, s2, rot, parts, 2, i_seed.data(), nullptr);
  EXPECT_GT(rel_l2(i_seed, i_cpu), 1e-4);
}

TEST(Multislice, CpuSkipsEmptySlabsExactly) {
  // Thick constant ice with the particle near the top: most slabs hold no atoms, and the CPU backend
  // carries the wave through them in Fourier space (one table pass, no transform); the reference
  // computes every slab in full.
  const auto atoms = small_protein();
  const Vec3<double> c = io::centre_of_mass(atoms);
  auto s = base_setup(48, 48, 1.0, 5.0);
  s.ice_thickness_A = 200;
  s.depth_A = 40;
  s.ice = math::IceModel::constant;
  s.absorption_ratio = 0.03;
  s.mean_free_path_A = 2500;
  s.beam_tilt_y_mrad = 2;
  ops::prepare_multislice(s, ops::particle_radius_A(atoms, c, 0));
  const Mat3<double> rot = math::euler_to_matrix(5.0, 40.0, 80.0);
  const auto part = particle(11000, 10500, 60, 3);
  const index_t nb = index_t(s.box) * s.box, nf = index_t(s.field) * s.field;
  std::vector<float> i_ref(static_cast<std::size_t>(nb)), i_cpu(i_ref.size());
  std::vector<Cf> e_ref(static_cast<std::size_t>(nf)), e_cpu(e_ref.size());
  const auto full = ops::multislice_images(Device::reference, atoms, c, s, &rot, &part, 1, i_ref.data(), e_ref.data());
  const auto done = ops::multislice_images(Device::cpu, atoms, c, s, &rot, &part, 1, i_cpu.data(), e_cpu.data());
  EXPECT_EQ(full, ops::multislice_fft_count(s, true));
  EXPECT_LT(done, full / 2) << "the empty slabs were not skipped";
  EXPECT_TRUE(test::finite_and_nonzero(e_cpu.data(), std::int64_t(e_cpu.size())));
  EXPECT_LT(rel_l2(e_cpu.data(), e_ref.data(), std::int64_t(e_ref.size())), 2e-5);  // as CpuMatchesReference
  std::vector<double> c_ref(i_ref.size()), c_cpu(i_ref.size());
  for (std::size_t i = 0; i < c_ref.size(); ++i) {
    c_ref[i] = 1.0 - i_ref[i];
    c_cpu[i] = 1.0 - i_cpu[i];
  }
  EXPECT_TRUE(test::finite_and_nonzero(c_cpu));
  EXPECT_LT(rel_l2(c_cpu, c_ref), 1e-3);
}

TEST(Multislice, ExitWaveConvergesAsTheSliceThins) {
  // A protein in 300 Å of ice (constant mean inner potential), exit waves at dz = 4, 2, 1 Å.
  // The splitting error (gratings at slab centres: the propagation inside a slab is neglected) is
  // bounded by the propagator phase over one slab: the change on halving dz, relative to the
  // scattered wave, must be below pi lambda dz k_cut^2 and must at least halve when dz is halved
  // again (measured here: 8.1e-4 then 3.5e-4, against bounds 2.7e-2 and 1.4e-2).
  const auto atoms = small_protein();
  const Vec3<double> c = io::centre_of_mass(atoms);
  const Mat3<double> rot = math::euler_to_matrix(20.0, 50.0, 10.0);
  const auto part = particle(10000, 10000, 0, 0);
  std::vector<std::vector<Cf>> waves;
  double phase[3] = {};
  const double dzs[3] = {4.0, 2.0, 1.0};
  for (int k = 0; k < 3; ++k) {
    auto s = base_setup(64, 64, 1.0, dzs[k]);
    s.ice_thickness_A = 300;
    s.depth_A = 150;
    s.ice = math::IceModel::constant;
    ops::prepare_multislice(s, ops::particle_radius_A(atoms, c, 0));
    phase[k] = ops::max_propagator_phase_rad(s);
    std::vector<float> im(std::size_t(64) * 64);
    std::vector<Cf> e(std::size_t(64) * 64);
    ops::multislice_images(Device::cpu, atoms, c, s, &rot, &part, 1, im.data(), e.data());
    EXPECT_TRUE(test::finite_and_nonzero(e.data(), std::int64_t(e.size())));
    waves.push_back(e);
  }
  auto scattered = [](const std::vector<Cf>& w) {
    Cd mean(0, 0);
    for (const Cf& x : w) mean += Cd(x);
    mean = mean / double(w.size());
    double s = 0;
    for (const Cf& x : w) s += norm(Cd(x) - mean);
    return std::sqrt(s);
  };
  auto diff = [](const std::vector<Cf>& a, const std::vector<Cf>& b) {
    double s = 0;
    for (std::size_t i = 0; i < a.size(); ++i) s += norm(Cd(a[i]) - Cd(b[i]));
    return std::sqrt(s);
  };
  const double d42 = diff(waves[0], waves[1]) / scattered(waves[1]);
  const double d21 = diff(waves[1], waves[2]) / scattered(waves[2]);
  EXPECT_LT(d21, phase[1]) << "dz 2 -> 1: " << d21 << ", bound " << phase[1];
  EXPECT_LT(d42, phase[0]) << "dz 4 -> 2: " << d42 << ", bound " << phase[0];
  EXPECT_LT(d21, 0.5 * d42) << "no convergence: " << d42 << " then " << d21;
}

TEST(Multislice, BadInputIsRejected) {
  const auto atoms = cluster(10, 8, 20, 2);
  const double r = ops::particle_radius_A(atoms, io::centre_of_mass(atoms), 0);
  auto expect_error = [&](ops::MultisliceSetup s, const char* what) {
    try {
      ops::prepare_multislice(s, r);
      ADD_FAILURE() << "no error for " << what;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  auto s = base_setup(64, 64, 1.0, 2.0);
  auto bad = s;
  bad.slice_thickness_A = 0;
  expect_error(bad, "--slice-thickness");
  bad = s;
  bad.slice_thickness_A = 500;
  expect_error(bad, "thicker than the specimen");
  bad = s;
  bad.ice_thickness_A = 100;
  bad.depth_A = 5;
  expect_error(bad, "does not hold the particle");
  bad = s;
  bad.field = 16;
  bad.box = 16;
  expect_error(bad, "smaller than the particle");
  bad = s;
  bad.field = 32;
  expect_error(bad, "smaller than the particle box");
  bad = s;
  bad.pixel_size_A = 0.05;
  bad.field = bad.box = 1024;
  expect_error(bad, "paraxial");
}

}  // namespace
}  // namespace thon
