// Reference potential: for each atom, loop over the voxels of its cutoff cube and add the exact box
// average of its Peng potential (math::atom_box_average_V), in double. Written for reading.
#include "reference/potential.hpp"

#include <algorithm>
#include <cmath>

#include "ops/potential_prepare.hpp"
#include "thon/math/scattering.hpp"

namespace thon::ref {

namespace {
double widest_b(const math::PengCoefficients& c) {
  double b = 0;
  for (double bi : c.b) b = std::max(b, bi);
  return b;
}
}  // namespace

Volume<double> atom_potential(const std::vector<io::Atom>& atoms, const ops::PotentialGrid& grid) {
  ops::detail::check_grid(grid.nx, grid.ny, grid.nz, grid.pixel_size_A);
  ops::detail::check_atoms(atoms);
  Volume<double> v(grid.nx, grid.ny, grid.nz, grid.pixel_size_A);
  const double p = grid.pixel_size_A;
  const int n[3] = {grid.nx, grid.ny, grid.nz};
  for (const io::Atom& atom : atoms) {
    const math::PengCoefficients c = math::peng_coefficients(atom.z);
    const double b = atom.b_factor_A2 + grid.extra_b_A2;
    const double r_cut = math::atom_cutoff_radius_A(widest_b(c), b);
    const Vec3<double> rel = atom.position_A - grid.centre_A;
    int lo[3], hi[3];
    for (int d = 0; d < 3; ++d) {
      const double u = rel[d] / p + n[d] / 2;  // continuous voxel coordinate
      lo[d] = std::max(0, int(std::floor(u - r_cut / p + 0.5)));
      hi[d] = std::min(n[d] - 1, int(std::floor(u + r_cut / p + 0.5)));
    }
    for (int k = lo[2]; k <= hi[2]; ++k)
      for (int j = lo[1]; j <= hi[1]; ++j)
        for (int i = lo[0]; i <= hi[0]; ++i) {
          const int idx[3] = {i, j, k};
          double box_lo[3], box_hi[3];
          for (int d = 0; d < 3; ++d) {
            const double centre = (idx[d] - n[d] / 2) * p;  // voxel centre relative to centre_A
            box_lo[d] = centre - 0.5 * p - rel[d];
            box_hi[d] = centre + 0.5 * p - rel[d];
          }
          v(k, j, i) += math::atom_box_average_V(c, b, atom.occupancy, box_lo, box_hi);
        }
  }
  if (grid.solvent_V > 0)
    for (double& x : v) x = std::max(x, grid.solvent_V);
  return v;
}

ImageStack<double> atom_projected_potential(const std::vector<io::Atom>& atoms, const ops::ProjectionGrid& grid,
                                            const std::vector<Mat3<double>>& rotations) {
  ops::detail::check_grid(grid.nx, grid.ny, 1, grid.pixel_size_A);
  ops::detail::check_atoms(atoms);
  THON_CHECK(!rotations.empty(), "atom_projected_potential: no rotations given");
  ImageStack<double> out(grid.nx, grid.ny, int(rotations.size()), grid.pixel_size_A);
  const double p = grid.pixel_size_A;
  const int n[2] = {grid.nx, grid.ny};
  for (std::size_t m = 0; m < rotations.size(); ++m) {
    Span2D<double> img = out.image(int(m));
    for (const io::Atom& atom : atoms) {
      const math::PengCoefficients c = math::peng_coefficients(atom.z);
      const double b = atom.b_factor_A2 + grid.extra_b_A2;
      const double r_cut = math::atom_cutoff_radius_A(widest_b(c), b);
      const Vec3<double> rel = rotations[m] * (atom.position_A - grid.centre_A);
      int lo[2], hi[2];
      for (int d = 0; d < 2; ++d) {
        const double u = rel[d] / p + n[d] / 2;
        lo[d] = std::max(0, int(std::floor(u - r_cut / p + 0.5)));
        hi[d] = std::min(n[d] - 1, int(std::floor(u + r_cut / p + 0.5)));
      }
      for (int j = lo[1]; j <= hi[1]; ++j)
        for (int i = lo[0]; i <= hi[0]; ++i) {
          const int idx[2] = {i, j};
          double box_lo[2], box_hi[2];
          for (int d = 0; d < 2; ++d) {
            const double centre = (idx[d] - n[d] / 2) * p;
            box_lo[d] = centre - 0.5 * p - rel[d];
            box_hi[d] = centre + 0.5 * p - rel[d];
          }
          img(j, i) += math::atom_pixel_average_VA(c, b, atom.occupancy, box_lo, box_hi);
        }
    }
  }
  return out;
}

}  // namespace thon::ref
