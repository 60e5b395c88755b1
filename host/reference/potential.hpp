// Reference (double, plain loops) potential of atoms on a grid: see thon/ops/potential.hpp.
#pragma once

#include <vector>

#include "thon/core/array.hpp"
#include "thon/ops/potential.hpp"

namespace thon::ref {

/// For each atom, every voxel of its cutoff cube gets math::atom_box_average_V (double).
Volume<double> atom_potential(const std::vector<io::Atom>& atoms, const ops::PotentialGrid& grid);
/// For each image and atom, every pixel of its cutoff square gets math::atom_pixel_average_VA.
ImageStack<double> atom_projected_potential(const std::vector<io::Atom>& atoms, const ops::ProjectionGrid& grid,
                                            const std::vector<Mat3<double>>& rotations);

}  // namespace thon::ref
