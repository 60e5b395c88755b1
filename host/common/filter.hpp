// The algorithms of the Fourier toolkit (the filter family), written once over an executor E that
// supplies the iteration strategy and the FFT of a backend (host/reference/filter.cpp,
// host/cpu/filter.cpp, cuda/filter.cu). host/common/ holds such backend-shared algorithm
// templates; host/ops/ only checks and dispatches. E provides:
//   using Real;  static constexpr Memory memory;            // precision, where arrays live
//   static void for_each(index_t n, const F& f);             // f(i) for i < n (any order)
//   static void r2c(const Real*, Complex<Real>*, const Shape&);
//   static void c2r(Complex<Real>* in_destroyed, Real* out, const Shape&);  // normalised 1/N
//   static void shell_sums(index_t n, int n_shells, const F& f, double* sums, std::int64_t* counts);
//       f(i, shell, v[F::K], count) -> bool; sums (K per shell) and counts are host arrays, zeroed
//       by the caller.
// Every pointer passed to these functions lives in E::memory. Each per-element body is a functor
// of include/thon/math/fourier_kernels.hpp.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "thon/core/array.hpp"
#include "thon/core/error.hpp"
#include "thon/math/fourier_kernels.hpp"
#include "thon/ops/filter.hpp"

namespace thon::detail {

/// Smallest n' >= n whose prime factors are 2, 3, 5, 7 (fast sizes for FFTW and cuFFT).
inline int fft_good_size(int n) {
  for (int m = std::max(n, 1);; ++m) {
    int r = m;
    for (int p : {2, 3, 5, 7})
      while (r % p == 0) r /= p;
    if (r == 1) return m;
  }
}

/// Number of shells (round(radius) = 0 .. max) of a Fourier grid, up to the corner.
inline int fourier_shell_count(const Shape& s) {
  return math::shell_index(std::sqrt(math::radius2_px<double>(s.nx / 2, s.ny / 2, s.nz / 2, s.nx, s.ny, s.nz))) + 1;
}
/// Number of real-space shells about index n/2, up to the corner.
inline int real_shell_count(const Shape& s) {
  const double dx = s.nx / 2, dy = s.ny / 2, dz = s.nz / 2;
  return math::shell_index(std::sqrt(dx * dx + dy * dy + dz * dz)) + 1;
}

inline void check_shape(const Shape& s, const char* what) {
  THON_CHECK(s.nx > 0 && s.ny > 0 && s.nz > 0 && s.batch > 0, what, ": invalid shape ", s.nx, " x ", s.ny,
             " x ", s.nz, " (batch ", s.batch, ")");
}

template <class E>
using CBuffer = Buffer<Complex<typename E::Real>, E::memory>;
template <class E>
using RBuffer = Buffer<typename E::Real, E::memory>;

/// r2c -> f(spectrum) -> c2r, in place on `data`.
template <class E, class Make>
void fourier_multiply(typename E::Real* data, const Shape& s, Make make_kernel) {
  CBuffer<E> F(s.half_total());
  E::r2c(data, F.data(), s);
  E::for_each(s.half_total(), make_kernel(F.data()));
  E::c2r(F.data(), data, s);
}

template <class E>
void apply_filter(typename E::Real* data, const Shape& s, double pixel_size_A, const FilterSpec& spec) {
  using T = typename E::Real;
  check_shape(s, "apply_filter");
  THON_CHECK(pixel_size_A > 0, "apply_filter: pixel size must be positive, got ", pixel_size_A);
  fourier_multiply<E>(data, s, [&](Complex<T>* F) {
    return math::FilterKernel<T>{F, s.nx, s.ny, s.nz, T(pixel_size_A), spec};
  });
}

template <class E>
void translate(typename E::Real* data, const Shape& s, double pixel_size_A, const Vec3<double>& shift_A) {
  using T = typename E::Real;
  check_shape(s, "translate");
  THON_CHECK(pixel_size_A > 0, "translate: pixel size must be positive, got ", pixel_size_A);
  fourier_multiply<E>(data, s, [&](Complex<T>* F) {
    return math::PhaseShiftKernel<T>{F, s.nx, s.ny, s.nz, T(pixel_size_A), T(shift_A.x), T(shift_A.y), T(shift_A.z)};
  });
}

template <class K>
void finish_profile(const std::vector<double>& sums, const std::vector<std::int64_t>& counts, int k,
                    std::vector<double>& value) {
  const std::size_t n = counts.size();
  value.assign(n, 0.0);
  for (std::size_t r = 0; r < n; ++r)
    if (counts[r] > 0) value[r] = sums[r * K::K + k] / double(counts[r]);
}

template <class E, class K>
void shell_profile(index_t n, int n_shells, const K& kernel, std::vector<double>& sums,
                   std::vector<std::int64_t>& counts) {
  sums.assign(std::size_t(n_shells) * K::K, 0.0);
  counts.assign(std::size_t(n_shells), 0);
  E::shell_sums(n, n_shells, kernel, sums.data(), counts.data());
}

template <class E>
RadialProfile power_spectrum_profile(const typename E::Real* data, const Shape& s) {
  using T = typename E::Real;
  check_shape(s, "power_spectrum_profile");
  CBuffer<E> F(s.half_total());
  E::r2c(data, F.data(), s);
  const math::PowerShellKernel<T> k{F.data(), s.nx, s.ny, s.nz};
  std::vector<double> sums;
  RadialProfile p;
  shell_profile<E>(s.half_total(), fourier_shell_count(s), k, sums, p.count);
  finish_profile<math::PowerShellKernel<T>>(sums, p.count, 0, p.value);
  return p;
}

template <class E>
RadialProfile radial_average(const typename E::Real* data, const Shape& s) {
  using T = typename E::Real;
  check_shape(s, "radial_average");
  const math::RealRadialShellKernel<T> k{data, s.nx, s.ny, s.nz};
  std::vector<double> sums;
  RadialProfile p;
  shell_profile<E>(s.total(), real_shell_count(s), k, sums, p.count);
  finish_profile<math::RealRadialShellKernel<T>>(sums, p.count, 0, p.value);
  return p;
}

template <class E>
ComplexRadialProfile radial_average(const Complex<typename E::Real>* data, const Shape& s) {
  using T = typename E::Real;
  using K = math::ComplexRadialShellKernel<T>;
  check_shape(s, "radial_average");
  std::vector<double> sums, re, im;
  ComplexRadialProfile p;
  shell_profile<E>(s.total(), fourier_shell_count(s), K{data, s.nx, s.ny, s.nz}, sums, p.count);
  finish_profile<K>(sums, p.count, 0, re);
  finish_profile<K>(sums, p.count, 1, im);
  p.value.resize(re.size());
  for (std::size_t r = 0; r < re.size(); ++r) p.value[r] = Complex<double>(re[r], im[r]);
  return p;
}

/// out: s.size() values (one array, batch averaged), in E::memory.
template <class E>
void centred_power_spectrum(const typename E::Real* data, const Shape& s, typename E::Real* out) {
  using T = typename E::Real;
  check_shape(s, "centred_power_spectrum");
  CBuffer<E> F(s.half_total());
  E::r2c(data, F.data(), s);
  E::for_each(s.size(), math::CentredPowerKernel<T>{F.data(), out, s.nx, s.ny, s.nz, s.batch});
}

template <class E>
void fourier_resize(const typename E::Real* in, const Shape& is, typename E::Real* out, const Shape& os) {
  using T = typename E::Real;
  check_shape(is, "fourier_resize input");
  check_shape(os, "fourier_resize output");
  THON_CHECK(is.batch == os.batch, "fourier_resize: batch ", is.batch, " != ", os.batch);
  THON_CHECK((is.nz == 1) == (os.nz == 1) && (is.ny == 1) == (os.ny == 1),
             "fourier_resize: cannot change the number of dimensions (", is.nx, " x ", is.ny, " x ", is.nz,
             " -> ", os.nx, " x ", os.ny, " x ", os.nz, ")");
  CBuffer<E> Fin(is.half_total()), Fout(os.half_total());
  E::r2c(in, Fin.data(), is);
  const T scale = T(double(os.size()) / double(is.size()));
  E::for_each(os.half_total(), math::ResizeKernel<T>{Fin.data(), Fout.data(), is.nx, is.ny, is.nz, os.nx,
                                                     os.ny, os.nz, scale});
  E::c2r(Fout.data(), out, os);
}

inline Shape full_convolution_shape(const Shape& i, const Shape& k) {
  return {i.nx + k.nx - 1, i.ny + k.ny - 1, i.nz + k.nz - 1, 1};
}

inline void check_convolution(const Shape& is, const Shape& ks) {
  check_shape(is, "convolve image");
  check_shape(ks, "convolve kernel");
  THON_CHECK(is.batch == 1 && ks.batch == 1, "convolve: one image and one kernel (batch 1)");
}

inline Vec3<int> convolution_start(const Shape& ks, ConvolveMode mode) {
  if (mode == ConvolveMode::full) return {0, 0, 0};
  return {ks.nx / 2, ks.ny / 2, ks.nz / 2};
}

template <class E>
void convolve_fft(const typename E::Real* image, const Shape& is, const typename E::Real* kernel,
                  const Shape& ks, typename E::Real* out, ConvolveMode mode) {
  using T = typename E::Real;
  check_convolution(is, ks);
  const Shape full = full_convolution_shape(is, ks);
  const Shape ls{full.nx > 1 ? fft_good_size(full.nx) : 1, full.ny > 1 ? fft_good_size(full.ny) : 1,
                 full.nz > 1 ? fft_good_size(full.nz) : 1, 1};
  RBuffer<E> pi(ls.total()), pk(ls.total());
  E::for_each(ls.total(), math::WindowKernel<T>{image, pi.data(), is.nx, is.ny, is.nz, ls.nx, ls.ny, ls.nz, 0, 0, 0});
  E::for_each(ls.total(), math::WindowKernel<T>{kernel, pk.data(), ks.nx, ks.ny, ks.nz, ls.nx, ls.ny, ls.nz, 0, 0, 0});
  CBuffer<E> Fi(ls.half_total()), Fk(ls.half_total());
  E::r2c(pi.data(), Fi.data(), ls);
  E::r2c(pk.data(), Fk.data(), ls);
  E::for_each(ls.half_total(), math::MultiplyKernel<T>{Fi.data(), Fk.data(), ls.half_total(), T(1)});
  E::c2r(Fi.data(), pi.data(), ls);
  const Shape os = mode == ConvolveMode::full ? full : Shape{is.nx, is.ny, is.nz, 1};
  const Vec3<int> st = convolution_start(ks, mode);
  E::for_each(os.total(), math::WindowKernel<T>{pi.data(), out, ls.nx, ls.ny, ls.nz, os.nx, os.ny, os.nz,
                                                st.x, st.y, st.z});
}

template <class E>
void convolve_direct(const typename E::Real* image, const Shape& is, const typename E::Real* kernel,
                     const Shape& ks, typename E::Real* out, ConvolveMode mode) {
  using T = typename E::Real;
  check_convolution(is, ks);
  const Shape os = mode == ConvolveMode::full ? full_convolution_shape(is, ks) : Shape{is.nx, is.ny, is.nz, 1};
  const Vec3<int> st = convolution_start(ks, mode);
  E::for_each(os.total(), math::DirectConvolveKernel<T>{image, kernel, out, is.nx, is.ny, is.nz, ks.nx, ks.ny,
                                                        ks.nz, os.nx, os.ny, os.nz, st.x, st.y, st.z});
}

/// Per-shell sums (Re(AB*), |A|^2, |B|^2) for shells 0 .. nx/2 and their bin counts (host arrays).
template <class E>
void fsc_sums(const typename E::Real* a, const typename E::Real* b, const Shape& s, std::vector<double>& sums,
              std::vector<std::int64_t>& counts) {
  using T = typename E::Real;
  check_shape(s, "fsc");
  THON_CHECK(s.batch == 1, "fsc: one pair of maps at a time");
  CBuffer<E> Fa(s.half_total()), Fb(s.half_total());
  E::r2c(a, Fa.data(), s);
  E::r2c(b, Fb.data(), s);
  shell_profile<E>(s.half_total(), s.nx / 2 + 1, math::FscShellKernel<T>{Fa.data(), Fb.data(), s.nx, s.ny, s.nz},
                   sums, counts);
}

}  // namespace thon::detail
