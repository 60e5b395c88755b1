// Reference projector family: plain loops in double over the shared per-element functions.
#include "reference/project.hpp"

#include <vector>

#include "cpu/fft.hpp"
#include "thon/core/array.hpp"
#include "thon/math/slice.hpp"

namespace thon::ref {
namespace {

math::SliceGeometry<double> geometry(const ops::SliceParams& p) {
  math::SliceGeometry<double> g;
  g.n = p.box;
  g.np = p.padded_box;
  g.scale = p.scale();
  g.r_max2 = p.r_max * p.r_max;
  g.interp = p.interp;
  return g;
}

template <class F>
void for_each_index(index_t n, const F& f) {
  for (index_t i = 0; i < n; ++i) f(i);
}

}  // namespace

void prepare_fourier(const double* in, int n, int ndim, int np, const double* corr,
                     Complex<double>* out) {
  const index_t n_in = ndim == 3 ? index_t(n) * n * n : index_t(n) * n;
  const index_t n_pad = ndim == 3 ? index_t(np) * np * np : index_t(np) * np;
  Buffer<double> padded(n_pad);
  for_each_index(n_in, math::PadShift<double>{in, padded.data(), corr, n, np, ndim});
  cpu::fft_r2c(padded.data(), out, Shape{np, np, ndim == 3 ? np : 1, 1});
}

void extract_slices_3d(const Complex<double>* volume, const Mat3<double>* poses, index_t count,
                       Complex<double>* out, const ops::SliceParams& p) {
  for_each_index(count * p.slice_size(),
                 math::ExtractSlice3D<double, double>{volume, poses, out, geometry(p)});
}

void extract_slices_2d(const Complex<double>* image, const Mat3<double>* poses, index_t count,
                       Complex<double>* out, const ops::SliceParams& p) {
  for_each_index(count * p.slice_size(),
                 math::ExtractSlice2D<double, double>{image, poses, out, geometry(p)});
}

void insert_slices_3d(Complex<double>* data, double* weight, const Complex<double>* slices,
                      const double* weights, const Mat3<double>* poses, index_t count,
                      const ops::SliceParams& p) {
  for_each_index(count * p.slice_size(),
                 math::InsertSlice3D<double, double, math::PlainAdd>{data, weight, slices, weights,
                                                                     poses, geometry(p), {}});
}

void insert_slices_2d(Complex<double>* data, double* weight, const Complex<double>* slices,
                      const double* weights, const Mat3<double>* poses, index_t count,
                      const ops::SliceParams& p) {
  for_each_index(count * p.slice_size(),
                 math::InsertSlice2D<double, double, math::PlainAdd>{data, weight, slices, weights,
                                                                     poses, geometry(p), {}});
}

void line_project(const double* volume, int n, const Mat3<double>* poses, index_t count,
                  double* out, math::Interp interp) {
  for_each_index(count * n * n, math::LineProject<double, double>{volume, poses, out, n, interp});
}

void resample(const double* in, double* out, int nx, int ny, int nz, index_t count,
              const Mat3<double>& m, const Vec3<double>& t, math::Interp interp) {
  for_each_index(count * nx * ny * nz,
                 math::Resample<double, double>{in, out, nx, ny, nz, m, t, interp});
}

void images_to_centred_fourier(const double* images, int n, index_t count, Complex<double>* out) {
  Buffer<double> rolled(count * n * n);
  for_each_index(count * n * n, math::RollImages<double>{images, rolled.data(), n, false});
  cpu::fft_r2c(rolled.data(), out, Shape{n, n, 1, int(count)});
}

void centred_fourier_to_images(const Complex<double>* in, int n, index_t count, double* images) {
  Buffer<double> tmp(count * n * n);
  cpu::fft_c2r(in, tmp.data(), Shape{n, n, 1, int(count)});
  for_each_index(count * n * n, math::RollImages<double>{tmp.data(), images, n, true});
}

namespace {

template <class T>
class Prepared final : public ops::PreparedTransform<T> {
 public:
  Prepared(const T* in, int ndim, const ops::SliceParams& p, const double* corr) : ndim_(ndim) {
    const int n = p.box;
    const index_t n_in = ndim == 3 ? index_t(n) * n * n : index_t(n) * n;
    const std::vector<double> in_d(in, in + n_in);
    data_.assign(std::size_t(ndim == 3 ? p.volume_half_size() : p.image_half_size()),
                 Complex<double>());
    prepare_fourier(in_d.data(), n, ndim, p.padded_box, corr, data_.data());
  }
  void extract(const Mat3<double>* poses, index_t count, Complex<T>* out,
               const ops::SliceParams& p) const override {
    std::vector<Complex<double>> tmp(static_cast<std::size_t>(count * p.slice_size()));
    if (ndim_ == 3) extract_slices_3d(data_.data(), poses, count, tmp.data(), p);
    else extract_slices_2d(data_.data(), poses, count, tmp.data(), p);
    for (std::size_t i = 0; i < tmp.size(); ++i) out[i] = Complex<T>(tmp[i]);
  }
  std::vector<Complex<T>> transform() const override {
    std::vector<Complex<T>> o(data_.size());
    for (std::size_t i = 0; i < data_.size(); ++i) o[i] = Complex<T>(data_[i]);
    return o;
  }

 private:
  int ndim_;
  std::vector<Complex<double>> data_;
};

}  // namespace

template <class T>
std::unique_ptr<ops::PreparedTransform<T>> make_prepared_transform(const T* in, int ndim,
                                                                   const ops::SliceParams& p,
                                                                   const double* corr) {
  return std::make_unique<Prepared<T>>(in, ndim, p, corr);
}
template std::unique_ptr<ops::PreparedTransform<float>> make_prepared_transform<float>(
    const float*, int, const ops::SliceParams&, const double*);
template std::unique_ptr<ops::PreparedTransform<double>> make_prepared_transform<double>(
    const double*, int, const ops::SliceParams&, const double*);

}  // namespace thon::ref
