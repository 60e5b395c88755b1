// Index <-> frequency on FFT grids (DESIGN.md section 3).
//
// Layouts of one axis of n samples:
//   wrapped  (FFT output): index j holds signed frequency k = j for j <= n/2, k = j - n otherwise,
//            so DC is at 0 and, for even n, the Nyquist bin n/2 is counted as +n/2.
//   half     (r2c output along x): n/2+1 indices, index j holds k = j >= 0; the bins with k < 0 are
//            the complex conjugates of the stored ones (Hermitian symmetry of a real signal).
//   centred  (display, files; also the real-space layout with the origin at n/2): index i holds
//            k = i - n/2.
// Frequencies in cycles/Å: signed bin k of an n box at pixel size p is k / (n p); Nyquist 1/(2p).
// Radii are measured in "Fourier pixels" of the x axis (units of 1/(nx p)); for square and cubic
// boxes this is the plain Euclidean radius of (kx, ky, kz).
#pragma once

#include <cmath>

#include "thon/core/hd.hpp"

namespace thon::math {

/// Signed frequency (bins) of wrapped index j in [0, n).
THON_HD int wrapped_frequency(int j, int n) { return j <= n / 2 ? j : j - n; }

/// Wrapped index in [0, n) of signed frequency k (any integer; reduced modulo n).
THON_HD int wrapped_index(int k, int n) {
  const int r = k % n;
  return r < 0 ? r + n : r;
}

/// Signed frequency (bins) of centred index i in [0, n): k = i - n/2.
THON_HD int centred_frequency(int i, int n) { return i - n / 2; }

/// Centred index of signed frequency k (|k| <= n/2; the even-n Nyquist -n/2 and +n/2 share index 0).
THON_HD int centred_index(int k, int n) { return wrapped_index(k + n / 2, n); }

/// Centred (display) index -> wrapped (FFT) index of the same frequency (ifftshift of one axis).
THON_HD int centred_to_wrapped(int i, int n) { return wrapped_index(i - n / 2, n); }

/// Wrapped (FFT) index -> centred (display) index of the same frequency (fftshift of one axis).
THON_HD int wrapped_to_centred(int j, int n) { return wrapped_index(j + n / 2, n); }

/// Number of stored x bins of a half-complex (r2c) array: n/2 + 1.
THON_HD int half_size(int n) { return n / 2 + 1; }

/// Highest frequency bin of an n axis: n/2 (the Nyquist bin for even n).
THON_HD int nyquist_index(int n) { return n / 2; }

/// Nyquist frequency in cycles/Å of pixel size p (Å): 1 / (2 p).
template <class T>
THON_HD T nyquist_per_A(T pixel_size_A) {
  return T(1) / (T(2) * pixel_size_A);
}

/// Frequency in cycles/Å of signed bin k of an n box at pixel size p: k / (n p).
template <class T>
THON_HD T frequency_per_A(int k, int n, T pixel_size_A) {
  return T(k) / (T(n) * pixel_size_A);
}

/// Resolution in Å of shell (radius) r in Fourier pixels of an n box: n p / r (infinite at r = 0).
template <class T>
THON_HD T shell_resolution_A(T r, int n, T pixel_size_A) {
  return T(n) * pixel_size_A / r;
}

/// Hermitian multiplicity of stored half-complex x bin kx: 2 when its conjugate partner -kx is not
/// stored (0 < kx and kx != n - kx), else 1. Sums over the half array weighted by this equal sums
/// over the full spectrum.
THON_HD int hermitian_weight(int kx, int nx) { return (kx > 0 && 2 * kx != nx) ? 2 : 1; }

/// Squared radius in Fourier pixels of the x axis: kx^2 + (ky nx/ny)^2 + (kz nx/nz)^2.
template <class T>
THON_HD T radius2_px(int kx, int ky, int kz, int nx, int ny, int nz) {
  const T sy = T(ky) * T(nx) / T(ny), sz = T(kz) * T(nx) / T(nz);
  return T(kx) * T(kx) + sy * sy + sz * sz;
}

/// Shell index of a radius in Fourier pixels: round(r) (RELION's convention).
template <class T>
THON_HD int shell_index(T r) {
  return int(std::floor(r + T(0.5)));
}

/// Squared spatial frequency |s|^2 in 1/Å^2 of signed bins (kx, ky, kz) of an nx x ny x nz box.
template <class T>
THON_HD T frequency2_per_A2(int kx, int ky, int kz, int nx, int ny, int nz, T pixel_size_A) {
  const T fx = frequency_per_A(kx, nx, pixel_size_A), fy = frequency_per_A(ky, ny, pixel_size_A),
          fz = frequency_per_A(kz, nz, pixel_size_A);
  return fx * fx + fy * fy + fz * fz;
}

/// Signed frequencies of element `i` of a half-complex array of real shape (nx, ny, nz), batches
/// stacked: i = ((b nz + z) ny + y) (nx/2+1) + x. Returns the batch index.
struct HalfIndex {
  int kx, ky, kz, batch;
};
THON_HD HalfIndex half_index(long long i, int nx, int ny, int nz) {
  const long long hx = nx / 2 + 1;
  HalfIndex h;
  h.kx = int(i % hx);
  long long r = i / hx;
  h.ky = wrapped_frequency(int(r % ny), ny);
  r /= ny;
  h.kz = wrapped_frequency(int(r % nz), nz);
  h.batch = int(r / nz);
  return h;
}

/// Offset of signed bin (kx >= 0, ky, kz) in one half-complex array of real shape (nx, ny, nz).
THON_HD long long half_offset(int kx, int ky, int kz, int nx, int ny, int nz) {
  return ((long long)wrapped_index(kz, nz) * ny + wrapped_index(ky, ny)) * (nx / 2 + 1) + kx;
}

}  // namespace thon::math
