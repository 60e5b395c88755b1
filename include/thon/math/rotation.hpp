// Rotations in RELION's conventions (DESIGN.md section 3): ZYZ Euler angles (rot, tilt, psi) in
// degrees, passive rotation matrices A = Rz(psi) Ry(tilt) Rz(rot) with
//   Rz(a) = [[c, s, 0], [-s, c, 0], [0, 0, 1]],  Ry(b) = [[c, 0, -s], [0, 1, 0], [s, 0, c]].
// A maps map coordinates to image coordinates: a projection is P(x, y) = sum_z V(A^T (x, y, z)),
// and the projection direction in map coordinates is the third row of A.
#pragma once

#include <cmath>

#include "thon/core/hd.hpp"
#include "thon/core/vec.hpp"

namespace thon::math {

/// A = Rz(psi) Ry(tilt) Rz(rot), angles in radians. Same matrix as RELION's Euler_angles2matrix
/// (src/euler.cpp), written out: with (a, b, g) = (rot, tilt, psi),
///   row 0: ( cg cb ca - sg sa,   cg cb sa + sg ca,  -cg sb)
///   row 1: (-sg cb ca - cg sa,  -sg cb sa + cg ca,   sg sb)
///   row 2: ( sb ca,              sb sa,               cb  )
template <class T>
THON_HD Mat3<T> euler_to_matrix_rad(T rot, T tilt, T psi) {
  const T ca = std::cos(rot), sa = std::sin(rot);
  const T cb = std::cos(tilt), sb = std::sin(tilt);
  const T cg = std::cos(psi), sg = std::sin(psi);
  const T cc = cb * ca, cs = cb * sa;
  Mat3<T> m;
  m.m[0][0] = cg * cc - sg * sa;
  m.m[0][1] = cg * cs + sg * ca;
  m.m[0][2] = -cg * sb;
  m.m[1][0] = -sg * cc - cg * sa;
  m.m[1][1] = -sg * cs + cg * ca;
  m.m[1][2] = sg * sb;
  m.m[2][0] = sb * ca;
  m.m[2][1] = sb * sa;
  m.m[2][2] = cb;
  return m;
}

/// Same, angles in degrees (RELION's rlnAngleRot, rlnAngleTilt, rlnAnglePsi).
template <class T>
THON_HD Mat3<T> euler_to_matrix(T rot_deg, T tilt_deg, T psi_deg) {
  const T k = T(3.14159265358979323846 / 180.0);
  return euler_to_matrix_rad(rot_deg * k, tilt_deg * k, psi_deg * k);
}

}  // namespace thon::math
