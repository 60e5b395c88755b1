// Host-side preparation of atoms for the potential row functors (math/potential_kernels.hpp), and
// the input checks shared by every backend.
#pragma once

#include <vector>

#include "thon/core/vec.hpp"
#include "thon/io/model.hpp"
#include "thon/math/potential_kernels.hpp"

namespace thon::ops::detail {

/// Throws thon::Error for non-positive sizes or pixel size.
void check_grid(int nx, int ny, int nz, double pixel_size_A);
/// Throws thon::Error for an atom without scattering factor (naming index and element), a
/// non-finite position, B or occupancy.
void check_atoms(const std::vector<io::Atom>& atoms);

/// Atoms in voxel units for a grid of size n (dims = 3) or an image (dims = 2; positions rotated by
/// A first), sorted by u[dims - 1]; their 1D erf factors (double, stored float) are appended to
/// *factors with absolute offsets. Atoms whose cutoff box misses the grid are dropped. Returns the
/// largest cutoff radius [voxels] through r_max.
std::vector<math::GaussianAtom> prepare_atoms(const std::vector<io::Atom>& atoms, const int n[3], int dims,
                                              double pixel_size_A, const Vec3<double>& centre_A,
                                              const Mat3<double>& rotation, double extra_b_A2, float* r_max,
                                              std::vector<float>* factors);

}  // namespace thon::ops::detail
