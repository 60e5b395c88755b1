// The projector family's CUDA entry points in a build without CUDA: each throws "built without CUDA".
#include "cuda/project.hpp"
#include "cuda/runtime.hpp"

namespace thon::cuda {

template <class V>
void extract_slices_3d(const Complex<V>*, const Mat3<double>*, index_t, Complex<V>*,
                       const ops::SliceParams&) {
  no_cuda("extract_slices_3d");
}
template <class V>
void extract_slices_2d(const Complex<V>*, const Mat3<double>*, index_t, Complex<V>*,
                       const ops::SliceParams&) {
  no_cuda("extract_slices_2d");
}
template <class V>
void insert_slices_3d(Complex<V>*, V*, const Complex<V>*, const V*, const Mat3<double>*, index_t,
                      const ops::SliceParams&) {
  no_cuda("insert_slices_3d");
}
template <class V>
void insert_slices_2d(Complex<V>*, V*, const Complex<V>*, const V*, const Mat3<double>*, index_t,
                      const ops::SliceParams&) {
  no_cuda("insert_slices_2d");
}
template <class V>
void line_project(const V*, int, const Mat3<double>*, index_t, V*, math::Interp) {
  no_cuda("line_project");
}
template <class V>
void resample(const V*, V*, int, int, int, index_t, const Mat3<double>&, const Vec3<double>&,
              math::Interp) {
  no_cuda("resample");
}
template <class V>
void prepare_fourier(const V*, int, int, int, const double*, Complex<V>*) {
  no_cuda("prepare_fourier");
}
template <class V>
void centred_fourier_to_images(const Complex<V>*, int, index_t, V*) {
  no_cuda("centred_fourier_to_images");
}
void zero(void*, std::size_t) { no_cuda("zero"); }

THON_CUDA_PROJECT_INSTANTIATE(float)
THON_CUDA_PROJECT_INSTANTIATE(double)

}  // namespace thon::cuda
