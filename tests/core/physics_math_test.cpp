// Physics formulas of include/thon/math against published values and closed forms (PHYSICS.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "thon/math/ctf.hpp"
#include "thon/math/detector.hpp"
#include "thon/math/electron.hpp"
#include "thon/math/fast_sin.hpp"
#include "thon/math/random.hpp"
#include "thon/math/scattering.hpp"

namespace pm = thon::math;

namespace {
constexpr double kPi = 3.14159265358979323846;
double rel(double a, double b) { return std::fabs(a - b) / std::fabs(b); }
}  // namespace

// PHYSICS.md 5.1 / DESIGN.md section 3: values from the CODATA 2018 constants (given to 5-6 digits,
// so the tolerance is the rounding of the published digits).
TEST(Electron, WavelengthPublishedValues) {
  EXPECT_LT(rel(pm::electron_wavelength_A_kV(300), 0.0196875), 3e-6);
  EXPECT_LT(rel(pm::electron_wavelength_A_kV(200), 0.0250793), 3e-6);
  EXPECT_LT(rel(pm::electron_wavelength_A_kV(100), 0.0370144), 3e-6);
  // Practical form 12.2643 / sqrt(V (1 + 0.978466e-6 V)) (DESIGN.md), independent arithmetic.
  for (double kv : {80.0, 120.0, 300.0, 1000.0}) {
    const double v = kv * 1e3;
    EXPECT_LT(rel(pm::electron_wavelength_A_kV(kv), 12.2643 / std::sqrt(v * (1 + 0.978466e-6 * v))), 1e-5);
  }
}

TEST(Electron, InteractionConstantAndLorentz) {
  EXPECT_LT(rel(pm::interaction_constant_kV(300), 6.5262e-4), 1e-5);
  EXPECT_LT(rel(pm::interaction_constant_kV(200), 7.2884e-4), 1e-5);
  EXPECT_LT(rel(pm::interaction_constant_kV(100), 9.2440e-4), 1e-5);
  EXPECT_LT(rel(pm::lorentz_factor(300e3), 1.587085), 1e-6);
  EXPECT_LT(rel(pm::lorentz_factor(200e3), 1.391390), 1e-6);
  EXPECT_LT(rel(pm::lorentz_factor(100e3), 1.195695), 1e-6);
  // Kirkland's form sigma = 2 pi / (lambda V) (m0c^2 + eV) / (2 m0c^2 + eV).
  const double v = 300e3, e0 = 510998.95;
  EXPECT_LT(rel(pm::interaction_constant(v), 2 * kPi / (pm::electron_wavelength_A(v) * v) * (e0 + v) / (2 * e0 + v)), 1e-9);
  EXPECT_LT(rel(pm::kPotentialPrefactor_VA2, 47.8776), 1e-5);
}

// PHYSICS.md 5.3 test-value table (300 kV): f_e(0), V_z(0), phi(0) at B = 0 and 30, integrated phase.
TEST(Scattering, PhysicsTableValues) {
  struct Row {
    int z;
    double fe0, vz0, phi0, phi30, iphi;
  };
  const Row rows[] = {{6, 2.5088, 417.4, 0.2724, 0.0227, 0.07839},
                      {8, 1.9834, 536.1, 0.3499, 0.0204, 0.06197},
                      {16, 5.1604, 958.5, 0.6256, 0.0461, 0.16124}};
  const double sigma = pm::interaction_constant_kV(300);
  const double gl = pm::lorentz_factor(300e3) * pm::electron_wavelength_A_kV(300);
  for (const Row& r : rows) {
    const pm::PengCoefficients c = pm::peng_coefficients(r.z);
    // Tolerances: half a unit of the last published digit.
    EXPECT_NEAR(pm::scattering_factor(c, 0.0), r.fe0, 5e-5) << r.z;
    EXPECT_NEAR(pm::atom_projected_potential_VA(c, 0.0), r.vz0, 0.05) << r.z;
    EXPECT_NEAR(sigma * pm::atom_projected_potential_VA(c, 0.0), r.phi0, 5e-5) << r.z;
    EXPECT_NEAR(sigma * pm::atom_projected_potential_VA(c, 0.0, 30.0), r.phi30, 5e-5) << r.z;
    // Integrated phase = gamma lambda f_e(0), and numerically: 2 pi int phi(rho) rho drho (midpoint, 1e-4 Å).
    EXPECT_NEAR(gl * pm::scattering_factor(c, 0.0), r.iphi, 5e-6) << r.z;
    double integral = 0;
    const double h = 1e-4;
    for (double rho = 0.5 * h; rho < 15; rho += h)
      integral += 2 * kPi * rho * h * sigma * pm::atom_projected_potential_VA(c, rho, 10.0);
    EXPECT_LT(rel(integral, gl * pm::scattering_factor(c, 0.0)), 1e-6) << r.z;
  }
}

// The 3D potential integrates to 47.8776 f_e(0); the box average tends to the point value for tiny boxes;
// the box integral over a huge box gives the whole mass.
TEST(Scattering, PotentialIntegralsAndBoxAverage) {
  const pm::PengCoefficients c = pm::peng_coefficients(6);
  double integral = 0;
  const double h = 1e-3;
  for (double r = 0.5 * h; r < 12; r += h) integral += 4 * kPi * r * r * h * pm::atom_potential_V(c, r, 15.0);
  EXPECT_LT(rel(integral, 47.8776 * pm::scattering_factor(c, 0.0)), 2e-5);  // 47.8776 rounded to 6 digits
  const double lo[3] = {-20, -20, -20}, hi[3] = {20, 20, 20};
  EXPECT_LT(rel(pm::atom_box_average_V(c, 15.0, 0.5, lo, hi) * 40 * 40 * 40,
                0.5 * pm::kPotentialPrefactor_VA2 * pm::scattering_factor(c, 0.0)), 1e-12);
  const double e = 1e-4, lo2[3] = {0.3, -0.2, 0.1}, hi2[3] = {0.3 + e, -0.2 + e, 0.1 + e};
  const double r = std::sqrt(0.3 * 0.3 + 0.2 * 0.2 + 0.1 * 0.1);
  EXPECT_LT(rel(pm::atom_box_average_V(c, 0.0, 1.0, lo2, hi2), pm::atom_potential_V(c, r)), 1e-3);
  const double plo[2] = {0.3, -0.2}, phi[2] = {0.3 + e, -0.2 + e};
  EXPECT_LT(rel(pm::atom_pixel_average_VA(c, 0.0, 1.0, plo, phi), pm::atom_projected_potential_VA(c, std::hypot(0.3, 0.2))),
            1e-3);
  // Cutoff: the mass outside a cube of half-width R is below 3 erfc(4) of the total.
  const double b_max = 50.2523, rc = pm::atom_cutoff_radius_A(b_max, 0.0);
  const double clo[3] = {-rc, -rc, -rc}, chi[3] = {rc, rc, rc};
  const double inside = pm::atom_box_average_V(c, 0.0, 1.0, clo, chi) * std::pow(2 * rc, 3);
  EXPECT_LT(1 - inside / (pm::kPotentialPrefactor_VA2 * pm::scattering_factor(c, 0.0)), 3 * std::erfc(4.0));
}

TEST(Scattering, IceMeanInnerPotential) {
  // H2O: 2 f_H(0) + f_O(0) = 3.041 Å; 0.94 g/cm^3 -> n = 0.94 / 18.015 * 6.02214e23 / 1e24 Å^-3: 4.58 V.
  const double sum = 2 * pm::scattering_factor(pm::peng_coefficients(1), 0.0) +
                     pm::scattering_factor(pm::peng_coefficients(8), 0.0);
  EXPECT_NEAR(sum, 3.041, 5e-4);
  EXPECT_NEAR(pm::mean_inner_potential_V(0.94 / 18.015 * 0.602214, sum), 4.58, 0.005);
  EXPECT_FALSE(pm::has_scattering_factor(0));
  EXPECT_FALSE(pm::has_scattering_factor(37));
  EXPECT_TRUE(pm::has_scattering_factor(34));  // Se
}

namespace {
pm::CtfParams make_ctf(double df_u, double df_v, double angle, double q = 0.1, double cs = 2.7) {
  pm::CtfParams p;
  p.voltage_kV = 300;
  p.cs_mm = cs;
  p.amplitude_contrast = q;
  p.defocus_u_A = df_u;
  p.defocus_v_A = df_v;
  p.defocus_angle_deg = angle;
  p.prepare();
  return p;
}
}  // namespace

TEST(Ctf, SignAtOriginIsPlusQ) {
  for (double q : {0.0, 0.07, 0.1, 0.3}) EXPECT_NEAR(pm::ctf_value(make_ctf(12000, 9000, 20, q), 0.0, 0.0), q, 1e-12);
  // Just past the origin the CTF grows (underfocus, RELION sign): particles white at low resolution.
  const pm::CtfParams p = make_ctf(15000, 15000, 0, 0.1);
  EXPECT_GT(pm::ctf_value(p, 0.005, 0.0), 0.1);
}

// First zero: chi + w = pi, i.e. (pi/2) Cs l^3 s^4 - pi l dF s^2 + (pi - w) = 0 solved for s^2.
TEST(Ctf, FirstZeroMatchesQuadraticSolution) {
  for (double df : {5000.0, 10000.0, 25000.0}) {
    const pm::CtfParams p = make_ctf(df, df, 0, 0.07);
    const double l = p.lambda_A, cs = p.cs_A, w = std::atan2(0.07, std::sqrt(1 - 0.07 * 0.07));
    const double s2 = (l * df - std::sqrt(l * l * df * df - 2 * cs * l * l * l * (1 - w / kPi))) / (cs * l * l * l);
    const double s = std::sqrt(s2);
    EXPECT_NEAR(pm::ctf_value(p, s, 0.0), 0.0, 1e-9);
    EXPECT_GT(pm::ctf_value(p, 0.999 * s, 0.0), 0.0);
    EXPECT_LT(pm::ctf_value(p, 1.001 * s, 0.0), 0.0);
    // Cs = 0: s^2 = (1 - w/pi) / (lambda dF).
    const pm::CtfParams p0 = make_ctf(df, df, 0, 0.07, 0.0);
    EXPECT_NEAR(pm::ctf_value(p0, std::sqrt((1 - w / kPi) / (l * df)), 0.0), 0.0, 1e-9);
  }
}

// Astigmatism: along the defocus angle the CTF is that of defocus U, perpendicular to it V.
TEST(Ctf, AstigmatismAngle) {
  const double ang = 37;
  const pm::CtfParams p = make_ctf(21000, 14000, ang);
  const pm::CtfParams pu = make_ctf(21000, 21000, 0), pv = make_ctf(14000, 14000, 0);
  for (double s : {0.02, 0.07, 0.15}) {
    const double t = ang * kPi / 180, t2 = t + kPi / 2;
    EXPECT_NEAR(pm::ctf_value(p, s * std::cos(t), s * std::sin(t)), pm::ctf_value(pu, s, 0.0), 1e-9);
    EXPECT_NEAR(pm::ctf_value(p, s * std::cos(t2), s * std::sin(t2)), pm::ctf_value(pv, s, 0.0), 1e-9);
    // Point symmetry CTF(k) = CTF(-k).
    EXPECT_NEAR(pm::ctf_value(p, 0.3 * s, -0.8 * s), pm::ctf_value(p, -0.3 * s, 0.8 * s), 1e-12);
  }
}

// Envelopes against their closed forms (PHYSICS.md 5.7) written out independently.
TEST(Ctf, EnvelopesClosedForms) {
  pm::CtfParams p = make_ctf(18000, 18000, 0);
  const pm::CtfParams bare = p;
  p.b_factor_A2 = 80;
  p.source_alpha_mrad = 0.02;
  p.focal_spread_A = 40;
  p.prepare();
  for (double s : {0.05, 0.12, 0.2, 0.3}) {
    const double l = p.lambda_A, cs = 2.7e7, df = 18000;
    const double eb = std::exp(-80 * s * s / 4);
    const double es = std::exp(-std::pow(kPi * 2e-5 / l, 2) * std::pow(cs * l * l * l * s * s * s - df * l * s, 2));
    const double et = std::exp(-0.25 * kPi * kPi * l * l * 40 * 40 * std::pow(s, 4));
    EXPECT_NEAR(pm::ctf_value(p, s, 0.0), pm::ctf_value(bare, s, 0.0) * eb * es * et, 1e-12);
  }
  // Focal spread from Cc: Delta = Cc dE/E (1 + E/E0) / (1 + E/2E0); 300 kV, Cc 2.7 mm, dE 0.7 eV.
  const double e = 300e3 / 510998.95;
  EXPECT_NEAR(pm::focal_spread_from_cc_A(2.7, 0.7 / 300e3, 300), 2.7e7 * 0.7 / 300e3 * (1 + e) / (1 + e / 2), 1e-9);
}

// Im of the complex transfer is the CTF; the weak-phase image from it is 1 - 2 CTF phi: for
// psi(k) = delta + i Phi, I(k) = delta + i Phi (W(k) - conj W(-k)) = delta - 2 Phi Im W.
TEST(Ctf, ComplexTransferMatchesCtf) {
  pm::CtfParams p = make_ctf(16000, 12000, 50, 0.1);
  p.phase_shift_deg = 30;
  p.b_factor_A2 = 20;
  p.prepare();
  for (double kx : {0.0, 0.03, -0.11})
    for (double ky : {0.0, 0.05, 0.2}) {
      const thon::Complex<double> w = pm::ctf_complex(p, kx, ky);
      EXPECT_NEAR(w.im, pm::ctf_value(p, kx, ky), 1e-12);
      EXPECT_NEAR(std::hypot(w.re, w.im), std::exp(-20 * (kx * kx + ky * ky) / 4), 1e-12);
    }
  // Defocus-only transfer (Cs = 0, Q = 0) = Fresnel propagation by -dF, P(dz) = exp(-i pi lambda dz k^2).
  pm::CtfParams d = make_ctf(5000, 5000, 0, 0.0, 0.0);
  const double k2 = 0.01, ph = kPi * d.lambda_A * 5000 * k2;  // P(-dF) = exp(+i pi lambda dF k^2)
  const thon::Complex<double> wd = pm::ctf_complex(d, 0.1, 0.0);
  EXPECT_NEAR(wd.re, std::cos(ph), 1e-12);
  EXPECT_NEAR(wd.im, std::sin(ph), 1e-12);
  // Phase plate of 90 degrees with Q = 0: CTF(0) = sin(pi/2) = 1.
  pm::CtfParams pp = make_ctf(0, 0, 0, 0.0);
  pp.phase_shift_deg = 90;
  pp.prepare();
  EXPECT_NEAR(pm::ctf_value(pp, 0.0, 0.0), 1.0, 1e-12);
}

TEST(Ctf, TiltDefocusOffsetHandedness) {
  pm::TiltGeometry g;
  g.tilt_deg = 30;
  g.axis_angle_deg = 0;  // axis along +x: d_perp = y
  g.prepare();
  EXPECT_NEAR(pm::tilt_defocus_offset_A(g, 100.0, 0.0), 0.0, 1e-12);
  EXPECT_NEAR(pm::tilt_defocus_offset_A(g, 0.0, 200.0), 200 * std::tan(30 * kPi / 180), 1e-9);
  g.handedness = -1;
  EXPECT_NEAR(pm::tilt_defocus_offset_A(g, 0.0, 200.0), -200 * std::tan(30 * kPi / 180), 1e-9);
  g.axis_angle_deg = 90;  // axis along +y: d_perp = -x
  g.handedness = 1;
  g.prepare();
  EXPECT_NEAR(pm::tilt_defocus_offset_A(g, 50.0, 300.0), -50 * std::tan(30 * kPi / 180), 1e-9);
}

// Philox4x32-10 known-answer vectors of Random123 (kat_vectors: philox4x32 10 rounds).
TEST(Random, PhiloxKnownAnswers) {
  const pm::Philox4x32 z = pm::philox4x32_10({{0, 0, 0, 0}}, 0, 0);
  EXPECT_EQ(z.v[0], 0x6627e8d5u);
  EXPECT_EQ(z.v[1], 0xe169c58du);
  EXPECT_EQ(z.v[2], 0xbc57ac4cu);
  EXPECT_EQ(z.v[3], 0x9b00dbd8u);
  const pm::Philox4x32 f = pm::philox4x32_10({{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}}, 0xffffffffu, 0xffffffffu);
  EXPECT_EQ(f.v[0], 0x408f276du);
  EXPECT_EQ(f.v[1], 0x41c83b0eu);
  EXPECT_EQ(f.v[2], 0xa20bc7c6u);
  EXPECT_EQ(f.v[3], 0x6d5451fdu);
}

// Sample moments of the samplers within 4 standard errors (n draws: SE of the mean sqrt(var/n)).
TEST(Random, SamplerMoments) {
  const int n = 200000;
  pm::RandomStream rng(1234, 7);
  double s = 0, s2 = 0;
  for (int i = 0; i < n; ++i) {
    const double x = rng.normal();
    s += x;
    s2 += x * x;
  }
  EXPECT_NEAR(s / n, 0.0, 4 * std::sqrt(1.0 / n));
  EXPECT_NEAR(s2 / n, 1.0, 4 * std::sqrt(2.0 / n));
  for (double mean : {0.3, 4.5, 9.99, 10.0, 37.0, 1000.0}) {
    pm::RandomStream r(99, std::uint64_t(mean * 100));
    double m1 = 0, m2 = 0;
    for (int i = 0; i < n; ++i) {
      const double k = pm::poisson_sample(r, mean);
      ASSERT_EQ(k, std::floor(k));
      m1 += k;
      m2 += k * k;
    }
    const double mu = m1 / n, var = m2 / n - mu * mu;
    EXPECT_NEAR(mu, mean, 4 * std::sqrt(mean / n)) << mean;
    // Var of the sample variance of a Poisson: (mu4 - var^2 (n-3)/(n-1)) / n, mu4 = m (1 + 3m).
    EXPECT_NEAR(var, mean, 4 * std::sqrt((mean * (1 + 3 * mean) - mean * mean) / n)) << mean;
  }
  // log-factorial against lgamma.
  for (double k : {0.0, 1.0, 9.0, 10.0, 57.0, 1e4}) EXPECT_NEAR(pm::log_factorial(k), std::lgamma(k + 1), 1e-9 * (1 + k));
}

TEST(Detector, CountingPresetAndTables) {
  pm::DetectorModel d;
  d.kind = pm::DetectorKind::counting;
  d.dqe0 = 0.8;
  // cryoJAX CountingDQE: DQE on-axis at Nyquist = (2/pi)^2 DQE0; MTF = 2/pi.
  EXPECT_NEAR(pm::detector_dqe(d, 1.0, 0.0), 0.8 * 4 / (kPi * kPi), 1e-12);
  EXPECT_NEAR(pm::detector_mtf(d, 1.0, 0.0), 2 / kPi, 1e-12);
  EXPECT_NEAR(pm::detector_dqe(d, 0.0, 0.0), 0.8, 1e-12);
  // Signal transfer pre * post = MTF/MTF(0).
  EXPECT_NEAR(pm::detector_signal_prefilter(d, 0.6, 0.3) * pm::detector_noise_postfilter(d, 0.6, 0.3),
              pm::detector_mtf(d, 0.6, 0.3), 1e-12);
  pm::DetectorModel t;
  t.kind = pm::DetectorKind::table;
  t.n_mtf = 3;
  const float f[3] = {0.0f, 0.5f, 1.0f}, v[3] = {1.0f, 0.6f, 0.2f};
  for (int i = 0; i < 3; ++i) {
    t.mtf_f[i] = f[i];
    t.mtf_v[i] = v[i];
  }
  EXPECT_NEAR(pm::detector_mtf(t, 0.25, 0.0), 0.8, 1e-6);
  EXPECT_NEAR(pm::detector_mtf(t, 0.0, 0.75), 0.4, 1e-6);
  EXPECT_NEAR(pm::detector_mtf(t, 1.0, 1.0), 0.2, 1e-6);  // beyond the end: last value
  EXPECT_NEAR(pm::detector_dqe(t, 0.5, 0.0), 1.0, 1e-12);  // no DQE table: 1
}

// sin_fast against the double sine on a dense grid over |x| <= 1000 rad (the chi of any CTF of a
// box <= 1024 at 1-3 um defocus stays far below): bound 2e-7, about 3 float ulps of 1.
TEST(FastSin, MatchesDoubleSine) {
  constexpr double kTol = 2e-7;
  double max_err = 0, sum_abs = 0;
  for (int i = 0; i <= 2000000; ++i) {
    const float x = -1000.f + 2000.f * float(i) / 2000000.f;
    const float s = pm::sin_fast(x);
    ASSERT_TRUE(std::isfinite(s));
    max_err = std::max(max_err, std::abs(double(s) - std::sin(double(x))));
    sum_abs += std::abs(s);
  }
  EXPECT_LT(max_err, kTol);
  EXPECT_GT(sum_abs, 1e5);  // not all zero: the mean |sin| is 2/pi
  EXPECT_EQ(pm::sin_fast(0.f), 0.f);
}

// ctf_value_fast (float, sin_fast) against ctf_value in double over a 2D grid to Nyquist at 1 Å
// with astigmatism, a phase shift and a B-factor: chi reaches about 90 rad here, so float rounding
// of chi (|chi| 6e-8) and of the sine give at most about 1e-5; bound 3e-5.
TEST(FastSin, CtfValueFastMatchesDoubleCtf) {
  constexpr double kTol = 3e-5;
  pm::CtfParams p;
  p.defocus_u_A = 25000;
  p.defocus_v_A = 23000;
  p.defocus_angle_deg = 37;
  p.phase_shift_deg = 20;
  p.b_factor_A2 = 40;
  p.prepare();
  double max_err = 0, sum_abs = 0;
  for (int iy = -64; iy <= 64; ++iy)
    for (int ix = 0; ix <= 64; ++ix) {
      const double kx = ix / 128.0, ky = iy / 128.0;
      const float f = pm::ctf_value_fast(p, float(kx), float(ky));
      ASSERT_TRUE(std::isfinite(f));
      max_err = std::max(max_err, std::abs(double(f) - pm::ctf_value<double>(p, kx, ky)));
      sum_abs += std::abs(f);
    }
  EXPECT_LT(max_err, kTol);
  EXPECT_GT(sum_abs, 100.0);
}
