// Per-pixel functors of the projector family, run by every backend: the reference (plain loops,
// double), the CPU (thon::cpu::parallel_for / OpenMP) and CUDA (thon::parallel_for on a stream).
// Each operator()(i) computes one output element; the slice functors also have row(r), one row of
// one slice calling the same per-pixel code (the CPU runs rows: no per-pixel index arithmetic, no
// work beyond r_max). Nothing here allocates or loops over the whole problem.
//
// Geometry (DESIGN.md section 3): pose A per image (Mat3, RELION's Euler matrix). Central slice:
//   F_P(kx, ky) = F_V(s * A^T (kx, ky, 0)),  s = np / n,
// with F_V the half-complex transform of the volume zero-padded to np^3 about its centre and
// origin-shifted (index n/2 of the box moved to index 0), F_P the half-complex transform of the
// n x n projection with its origin at index n/2 (centred convention: roll by -n/2, then r2c).
// Pixels with kx^2 + ky^2 > r_max2 (in bins of the n box) are 0 and are not inserted.
// In 2D (in-plane rotation of a class image): F_out(k) = F_in(s * A2^T k), A2 the upper-left 2x2
// of A, i.e. out(x) = in(A2^T x) in real space about the centre.
#pragma once

#include "thon/core/complex.hpp"
#include "thon/core/vec.hpp"
#include "thon/core/views.hpp"
#include "thon/math/interp.hpp"

namespace thon::math {

/// Signed frequency of row iy of an n-point transform: 0..(n-1)/2, then negative.
THON_HD int row_frequency(int iy, int n) { return iy < (n + 1) / 2 ? iy : iy - n; }

/// The shape of a slice computation: output box n (half-complex n/2+1 x n), padded grid np
/// (np^3 volume or np^2 image), position scale s = np / n, radius limit and kernel.
template <class T>
struct SliceGeometry {
  int n = 0;
  int np = 0;
  T scale = 1;
  T r_max2 = 0;  ///< in bins of the n box, squared
  Interp interp = Interp::linear;

  THON_HD int half() const { return n / 2 + 1; }
  THON_HD index_t slice_size() const { return index_t(n) * half(); }
  /// Decomposes a flat index over count slices into (image b, kx, ky); false beyond r_max.
  THON_HD bool pixel(index_t i, int* b, int* kx, int* ky) const {
    const index_t per = slice_size();
    *b = int(i / per);
    const index_t r = i - index_t(*b) * per;
    const int iy = int(r / half());
    *kx = int(r - index_t(iy) * half());
    *ky = row_frequency(iy, n);
    return T(*kx) * T(*kx) + T(*ky) * T(*ky) <= r_max2;
  }
  /// Row r of count slices: image b, row frequency ky, and the number of leading pixels kx = 0 ..
  /// n_in - 1 within r_max (the rest of the row is beyond it).
  THON_HD void row(index_t r, int* b, int* ky, int* n_in) const {
    *b = int(r / n);
    const int iy = int(r - index_t(*b) * n);
    *ky = row_frequency(iy, n);
    int m = 0;
    while (m < half() && T(m) * T(m) + T(*ky) * T(*ky) <= r_max2) ++m;
    *n_in = m;
  }
};

/// 3D position s * A^T (kx, ky, 0) in bins of the padded volume.
template <class T>
THON_HD Vec3<T> slice_position(const Mat3<T>& a, T scale, int kx, int ky) {
  const T x = scale * T(kx), y = scale * T(ky);
  return {x * a.m[0][0] + y * a.m[1][0], x * a.m[0][1] + y * a.m[1][1],
          x * a.m[0][2] + y * a.m[1][2]};
}

/// Gather: out[i] = F_V(s A_b^T (kx, ky, 0)) for pixel i of slice b.
template <class T, class V>
struct ExtractSlice3D {
  const Complex<V>* volume;  ///< (np/2+1) x np x np half-complex
  const Mat3<T>* poses;
  Complex<V>* out;           ///< count x n x (n/2+1)
  SliceGeometry<T> g;

  THON_HD void operator()(index_t i) const {
    int b, kx, ky;
    if (!g.pixel(i, &b, &kx, &ky)) {
      out[i] = Complex<V>();
      return;
    }
    out[i] = value(b, kx, ky);
  }
  THON_HD Complex<V> value(int b, int kx, int ky) const {
    const Vec3<T> p = slice_position(poses[b], g.scale, kx, ky);
    const Complex<T> v = interpolate_fourier_3d<T>(g.interp, volume, g.np, g.np, g.np, p.x, p.y,
                                                   p.z, T(1e30));
    return Complex<V>(V(v.re), V(v.im));
  }
  /// value() with the kernel fixed at compile time (K must equal g.interp).
  template <Interp K>
  THON_HD Complex<V> value_k(int b, int kx, int ky) const {
    const Vec3<T> p = slice_position(poses[b], g.scale, kx, ky);
    const Complex<T> v = interpolate_fourier_3d_k<K, T>(volume, g.np, g.np, g.np, p.x, p.y, p.z,
                                                        T(1e30));
    return Complex<V>(V(v.re), V(v.im));
  }
  /// Visits the (index, weight, conj) pairs value(b, kx, ky) reads, without reading them (the CPU
  /// uses it to prefetch the neighbourhood of a pixel a few pixels ahead).
  template <Interp K, class Visit>
  THON_HD void visit_k(int b, int kx, int ky, Visit&& visit) const {
    const Vec3<T> p = slice_position(poses[b], g.scale, kx, ky);
    visit_fourier_3d_k<K>(p.x, p.y, p.z, g.np, g.np, g.np, T(1e30), visit);
  }
  /// One row of one slice (CPU path: no per-pixel index arithmetic, same values).
  THON_HD void row(index_t r) const {
    int b, ky, n_in;
    g.row(r, &b, &ky, &n_in);
    Complex<V>* o = out + r * g.half();
    for (int kx = 0; kx < n_in; ++kx) o[kx] = value(b, kx, ky);
    for (int kx = n_in; kx < g.half(); ++kx) o[kx] = Complex<V>();
  }
};

/// Calls f.row(r) for each row: the CPU's unit of work for the slice functors.
template <class F>
struct ByRow {
  F f;
  THON_HD void operator()(index_t r) const { f.row(r); }
};

/// Scatter: adds slice pixel i (times each kernel weight) to the data accumulator and its weight
/// (1 when weights is null) to the weight accumulator (skipped when weight_acc is null).
template <class T, class V, class Add>
struct InsertSlice3D {
  Complex<V>* data;          ///< (np/2+1) x np x np half-complex accumulator
  V* weight_acc;             ///< same layout, real
  const Complex<V>* slices;  ///< count x n x (n/2+1)
  const V* weights;          ///< same layout as slices, real; null = 1
  const Mat3<T>* poses;
  SliceGeometry<T> g;
  Add add;

  THON_HD void operator()(index_t i) const {
    int b, kx, ky;
    if (!g.pixel(i, &b, &kx, &ky)) return;
    insert_pixel(i, b, kx, ky);
  }
  THON_HD void insert_pixel(index_t i, int b, int kx, int ky) const {
    const Vec3<T> p = slice_position(poses[b], g.scale, kx, ky);
    const Complex<T> v(T(slices[i].re), T(slices[i].im));
    const T w = weights ? T(weights[i]) : T(1);
    insert_fourier_3d<T>(g.interp, data, weight_acc, g.np, g.np, g.np, p.x, p.y, p.z, T(1e30), v,
                         w, add);
  }
  /// One row of one slice (CPU path).
  THON_HD void row(index_t r) const {
    int b, ky, n_in;
    g.row(r, &b, &ky, &n_in);
    for (int kx = 0; kx < n_in; ++kx) insert_pixel(r * g.half() + kx, b, kx, ky);
  }
};

/// 2D position s * A2^T (kx, ky) in bins of the padded image.
template <class T>
THON_HD Vec2<T> inplane_position(const Mat3<T>& a, T scale, int kx, int ky) {
  const T x = scale * T(kx), y = scale * T(ky);
  return {x * a.m[0][0] + y * a.m[1][0], x * a.m[0][1] + y * a.m[1][1]};
}

/// Gather in 2D: out[i] = F_in(s A2_b^T k) from a padded (np/2+1) x np half-complex image.
template <class T, class V>
struct ExtractSlice2D {
  const Complex<V>* image;
  const Mat3<T>* poses;
  Complex<V>* out;
  SliceGeometry<T> g;

  THON_HD void operator()(index_t i) const {
    int b, kx, ky;
    if (!g.pixel(i, &b, &kx, &ky)) {
      out[i] = Complex<V>();
      return;
    }
    out[i] = value(b, kx, ky);
  }
  THON_HD Complex<V> value(int b, int kx, int ky) const {
    const Vec2<T> p = inplane_position(poses[b], g.scale, kx, ky);
    const Complex<T> v = interpolate_fourier_2d<T>(g.interp, image, g.np, g.np, p.x, p.y, T(1e30));
    return Complex<V>(V(v.re), V(v.im));
  }
  THON_HD void row(index_t r) const {
    int b, ky, n_in;
    g.row(r, &b, &ky, &n_in);
    Complex<V>* o = out + r * g.half();
    for (int kx = 0; kx < n_in; ++kx) o[kx] = value(b, kx, ky);
    for (int kx = n_in; kx < g.half(); ++kx) o[kx] = Complex<V>();
  }
};

/// Scatter in 2D, the transpose of ExtractSlice2D.
template <class T, class V, class Add>
struct InsertSlice2D {
  Complex<V>* data;
  V* weight_acc;
  const Complex<V>* slices;
  const V* weights;
  const Mat3<T>* poses;
  SliceGeometry<T> g;
  Add add;

  THON_HD void operator()(index_t i) const {
    int b, kx, ky;
    if (!g.pixel(i, &b, &kx, &ky)) return;
    insert_pixel(i, b, kx, ky);
  }
  THON_HD void insert_pixel(index_t i, int b, int kx, int ky) const {
    const Vec2<T> p = inplane_position(poses[b], g.scale, kx, ky);
    const Complex<T> v(T(slices[i].re), T(slices[i].im));
    const T w = weights ? T(weights[i]) : T(1);
    insert_fourier_2d<T>(g.interp, data, weight_acc, g.np, g.np, p.x, p.y, T(1e30), v, w, add);
  }
  THON_HD void row(index_t r) const {
    int b, ky, n_in;
    g.row(r, &b, &ky, &n_in);
    for (int kx = 0; kx < n_in; ++kx) insert_pixel(r * g.half() + kx, b, kx, ky);
  }
};

// ------------------------------------------------------------------------------------------------
// Real space.

/// Places an n-box volume (or image, nz = 1) into a zeroed np-box array, multiplied by the
/// separable gridding correction 1 / (H(dx/np) H(dy/np) H(dz/np)) (table corr[n], 1 = none), with
/// its centre n/2 moved to index 0 (origin shift before the FFT): out[(d mod np)] = in[x] c(d),
/// d = x - n/2. One element per input voxel.
template <class V>
struct PadShift {
  const V* in;
  V* out;
  const V* corr;  ///< n entries: 1/H((x - n/2)/np)
  int n, np, ndim;

  THON_HD void operator()(index_t i) const {
    const int x = int(i % n);
    const int y = int((i / n) % n);
    const int z = ndim == 3 ? int(i / (index_t(n) * n)) : 0;
    const int c = n / 2;
    auto wrap = [this](int d) { return d < 0 ? d + np : d; };
    const int ox = wrap(x - c), oy = wrap(y - c), oz = ndim == 3 ? wrap(z - c) : 0;
    V v = in[i] * corr[x] * corr[y];
    if (ndim == 3) v *= corr[z];
    out[(index_t(oz) * np + oy) * np + ox] = v;
  }
};

/// Circular shift of a batch of n x n images by +n/2 (from = true: image with origin at index 0 ->
/// origin at n/2, as after c2r of a centred transform) or by -n/2 (from = false).
template <class V>
struct RollImages {
  const V* in;
  V* out;
  int n;
  bool to_centre;

  THON_HD void operator()(index_t i) const {
    const index_t per = index_t(n) * n;
    const index_t b = i / per;
    const int r = int(i - b * per);
    const int y = r / n, x = r % n;
    const int c = n / 2;
    const int s = to_centre ? c : n - c;
    const int ox = (x + s) % n, oy = (y + s) % n;
    out[b * per + index_t(oy) * n + ox] = in[i];
  }
};

/// Real-space line integral (the reference for the Fourier projector):
/// P_b(x, y) = sum_{z=0}^{n-1} V(A_b^T (x - c, y - c, z - c) + c), c = n/2, V sampled with kernel
/// `interp` (zero outside the box). One element per output pixel of a count x n x n stack.
template <class T, class V>
struct LineProject {
  const V* volume;  ///< n^3
  const Mat3<T>* poses;
  V* out;
  int n;
  Interp interp;

  THON_HD void operator()(index_t i) const {
    const index_t per = index_t(n) * n;
    const int b = int(i / per);
    const int r = int(i - index_t(b) * per);
    const T c = T(n / 2);
    const T x = T(r % n) - c, y = T(r / n) - c;
    const Mat3<T>& a = poses[b];
    // A^T (x, y, z) = x row0 + y row1 + z row2
    const T bx = x * a.m[0][0] + y * a.m[1][0] + c;
    const T by = x * a.m[0][1] + y * a.m[1][1] + c;
    const T bz = x * a.m[0][2] + y * a.m[1][2] + c;
    T sum = 0;
    for (int iz = 0; iz < n; ++iz) {
      const T z = T(iz) - c;
      sum += interpolate_real_3d<T>(interp, volume, n, n, n, bx + z * a.m[2][0],
                                    by + z * a.m[2][1], bz + z * a.m[2][2]);
    }
    out[i] = V(sum);
  }
};

/// Affine resampling about the centre (rotate, shift, rescale): out(x) = in(M (x - c) + c - t),
/// c = n/2 per axis, x in pixels; in 2D the upper-left 2x2 of M and (t.x, t.y) are used. So a
/// shift t moves the content by +t, a rotation M = A^T turns it by A, M = I/f magnifies by f.
/// One element per output voxel of a count x nz x ny x nx batch (nz = 1 in 2D).
template <class T, class V>
struct Resample {
  const V* in;
  V* out;
  int nx, ny, nz;
  Mat3<T> m;
  Vec3<T> t;
  Interp interp;

  THON_HD void operator()(index_t i) const {
    const index_t per = index_t(nx) * ny * nz;
    const index_t b = i / per;
    const index_t r = i - b * per;
    const int x = int(r % nx), y = int((r / nx) % ny), z = int(r / (index_t(nx) * ny));
    const T cx = T(nx / 2), cy = T(ny / 2), cz = T(nz / 2);
    const T dx = T(x) - cx, dy = T(y) - cy, dz = T(z) - cz;
    const V* src = in + b * per;
    if (nz == 1) {
      const T sx = m.m[0][0] * dx + m.m[0][1] * dy + cx - t.x;
      const T sy = m.m[1][0] * dx + m.m[1][1] * dy + cy - t.y;
      out[i] = V(interpolate_real_2d<T>(interp, src, nx, ny, sx, sy));
    } else {
      const T sx = m.m[0][0] * dx + m.m[0][1] * dy + m.m[0][2] * dz + cx - t.x;
      const T sy = m.m[1][0] * dx + m.m[1][1] * dy + m.m[1][2] * dz + cy - t.y;
      const T sz = m.m[2][0] * dx + m.m[2][1] * dy + m.m[2][2] * dz + cz - t.z;
      out[i] = V(interpolate_real_3d<T>(interp, src, nx, ny, nz, sx, sy, sz));
    }
  }
};

}  // namespace thon::math
