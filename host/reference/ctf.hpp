// Reference CTF operations: double precision, plain loops over the half-complex grid.
#pragma once

#include "thon/core/complex.hpp"
#include "thon/math/ctf.hpp"

namespace thon::ref {

/// CTF values on n half-complex grids; defocus_offset_A (per image, may be null) added to U and V.
void ctf_grid(const math::CtfParams* params, const double* defocus_offset_A, int n, int nx, int ny,
              double pixel_size_A, double* out);
/// Multiplies n half-complex transforms by the operation factor (math::CtfOp as int).
void apply_ctf_fourier(Complex<double>* ft, const math::CtfParams* params, const double* defocus_offset_A, int n,
                       int nx, int ny, double pixel_size_A, int op, double wiener_eps);
/// Exact tilted CTF: for each output pixel the inverse DFT of X(k) f(CTF(k; dF(x, y))) at that pixel.
void tilted_ctf_exact(const Complex<double>* ft, const math::CtfParams* params, const math::TiltGeometry& tilt,
                      int n, int nx, int ny, double pixel_size_A, int op, double wiener_eps, double* out);

}  // namespace thon::ref
