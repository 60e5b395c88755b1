// CUDA CTF (host pointers in and out): the functors of math/ctf_kernels.hpp on the GPU.
// Defined in cuda/ctf.cu, or throwing in cuda/no_cuda_ctf.cpp. No CUDA headers here.
#pragma once

#include "thon/math/ctf_kernels.hpp"

namespace thon::cuda {

void ctf_half_complex(const math::CtfParams* params, const float* defocus_offset_A, int n, int nx, int ny,
                      double pixel_size_A, int op, double wiener_eps, Complex<float>* ft, float* ctf_out);
void tilted_ctf_pixels(const Complex<float>* ft, const math::CtfParams* params, const math::TiltGeometry& tilt, int n,
                       int nx, int ny, double pixel_size_A, int op, double wiener_eps, float* out);

}  // namespace thon::cuda
