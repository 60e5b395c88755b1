// The reference backend of the projector family: double precision, one thread, plain loops over
// the same per-element functions (math/slice.hpp, math/interp.hpp). The FFT of the padded array is
// FFTW in double (a direct 3D DFT of a padded map would take hours; FFTW double is itself checked
// against the direct DFT by the FFT tests).
#pragma once

#include <memory>

#include "thon/core/complex.hpp"
#include "thon/core/vec.hpp"
#include "thon/ops/project.hpp"

namespace thon::ref {

void prepare_fourier(const double* in, int n, int ndim, int np, const double* corr,
                     Complex<double>* out);
/// The prepared transform of `in` (n^ndim values, ndim 2 or 3) kept in double; corr as
/// prepare_fourier. T = float or double (the precision of the caller's slices).
template <class T>
std::unique_ptr<ops::PreparedTransform<T>> make_prepared_transform(const T* in, int ndim,
                                                                   const ops::SliceParams& p,
                                                                   const double* corr);
void extract_slices_3d(const Complex<double>* volume, const Mat3<double>* poses, index_t count,
                       Complex<double>* out, const ops::SliceParams& p);
void extract_slices_2d(const Complex<double>* image, const Mat3<double>* poses, index_t count,
                       Complex<double>* out, const ops::SliceParams& p);
/// Sequential scatter into one accumulator (weight and weights may be null).
void insert_slices_3d(Complex<double>* data, double* weight, const Complex<double>* slices,
                      const double* weights, const Mat3<double>* poses, index_t count,
                      const ops::SliceParams& p);
void insert_slices_2d(Complex<double>* data, double* weight, const Complex<double>* slices,
                      const double* weights, const Mat3<double>* poses, index_t count,
                      const ops::SliceParams& p);
void line_project(const double* volume, int n, const Mat3<double>* poses, index_t count,
                  double* out, math::Interp interp);
void resample(const double* in, double* out, int nx, int ny, int nz, index_t count,
              const Mat3<double>& m, const Vec3<double>& t, math::Interp interp);
void images_to_centred_fourier(const double* images, int n, index_t count, Complex<double>* out);
void centred_fourier_to_images(const Complex<double>* in, int n, index_t count, double* images);

}  // namespace thon::ref
