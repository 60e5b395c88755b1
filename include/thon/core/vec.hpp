// Small fixed-size vectors and 3x3 matrices for geometry, usable in host and device code.
#pragma once

#include <cmath>

#include "thon/core/hd.hpp"

namespace thon {

template <class T>
struct Vec2 {
  T x, y;
};

template <class T>
struct Vec3 {
  T x, y, z;
  THON_HD T& operator[](int i) { return i == 0 ? x : (i == 1 ? y : z); }
  THON_HD const T& operator[](int i) const { return i == 0 ? x : (i == 1 ? y : z); }
};

template <class T> THON_HD Vec3<T> operator+(const Vec3<T>& a, const Vec3<T>& b) { return {a.x + b.x, a.y + b.y, a.z + b.z}; }
template <class T> THON_HD Vec3<T> operator-(const Vec3<T>& a, const Vec3<T>& b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
template <class T> THON_HD Vec3<T> operator*(T s, const Vec3<T>& a) { return {s * a.x, s * a.y, s * a.z}; }
template <class T> THON_HD T dot(const Vec3<T>& a, const Vec3<T>& b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
template <class T> THON_HD Vec3<T> cross(const Vec3<T>& a, const Vec3<T>& b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
template <class T> THON_HD T length(const Vec3<T>& a) { return std::sqrt(dot(a, a)); }

/// Row-major 3x3 matrix: m[row][col].
template <class T>
struct Mat3 {
  T m[3][3];

  THON_HD static Mat3 identity() { return {{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}}; }
  THON_HD T& operator()(int r, int c) { return m[r][c]; }
  THON_HD const T& operator()(int r, int c) const { return m[r][c]; }
  THON_HD Vec3<T> row(int r) const { return {m[r][0], m[r][1], m[r][2]}; }
  THON_HD Vec3<T> col(int c) const { return {m[0][c], m[1][c], m[2][c]}; }
  template <class U>
  THON_HD Mat3<U> cast() const {
    Mat3<U> o;
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c) o.m[r][c] = U(m[r][c]);
    return o;
  }
};

template <class T> THON_HD Vec3<T> operator*(const Mat3<T>& a, const Vec3<T>& v) {
  return {a.m[0][0] * v.x + a.m[0][1] * v.y + a.m[0][2] * v.z,
          a.m[1][0] * v.x + a.m[1][1] * v.y + a.m[1][2] * v.z,
          a.m[2][0] * v.x + a.m[2][1] * v.y + a.m[2][2] * v.z};
}
template <class T> THON_HD Mat3<T> operator*(const Mat3<T>& a, const Mat3<T>& b) {
  Mat3<T> o;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) o.m[r][c] = a.m[r][0] * b.m[0][c] + a.m[r][1] * b.m[1][c] + a.m[r][2] * b.m[2][c];
  return o;
}
template <class T> THON_HD Mat3<T> transpose(const Mat3<T>& a) {
  Mat3<T> o;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) o.m[r][c] = a.m[c][r];
  return o;
}
template <class T> THON_HD T determinant(const Mat3<T>& a) {
  return a.m[0][0] * (a.m[1][1] * a.m[2][2] - a.m[1][2] * a.m[2][1]) -
         a.m[0][1] * (a.m[1][0] * a.m[2][2] - a.m[1][2] * a.m[2][0]) +
         a.m[0][2] * (a.m[1][0] * a.m[2][1] - a.m[1][1] * a.m[2][0]);
}

}  // namespace thon
