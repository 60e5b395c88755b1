// Rotations in RELION's conventions (DESIGN.md section 3): ZYZ Euler angles (rot, tilt, psi) in
// degrees, passive rotation matrices A = Rz(psi) Ry(tilt) Rz(rot) with
//   Rz(a) = [[c, s, 0], [-s, c, 0], [0, 0, 1]],  Ry(b) = [[c, 0, -s], [0, 1, 0], [s, 0, c]].
// A maps map coordinates to image coordinates: a projection is P(x, y) = sum_z V(A^T (x, y, z)),
// and the projection direction in map coordinates is the third row of A.
#pragma once

#include <cmath>
#include <limits>

#include "thon/core/hd.hpp"
#include "thon/core/vec.hpp"

namespace thon::math {

/// A = Rz(psi) Ry(tilt) Rz(rot), angles in radians. This IS RELION's Euler_angles2matrix
/// (src/euler.cpp, RELION 3.1), term for term, so no separate relion_euler_to_matrix exists.
/// Written out: with (a, b, g) = (rot, tilt, psi),
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


// ---------------------------------------------------------------------------------------------
// Unit quaternions, axis-angle, and the way back from a matrix.
//
// A rotation matrix here is any proper orthogonal 3x3 matrix M (for RELION poses: M = A above).
// The quaternion q = (w, x, y, z) = (cos(t/2), sin(t/2) n) and the axis-angle pair (n, t) describe
// the SAME matrix M, by the right-handed (Rodrigues) rule M v = v cos t + (n x v) sin t +
// n (n.v)(1 - cos t), i.e. M = quaternion_to_matrix(q) with the Hamilton product. No transposes
// are hidden: euler -> matrix -> quaternion -> axis-angle all name the one matrix A.

template <class T>
struct Quaternion {
  T w, x, y, z;
};

template <class T>
struct AxisAngle {
  Vec3<T> axis;  ///< unit vector (z when the angle is 0)
  T angle_rad;   ///< in [0, pi]
};

/// RELION Euler angles in degrees.
template <class T>
struct EulerAngles {
  T rot_deg, tilt_deg, psi_deg;
};

template <class T>
THON_HD T pi_v() {
  return T(3.14159265358979323846264338327950288);
}

template <class T>
THON_HD T deg_to_rad(T d) {
  return d * (pi_v<T>() / T(180));
}
template <class T>
THON_HD T rad_to_deg(T r) {
  return r * (T(180) / pi_v<T>());
}

/// Matrix -> (rot, tilt, psi) in radians, RELION's Euler_matrix2angles behaviour: tilt in [0, pi],
/// rot = atan2(A21, A20), psi = atan2(A12, -A02), both in (-pi, pi]. At gimbal lock (sin(tilt)
/// below 16 eps of T, tilt = 0 or pi) rot is set to 0 and psi carries the whole in-plane angle, as
/// in Slabaugh, "Computing Euler angles from a rotation matrix" (1999) and RELION (which uses the
/// threshold 16 FLT_EPSILON). Away from the exact lock, psi is taken from the well-conditioned sum
/// rot + psi = atan2(A01 - A10, A00 + A11) (tilt <= pi/2) or difference rot - psi =
/// atan2(-(A01 + A10), A11 - A00) (tilt > pi/2), so the round trip back to the matrix holds to
/// rounding for every tilt, including tilts within 1e-8 of 0 or pi where rot and psi alone are
/// ill-determined.
template <class T>
THON_HD void matrix_to_euler_rad(const Mat3<T>& a, T& rot, T& tilt, T& psi) {
  const T sb = std::sqrt(T(0.5) * (a.m[0][2] * a.m[0][2] + a.m[1][2] * a.m[1][2] +
                                   a.m[2][0] * a.m[2][0] + a.m[2][1] * a.m[2][1]));
  tilt = std::atan2(sb, a.m[2][2]);
  const T lock = T(16) * std::numeric_limits<T>::epsilon();
  rot = sb > lock ? std::atan2(a.m[2][1], a.m[2][0]) : T(0);
  if (a.m[2][2] >= T(0)) {
    const T sum = std::atan2(a.m[0][1] - a.m[1][0], a.m[0][0] + a.m[1][1]);  // rot + psi
    psi = sum - rot;
  } else {
    const T diff = std::atan2(-(a.m[0][1] + a.m[1][0]), a.m[1][1] - a.m[0][0]);  // rot - psi
    psi = rot - diff;
  }
  if (sb <= lock) tilt = a.m[2][2] >= T(0) ? T(0) : pi_v<T>();
  // psi into (-pi, pi]
  if (psi > pi_v<T>()) psi -= T(2) * pi_v<T>();
  if (psi <= -pi_v<T>()) psi += T(2) * pi_v<T>();
}

/// Same, in degrees.
template <class T>
THON_HD EulerAngles<T> matrix_to_euler(const Mat3<T>& a) {
  T r, t, p;
  matrix_to_euler_rad(a, r, t, p);
  return {rad_to_deg(r), rad_to_deg(t), rad_to_deg(p)};
}

/// Unit quaternion -> matrix (Hamilton convention; q need not be normalised, it is divided by |q|^2).
template <class T>
THON_HD Mat3<T> quaternion_to_matrix(const Quaternion<T>& q) {
  const T n = q.w * q.w + q.x * q.x + q.y * q.y + q.z * q.z;
  const T s = n > T(0) ? T(2) / n : T(0);
  const T xx = q.x * q.x * s, yy = q.y * q.y * s, zz = q.z * q.z * s;
  const T xy = q.x * q.y * s, xz = q.x * q.z * s, yz = q.y * q.z * s;
  const T wx = q.w * q.x * s, wy = q.w * q.y * s, wz = q.w * q.z * s;
  Mat3<T> m;
  m.m[0][0] = T(1) - (yy + zz);
  m.m[0][1] = xy - wz;
  m.m[0][2] = xz + wy;
  m.m[1][0] = xy + wz;
  m.m[1][1] = T(1) - (xx + zz);
  m.m[1][2] = yz - wx;
  m.m[2][0] = xz - wy;
  m.m[2][1] = yz + wx;
  m.m[2][2] = T(1) - (xx + yy);
  return m;
}

/// Matrix -> unit quaternion with w >= 0, by Shepperd's method (J. Guidance Control 1, 223, 1978):
/// the largest of (1 + trace, 1 + 2 m_ii - trace) is taken under the square root, so no branch
/// divides by a small number (robust at angles near pi).
template <class T>
THON_HD Quaternion<T> matrix_to_quaternion(const Mat3<T>& m) {
  const T tr = m.m[0][0] + m.m[1][1] + m.m[2][2];
  Quaternion<T> q;
  if (tr >= m.m[0][0] && tr >= m.m[1][1] && tr >= m.m[2][2]) {
    const T s = T(2) * std::sqrt(T(1) + tr);  // 4 w
    q = {s / T(4), (m.m[2][1] - m.m[1][2]) / s, (m.m[0][2] - m.m[2][0]) / s,
         (m.m[1][0] - m.m[0][1]) / s};
  } else if (m.m[0][0] >= m.m[1][1] && m.m[0][0] >= m.m[2][2]) {
    const T s = T(2) * std::sqrt(T(1) + m.m[0][0] - m.m[1][1] - m.m[2][2]);  // 4 x
    q = {(m.m[2][1] - m.m[1][2]) / s, s / T(4), (m.m[0][1] + m.m[1][0]) / s,
         (m.m[0][2] + m.m[2][0]) / s};
  } else if (m.m[1][1] >= m.m[2][2]) {
    const T s = T(2) * std::sqrt(T(1) + m.m[1][1] - m.m[0][0] - m.m[2][2]);  // 4 y
    q = {(m.m[0][2] - m.m[2][0]) / s, (m.m[0][1] + m.m[1][0]) / s, s / T(4),
         (m.m[1][2] + m.m[2][1]) / s};
  } else {
    const T s = T(2) * std::sqrt(T(1) + m.m[2][2] - m.m[0][0] - m.m[1][1]);  // 4 z
    q = {(m.m[1][0] - m.m[0][1]) / s, (m.m[0][2] + m.m[2][0]) / s, (m.m[1][2] + m.m[2][1]) / s,
         s / T(4)};
  }
  if (q.w < T(0)) q = {-q.w, -q.x, -q.y, -q.z};
  const T n = std::sqrt(q.w * q.w + q.x * q.x + q.y * q.y + q.z * q.z);
  return {q.w / n, q.x / n, q.y / n, q.z / n};
}

/// Quaternion -> axis-angle. angle = 2 atan2(|v|, |w|) in [0, pi] (accurate near 0 and pi, unlike
/// 2 acos(w)); the axis is z when the angle is 0.
template <class T>
THON_HD AxisAngle<T> quaternion_to_axis_angle(const Quaternion<T>& q) {
  T w = q.w, x = q.x, y = q.y, z = q.z;
  if (w < T(0)) {
    w = -w;
    x = -x;
    y = -y;
    z = -z;
  }
  const T v = std::sqrt(x * x + y * y + z * z);
  if (!(v > T(0))) return {{T(0), T(0), T(1)}, T(0)};
  return {{x / v, y / v, z / v}, T(2) * std::atan2(v, w)};
}

/// Axis-angle -> quaternion (the axis is normalised here; a zero axis gives the identity).
template <class T>
THON_HD Quaternion<T> axis_angle_to_quaternion(const AxisAngle<T>& aa) {
  const T n = length(aa.axis);
  if (!(n > T(0))) return {T(1), T(0), T(0), T(0)};
  const T s = std::sin(aa.angle_rad / T(2)) / n;
  return {std::cos(aa.angle_rad / T(2)), aa.axis.x * s, aa.axis.y * s, aa.axis.z * s};
}

/// Axis-angle -> matrix (Rodrigues). The axis is normalised here.
template <class T>
THON_HD Mat3<T> axis_angle_to_matrix(const AxisAngle<T>& aa) {
  return quaternion_to_matrix(axis_angle_to_quaternion(aa));
}

/// Matrix -> axis-angle, through Shepperd's quaternion (robust at angles near 0 and pi).
template <class T>
THON_HD AxisAngle<T> matrix_to_axis_angle(const Mat3<T>& m) {
  return quaternion_to_axis_angle(matrix_to_quaternion(m));
}

/// Rotation vector (axis * angle, radians; cryoSPARC's alignments3D/pose) -> matrix.
template <class T>
THON_HD Mat3<T> rotation_vector_to_matrix(const Vec3<T>& v) {
  return axis_angle_to_matrix(AxisAngle<T>{v, length(v)});
}

/// Hamilton product: quaternion_to_matrix(a * b) = quaternion_to_matrix(a) * quaternion_to_matrix(b).
template <class T>
THON_HD Quaternion<T> operator*(const Quaternion<T>& a, const Quaternion<T>& b) {
  return {a.w * b.w - a.x * b.x - a.y * b.y - a.z * b.z, a.w * b.x + a.x * b.w + a.y * b.z - a.z * b.y,
          a.w * b.y - a.x * b.z + a.y * b.w + a.z * b.x, a.w * b.z + a.x * b.y - a.y * b.x + a.z * b.w};
}

/// Composition: the rotation "b, then a" is the matrix a * b.
template <class T>
THON_HD Mat3<T> compose(const Mat3<T>& a, const Mat3<T>& b) {
  return a * b;
}
template <class T>
THON_HD Quaternion<T> compose(const Quaternion<T>& a, const Quaternion<T>& b) {
  return a * b;
}

/// Inverse of a rotation: the transpose; the conjugate of a unit quaternion.
template <class T>
THON_HD Mat3<T> inverse(const Mat3<T>& a) {
  return transpose(a);
}
template <class T>
THON_HD Quaternion<T> inverse(const Quaternion<T>& q) {
  return {q.w, -q.x, -q.y, -q.z};
}

/// Geodesic distance on SO(3) in radians, in [0, pi]: the angle of R1^T R2, from
/// atan2(|axial vector| , (trace - 1)) so it is accurate at small and large angles alike.
template <class T>
THON_HD T geodesic_distance(const Mat3<T>& r1, const Mat3<T>& r2) {
  const Mat3<T> d = transpose(r1) * r2;
  const T sx = d.m[2][1] - d.m[1][2], sy = d.m[0][2] - d.m[2][0], sz = d.m[1][0] - d.m[0][1];
  const T s = std::sqrt(sx * sx + sy * sy + sz * sz);  // 2 sin(angle)
  const T c = d.m[0][0] + d.m[1][1] + d.m[2][2] - T(1);  // 2 cos(angle)
  return std::atan2(s, c);
}

/// Same for unit quaternions: 2 atan2(|vector part of q1^-1 q2|, |scalar part|).
template <class T>
THON_HD T geodesic_distance(const Quaternion<T>& q1, const Quaternion<T>& q2) {
  const Quaternion<T> d = inverse(q1) * q2;
  const T v = std::sqrt(d.x * d.x + d.y * d.y + d.z * d.z);
  return T(2) * std::atan2(v, d.w < T(0) ? -d.w : d.w);
}

/// Euler angles (degrees) <-> quaternion, through the matrix.
template <class T>
THON_HD Quaternion<T> euler_to_quaternion(T rot_deg, T tilt_deg, T psi_deg) {
  return matrix_to_quaternion(euler_to_matrix(rot_deg, tilt_deg, psi_deg));
}
template <class T>
THON_HD EulerAngles<T> quaternion_to_euler(const Quaternion<T>& q) {
  return matrix_to_euler(quaternion_to_matrix(q));
}

/// Projection direction of pose A in map coordinates: the third row of A (DESIGN.md section 3).
template <class T>
THON_HD Vec3<T> projection_direction(const Mat3<T>& a) {
  return a.row(2);
}

}  // namespace thon::math
