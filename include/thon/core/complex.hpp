// Complex<T>: a POD complex number usable in host and device code, layout-compatible with
// fftwf_complex / fftw_complex (T[2]) and cufftComplex / cufftDoubleComplex.
#pragma once

#include <cmath>
#include <type_traits>

#include "thon/core/hd.hpp"

namespace thon {

template <class T>
struct Complex {
  T re;
  T im;

  THON_HD constexpr Complex() : re(0), im(0) {}
  THON_HD constexpr Complex(T r) : re(r), im(0) {}  // NOLINT(google-explicit-constructor)
  THON_HD constexpr Complex(T r, T i) : re(r), im(i) {}
  template <class U>
  THON_HD constexpr explicit Complex(const Complex<U>& o) : re(T(o.re)), im(T(o.im)) {}

  THON_HD Complex& operator+=(const Complex& o) { re += o.re; im += o.im; return *this; }
  THON_HD Complex& operator-=(const Complex& o) { re -= o.re; im -= o.im; return *this; }
  THON_HD Complex& operator*=(T s) { re *= s; im *= s; return *this; }
  THON_HD Complex& operator*=(const Complex& o) {
    const T r = re * o.re - im * o.im;
    im = re * o.im + im * o.re;
    re = r;
    return *this;
  }
};

static_assert(std::is_trivially_copyable_v<Complex<float>>);
static_assert(sizeof(Complex<float>) == 2 * sizeof(float), "must match fftwf_complex/cufftComplex");
static_assert(sizeof(Complex<double>) == 2 * sizeof(double), "must match fftw_complex");

template <class T> THON_HD Complex<T> operator+(Complex<T> a, const Complex<T>& b) { return a += b; }
template <class T> THON_HD Complex<T> operator-(Complex<T> a, const Complex<T>& b) { return a -= b; }
template <class T> THON_HD Complex<T> operator*(Complex<T> a, const Complex<T>& b) { return a *= b; }
template <class T> THON_HD Complex<T> operator*(Complex<T> a, T s) { return a *= s; }
template <class T> THON_HD Complex<T> operator*(T s, Complex<T> a) { return a *= s; }
template <class T> THON_HD Complex<T> operator-(const Complex<T>& a) { return {-a.re, -a.im}; }
template <class T> THON_HD Complex<T> conj(const Complex<T>& a) { return {a.re, -a.im}; }
/// |a|^2
template <class T> THON_HD T norm(const Complex<T>& a) { return a.re * a.re + a.im * a.im; }
template <class T> THON_HD T abs(const Complex<T>& a) { return std::sqrt(norm(a)); }
template <class T> THON_HD T arg(const Complex<T>& a) { return std::atan2(a.im, a.re); }
/// exp(i phase)
template <class T> THON_HD Complex<T> cis(T phase) { return {std::cos(phase), std::sin(phase)}; }
template <class T> THON_HD Complex<T> operator/(const Complex<T>& a, T s) { return {a.re / s, a.im / s}; }

}  // namespace thon
