// Host-callable CUDA entry points of the projector family (no CUDA header here). Array arguments
// prefixed d_ are device memory; poses are host memory (copied per call). All run on the default
// stream and return after synchronising. V = float or double. Defined in cuda/project.cu, or as
// throwing stubs in cuda/no_cuda_project.cpp in a build without CUDA.
#pragma once

#include "thon/core/complex.hpp"
#include "thon/core/vec.hpp"
#include "thon/ops/project.hpp"

namespace thon::cuda {

template <class V>
void extract_slices_3d(const Complex<V>* d_volume, const Mat3<double>* poses, index_t count,
                       Complex<V>* d_out, const ops::SliceParams& p);
template <class V>
void extract_slices_2d(const Complex<V>* d_image, const Mat3<double>* poses, index_t count,
                       Complex<V>* d_out, const ops::SliceParams& p);
/// Scatter with atomicAdd into d_data / d_weight (d_weight and d_weights may be null).
template <class V>
void insert_slices_3d(Complex<V>* d_data, V* d_weight, const Complex<V>* d_slices,
                      const V* d_weights, const Mat3<double>* poses, index_t count,
                      const ops::SliceParams& p);
template <class V>
void insert_slices_2d(Complex<V>* d_data, V* d_weight, const Complex<V>* d_slices,
                      const V* d_weights, const Mat3<double>* poses, index_t count,
                      const ops::SliceParams& p);
template <class V>
void line_project(const V* d_volume, int n, const Mat3<double>* poses, index_t count, V* d_out,
                  math::Interp interp);
template <class V>
void resample(const V* d_in, V* d_out, int nx, int ny, int nz, index_t count,
              const Mat3<double>& m, const Vec3<double>& t, math::Interp interp);
/// The projector's prepared transform on the device: host map or image `in` (n^ndim, ndim 2 or 3,
/// origin at n/2), gridding correction `corr` (n factors, host), zero-padded to np and r2c
/// transformed (math::PadShift, cuFFT) into d_out (the half-complex np^ndim transform). The same
/// result as thon::cpu::prepare_fourier. Default stream, synchronous.
template <class V>
void prepare_fourier(const V* in, int n, int ndim, int np, const double* corr, Complex<V>* d_out);
/// count centred half-complex n x n transforms (device) -> real images (device), origin at n/2:
/// c2r (1/N) then math::RollImages, as thon::cpu::centred_fourier_to_images. d_in is not modified.
template <class V>
void centred_fourier_to_images(const Complex<V>* d_in, int n, index_t count, V* d_images);
/// Zero-fills n elements of device memory.
void zero(void* d_ptr, std::size_t bytes);

}  // namespace thon::cuda

/// Explicit instantiations of the templates above, shared by cuda/project.cu and its no-CUDA
/// stand-in cuda/no_cuda_project.cpp, so the two link-time alternatives cannot drift apart.
#define THON_CUDA_PROJECT_INSTANTIATE(V)                                                          \
  template void extract_slices_3d<V>(const Complex<V>*, const Mat3<double>*, index_t,            \
                                     Complex<V>*, const ops::SliceParams&);                      \
  template void extract_slices_2d<V>(const Complex<V>*, const Mat3<double>*, index_t,            \
                                     Complex<V>*, const ops::SliceParams&);                      \
  template void insert_slices_3d<V>(Complex<V>*, V*, const Complex<V>*, const V*,                \
                                    const Mat3<double>*, index_t, const ops::SliceParams&);      \
  template void insert_slices_2d<V>(Complex<V>*, V*, const Complex<V>*, const V*,                \
                                    const Mat3<double>*, index_t, const ops::SliceParams&);      \
  template void line_project<V>(const V*, int, const Mat3<double>*, index_t, V*, math::Interp);  \
  template void resample<V>(const V*, V*, int, int, int, index_t, const Mat3<double>&,           \
                            const Vec3<double>&, math::Interp);                                  \
  template void prepare_fourier<V>(const V*, int, int, int, const double*, Complex<V>*);         \
  template void centred_fourier_to_images<V>(const Complex<V>*, int, index_t, V*);
