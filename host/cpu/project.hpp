// The CPU backend of the projector family (ops/project.hpp, ops/backproject.hpp, ops/resample.hpp):
// the functors of math/slice.hpp under OpenMP. V = float or double. Host memory throughout.
#pragma once

#include <memory>

#include "thon/core/complex.hpp"
#include "thon/core/vec.hpp"
#include "thon/ops/project.hpp"

namespace thon::cpu {

/// Zero-pads an n-box (ndim 2 or 3) to np about the centre, multiplies by the separable gridding
/// correction corr[n] (ops::gridding_correction_table), moves the centre to index 0 and r2c
/// transforms: out holds (np/2+1) np^(ndim-1) values and must be zero on entry.
template <class V>
void prepare_fourier(const V* in, int n, int ndim, int np, const double* corr, Complex<V>* out);

/// The prepared transform of `in` (n^ndim values) in a huge-page host buffer, sliced by
/// extract_slices_2d / _3d, projected by project_images_3d.
template <class V>
std::unique_ptr<ops::PreparedTransform<V>> make_prepared_transform(const V* in, int ndim,
                                                                   const ops::SliceParams& p,
                                                                   const double* corr);

template <class V>
void extract_slices_3d(const Complex<V>* volume, const Mat3<double>* poses, index_t count,
                       Complex<V>* out, const ops::SliceParams& p);
/// Real-space projections (count x n x n, origin at n/2) straight from the padded transform:
/// extract_slices_3d followed by centred_fourier_to_images, fused per image (the slice is
/// transformed while it is still in the cache, and the centring sign is applied as it is written).
template <class V>
void project_images_3d(const Complex<V>* volume, const Mat3<double>* poses, index_t count,
                       V* images, const ops::SliceParams& p);
template <class V>
void extract_slices_2d(const Complex<V>* image, const Mat3<double>* poses, index_t count,
                       Complex<V>* out, const ops::SliceParams& p);

/// Scatter into n_acc accumulators: n_acc == 1: all threads share data[0] / weight[0] and add with
/// OpenMP atomics (parallel over pixels); n_acc > 1: n_acc threads, thread t adds the images it
/// takes (dynamic schedule) to data[t] / weight[t] without atomics. weight[t] and weights may be
/// null.
template <class V>
void insert_slices_3d(Complex<V>* const* data, V* const* weight, int n_acc,
                      const Complex<V>* slices, const V* weights, const Mat3<double>* poses,
                      index_t count, const ops::SliceParams& p);
template <class V>
void insert_slices_2d(Complex<V>* const* data, V* const* weight, int n_acc,
                      const Complex<V>* slices, const V* weights, const Mat3<double>* poses,
                      index_t count, const ops::SliceParams& p);

template <class V>
void line_project(const V* volume, int n, const Mat3<double>* poses, index_t count, V* out,
                  math::Interp interp);
template <class V>
void resample(const V* in, V* out, int nx, int ny, int nz, index_t count, const Mat3<double>& m,
              const Vec3<double>& t, math::Interp interp);
template <class V>
void images_to_centred_fourier(const V* images, int n, index_t count, Complex<V>* out);
template <class V>
void centred_fourier_to_images(const Complex<V>* in, int n, index_t count, V* images);

/// OpenMP threads the CPU backend uses.
int max_threads();

}  // namespace thon::cpu
