// Peer check of the potential map against gemmi's density calculator (gemmi/dencalc.hpp) with the
// electron scattering table of International Tables C 4.3.2.2 (gemmi/c4322.hpp; the same Peng 1996
// five-Gaussian fit), on hen egg-white lysozyme 1AKI. gemmi samples the density at grid points
// (units Å^-3 x Å: sum a_i (4 pi / b_i')^(3/2) exp(...)), thon averages the potential over each voxel
// in volts: the conversion is 47.8776 V Å^2 (h^2 / (2 pi m0 e), PHYSICS.md 5.3).
#include <gtest/gtest.h>

#include <gemmi/c4322.hpp>
#include <gemmi/dencalc.hpp>
#include <gemmi/pdb.hpp>

#include <cmath>
#include <vector>

#include "test_util.hpp"
#include "thon/math/scattering.hpp"
#include "thon/ops/potential.hpp"

namespace {

double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  double ma = 0, mb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ma += a[i];
    mb += b[i];
  }
  ma /= a.size();
  mb /= b.size();
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

}  // namespace

TEST(PeerGemmi, PotentialMapOf1akiMatchesDensityCalculator) {
  THON_REQUIRE_DATA("models/1aki.pdb");
  const gemmi::Structure st = gemmi::read_pdb_file(thon::test::data_path("models/1aki.pdb"));
  std::vector<thon::io::Atom> atoms;
  std::vector<gemmi::Atom> gatoms;
  thon::Vec3<double> lo{1e9, 1e9, 1e9}, hi{-1e9, -1e9, -1e9};
  for (const gemmi::Chain& ch : st.models[0].chains)
    for (const gemmi::Residue& r : ch.residues)
      for (const gemmi::Atom& a : r.atoms) {
        thon::io::Atom t;
        t.z = a.element.atomic_number();
        t.position_A = {a.pos.x, a.pos.y, a.pos.z};
        t.b_factor_A2 = a.b_iso;
        t.occupancy = a.occ;
        atoms.push_back(t);
        gatoms.push_back(a);
        for (int d = 0; d < 3; ++d) {
          lo[d] = std::min(lo[d], t.position_A[d]);
          hi[d] = std::max(hi[d], t.position_A[d]);
        }
      }
  ASSERT_GT(atoms.size(), 900u);
  const int n = 72;
  const double p = 1.0;
  const thon::Vec3<double> centre = 0.5 * (lo + hi);

  for (double extra_b : {0.0, 30.0}) {
    thon::ops::PotentialGrid g;
    g.nx = g.ny = g.nz = n;
    g.pixel_size_A = p;
    g.centre_A = centre;
    g.extra_b_A2 = extra_b;
    const auto v = thon::ops::atom_potential(thon::Device::cpu, atoms, g);
    ASSERT_TRUE(thon::test::finite_and_nonzero(v.data(), v.size()));

    // gemmi: a P1 cell of n p, grid point i at i p; shift so that centre -> n/2 p.
    gemmi::DensityCalculator<gemmi::C4322<double>, float> dc;
    dc.grid.unit_cell.set(n * p, n * p, n * p, 90, 90, 90);
    dc.grid.spacegroup = gemmi::find_spacegroup_by_name("P 1");
    dc.grid.set_size(n, n, n);
    dc.grid.fill(0.f);
    dc.blur = extra_b;
    for (gemmi::Atom a : gatoms) {
      a.pos = gemmi::Position(a.pos.x - centre.x + n / 2 * p, a.pos.y - centre.y + n / 2 * p,
                              a.pos.z - centre.z + n / 2 * p);
      dc.add_atom_density_to_grid(a);
    }
    std::vector<double> ours(v.begin(), v.end()), theirs(dc.grid.data.size());
    for (std::size_t i = 0; i < theirs.size(); ++i) theirs[i] = 47.8776 * dc.grid.data[i];
    const double r = correlation(ours, theirs);
    double sum_o = 0, sum_t = 0;
    for (std::size_t i = 0; i < ours.size(); ++i) {
      sum_o += ours[i];
      sum_t += theirs[i];
    }
    const double l2 = thon::test::rel_l2(ours.data(), theirs.data(), std::int64_t(ours.size()));
    std::printf("extra B %.0f: correlation %.6f, rel L2 %.4f, integral ratio %.6f\n", extra_b, r, l2, sum_o / sum_t);
    // Voxel averages vs point samples of the same function: they differ by the box blur (~p^2/12 per
    // axis), small against the atomic widths, so the maps correlate > 0.99 and integrate alike.
    EXPECT_GT(r, 0.99) << extra_b;
    EXPECT_NEAR(sum_o / sum_t, 1.0, 0.01) << extra_b;
    // Units and tables exactly: thon's point potential (math::atom_potential_V summed over atoms) at
    // every 97th grid point against gemmi's samples. Tolerance: gemmi's density cutoff (1e-5 Å^-3) and
    // float grid, ~1e-4 relative.
    std::vector<double> point, gem;
    for (std::size_t i = 0; i < theirs.size(); i += 97) {
      const int x = int(i % n), y = int(i / n % n), z = int(i / (std::size_t(n) * n));
      const thon::Vec3<double> r{centre.x + (x - n / 2) * p, centre.y + (y - n / 2) * p, centre.z + (z - n / 2) * p};
      double sum = 0;
      for (const thon::io::Atom& a : atoms)
        sum += a.occupancy * thon::math::atom_potential_V(thon::math::peng_coefficients(a.z),
                                                          thon::length(r - a.position_A), a.b_factor_A2 + extra_b);
      point.push_back(sum);
      gem.push_back(theirs[i]);
    }
    const double point_l2 = thon::test::rel_l2(point.data(), gem.data(), std::int64_t(gem.size()));
    std::printf("  point potential vs gemmi: rel L2 %.2e over %zu points\n", point_l2, gem.size());
    EXPECT_LT(point_l2, 1e-3) << extra_b;
  }
}
