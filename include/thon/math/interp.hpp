// Interpolation kernels and the ONE enumerator of (index, weight) pairs that gather (interpolation,
// projection) and scatter (insertion, back-projection) both walk, so the two are exact adjoints.
//
// Kernels (1D, separable in 2D and 3D), x in index coordinates:
//   nearest  the sample at round(x) (ties upward: floor(x + 1/2)), weight 1;
//   linear   floor(x) and floor(x)+1 with weights 1-t, t (t = x - floor(x));
//   cubic    Keys (1981) cubic convolution with a = -1/2 on floor(x)-1 .. floor(x)+2:
//            h(s) = (a+2)|s|^3 - (a+3)|s|^2 + 1 for |s| <= 1, a|s|^3 - 5a|s|^2 + 8a|s| - 4a for
//            1 < |s| < 2, 0 beyond (R. Keys, IEEE Trans. ASSP 29, 1153 (1981), eq. 15).
//
// Real space: samples outside the array contribute 0 (gather) or are dropped (scatter).
// Fourier space, half-complex arrays (r2c layout, DESIGN.md section 3): logical sizes nx, ny, nz,
// x holds nx/2+1 bins; frequencies wrap around in every axis (bin f is f mod n), and a bin at a
// negative x frequency is read as the conjugate of the stored bin at (-fx, -fy, -fz). The whole
// Hermitian bookkeeping is in half_complex_index_3d/2d; the visitor gets a `conj` flag per pair.
// A sample farther than r_max from the origin (|p|^2 > r_max2) contributes nothing.
//
// Visitor contract: visit(index_t index, T weight, bool conj). Gather sums
// weight * (conj ? conj(a[index]) : a[index]); scatter adds weight * (conj ? conj(v) : v) to
// a[index]. Both are linear over the reals, and each is the transpose of the other for the real
// inner product <a, b> = sum Re(a conj(b)), which the adjointness tests use.
#pragma once

#include <cmath>

#include "thon/core/complex.hpp"
#include "thon/core/hd.hpp"
#include "thon/core/views.hpp"

namespace thon::math {

enum class Interp : int { nearest = 0, linear = 1, cubic = 2 };

/// Number of samples per axis the kernel touches.
THON_HD constexpr int interp_support(Interp k) {
  return k == Interp::nearest ? 1 : (k == Interp::linear ? 2 : 4);
}

/// Keys cubic convolution kernel, a = -1/2.
template <class T>
THON_HD T keys_cubic(T s) {
  constexpr T a = T(-0.5);
  s = s < 0 ? -s : s;
  if (s <= T(1)) return ((a + T(2)) * s - (a + T(3))) * s * s + T(1);
  if (s < T(2)) return ((a * s - T(5) * a) * s + T(8) * a) * s - T(4) * a;
  return T(0);
}

/// 1D weights of kernel k at position x: writes interp_support(k) weights to w and returns the
/// index of the first sample.
/// floor(x) as an int for |x| < 2^31 without a libm call (truncation, then one step down for
/// negative non-integers): the hot path of every kernel.
template <class T>
THON_HD int floor_int(T x) {
  const int i = int(x);
  return i - (x < T(i) ? 1 : 0);
}

template <class T>
THON_HD int interp_weights_1d(Interp k, T x, T* w) {
  if (k == Interp::nearest) {
    w[0] = T(1);
    return floor_int(x + T(0.5));
  }
  const int i = floor_int(x);
  const T t = x - T(i);
  if (k == Interp::linear) {
    w[0] = T(1) - t;
    w[1] = t;
    return i;
  }
  // Keys weights at distances 1+t, t, 1-t, 2-t, written out (a = -1/2): they sum to 1 exactly.
  const T t2 = t * t, t3 = t2 * t;
  w[0] = T(-0.5) * t3 + t2 - T(0.5) * t;
  w[1] = T(1.5) * t3 - T(2.5) * t2 + T(1);
  w[2] = T(-1.5) * t3 + T(2) * t2 + T(0.5) * t;
  w[3] = T(0.5) * t3 - T(0.5) * t2;
  return i - 1;
}

/// Fourier transform of the 1D kernel, H(nu) = integral h(s) exp(-2 pi i nu s) ds, nu in cycles
/// per sample. Interpolating a Fourier array with kernel h multiplies the real-space signal by
/// H(x / n) (x relative to the origin, n the array size): the gridding apodisation that
/// gridding_correction divides out. nearest: sinc(nu); linear: sinc^2(nu); cubic (Keys, a = -1/2):
/// 2 * integral_0^2 h(s) cos(2 pi nu s) ds by 8-point Gauss-Legendre on each unit interval
/// (checked against a fine midpoint rule in interp_test for |nu| <= 1).
template <class T>
THON_HD T interp_kernel_ft(Interp k, T nu) {
  const T pi = T(3.14159265358979323846);
  const T x = pi * nu;
  const T sinc = (x == T(0)) ? T(1) : std::sin(x) / x;
  if (k == Interp::nearest) return sinc;
  if (k == Interp::linear) return sinc * sinc;
  // H(nu) = 2 * integral_0^2 h(s) cos(2 pi nu s) ds.
  const T gx[8] = {T(-0.9602898564975363), T(-0.7966664774136267), T(-0.5255324099163290),
                   T(-0.1834346424956498), T(0.1834346424956498),  T(0.5255324099163290),
                   T(0.7966664774136267),  T(0.9602898564975363)};
  const T gw[8] = {T(0.1012285362903763), T(0.2223810344533745), T(0.3137066458778873),
                   T(0.3626837833783620), T(0.3626837833783620), T(0.3137066458778873),
                   T(0.2223810344533745), T(0.1012285362903763)};
  T sum = 0;
  for (int seg = 0; seg < 2; ++seg) {
    for (int i = 0; i < 8; ++i) {
      const T s = T(seg) + T(0.5) * (gx[i] + T(1));
      sum += T(0.5) * gw[i] * keys_cubic(s) * std::cos(T(2) * pi * nu * s);
    }
  }
  return T(2) * sum;
}

// ------------------------------------------------------------------------------------------------
// Real space. Position (x, y[, z]) in index coordinates of an nx x ny [x nz] array, x fastest.

template <class T, class Visit>
THON_HD void visit_real_2d(Interp k, T x, T y, int nx, int ny, Visit&& visit) {
  T wx[4], wy[4];
  const int s = interp_support(k);
  const int x0 = interp_weights_1d(k, x, wx);
  const int y0 = interp_weights_1d(k, y, wy);
  for (int b = 0; b < s; ++b) {
    const int iy = y0 + b;
    if (iy < 0 || iy >= ny || wy[b] == T(0)) continue;
    for (int a = 0; a < s; ++a) {
      const int ix = x0 + a;
      if (ix < 0 || ix >= nx) continue;
      visit(index_t(iy) * nx + ix, wy[b] * wx[a], false);
    }
  }
}

template <class T, class Visit>
THON_HD void visit_real_3d(Interp k, T x, T y, T z, int nx, int ny, int nz, Visit&& visit) {
  T wx[4], wy[4], wz[4];
  const int s = interp_support(k);
  const int x0 = interp_weights_1d(k, x, wx);
  const int y0 = interp_weights_1d(k, y, wy);
  const int z0 = interp_weights_1d(k, z, wz);
  for (int c = 0; c < s; ++c) {
    const int iz = z0 + c;
    if (iz < 0 || iz >= nz || wz[c] == T(0)) continue;
    for (int b = 0; b < s; ++b) {
      const int iy = y0 + b;
      if (iy < 0 || iy >= ny || wy[b] == T(0)) continue;
      const T wzy = wz[c] * wy[b];
      for (int a = 0; a < s; ++a) {
        const int ix = x0 + a;
        if (ix < 0 || ix >= nx) continue;
        visit((index_t(iz) * ny + iy) * nx + ix, wzy * wx[a], false);
      }
    }
  }
}

/// Interpolated value of a real 2D / 3D array at an index-space position (0 outside).
template <class T, class V>
THON_HD T interpolate_real_2d(Interp k, const V* a, int nx, int ny, T x, T y) {
  T sum = 0;
  visit_real_2d(k, x, y, nx, ny, [&](index_t i, T w, bool) { sum += w * T(a[i]); });
  return sum;
}
template <class T, class V>
THON_HD T interpolate_real_3d(Interp k, const V* a, int nx, int ny, int nz, T x, T y, T z) {
  T sum = 0;
  visit_real_3d(k, x, y, z, nx, ny, nz, [&](index_t i, T w, bool) { sum += w * T(a[i]); });
  return sum;
}

// ------------------------------------------------------------------------------------------------
// Fourier space, half-complex.

/// Integer frequency f of an n-point transform wrapped into [-(n/2), n - n/2 - 1].
THON_HD int wrap_frequency(int f, int n) {
  const int h = n / 2;
  int r = (f + h) % n;
  if (r < 0) r += n;
  return r - h;
}

/// Array index of integer frequency (fx, fy) in a half-complex 2D array of logical size nx x ny
/// ((nx/2+1) columns); *conj is set when the stored bin is the conjugate of the one asked for.
THON_HD index_t half_complex_index_2d(int fx, int fy, int nx, int ny, bool* conj) {
  fx = wrap_frequency(fx, nx);
  fy = wrap_frequency(fy, ny);
  *conj = false;
  if (fx < 0) {
    fx = -fx;
    fy = wrap_frequency(-fy, ny);
    *conj = true;
  }
  const int iy = fy < 0 ? fy + ny : fy;
  return index_t(iy) * (nx / 2 + 1) + fx;
}

/// Same in 3D (logical size nx x ny x nz, (nx/2+1) columns).
THON_HD index_t half_complex_index_3d(int fx, int fy, int fz, int nx, int ny, int nz, bool* conj) {
  fx = wrap_frequency(fx, nx);
  fy = wrap_frequency(fy, ny);
  fz = wrap_frequency(fz, nz);
  *conj = false;
  if (fx < 0) {
    fx = -fx;
    fy = wrap_frequency(-fy, ny);
    fz = wrap_frequency(-fz, nz);
    *conj = true;
  }
  const int iy = fy < 0 ? fy + ny : fy;
  const int iz = fz < 0 ? fz + nz : fz;
  return (index_t(iz) * ny + iy) * (nx / 2 + 1) + fx;
}

/// Enumerates the (index, weight, conj) pairs of kernel k at frequency position (px, py) (in bins
/// of the nx x ny transform) on a half-complex array. Returns false (and visits nothing) when
/// px^2 + py^2 > r_max2.
template <Interp K, class T, class Visit>
THON_HD bool visit_fourier_2d_k(T px, T py, int nx, int ny, T r_max2, Visit&& visit) {
  constexpr Interp k = K;
  if (px * px + py * py > r_max2) return false;
  // A query at negative x reads the conjugate at -p: interpolate around -p, conjugate the result.
  bool conj0 = false;
  if (px < 0) {
    px = -px;
    py = -py;
    conj0 = true;
  }
  T wx[4], wy[4];
  constexpr int s = interp_support(K);
  const int x0 = interp_weights_1d(k, px, wx);
  const int y0 = interp_weights_1d(k, py, wy);
  const int hx = nx / 2 + 1;
  if (x0 >= 0 && x0 + s - 1 <= (nx - 1) / 2 && y0 >= -(ny / 2) && y0 + s - 1 <= ny - ny / 2 - 1) {
    for (int b = 0; b < s; ++b) {
      if (wy[b] == T(0)) continue;
      const int iy = y0 + b < 0 ? y0 + b + ny : y0 + b;
      const index_t row = index_t(iy) * hx + x0;
      for (int a = 0; a < s; ++a) visit(row + a, wy[b] * wx[a], conj0);
    }
    return true;
  }
  for (int b = 0; b < s; ++b) {
    if (wy[b] == T(0)) continue;
    for (int a = 0; a < s; ++a) {
      bool c;
      const index_t i = half_complex_index_2d(x0 + a, y0 + b, nx, ny, &c);
      visit(i, wy[b] * wx[a], c != conj0);
    }
  }
  return true;
}

/// Same in 3D, position (px, py, pz) in bins of the nx x ny x nz transform.
template <Interp K, class T, class Visit>
THON_HD bool visit_fourier_3d_k(T px, T py, T pz, int nx, int ny, int nz, T r_max2, Visit&& visit) {
  constexpr Interp k = K;
  if (px * px + py * py + pz * pz > r_max2) return false;
  bool conj0 = false;
  if (px < 0) {
    px = -px;
    py = -py;
    pz = -pz;
    conj0 = true;
  }
  T wx[4], wy[4], wz[4];
  constexpr int s = interp_support(K);
  const int x0 = interp_weights_1d(k, px, wx);
  const int y0 = interp_weights_1d(k, py, wy);
  const int z0 = interp_weights_1d(k, pz, wz);
  // Fast path, same pairs as the general one: every neighbour has 0 <= fx <= (nx-1)/2 (below the
  // x Nyquist plane, which the general path stores as a conjugate) and fy, fz inside the wrapped
  // range, so no wrap and no conjugation is needed beyond the query's own.
  const int hx = nx / 2 + 1;
  if (x0 >= 0 && x0 + s - 1 <= (nx - 1) / 2 && y0 >= -(ny / 2) && y0 + s - 1 <= ny - ny / 2 - 1 &&
      z0 >= -(nz / 2) && z0 + s - 1 <= nz - nz / 2 - 1) {
    for (int c = 0; c < s; ++c) {
      if (wz[c] == T(0)) continue;
      const int iz = z0 + c < 0 ? z0 + c + nz : z0 + c;
      for (int b = 0; b < s; ++b) {
        if (wy[b] == T(0)) continue;
        const int iy = y0 + b < 0 ? y0 + b + ny : y0 + b;
        const T wzy = wz[c] * wy[b];
        const index_t row = (index_t(iz) * ny + iy) * hx + x0;
        for (int a = 0; a < s; ++a) visit(row + a, wzy * wx[a], conj0);
      }
    }
    return true;
  }
  for (int c = 0; c < s; ++c) {
    if (wz[c] == T(0)) continue;
    for (int b = 0; b < s; ++b) {
      if (wy[b] == T(0)) continue;
      const T wzy = wz[c] * wy[b];
      for (int a = 0; a < s; ++a) {
        bool cj;
        const index_t i = half_complex_index_3d(x0 + a, y0 + b, z0 + c, nx, ny, nz, &cj);
        visit(i, wzy * wx[a], cj != conj0);
      }
    }
  }
  return true;
}

/// Runtime-kernel forms: dispatch once to the compile-time kernel (loops of constant length).
template <class T, class Visit>
THON_HD bool visit_fourier_2d(Interp k, T px, T py, int nx, int ny, T r_max2, Visit&& visit) {
  switch (k) {
    case Interp::nearest: return visit_fourier_2d_k<Interp::nearest>(px, py, nx, ny, r_max2, visit);
    case Interp::linear: return visit_fourier_2d_k<Interp::linear>(px, py, nx, ny, r_max2, visit);
    default: return visit_fourier_2d_k<Interp::cubic>(px, py, nx, ny, r_max2, visit);
  }
}
template <class T, class Visit>
THON_HD bool visit_fourier_3d(Interp k, T px, T py, T pz, int nx, int ny, int nz, T r_max2,
                              Visit&& visit) {
  switch (k) {
    case Interp::nearest:
      return visit_fourier_3d_k<Interp::nearest>(px, py, pz, nx, ny, nz, r_max2, visit);
    case Interp::linear:
      return visit_fourier_3d_k<Interp::linear>(px, py, pz, nx, ny, nz, r_max2, visit);
    default: return visit_fourier_3d_k<Interp::cubic>(px, py, pz, nx, ny, nz, r_max2, visit);
  }
}

/// Read-only load of one complex value of a gathered array: on the GPU one 8- or 16-byte load
/// through the read-only data cache (__ldg; the arrays are never written during a gather, and
/// Complex is laid out and aligned as float2/double2, as cuFFT assumes), a plain load on the host.
/// The same value either way: no error bound to state.
template <class V>
THON_HD Complex<V> load_readonly(const Complex<V>* p) {
#if defined(__CUDA_ARCH__)
  if constexpr (sizeof(V) == sizeof(float)) {
    const float2 v = __ldg(reinterpret_cast<const float2*>(p));
    return Complex<V>(V(v.x), V(v.y));
  } else {
    const double2 v = __ldg(reinterpret_cast<const double2*>(p));
    return Complex<V>(V(v.x), V(v.y));
  }
#else
  return *p;
#endif
}

/// Gather: the interpolated value of a half-complex 2D / 3D array at a frequency position
/// (0 beyond r_max).
template <class T, class V>
THON_HD Complex<T> interpolate_fourier_2d(Interp k, const Complex<V>* a, int nx, int ny, T px,
                                          T py, T r_max2) {
  Complex<T> sum;
  visit_fourier_2d(k, px, py, nx, ny, r_max2, [&](index_t i, T w, bool c) {
    const Complex<V> v = load_readonly(a + i);
    sum.re += w * T(v.re);
    sum.im += c ? -w * T(v.im) : w * T(v.im);
  });
  return sum;
}
/// The 3D gather with the kernel fixed at compile time (the CPU's row loops call it directly).
template <Interp K, class T, class V>
THON_HD Complex<T> interpolate_fourier_3d_k(const Complex<V>* a, int nx, int ny, int nz, T px,
                                            T py, T pz, T r_max2) {
  Complex<T> sum;
  visit_fourier_3d_k<K>(px, py, pz, nx, ny, nz, r_max2, [&](index_t i, T w, bool c) {
    const Complex<V> v = load_readonly(a + i);
    sum.re += w * T(v.re);
    sum.im += c ? -w * T(v.im) : w * T(v.im);
  });
  return sum;
}
template <class T, class V>
THON_HD Complex<T> interpolate_fourier_3d(Interp k, const Complex<V>* a, int nx, int ny, int nz,
                                          T px, T py, T pz, T r_max2) {
  switch (k) {
    case Interp::nearest:
      return interpolate_fourier_3d_k<Interp::nearest>(a, nx, ny, nz, px, py, pz, r_max2);
    case Interp::linear:
      return interpolate_fourier_3d_k<Interp::linear>(a, nx, ny, nz, px, py, pz, r_max2);
    default: return interpolate_fourier_3d_k<Interp::cubic>(a, nx, ny, nz, px, py, pz, r_max2);
  }
}

/// Accumulation policy of a scatter executed by one thread per accumulator: plain +=. The CUDA
/// backend uses atomicAdd and the CPU's shared-accumulator path an OpenMP atomic (their own
/// policies, same signature).
struct PlainAdd {
  template <class V>
  THON_HD void operator()(V* p, V v) const {
    *p += v;
  }
};

/// Scatter: adds value (times each weight, conjugated where the pair says) to a half-complex array
/// and, when weight_acc is not null, weight * kernel weight to a real array of the same layout.
template <class T, class V, class Add>
THON_HD void insert_fourier_2d(Interp k, Complex<V>* a, V* weight_acc, int nx, int ny, T px, T py,
                               T r_max2, Complex<T> value, T weight, const Add& add) {
  visit_fourier_2d(k, px, py, nx, ny, r_max2, [&](index_t i, T w, bool c) {
    add(&a[i].re, V(w * value.re));
    add(&a[i].im, V(c ? -w * value.im : w * value.im));
    if (weight_acc) add(&weight_acc[i], V(w * weight));
  });
}
/// The same scatter into one packed array of 4 V per stored voxel (re, im, weight, unused), so
/// that a voxel's three sums share one cache line (the CPU's slab insertion).
template <class T, class V, class Add>
THON_HD void insert_fourier_3d_packed(Interp k, V* acc4, int nx, int ny, int nz, T px, T py, T pz,
                                      T r_max2, Complex<T> value, T weight, const Add& add) {
  visit_fourier_3d(k, px, py, pz, nx, ny, nz, r_max2, [&](index_t i, T w, bool c) {
    V* p = acc4 + 4 * i;
    add(p, V(w * value.re));
    add(p + 1, V(c ? -w * value.im : w * value.im));
    add(p + 2, V(w * weight));
  });
}
template <class T, class V, class Add>
THON_HD void insert_fourier_3d(Interp k, Complex<V>* a, V* weight_acc, int nx, int ny, int nz,
                               T px, T py, T pz, T r_max2, Complex<T> value, T weight,
                               const Add& add) {
  visit_fourier_3d(k, px, py, pz, nx, ny, nz, r_max2, [&](index_t i, T w, bool c) {
    add(&a[i].re, V(w * value.re));
    add(&a[i].im, V(c ? -w * value.im : w * value.im));
    if (weight_acc) add(&weight_acc[i], V(w * weight));
  });
}

}  // namespace thon::math
