// thon multislice against abTEM (Madsen & Susi, Open Res. Europe 1:24 (2021); PyPI `abtem`) on the
// same atoms, voltage, pixel size and slice thickness: the exit wave of a plane wave. Skips when
// abTEM cannot be imported (scripts/peers-python installs it into build/peers-venv).
//
// Conventions mapped: abTEM's pixel i lies at x = i p (thon's field pixel n/2 is the particle
// centre); abTEM's z runs from the entrance surface. abTEM transmits at each slice's entrance and
// propagates by dz after it, thon at the slice's centre with dz/2 after the last, so with the same
// slab potentials thon's exit wave is abTEM's propagated by -dz/2 (applied here with thon's
// propagator). Both band-limit at 2/3 Nyquist. abTEM has no B-factors: atoms with B = 0.
//
// Tables: thon uses Peng et al. 1996 (five Gaussians, scattering.hpp); abTEM's default is Lobato &
// van Dyck 2014 (Acta Cryst. A70:636), and it also ships Peng's table ("peng"). Tolerances:
//  - abTEM "peng": thon averages the potential over each pixel (exact erf box integrals), abTEM
//    samples it; the box average multiplies the transform by sinc(pi kx p) sinc(pi ky p) >= 0.91 for
//    |k| <= k_cut / 2 = 1 / (6 p), where the comparison is made (low-pass): 0.1 of the scattered wave.
//  - abTEM "lobato" (its default): the same plus the parametrisations' own difference, measured
//    with abTEM alone (its peng against its lobato exit wave, same grid and filter).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "test_util.hpp"
#include "thon/ops/fft.hpp"
#include "thon/ops/multislice.hpp"

namespace thon {
namespace {

using Cf = Complex<float>;

std::string peer_python() {
  if (const char* p = std::getenv("THON_PEER_PYTHON")) return p;
  const std::string venv = std::string(THON_SOURCE_DIR) + "/build/peers-venv/bin/python";
  if (std::filesystem::exists(venv)) return venv;
  return "python3";
}

bool have_abtem(const std::string& python) {
  return test::run_command(python + " -c 'import abtem'") == 0;
}

/// The scattered wave psi - 1 low-passed to |k| <= k_max (full complex layout of an n x n field).
std::vector<Cf> scattered_lowpass(std::vector<Cf> psi, int n, double pixel_A, double k_max) {
  for (Cf& x : psi) x = x - Cf(1.0f, 0.0f);
  const Shape shape{n, n, 1, 1};
  ops::fft_c2c(Device::cpu, psi.data(), psi.data(), shape, FftDirection::forward);
  for (int iy = 0; iy < n; ++iy)
    for (int ix = 0; ix < n; ++ix) {
      float kx, ky;
      math::full_complex_frequency(ix, iy, n, n, float(pixel_A), &kx, &ky);
      if (kx * kx + ky * ky > k_max * k_max) psi[std::size_t(iy) * n + ix] = Cf(0.0f, 0.0f);
    }
  ops::fft_c2c(Device::cpu, psi.data(), psi.data(), shape, FftDirection::inverse);
  return psi;
}

TEST(MultisliceAbtem, ExitWaveAgrees) {
  const std::string python = peer_python();
  if (!have_abtem(python)) GTEST_SKIP() << "abTEM not importable by " << python << " (scripts/peers-python)";
  test::TempDir dir;
  // 40 C/N/O atoms in a ball of 7 Å, B = 0; field 64 at 0.5 Å; 24 Å of vacuum specimen, dz 2 Å.
  std::mt19937 rng(4);
  std::uniform_real_distribution<double> u(-7, 7);
  std::vector<io::Atom> atoms;
  while (atoms.size() < 40) {
    io::Atom a;
    a.position_A = {u(rng), u(rng), u(rng)};
    if (length(a.position_A) > 7) continue;
    a.z = 6 + int(atoms.size() % 3);
    a.b_factor_A2 = 0;
    atoms.push_back(a);
  }
  const Vec3<double> c{0, 0, 0};
  ops::MultisliceSetup s;
  s.field = s.box = 64;
  s.pixel_size_A = 0.5;
  s.slice_thickness_A = 2;
  s.ice_thickness_A = 24;  // vacuum (ice model none): a specimen slab of chosen thickness
  s.depth_A = 12;
  ops::prepare_multislice(s, ops::particle_radius_A(atoms, c, 0));
  const int n = s.field;
  const index_t n2 = index_t(n) * n;
  std::vector<float> intensity(static_cast<std::size_t>(n2));
  std::vector<Cf> thon_exit(static_cast<std::size_t>(n2));
  math::ImageParticle part;
  part.ctf.prepare();
  const Mat3<double> rot = Mat3<double>::identity();
  ops::multislice_images(Device::cpu, atoms, c, s, &rot, &part, 1, intensity.data(), thon_exit.data());

  // abTEM's frame: x_ab = x + (n/2) p, z_ab = z - z_entrance.
  {
    std::ofstream f(dir.file("atoms.txt"));
    f.precision(10);
    for (const io::Atom& a : atoms)
      f << a.z << " " << a.position_A.x + n / 2 * s.pixel_size_A << " " << a.position_A.y + n / 2 * s.pixel_size_A << " "
        << a.position_A.z - s.z_entrance_A << "\n";
  }
  const std::string script = std::string(THON_SOURCE_DIR) + "/tests/peer/abtem_exit_wave.py";
  auto abtem = [&](const std::string& param) {
    const std::string out = dir.file("abtem_" + param + ".c64");
    std::string log;
    const std::string cmd = python + " " + script + " " + dir.file("atoms.txt") + " " + std::to_string(n * s.pixel_size_A) +
                            " " + std::to_string(s.thickness_A) + " " + std::to_string(n) + " " +
                            std::to_string(s.slice_thickness_A) + " 300 " + param + " infinite " + out;
    EXPECT_EQ(test::run_command(cmd, &log), 0) << cmd << "\n" << log;
    std::vector<Cf> psi(static_cast<std::size_t>(n2));
    std::ifstream in(out, std::ios::binary);
    in.read(reinterpret_cast<char*>(psi.data()), std::streamsize(psi.size() * sizeof(Cf)));
    EXPECT_TRUE(bool(in)) << "abTEM wrote no wave: " << log;
    // Propagate by -dz/2 (thon's gratings sit at the slab centres).
    const Shape shape{n, n, 1, 1};
    ops::fft_c2c(Device::cpu, psi.data(), psi.data(), shape, FftDirection::forward);
    for (int iy = 0; iy < n; ++iy)
      for (int ix = 0; ix < n; ++ix)
        psi[std::size_t(iy) * n + ix] *= math::field_propagator<float>(s, ix, iy, float(-0.5 * s.slice_thickness_A));
    ops::fft_c2c(Device::cpu, psi.data(), psi.data(), shape, FftDirection::inverse);
    return scattered_lowpass(psi, n, s.pixel_size_A, 0.5 * s.k_cut);
  };
  const auto ab_peng = abtem("peng"), ab_lobato = abtem("lobato");
  const auto th = scattered_lowpass(thon_exit, n, s.pixel_size_A, 0.5 * s.k_cut);
  EXPECT_TRUE(test::finite_and_nonzero(th.data(), n2));
  EXPECT_TRUE(test::finite_and_nonzero(ab_peng.data(), n2));
  const double d_peng = test::rel_l2(th.data(), ab_peng.data(), n2);
  const double d_param = test::rel_l2(ab_lobato.data(), ab_peng.data(), n2);
  const double d_lobato = test::rel_l2(th.data(), ab_lobato.data(), n2);
  constexpr double kSampling = 0.1;  // pixel average vs point sample below k_cut / 2 (header)
  EXPECT_LT(d_peng, kSampling) << "thon vs abTEM (Peng 1996 both)";
  EXPECT_LT(d_lobato, kSampling + d_param) << "thon (Peng) vs abTEM (Lobato 2014); abTEM peng vs lobato: " << d_param;
  std::printf("thon vs abTEM: peng %.4f, lobato %.4f; abTEM peng vs lobato %.4f\n", d_peng, d_lobato, d_param);
}

}  // namespace
}  // namespace thon
