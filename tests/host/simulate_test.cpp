// ops::form_images: the CPU backend (fused float functors, FFTW) against the reference (double,
// ops::centred_fourier_to_images, ops::apply_ctf_tilted, ops::detect) for every noise and detector
// mode and for tilted specimens; and the tilted path against its limits.
#include <gtest/gtest.h>

#include <vector>

#include "test_util.hpp"
#include "thon/io/model.hpp"
#include "thon/math/electron.hpp"
#include "thon/math/rotation.hpp"
#include "thon/ops/builtin_model.hpp"
#include "thon/ops/detector.hpp"
#include "thon/ops/potential.hpp"
#include "thon/ops/project.hpp"
#include "thon/ops/simulate.hpp"

namespace thon {
namespace {

using test::rel_l2;

constexpr int kBox = 32;
constexpr double kPixel = 2.0;
constexpr int kImages = 5;

/// Central slices of a small helix bundle's potential for a few fixed poses.
struct Fixture {
  std::vector<Complex<float>> slices;
  std::vector<ops::ImageParticle> particles;
  Fixture() {
    ops::BuiltinModelOptions m;
    m.n_outer = 2;
    m.base_residues = 12;
    m.ring_radius_A = 8;
    const auto atoms = ops::builtin_helix_bundle(m);
    ops::PotentialGrid g;
    g.nx = g.ny = g.nz = kBox;
    g.pixel_size_A = kPixel;
    g.centre_A = io::centre_of_mass(atoms);
    const Volume<float> v = ops::atom_potential(Device::cpu, atoms, g);
    const ops::FourierProjector<float> projector(Device::cpu, v);
    std::vector<Mat3<double>> poses;
    for (int i = 0; i < kImages; ++i) {
      poses.push_back(math::euler_to_matrix(37.0 * i, 20.0 + 25.0 * i, -50.0 + 31.0 * i));
      ops::ImageParticle p;
      p.ctf.defocus_u_A = 12000 + 900 * i;
      p.ctf.defocus_v_A = 11000 + 700 * i;
      p.ctf.defocus_angle_deg = 17.0 * i;
      p.ctf.phase_shift_deg = 5.0 * i;
      // Odd images with a B-factor envelope, even ones without: the CPU's vectorised row loop
      // (no envelope, untilted, ideal detector) and its general path both meet the reference.
      p.ctf.b_factor_A2 = i % 2 ? 10 : 0;
      p.ctf.prepare();
      p.origin_x_A = 1.3 * i - 2;
      p.origin_y_A = 3.1 - 0.7 * i;
      p.index = 100 + i;  // a batch in the middle of a run
      particles.push_back(p);
    }
    slices.resize(std::size_t(kImages) * projector.params().slice_size());
    projector.project(poses, slices.data());
  }
};

ops::ImageFormationSetup base_setup() {
  ops::ImageFormationSetup s;
  s.box = kBox;
  s.pixel_size_A = kPixel;
  s.contrast_scale = 2 * math::interaction_constant_kV(300) * kPixel;
  s.detector = ops::ideal_detector();
  s.seed = 12345;
  return s;
}

std::vector<float> form(Device d, const ops::ImageFormationSetup& s, const Fixture& f) {
  std::vector<float> images(std::size_t(kImages) * kBox * kBox);
  ops::form_images(d, s, f.particles.data(), kImages, f.slices.data(), images.data());
  EXPECT_TRUE(test::finite_and_nonzero(images.data(), std::int64_t(images.size())));
  return images;
}

ops::ImageFormationSetup tilted(ops::ImageFormationSetup s, double tilt_deg) {
  s.tilted = true;
  s.strip_width_A = 6;
  s.tilt.tilt_deg = tilt_deg;
  s.tilt.axis_angle_deg = 25;
  s.tilt.prepare();
  math::tilt_strip_range(s);
  return s;
}

// Float (FFTW, fused) against double (reference): ~1e-6 per FFT; the noise draws are the same
// counter-based numbers, and a Poisson count differs only where the float and double expected
// counts straddle an inversion boundary (~1e-6 of pixels). Tolerance 1e-4.
TEST(FormImages, CpuMatchesReferenceInEveryMode) {
  const Fixture f;
  struct Mode {
    const char* name;
    ops::ImageFormationSetup s;
  };
  std::vector<Mode> modes;
  auto s = base_setup();
  modes.push_back({"noise-free", s});
  s.apply_ctf = false;
  modes.push_back({"no CTF", s});
  s = base_setup();
  s.detector = ops::counting_detector(0.8);
  modes.push_back({"counting detector, no noise", s});
  s.noise = math::ImageNoise::poisson;
  s.dose_e_per_A2 = 30;
  modes.push_back({"counting detector, Poisson", s});
  s = base_setup();
  s.noise = math::ImageNoise::poisson;
  s.dose_e_per_A2 = 5;
  modes.push_back({"ideal detector, Poisson", s});
  s = base_setup();
  s.noise = math::ImageNoise::gaussian;
  s.snr = 0.3;
  modes.push_back({"Gaussian", s});
  modes.push_back({"tilted 35", tilted(base_setup(), 35)});
  auto t = tilted(base_setup(), -50);
  t.detector = ops::counting_detector();
  t.noise = math::ImageNoise::poisson;
  t.dose_e_per_A2 = 50;
  modes.push_back({"tilted -50, counting, Poisson", t});
  for (const auto& m : modes) {
    const auto ref = form(Device::reference, m.s, f);
    const auto cpu = form(Device::cpu, m.s, f);
    const double e = rel_l2(cpu.data(), ref.data(), std::int64_t(ref.size()));
    EXPECT_LT(e, 1e-4) << m.name;
    std::printf("%-32s rel L2 cpu vs reference %.2e\n", m.name, e);
  }
}

// A tilt of 0 is the untilted image whatever the strips; a real tilt changes the image (at 40 degrees
// the defocus changes by up to +-38 Å toward the corners of the 64 Å box).
TEST(FormImages, TiltedLimits) {
  const Fixture f;
  const auto flat = form(Device::cpu, base_setup(), f);
  const auto zero = form(Device::cpu, tilted(base_setup(), 0), f);
  EXPECT_LT(rel_l2(zero.data(), flat.data(), std::int64_t(flat.size())), 1e-6);
  const auto t40 = form(Device::cpu, tilted(base_setup(), 40), f);
  EXPECT_GT(rel_l2(t40.data(), flat.data(), std::int64_t(flat.size())), 1e-3);
}

// Exact per-pixel defocus (strip width 0) against narrow strips: a 1 Å strip is off by at most
// +-0.5 Å x tan(40) = 0.42 Å of defocus, a phase error pi lambda dF s^2 < 7e-6 rad at Nyquist, so the
// two agree to ~1e-4 (tolerance 1e-3); the CPU and the reference agree in the per-pixel mode too.
TEST(FormImages, TiltedPerPixelMatchesNarrowStrips) {
  const Fixture f;
  auto exact = tilted(base_setup(), 40);
  exact.strip_width_A = 0;
  auto narrow = tilted(base_setup(), 40);
  narrow.strip_width_A = 1;
  math::tilt_strip_range(narrow);
  const auto e = form(Device::cpu, exact, f);
  const auto s = form(Device::cpu, narrow, f);
  EXPECT_LT(rel_l2(s.data(), e.data(), std::int64_t(e.size())), 1e-3);
  exact.noise = math::ImageNoise::poisson;
  exact.dose_e_per_A2 = 20;
  exact.detector = ops::counting_detector();
  const auto r = form(Device::reference, exact, f);
  const auto c = form(Device::cpu, exact, f);
  EXPECT_LT(rel_l2(c.data(), r.data(), std::int64_t(r.size())), 1e-4);
}

// Consecutive particle indices are required (they key the noise streams).
TEST(FormImages, RejectsNonConsecutiveParticles) {
  Fixture f;
  f.particles[2].index += 7;
  std::vector<float> images(std::size_t(kImages) * kBox * kBox);
  EXPECT_THROW(ops::form_images(Device::cpu, base_setup(), f.particles.data(), kImages, f.slices.data(), images.data()),
               Error);
}

}  // namespace
}  // namespace thon
