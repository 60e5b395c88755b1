// Point-group symmetry in RELION's orientation conventions (docs/geometry.md):
//   Cn  n-fold axis along z;
//   Dn  Cn plus a 2-fold axis along x;
//   T   3-fold along z, 2-fold along (0, sqrt(2/3), sqrt(1/3));
//   O   3-fold along (1,1,1)/sqrt(3), 4-fold along z;
//   I = I2 (RELION's default): 2-fold along z, 5-fold along (1, 0, phi)/|.|, 3-fold along
//       (0, 1/phi, phi)/sqrt(3) (2-folds on x, y, z);
//   I1  2-fold along x, 5-fold along (phi, 0, -1)/|.|, 3-fold along (phi, 1/phi, 0)/sqrt(3);
//   I3  5-fold along z, 2-fold along (-1, 0, phi)/|.|;  I4  5-fold along (2, 0, 1)/sqrt(5), 2-fold
//       along (1, 0, phi)/|.|  (the generator axes of RELION's src/symmetries.cpp,
//       SymList::fill_symmetry_class, phi the golden ratio). Only proper rotations (no mirrors).
//
// An operator R leaves a symmetric map V invariant: V(R x) = V(x) for coordinates x about the box
// centre. A pose A (map -> image, include/thon/math/rotation.hpp) then has the equivalent poses
// A R, R in the group: identical projections, projection directions R^T d.
#pragma once

#include <string>
#include <vector>

#include "thon/core/array.hpp"
#include "thon/core/device.hpp"
#include "thon/core/vec.hpp"
#include "thon/math/rotation.hpp"

namespace thon {

enum class PointGroupFamily { C, D, T, O, I };

struct PointGroup {
  std::string name;            ///< canonical name: "C1", "D7", "T", "O", "I2", ...
  PointGroupFamily family;
  int n = 1;                   ///< n of Cn / Dn; 0 otherwise
  int setting = 0;             ///< 1..4 for I1..I4 ("I" is I2); 0 otherwise
  std::vector<Mat3<double>> ops;  ///< all operators, identity first; order = ops.size()
  int order() const { return int(ops.size()); }
};

/// Parses a symmetry name, case-insensitive: C<n>, D<n> (n >= 1), T, O, I, I1, I2, I3, I4, and builds
/// its operators by closing the generator rotations under composition. Throws thon::Error naming
/// the text for anything else (for example "C0", "X5", "I5", "D", "C1.5").
PointGroup make_point_group(const std::string& name);

/// The poses equivalent to A under the group: A R for every operator R (identity first).
std::vector<Mat3<double>> symmetry_expand(const Mat3<double>& pose, const PointGroup& group);

/// Canonical representative of a pose among its symmetry equivalents (the asymmetric unit):
/// the equivalent A R whose projection direction R^T d lies closest to the fixed reference
/// direction u = kAsuReferenceDirection (a Dirichlet cell of the group on the sphere of directions,
/// which for every group above is a fundamental domain of projection directions since u lies on
/// no symmetry axis); ties (directions on a symmetry axis, where several equivalents share the
/// direction) are broken by the smallest geodesic distance to the identity. A candidate replaces the
/// current one only when better by more than 1e-12, so reducing twice gives the same pose.
Mat3<double> reduce_to_asu(const Mat3<double>& pose, const PointGroup& group);
math::EulerAngles<double> reduce_to_asu(const math::EulerAngles<double>& pose, const PointGroup& group);
/// True when `pose` is its own reduction (within 1e-9 in geodesic distance).
bool in_asymmetric_unit(const Mat3<double>& pose, const PointGroup& group);

/// The reference direction of the asymmetric unit (unit vector, near +z, on no symmetry axis).
extern const Vec3<double> kAsuReferenceDirection;

namespace ops {
/// Symmetrised map: out(x) = (1/|G|) sum_R in(R x), x about the box centre (n/2 per axis),
/// trilinear interpolation, zero outside the box (include/thon/math/symmetry.hpp). `out` gets the
/// shape and pixel size of `in`. reference: double; cpu: float, OpenMP; cuda: float, the same
/// functor on the GPU (host volumes copied in and out).
void symmetrise(Device device, const Volume<float>& in, Volume<float>& out, const PointGroup& group);
}  // namespace ops

namespace ref {
void symmetrise(const Volume<double>& in, Volume<double>& out, const std::vector<Mat3<double>>& ops);
}
namespace cpu {
void symmetrise(const Volume<float>& in, Volume<float>& out, const std::vector<Mat3<double>>& ops);
}

}  // namespace thon
