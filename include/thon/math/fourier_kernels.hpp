// Per-element functors of the Fourier toolkit. The reference, CPU (thrust::omp) and CUDA
// (thrust::cuda) backends run these same bodies through thon::parallel_for; only the iteration
// strategy and the FFT differ. Each functor handles one output element; none allocates.
// Half-complex arrays follow fourier_grid.hpp; real arrays are [batch][z][y][x], x fastest.
#pragma once

#include <cmath>
#include <cstdint>

#include "thon/core/complex.hpp"
#include "thon/core/hd.hpp"
#include "thon/math/filter.hpp"
#include "thon/math/fourier_grid.hpp"

namespace thon::math {

using kindex_t = long long;

/// data[i] *= factor.
template <class T>
struct ScaleKernel {
  T* data;
  T factor;
  THON_HD void operator()(kindex_t i) const { data[i] *= factor; }
};

/// F(k) *= filter_weight(|s(k)|) on half-complex arrays (batches stacked).
template <class T>
struct FilterKernel {
  Complex<T>* data;
  int nx, ny, nz;
  T pixel_size_A;
  FilterSpec spec;
  THON_HD void operator()(kindex_t i) const {
    const HalfIndex h = half_index(i, nx, ny, nz);
    const T s = std::sqrt(frequency2_per_A2<T>(h.kx, h.ky, h.kz, nx, ny, nz, pixel_size_A));
    data[i] *= filter_weight<T>(spec, s);
  }
};

/// F(k) *= exp(+2 pi i k.o): the image becomes I(x) = P(x + o), o in Å.
template <class T>
struct PhaseShiftKernel {
  Complex<T>* data;
  int nx, ny, nz;
  T pixel_size_A;
  T ox_A, oy_A, oz_A;
  THON_HD void operator()(kindex_t i) const {
    const HalfIndex h = half_index(i, nx, ny, nz);
    data[i] *= phase_shift_factor<T>(frequency_per_A<T>(h.kx, nx, pixel_size_A),
                                     frequency_per_A<T>(h.ky, ny, pixel_size_A),
                                     frequency_per_A<T>(h.kz, nz, pixel_size_A), ox_A, oy_A, oz_A);
  }
};

/// Value at signed bin (kx, ky, kz) of the half-complex transform of a real array; kx < 0 is read
/// as the conjugate of (-kx, -ky, -kz).
template <class T>
THON_HD Complex<T> half_complex_at(const Complex<T>* F, int kx, int ky, int kz, int nx, int ny, int nz) {
  if (kx < 0) return conj(F[half_offset(-kx, -ky, -kz, nx, ny, nz)]);
  return F[half_offset(kx, ky, kz, nx, ny, nz)];
}

/// Input taps of output frequency k when an axis goes from n_in to n_out samples (Fourier crop or
/// pad). Cropping to an even n_out folds both input bins +-n_out/2 into the output Nyquist bin;
/// padding an even n_in splits its Nyquist bin in halves between +-n_in/2, so pad then crop is
/// exact. Returns the number of taps (0, 1 or 2).
THON_HD int resize_taps(int k, int n_in, int n_out, int* k_in, double* w) {
  if (n_out < n_in && n_out % 2 == 0 && (k == n_out / 2 || k == -n_out / 2)) {
    k_in[0] = n_out / 2;
    k_in[1] = -n_out / 2;
    w[0] = w[1] = 1.0;
    return 2;
  }
  if (n_out > n_in && n_in % 2 == 0 && (k == n_in / 2 || k == -n_in / 2)) {
    k_in[0] = n_in / 2;
    w[0] = 0.5;
    return 1;
  }
  if (k >= -(n_in - 1) / 2 && k <= n_in / 2) {
    k_in[0] = k;
    w[0] = 1.0;
    return 1;
  }
  return 0;
}

/// Fourier crop / pad: out (half-complex of shape `o*`) gathered from in (shape `i*`), times
/// `scale` (N_out / N_in keeps real-space values). Batches stacked in both.
template <class T>
struct ResizeKernel {
  const Complex<T>* in;
  Complex<T>* out;
  int inx, iny, inz;
  int onx, ony, onz;
  T scale;
  THON_HD void operator()(kindex_t i) const {
    const HalfIndex h = half_index(i, onx, ony, onz);
    const Complex<T>* src = in + kindex_t(h.batch) * (inx / 2 + 1) * iny * inz;
    int kx[2], ky[2], kz[2];
    double wx[2], wy[2], wz[2];
    const int nxt = resize_taps(h.kx, inx, onx, kx, wx);
    const int nyt = resize_taps(h.ky, iny, ony, ky, wy);
    const int nzt = resize_taps(h.kz, inz, onz, kz, wz);
    Complex<T> acc(0, 0);
    for (int a = 0; a < nzt; ++a)
      for (int b = 0; b < nyt; ++b)
        for (int c = 0; c < nxt; ++c)
          acc += half_complex_at(src, kx[c], ky[b], kz[a], inx, iny, inz) * T(wx[c] * wy[b] * wz[a]);
    out[i] = acc * scale;
  }
};

/// a[i] *= b[i mod b_size] * scale (pointwise product of spectra; one kernel for a batch).
template <class T>
struct MultiplyKernel {
  Complex<T>* a;
  const Complex<T>* b;
  kindex_t b_size;
  T scale;
  THON_HD void operator()(kindex_t i) const { a[i] *= b[i % b_size] * scale; }
};

/// dst[z][y][x] = src[z + oz][y + oy][x + ox] inside src, 0 outside (zero-pad with o = 0, extract
/// a window with o = its start). One array (no batch).
template <class T>
struct WindowKernel {
  const T* src;
  T* dst;
  int snx, sny, snz;
  int dnx, dny, dnz;
  int ox, oy, oz;
  THON_HD void operator()(kindex_t i) const {
    const int x = int(i % dnx) + ox;
    const int y = int((i / dnx) % dny) + oy;
    const int z = int(i / (kindex_t(dnx) * dny)) + oz;
    const bool inside = x >= 0 && x < snx && y >= 0 && y < sny && z >= 0 && z < snz;
    dst[i] = inside ? src[(kindex_t(z) * sny + y) * snx + x] : T(0);
  }
};

/// Direct (real-space) linear convolution, one output voxel per call:
/// out(o) = sum_j kernel(j) image(o + start - j), with full-convolution coordinates o + start.
template <class T, class Acc = double>
struct DirectConvolveKernel {
  const T* image;
  const T* kernel;
  T* out;
  int inx, iny, inz;
  int knx, kny, knz;
  int onx, ony, onz;
  int sx, sy, sz;
  THON_HD void operator()(kindex_t i) const {
    const int fx = int(i % onx) + sx;
    const int fy = int((i / onx) % ony) + sy;
    const int fz = int(i / (kindex_t(onx) * ony)) + sz;
    Acc acc = 0;
    for (int jz = 0; jz < knz; ++jz) {
      const int z = fz - jz;
      if (z < 0 || z >= inz) continue;
      for (int jy = 0; jy < kny; ++jy) {
        const int y = fy - jy;
        if (y < 0 || y >= iny) continue;
        const T* krow = kernel + (kindex_t(jz) * kny + jy) * knx;
        const T* irow = image + (kindex_t(z) * iny + y) * inx;
        for (int jx = 0; jx < knx; ++jx) {
          const int x = fx - jx;
          if (x >= 0 && x < inx) acc += Acc(krow[jx]) * Acc(irow[x]);
        }
      }
    }
    out[i] = T(acc);
  }
};

/// Centred power spectrum: out[z][y][x] (DC at (nz/2, ny/2, nx/2)) = mean over the batch of
/// |F(k)|^2 with k = index - n/2, read from half-complex transforms.
template <class T>
struct CentredPowerKernel {
  const Complex<T>* F;
  T* out;
  int nx, ny, nz, batch;
  THON_HD void operator()(kindex_t i) const {
    const int kx = centred_frequency(int(i % nx), nx);
    const int ky = centred_frequency(int((i / nx) % ny), ny);
    const int kz = centred_frequency(int(i / (kindex_t(nx) * ny)), nz);
    const kindex_t per = kindex_t(nx / 2 + 1) * ny * nz;
    T acc = 0;
    for (int b = 0; b < batch; ++b) acc += norm(half_complex_at(F + b * per, kx, ky, kz, nx, ny, nz));
    out[i] = acc / T(batch);
  }
};

// ---- Shell accumulators: each call names the shell of element i, its K contributions and its
// ---- multiplicity (count); the executor sums them per shell (per-thread arrays or atomics).

/// Power spectrum profile: |F|^2 of half-complex bins with Hermitian multiplicity, so the shell
/// means are over the full spectrum.
template <class T>
struct PowerShellKernel {
  static constexpr int K = 1;
  const Complex<T>* F;
  int nx, ny, nz;
  THON_HD bool operator()(kindex_t i, int& shell, double* v, int& count) const {
    const HalfIndex h = half_index(i, nx, ny, nz);
    shell = shell_index(std::sqrt(radius2_px<double>(h.kx, h.ky, h.kz, nx, ny, nz)));
    count = hermitian_weight(h.kx, nx);
    v[0] = double(count) * double(norm(F[i]));
    return true;
  }
};

/// FSC / FRC sums over stored half-complex bins (weight 1 each, as RELION's getFSC): Re(a b*), |a|^2,
/// |b|^2; shells beyond nx/2 are skipped.
template <class T>
struct FscShellKernel {
  static constexpr int K = 3;
  const Complex<T>* a;
  const Complex<T>* b;
  int nx, ny, nz;
  THON_HD bool operator()(kindex_t i, int& shell, double* v, int& count) const {
    const HalfIndex h = half_index(i, nx, ny, nz);
    shell = shell_index(std::sqrt(radius2_px<double>(h.kx, h.ky, h.kz, nx, ny, nz)));
    if (shell > nx / 2) return false;
    const Complex<T> x = a[i], y = b[i];
    v[0] = double(x.re) * double(y.re) + double(x.im) * double(y.im);
    v[1] = double(norm(x));
    v[2] = double(norm(y));
    count = 1;
    return true;
  }
};

/// Real-space radial average about the origin (n/2 on each axis), batches stacked.
template <class T>
struct RealRadialShellKernel {
  static constexpr int K = 1;
  const T* data;
  int nx, ny, nz;
  THON_HD bool operator()(kindex_t i, int& shell, double* v, int& count) const {
    const double dx = double(int(i % nx) - nx / 2);
    const double dy = double(int((i / nx) % ny) - ny / 2);
    const double dz = double(int((i / (kindex_t(nx) * ny)) % nz) - nz / 2);
    shell = shell_index(std::sqrt(dx * dx + dy * dy + dz * dz));
    v[0] = double(data[i]);
    count = 1;
    return true;
  }
};

/// Radial average of a full (c2c, wrapped) complex spectrum, batches stacked.
template <class T>
struct ComplexRadialShellKernel {
  static constexpr int K = 2;
  const Complex<T>* data;
  int nx, ny, nz;
  THON_HD bool operator()(kindex_t i, int& shell, double* v, int& count) const {
    const int kx = wrapped_frequency(int(i % nx), nx);
    const int ky = wrapped_frequency(int((i / nx) % ny), ny);
    const int kz = wrapped_frequency(int((i / (kindex_t(nx) * ny)) % nz), nz);
    shell = shell_index(std::sqrt(radius2_px<double>(kx, ky, kz, nx, ny, nz)));
    v[0] = double(data[i].re);
    v[1] = double(data[i].im);
    count = 1;
    return true;
  }
};

}  // namespace thon::math
