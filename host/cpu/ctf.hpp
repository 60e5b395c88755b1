// CPU CTF: the functors of math/ctf_kernels.hpp under OpenMP.
#pragma once

#include "thon/math/ctf_kernels.hpp"

namespace thon::cpu {

/// ft (may be null) multiplied in place, ctf_out (may be null) written; n half-complex grids.
void ctf_half_complex(const math::CtfParams* params, const float* defocus_offset_A, int n, int nx, int ny,
                      double pixel_size_A, int op, double wiener_eps, Complex<float>* ft, float* ctf_out);
void tilted_ctf_pixels(const Complex<float>* ft, const math::CtfParams* params, const math::TiltGeometry& tilt, int n,
                       int nx, int ny, double pixel_size_A, int op, double wiener_eps, float* out);

}  // namespace thon::cpu
