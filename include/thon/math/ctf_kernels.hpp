// Per-element CTF functors shared by the CPU and CUDA backends (math/ctf.hpp formulas).
#pragma once

#include "thon/core/complex.hpp"
#include "thon/core/views.hpp"
#include "thon/math/ctf.hpp"

namespace thon::math {

enum class CtfOp : int { multiply = 0, phase_flip = 1, wiener = 2 };

/// Factor applied to a Fourier coefficient for a given CTF value.
template <class T>
THON_HD T ctf_operation_factor(T ctf, int op, T wiener_eps) {
  if (op == int(CtfOp::phase_flip)) return phase_flip_factor(ctf);
  if (op == int(CtfOp::wiener)) return wiener_factor(ctf, wiener_eps);
  return ctf;
}

/// Element i of n half-complex (nx/2+1) x ny grids: writes the CTF value (ctf_out) or multiplies ft.
/// defocus_offset_A (per image, may be null) is added to U and V (tilted-specimen strips).
template <class Real>
struct CtfHalfComplexFunctor {
  const CtfParams* params;
  const Real* defocus_offset_A;
  int nx, ny;
  Real pixel_size_A;
  int op;
  Real wiener_eps;
  Complex<Real>* ft;  ///< multiplied in place when non-null
  Real* ctf_out;      ///< CTF values written when non-null

  THON_HD void operator()(index_t i) const {
    const int nxh = nx / 2 + 1;
    const index_t per = index_t(nxh) * ny;
    const index_t m = i / per;
    const index_t r = i % per;
    const int iy = int(r / nxh), ix = int(r % nxh);
    Real kx, ky;
    half_complex_frequency(ix, iy, nx, ny, pixel_size_A, &kx, &ky);
    CtfParams p = params[m];
    if (defocus_offset_A) {
      p.defocus_u_A += double(defocus_offset_A[m]);
      p.defocus_v_A += double(defocus_offset_A[m]);
    }
    const Real c = ctf_value(p, kx, ky);
    if (ctf_out) ctf_out[i] = c;
    if (ft) ft[i] *= ctf_operation_factor(c, op, wiener_eps);
  }
};

/// Exact tilted CTF, one output pixel per call (index = image * nx * ny + y * nx + x): the inverse
/// DFT of X(k) f(CTF(k; dF(x, y))) evaluated at that pixel only. ft: half-complex transforms of the
/// images (unnormalised forward); Hermitian weights 2 for the columns with a conjugate partner.
template <class Real>
struct TiltedCtfPixelFunctor {
  const CtfParams* params;
  TiltGeometry tilt;
  int nx, ny;
  Real pixel_size_A;
  int op;
  Real wiener_eps;
  const Complex<Real>* ft;
  Real* out;

  THON_HD void operator()(index_t i) const {
    const index_t npix = index_t(nx) * ny;
    const index_t m = i / npix;
    const int y = int((i % npix) / nx), x = int(i % nx);
    const int nxh = nx / 2 + 1;
    const Real xa = Real(x - nx / 2) * pixel_size_A, ya = Real(y - ny / 2) * pixel_size_A;
    CtfParams p = params[m];
    const double off = double(tilt_defocus_offset_A(tilt, xa, ya));
    p.defocus_u_A += off;
    p.defocus_v_A += off;
    const Complex<Real>* f = ft + m * index_t(nxh) * ny;
    const Real two_pi = Real(6.283185307179586);
    Real acc = 0;
    for (int iy = 0; iy < ny; ++iy) {
      const int jy = iy <= ny / 2 ? iy : iy - ny;
      for (int ix = 0; ix < nxh; ++ix) {
        Real kx, ky;
        half_complex_frequency(ix, iy, nx, ny, pixel_size_A, &kx, &ky);
        const Real c = ctf_operation_factor(ctf_value(p, kx, ky), op, wiener_eps);
        // Phase of exp(+2 pi i k.x) with integer indices (exact periodic arithmetic).
        const long long px = (long long)ix * x % nx, py = (long long)((jy % ny + ny) % ny) * y % ny;
        const Real ph = two_pi * (Real(px) / Real(nx) + Real(py) / Real(ny));
        const Complex<Real> v = f[index_t(iy) * nxh + ix];
        const Real re = v.re * std::cos(ph) - v.im * std::sin(ph);
        const bool self = ix == 0 || (nx % 2 == 0 && ix == nx / 2);
        acc += (self ? Real(1) : Real(2)) * c * re;
      }
    }
    out[i] = acc / Real(npix);
  }
};

}  // namespace thon::math
