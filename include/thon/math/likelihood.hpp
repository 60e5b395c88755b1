// Per-pixel pieces of the 2D maximum-likelihood EM (DESIGN.md section 4.7), shared by the
// reference, CPU and CUDA backends of classify2d (and, later, 3D refinement).
//
// Noise model (RELION's): every independent complex Fourier pixel p of image i is the CTF-modulated
// reference plus complex Gaussian noise of variance sigma2(p) per real component, so
//   log p(X | A) = sum_p u_p [ -|X_p - CTF_p A_p|^2 / (2 sigma2_p) - log(2 pi sigma2_p) ].
// The sum runs over the stored half-complex pixels inside the resolution limit; u_p = 1 for kx > 0
// and 1/2 on the kx = 0 column, whose pixels (0, ky) and (0, -ky) are conjugates of each other
// (Nyquist pixels are never inside the limit, which stays below n/2).
//
// Expanding the square splits the distance into three terms; with the image side
//   Y_p = u_p CTF_p X_p / sigma2_p       (X shifted by the translation t)
// and the norm side Q_p = u_p CTF_p^2 / sigma2_p, the pose-dependent part of the log-likelihood is
//   Re sum_p Y_p conj(A_p) - 1/2 sum_p Q_p |A_p|^2,
// a complex (here: interleaved real) matrix product and a real one over many poses at once.
//
// Rotation: the reference of class k at in-plane angle psi is A_kr(p) = A_k(R(psi)^T p) with the
// passive R(psi) = [[c, s], [-s, c]] (DESIGN.md section 3, the projection's A^T). Translation: the
// image shifted by t pixels (rlnOriginX/Y = t * pixel size) is X_t(p) = X(p) exp(-2 pi i p.t / n).
#pragma once

#include <cmath>

#include "thon/core/complex.hpp"
#include "thon/core/hd.hpp"

namespace thon::math {

/// u_p: weight of stored half-complex pixel with x frequency kx in the sum over independent pixels.
template <class T>
THON_HD T independent_pixel_weight(int kx) {
  return kx == 0 ? T(0.5) : T(1);
}

/// exp(-2 pi i (kx tx + ky ty) / n): multiplying an image's transform by it gives the image
/// I(x - t), i.e. it undoes an origin offset t (kx, ky: signed frequency bins of an n box).
template <class T>
THON_HD Complex<T> shift_phase(int kx, int ky, T tx, T ty, int n) {
  const T ph = T(-6.283185307179586) * (T(kx) * tx + T(ky) * ty) / T(n);
  return Complex<T>(std::cos(ph), std::sin(ph));
}

/// exp(+2 pi i k.c / n) with c = (n/2, n/2): moves the origin of a transform from index 0 to the
/// box centre (the rotation centre of DESIGN.md section 3). (-1)^(kx+ky) for even n; the inverse is
/// the conjugate.
template <class T>
THON_HD Complex<T> centre_phase(int kx, int ky, int n) {
  return shift_phase(kx, ky, -T(n / 2), -T(n / 2), n);
}

/// Class-frame frequency (qx, qy) = R(psi)^T (px, py) read by the rotated reference at (px, py).
template <class T>
THON_HD void rotate_to_class_frame(T px, T py, T cos_psi, T sin_psi, T* qx, T* qy) {
  *qx = cos_psi * px - sin_psi * py;
  *qy = sin_psi * px + cos_psi * py;
}

/// Image side of the cross term: u CTF X_t / sigma2.
template <class T>
THON_HD Complex<T> image_side(Complex<T> x_shifted, T ctf, T inv_sigma2, T u) {
  return x_shifted * (u * ctf * inv_sigma2);
}

/// Norm side: u CTF^2 / sigma2.
template <class T>
THON_HD T norm_side(T ctf, T inv_sigma2, T u) {
  return u * ctf * ctf * inv_sigma2;
}

/// The log-likelihood of one pixel, the direct form of the expansion above (reference backend):
/// u [ -|x - ctf a|^2 / (2 sigma2) - log(2 pi sigma2) ].
template <class T>
THON_HD T pixel_log_likelihood(Complex<T> x_shifted, Complex<T> a, T ctf, T sigma2, T u) {
  const Complex<T> d = x_shifted - a * ctf;
  return -u * (norm(d) / (T(2) * sigma2) + std::log(T(6.283185307179586) * sigma2));
}

/// The pose-independent part of an image's log-likelihood per pixel:
/// u [ -|x|^2 / (2 sigma2) - log(2 pi sigma2) ] (|X_t| = |X|).
template <class T>
THON_HD T pixel_log_likelihood_constant(Complex<T> x, T sigma2, T u) {
  return -u * (norm(x) / (T(2) * sigma2) + std::log(T(6.283185307179586) * sigma2));
}

/// Unnormalised log of the isotropic Gaussian offset prior, -|t|^2 / (2 sigma^2) (sigma in px).
template <class T>
THON_HD T offset_log_prior(T tx, T ty, T sigma_px) {
  return -(tx * tx + ty * ty) / (T(2) * sigma_px * sigma_px);
}

/// Running log-sum-exp: after add(x_1..x_n), value() = log sum exp(x_j), computed without overflow
/// (the running maximum is factored out; one exp per element).
template <class T>
struct LogSumExp {
  T max = -INFINITY;
  T sum = 0;  ///< sum exp(x_j - max)
  THON_HD void add(T x) {
    if (x <= max) {
      sum += std::exp(x - max);
    } else {
      sum = sum * std::exp(max - x) + T(1);
      max = x;
    }
  }
  THON_HD T value() const { return max + std::log(sum); }
};

}  // namespace thon::math
