// Potential on a grid and exact projections: reference against analytic integrals, CPU against the
// reference, projections of the potential map against the ground-truth projection.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <vector>

#include "test_util.hpp"
#include "thon/core/error.hpp"
#include "thon/math/rotation.hpp"
#include "thon/math/scattering.hpp"
#include "thon/ops/builtin_model.hpp"
#include "thon/ops/potential.hpp"

using thon::Device;
using thon::Vec3;
namespace ops = thon::ops;
namespace pm = thon::math;

namespace {

std::vector<thon::io::Atom> three_atoms() {
  std::vector<thon::io::Atom> a(3);
  a[0].z = 6;  a[0].position_A = {0.3, -0.7, 1.1}; a[0].b_factor_A2 = 10;
  a[1].z = 8;  a[1].position_A = {-3.2, 2.5, -1.4}; a[1].b_factor_A2 = 25; a[1].occupancy = 0.6;
  a[2].z = 16; a[2].position_A = {4.1, 1.9, -4.7}; a[2].b_factor_A2 = 0;
  return a;
}

double fe0(int z) { return pm::scattering_factor(pm::peng_coefficients(z), 0.0); }

}  // namespace

// Sum of voxels x voxel volume = 47.8776 sum occ f_e(0) (each Gaussian integrates to 1; the cutoff
// loses < 5e-8; float accumulation of ~1e4 voxels ~1e-6).
TEST(Potential, IntegralEqualsScatteringFactorSum) {
  const auto atoms = three_atoms();
  const double expected = 47.8776 * (fe0(6) + 0.6 * fe0(8) + fe0(16));
  ops::PotentialGrid g;
  g.nx = 40; g.ny = 36; g.nz = 44; g.pixel_size_A = 0.9; g.centre_A = {0.5, 0.2, -0.3};
  for (Device d : {Device::reference, Device::cpu}) {
    const auto v = ops::atom_potential(d, atoms, g);
    ASSERT_TRUE(thon::test::finite_and_nonzero(v.data(), v.size()));
    const double sum = std::accumulate(v.begin(), v.end(), 0.0) * std::pow(g.pixel_size_A, 3);
    EXPECT_LT(std::fabs(sum / expected - 1), d == Device::reference ? 2e-6 : 2e-5) << thon::to_string(d);
  }
}

// Placement: an atom at centre_A has its maximum at voxel (n/2, n/2, n/2) and is symmetric about it;
// the central voxel equals the analytic box average.
TEST(Potential, PlacementAtBoxCentre) {
  std::vector<thon::io::Atom> a(1);
  a[0].z = 8;
  a[0].position_A = {10, -5, 3};
  ops::PotentialGrid g;
  g.nx = g.ny = g.nz = 21;
  g.pixel_size_A = 1.1;
  g.centre_A = a[0].position_A;
  const auto v = ops::atom_potential(Device::reference, a, g);
  const double lo[3] = {-0.55, -0.55, -0.55}, hi[3] = {0.55, 0.55, 0.55};
  EXPECT_NEAR(v(10, 10, 10), pm::atom_box_average_V(pm::peng_coefficients(8), 0.0, 1.0, lo, hi), 1e-4);
  EXPECT_NEAR(v(10, 10, 9), v(10, 10, 11), 1e-6);
  EXPECT_NEAR(v(10, 9, 10), v(10, 11, 10), 1e-6);
  EXPECT_NEAR(v(9, 10, 10), v(11, 10, 10), 1e-6);
  EXPECT_GT(v(10, 10, 10), v(10, 10, 11));
}

// CPU (float, row functor) against the reference (double, per-atom loops) on the built-in model.
// Tolerance: float erf differences, ~1e-6 relative per voxel.
TEST(Potential, CpuMatchesReference) {
  ops::BuiltinModelOptions o;
  o.n_outer = 2;
  o.base_residues = 12;
  const auto atoms = ops::builtin_helix_bundle(o);
  ops::PotentialGrid g;
  g.nx = 48; g.ny = 40; g.nz = 36; g.pixel_size_A = 1.3; g.extra_b_A2 = 5; g.solvent_V = 0;
  const auto r = ops::atom_potential(Device::reference, atoms, g);
  const auto c = ops::atom_potential(Device::cpu, atoms, g);
  ASSERT_TRUE(thon::test::finite_and_nonzero(c.data(), c.size()));
  EXPECT_LT(thon::test::rel_l2(c.data(), r.data(), r.size()), 1e-5);
  g.solvent_V = ops::kIceMeanInnerPotential_V;
  const auto rs = ops::atom_potential(Device::reference, atoms, g);
  const auto cs = ops::atom_potential(Device::cpu, atoms, g);
  EXPECT_LT(thon::test::rel_l2(cs.data(), rs.data(), rs.size()), 1e-5);
  // Solvent rule: max(V_molecule, 4.58 V) voxel by voxel.
  for (thon::index_t i = 0; i < r.size(); ++i) ASSERT_NEAR(rs[i], std::max(double(r[i]), 4.58), 1e-4);
  EXPECT_FLOAT_EQ(rs(0, 0, 0), 4.58f);
}

// The ground-truth projection with the identity rotation equals pixel_size x the sum of the potential
// map along z (both are exact box integrals; atoms well inside the box). Also its integral.
TEST(Potential, ProjectionOfMapEqualsExactProjection) {
  const auto atoms = three_atoms();
  const int n = 40;
  ops::PotentialGrid g;
  g.nx = g.ny = g.nz = n;
  g.pixel_size_A = 0.8;
  ops::ProjectionGrid pg;
  pg.nx = pg.ny = n;
  pg.pixel_size_A = 0.8;
  const std::vector<thon::Mat3<double>> id{thon::Mat3<double>::identity()};
  for (Device d : {Device::reference, Device::cpu}) {
    const auto v = ops::atom_potential(d, atoms, g);
    const auto p = ops::atom_projected_potential(d, atoms, pg, id);
    ASSERT_TRUE(thon::test::finite_and_nonzero(p.data(), p.size()));
    std::vector<double> sum(n * n, 0.0);
    for (int z = 0; z < n; ++z)
      for (int i = 0; i < n * n; ++i) sum[i] += v[thon::index_t(z) * n * n + i] * g.pixel_size_A;
    EXPECT_LT(thon::test::rel_l2(p.data(), sum.data(), n * n), d == Device::reference ? 1e-7 : 2e-5);
    const double integral = std::accumulate(p.begin(), p.end(), 0.0) * 0.64;
    EXPECT_LT(std::fabs(integral / (47.8776 * (fe0(6) + 0.6 * fe0(8) + fe0(16))) - 1), 2e-5);
  }
}

// Rotation convention: image coordinates = A (r - centre). psi = 90 maps (x, y) -> (y, -x), an exact
// permutation of the pixel grid: img90(j', i') = img0(i', n - j').
TEST(Potential, ProjectionRotationConvention) {
  const auto atoms = three_atoms();
  const int n = 32;
  ops::ProjectionGrid pg;
  pg.nx = pg.ny = n;
  pg.pixel_size_A = 1.0;
  const std::vector<thon::Mat3<double>> rots{thon::Mat3<double>::identity(), pm::euler_to_matrix(0.0, 0.0, 90.0),
                                             pm::euler_to_matrix(0.0, 90.0, 0.0)};
  const auto r = ops::atom_projected_potential(Device::reference, atoms, pg, rots);
  const auto c = ops::atom_projected_potential(Device::cpu, atoms, pg, rots);
  EXPECT_LT(thon::test::rel_l2(c.data(), r.data(), r.size()), 1e-5);
  const auto img0 = r.image(0), img90 = r.image(1);
  for (int jp = 1; jp < n; ++jp)
    for (int ip = 0; ip < n; ++ip) ASSERT_NEAR(img90(jp, ip), img0(ip, n - jp), 1e-4);
  // tilt 90: projection along x of the map; every image carries the same total.
  const double s0 = std::accumulate(img0.data, img0.data + n * n, 0.0);
  const auto img_t = r.image(2);
  EXPECT_NEAR(std::accumulate(img_t.data, img_t.data + n * n, 0.0), s0, 1e-6 * s0);
}

TEST(Potential, BadInput) {
  auto atoms = three_atoms();
  ops::PotentialGrid g;
  g.nx = g.ny = g.nz = 8;
  g.pixel_size_A = 0;
  EXPECT_THROW(ops::atom_potential(Device::cpu, atoms, g), thon::Error);
  g.pixel_size_A = 1;
  g.nz = 0;
  EXPECT_THROW(ops::atom_potential(Device::cpu, atoms, g), thon::Error);
  g.nz = 8;
  atoms[1].z = 79;  // gold: not in the table shipped
  try {
    ops::atom_potential(Device::reference, atoms, g);
    FAIL() << "no error for an unknown element";
  } catch (const thon::Error& e) {
    EXPECT_NE(std::string(e.what()).find("atom 1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("79"), std::string::npos) << e.what();
  }
}
