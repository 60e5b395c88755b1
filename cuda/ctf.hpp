// CUDA CTF (host pointers in and out): the functors of math/ctf_kernels.hpp on the GPU.
// Defined in cuda/ctf.cu, or throwing in cuda/no_cuda_ctf.cpp. No CUDA headers here.
#pragma once

#include "cuda/entry_points.hpp"
#include "thon/math/ctf_kernels.hpp"

namespace thon::cuda {

#define THON_CUDA_CTF_FUNCTIONS(X)                                                                    \
  X(void, ctf_half_complex,                                                                           \
    (const math::CtfParams* params, const float* defocus_offset_A, int n, int nx, int ny,             \
     double pixel_size_A, int op, double wiener_eps, Complex<float>* ft, float* ctf_out))             \
  X(void, tilted_ctf_pixels,                                                                          \
    (const Complex<float>* ft, const math::CtfParams* params, const math::TiltGeometry& tilt, int n,  \
     int nx, int ny, double pixel_size_A, int op, double wiener_eps, float* out))
THON_CUDA_CTF_FUNCTIONS(THON_CUDA_DECLARE)

}  // namespace thon::cuda
