// The electrostatic potential of an atomic model on a grid (PHYSICS.md 5.3).
//
// Placement: the model coordinate `centre_A` maps to voxel index (nx/2, ny/2, nz/2) (integer
// division, DESIGN.md section 3); voxel (i, j, k) covers the cube of side pixel_size_A centred on
// centre_A + ((i - nx/2), (j - ny/2), (k - nz/2)) * pixel_size_A. Each voxel holds the exact average
// of the Peng 1996 potential over its cube (erf box integral), in volts; atoms are weighted by their
// occupancy and use B = b_factor_A2 + extra_b_A2. Each atom contributes only within a cube of
// half-width R = 4 sqrt(b_max + B) / (2 pi) around its centre (b_max its widest Gaussian): the dropped
// mass is < 3 erfc(4) = 4.6e-8 of the atom's |a_i| terms (scattering.hpp, atom_cutoff_radius_A).
//
// Solvent: with solvent_V > 0 each voxel holds max(V_molecule, solvent_V) ("outside" = where the
// molecule's own potential is below the solvent's; TEM-simulator get_pot_from_pdb). Vitreous ice:
// kIceMeanInnerPotential_V = 4.58 V (0.94 g/cm^3, PHYSICS.md 5.3).
#pragma once

#include <vector>

#include "thon/core/array.hpp"
#include "thon/core/device.hpp"
#include "thon/core/vec.hpp"
#include "thon/io/model.hpp"

namespace thon::ops {

/// Mean inner potential of vitreous ice at 0.94 g/cm^3 (Peng 1996 H2O, sum f_e(0) = 3.041 Å).
inline constexpr double kIceMeanInnerPotential_V = 4.58;

struct PotentialGrid {
  int nx = 0, ny = 0, nz = 0;
  double pixel_size_A = 1;
  Vec3<double> centre_A{0, 0, 0};  ///< model coordinate placed at voxel index n/2
  double extra_b_A2 = 0;           ///< added to every atom's B-factor
  double solvent_V = 0;            ///< constant solvent potential outside the molecule; 0 = vacuum
};

/// Potential [V] on the grid. Reference: double, plain loops per atom; cpu: OpenMP over rows;
/// cuda: the same row functor on the GPU (host in, host out). Throws thon::Error for an empty grid,
/// non-positive pixel size, or an element without a scattering factor (naming the atom and element).
Volume<float> atom_potential(Device device, const std::vector<io::Atom>& atoms, const PotentialGrid& grid);

struct ProjectionGrid {
  int nx = 0, ny = 0;
  double pixel_size_A = 1;
  Vec3<double> centre_A{0, 0, 0};  ///< model coordinate placed at pixel index (nx/2, ny/2)
  double extra_b_A2 = 0;
};

/// The exact projected potential [V Å] of the atoms, one image per rotation: image coordinates
/// (x, y, z) = A (r - centre_A), each pixel the average over its square of the infinite projection
/// along z (erf integrals in x and y). Same placement and cutoff as atom_potential. This is the
/// 'ground truth projection': for a potential map V made by atom_potential it matches
/// P(x, y) = pixel_size * sum_z V(A^T (x, y, z)) up to interpolation.
ImageStack<float> atom_projected_potential(Device device, const std::vector<io::Atom>& atoms,
                                           const ProjectionGrid& grid, const std::vector<Mat3<double>>& rotations);

}  // namespace thon::ops
