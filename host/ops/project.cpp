// Dispatch of the projector family to the reference, CPU and CUDA backends, and the projector
// objects (ops/project.hpp).
#include "thon/ops/project.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "cpu/project.hpp"
#include "cuda/project.hpp"
#include "reference/project.hpp"
#include "thon/core/error.hpp"
#include "thon/core/stages.hpp"
#include "thon/math/rotation.hpp"

namespace thon {

Interp parse_interp(const std::string& name) {
  if (name == "nearest") return Interp::nearest;
  if (name == "linear" || name == "trilinear") return Interp::linear;
  if (name == "cubic" || name == "tricubic") return Interp::cubic;
  fail(ErrorCode::invalid_argument, "interpolation '", name,
       "' is not one of: nearest, linear, cubic");
}

const char* to_string(Interp k) {
  switch (k) {
    case Interp::nearest: return "nearest";
    case Interp::linear: return "linear";
    case Interp::cubic: return "cubic";
  }
  return "?";
}

namespace ops {

SliceParams SliceParams::make(int box, double padding, Interp interp, double r_max) {
  THON_CHECK(box > 0, "projector: box size must be positive, got ", box);
  THON_CHECK(std::isfinite(padding) && padding >= 1.0,
             "projector: padding factor must be a finite number >= 1, got ", padding);
  THON_CHECK(std::isfinite(r_max), "projector: r_max must be finite, got ", r_max);
  SliceParams p;
  p.box = box;
  p.padded_box = int(std::lround(padding * box));
  THON_CHECK(p.padded_box >= box && p.padded_box <= 8192,
             "projector: padded box ", p.padded_box, " out of range for box ", box, " and padding ",
             padding);
  p.r_max = r_max > 0 ? r_max : double(box / 2);
  p.interp = interp;
  return p;
}

std::vector<double> gridding_correction_table(Interp k, int n, int np, bool enabled) {
  std::vector<double> c(static_cast<std::size_t>(n), 1.0);
  if (!enabled) return c;
  for (int x = 0; x < n; ++x) {
    const double h = math::interp_kernel_ft(k, double(x - n / 2) / double(np));
    // H > 0.36 for |nu| <= 1/2 for all three kernels; guard anyway against a vanishing divisor.
    c[std::size_t(x)] = std::abs(h) > 1e-6 ? 1.0 / h : 1.0;
  }
  return c;
}

std::vector<Mat3<double>> poses_from_euler(const std::vector<double>& rot_deg,
                                           const std::vector<double>& tilt_deg,
                                           const std::vector<double>& psi_deg) {
  THON_CHECK(rot_deg.size() == tilt_deg.size() && rot_deg.size() == psi_deg.size(),
             "poses_from_euler: ", rot_deg.size(), " rot, ", tilt_deg.size(), " tilt and ",
             psi_deg.size(), " psi angles");
  std::vector<Mat3<double>> poses(rot_deg.size());
  for (std::size_t i = 0; i < rot_deg.size(); ++i) {
    THON_CHECK(std::isfinite(rot_deg[i]) && std::isfinite(tilt_deg[i]) && std::isfinite(psi_deg[i]),
               "pose ", i + 1, ": non-finite Euler angle (rot ", rot_deg[i], ", tilt ", tilt_deg[i],
               ", psi ", psi_deg[i], ")");
    poses[i] = math::euler_to_matrix(rot_deg[i], tilt_deg[i], psi_deg[i]);
  }
  return poses;
}

std::vector<Mat3<double>> poses_from_psi(const std::vector<double>& psi_deg) {
  std::vector<double> zero(psi_deg.size(), 0.0);
  return poses_from_euler(zero, zero, psi_deg);
}

namespace {

template <class A, class B>
std::vector<B> convert(const A* a, index_t n) {
  std::vector<B> b(static_cast<std::size_t>(n));
  for (index_t i = 0; i < n; ++i) b[std::size_t(i)] = B(a[i]);
  return b;
}

template <class T>
void check_finite(const T* a, index_t n, const char* what) {
  for (index_t i = 0; i < n; ++i)
    THON_CHECK(std::isfinite(double(a[i])), what, ": element ", i, " is not finite (", a[i], ")");
}

void check_poses(const Mat3<double>* poses, index_t count) {
  THON_CHECK(count >= 0, "projector: negative pose count ", count);
  for (index_t b = 0; b < count; ++b)
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c)
        THON_CHECK(std::isfinite(poses[b].m[r][c]), "pose ", b + 1, " has a non-finite matrix entry");
}

/// The prepared transform on the GPU: padded, corrected and transformed on the device
/// (cuda::prepare_fourier), sliced there (cuda::extract_slices_2d / _3d).
template <class T>
class CudaPrepared final : public PreparedTransform<T> {
 public:
  CudaPrepared(const T* in, int ndim, const SliceParams& p, const double* corr) : ndim_(ndim) {
    const index_t half = ndim == 3 ? p.volume_half_size() : p.image_half_size();
    const int n = p.box, np = p.padded_box;
    dev_ = Buffer<Complex<T>, Memory::device>(half);  // padded and transformed on the device
    cuda::prepare_fourier<T>(in, n, ndim, np, corr, dev_.data());
  }
  void extract(const Mat3<double>* poses, index_t count, Complex<T>* out,
               const SliceParams& p) const override {
    Buffer<Complex<T>, Memory::device> d_out(count * p.slice_size());
    extract_device(poses, count, d_out.data(), p);
    memory::copy(out, Memory::host, d_out.data(), Memory::device, d_out.bytes());
    stage_bytes("project.extract", 0, d_out.bytes());
  }
  /// Slices and images stay on the device; only the images come back.
  bool project_images(const Mat3<double>* poses, index_t count, T* images, const SliceParams& p) const override {
    if (ndim_ != 3) return false;
    Buffer<Complex<T>, Memory::device> d_slices(count * p.slice_size());
    Buffer<T, Memory::device> d_images(count * p.box * p.box);
    extract_device(poses, count, d_slices.data(), p);
    cuda::centred_fourier_to_images<T>(d_slices.data(), p.box, count, d_images.data());
    memory::copy(images, Memory::host, d_images.data(), Memory::device, d_images.bytes());
    stage_bytes("project.images", 0, d_images.bytes());
    return true;
  }
  /// The slices into device memory (d_out: count * p.slice_size() values).
  void extract_device(const Mat3<double>* poses, index_t count, Complex<T>* d_out, const SliceParams& p) const {
    if (ndim_ == 3) cuda::extract_slices_3d<T>(dev_.data(), poses, count, d_out, p);
    else cuda::extract_slices_2d<T>(dev_.data(), poses, count, d_out, p);
  }
  std::vector<Complex<T>> transform() const override {
    std::vector<Complex<T>> o(static_cast<std::size_t>(dev_.size()));
    memory::copy(o.data(), Memory::host, dev_.data(), Memory::device, dev_.bytes());
    return o;
  }

 private:
  int ndim_;
  Buffer<Complex<T>, Memory::device> dev_;
};

template <class T>
std::unique_ptr<PreparedTransform<T>> prepare(Device device, const T* in, int ndim,
                                              const SliceParams& p, bool gridding) {
  const auto corr = gridding_correction_table(p.interp, p.box, p.padded_box, gridding);
  switch (device) {
    case Device::reference: return ref::make_prepared_transform<T>(in, ndim, p, corr.data());
    case Device::cpu: return cpu::make_prepared_transform<T>(in, ndim, p, corr.data());
    case Device::cuda: return std::make_unique<CudaPrepared<T>>(in, ndim, p, corr.data());
  }
  fail(ErrorCode::internal, "projector: unknown device");
}

}  // namespace

// ---------------------------------------------------------------------------------------------
template <class T>
struct FourierProjector<T>::Impl {
  std::unique_ptr<PreparedTransform<T>> prepared;
};

template <class T>
FourierProjector<T>::FourierProjector(Device device, const Volume<T>& volume,
                                      const ProjectorOptions& options)
    : device_(device) {
  THON_CHECK(volume.nx() == volume.ny() && volume.nx() == volume.nz(),
             "projector: the map must be cubic, got ", volume.nx(), " x ", volume.ny(), " x ",
             volume.nz());
  params_ = SliceParams::make(volume.nx(), options.padding, options.interp, options.r_max);
  check_finite(volume.data(), volume.size(), "projector: map");
  pixel_size_A_ = volume.pixel_size_A();
  impl_ = new Impl{prepare<T>(device, volume.data(), 3, params_, options.gridding_correction)};
}

template <class T>
FourierProjector<T>::~FourierProjector() {
  delete impl_;
}
template <class T>
FourierProjector<T>::FourierProjector(FourierProjector&& o) noexcept
    : device_(o.device_), params_(o.params_), pixel_size_A_(o.pixel_size_A_), impl_(o.impl_) {
  o.impl_ = nullptr;
}
template <class T>
FourierProjector<T>& FourierProjector<T>::operator=(FourierProjector&& o) noexcept {
  std::swap(device_, o.device_);
  std::swap(params_, o.params_);
  std::swap(pixel_size_A_, o.pixel_size_A_);
  std::swap(impl_, o.impl_);
  return *this;
}

template <class T>
void FourierProjector<T>::project(const Mat3<double>* poses, index_t count, Complex<T>* out) const {
  check_poses(poses, count);
  if (count > 0) impl_->prepared->extract(poses, count, out, params_);
}

template <class T>
void FourierProjector<T>::project_device(const Mat3<double>* poses, index_t count, Complex<T>* d_out) const {
  THON_CHECK(device_ == Device::cuda, "projector: project_device needs the CUDA backend, this one is ",
             to_string(device_));
  check_poses(poses, count);
  if (count > 0) static_cast<const CudaPrepared<T>&>(*impl_->prepared).extract_device(poses, count, d_out, params_);
}

template <class T>
void FourierProjector<T>::project_images(const Mat3<double>* poses, index_t count,
                                         T* images) const {
  check_poses(poses, count);
  if (count <= 0) return;
  if (impl_->prepared->project_images(poses, count, images, params_)) return;
  std::vector<Complex<T>> slices(static_cast<std::size_t>(count * params_.slice_size()));
  project(poses, count, slices.data());
  centred_fourier_to_images(device_, slices.data(), params_.box, count, images);
}

template <class T>
ImageStack<T> FourierProjector<T>::project_images(const std::vector<Mat3<double>>& poses) const {
  const int n = params_.box;
  const index_t count = index_t(poses.size());
  ImageStack<T> out(n, n, int(count), pixel_size_A_);
  if (count == 0) return out;
  project_images(poses.data(), count, out.data());
  return out;
}

template <class T>
std::vector<Complex<T>> FourierProjector<T>::transform() const {
  return impl_->prepared->transform();
}

// ---------------------------------------------------------------------------------------------
template <class T>
struct FourierProjector2D<T>::Impl {
  std::unique_ptr<PreparedTransform<T>> prepared;
};

template <class T>
FourierProjector2D<T>::FourierProjector2D(Device device, const Image<T>& image,
                                          const ProjectorOptions& options)
    : device_(device) {
  THON_CHECK(image.nx() == image.ny(), "2D projector: the image must be square, got ", image.nx(),
             " x ", image.ny());
  params_ = SliceParams::make(image.nx(), options.padding, options.interp, options.r_max);
  check_finite(image.data(), image.size(), "2D projector: image");
  impl_ = new Impl{prepare<T>(device, image.data(), 2, params_, options.gridding_correction)};
}
template <class T>
FourierProjector2D<T>::~FourierProjector2D() {
  delete impl_;
}
template <class T>
FourierProjector2D<T>::FourierProjector2D(FourierProjector2D&& o) noexcept
    : device_(o.device_), params_(o.params_), impl_(o.impl_) {
  o.impl_ = nullptr;
}
template <class T>
FourierProjector2D<T>& FourierProjector2D<T>::operator=(FourierProjector2D&& o) noexcept {
  std::swap(device_, o.device_);
  std::swap(params_, o.params_);
  std::swap(impl_, o.impl_);
  return *this;
}
template <class T>
void FourierProjector2D<T>::project(const Mat3<double>* poses, index_t count,
                                    Complex<T>* out) const {
  check_poses(poses, count);
  if (count > 0) impl_->prepared->extract(poses, count, out, params_);
}

template class FourierProjector<float>;
template class FourierProjector<double>;
template class FourierProjector2D<float>;
template class FourierProjector2D<double>;

// ---------------------------------------------------------------------------------------------
namespace {

template <class T>
void to_fourier(Device device, const T* images, int n, index_t count, Complex<T>* out) {
  THON_CHECK(n > 0 && count >= 0, "images_to_centred_fourier: bad size ", n, " x ", count);
  if (count == 0) return;
  if (device == Device::reference) {
    const auto in = convert<T, double>(images, count * n * n);
    std::vector<Complex<double>> o(static_cast<std::size_t>(count * n * (n / 2 + 1)));
    ref::images_to_centred_fourier(in.data(), n, count, o.data());
    for (std::size_t i = 0; i < o.size(); ++i) out[i] = Complex<T>(o[i]);
    return;
  }
  // cpu, and cuda until a device FFT of host arrays would save anything: these are host arrays,
  // so the CUDA backend would copy in and out around one batched FFT; FFTW does it in place.
  if (device == Device::cuda) stage_record("project.images_to_fourier", StageSite::host);
  cpu::images_to_centred_fourier<T>(images, n, count, out);
}

template <class T>
void from_fourier(Device device, const Complex<T>* in, int n, index_t count, T* images) {
  THON_CHECK(n > 0 && count >= 0, "centred_fourier_to_images: bad size ", n, " x ", count);
  if (count == 0) return;
  if (device == Device::reference) {
    std::vector<Complex<double>> i2(static_cast<std::size_t>(count * n * (n / 2 + 1)));
    for (std::size_t i = 0; i < i2.size(); ++i) i2[i] = Complex<double>(in[i]);
    std::vector<double> o(static_cast<std::size_t>(count * n * n));
    ref::centred_fourier_to_images(i2.data(), n, count, o.data());
    for (std::size_t i = 0; i < o.size(); ++i) images[i] = T(o[i]);
    return;
  }
  if (device == Device::cuda) stage_record("project.fourier_to_images", StageSite::host);
  cpu::centred_fourier_to_images<T>(in, n, count, images);
}

template <class T>
void line_project_impl(Device device, const T* volume, int n, const Mat3<double>* poses,
                       index_t count, T* out, Interp interp) {
  THON_CHECK(n > 0, "line_project: box must be positive, got ", n);
  check_poses(poses, count);
  if (count == 0) return;
  const index_t nv = index_t(n) * n * n, no = count * n * n;
  switch (device) {
    case Device::reference: {
      const auto v = convert<T, double>(volume, nv);
      std::vector<double> o(static_cast<std::size_t>(no));
      ref::line_project(v.data(), n, poses, count, o.data(), interp);
      for (index_t i = 0; i < no; ++i) out[i] = T(o[std::size_t(i)]);
      return;
    }
    case Device::cpu: cpu::line_project<T>(volume, n, poses, count, out, interp); return;
    case Device::cuda: {
      Buffer<T, Memory::device> d_v(nv), d_o(no);
      memory::copy(d_v.data(), Memory::device, volume, Memory::host, d_v.bytes());
      cuda::line_project<T>(d_v.data(), n, poses, count, d_o.data(), interp);
      memory::copy(out, Memory::host, d_o.data(), Memory::device, d_o.bytes());
      return;
    }
  }
}

}  // namespace

void images_to_centred_fourier(Device d, const float* i, int n, index_t c, Complex<float>* o) {
  to_fourier(d, i, n, c, o);
}
void images_to_centred_fourier(Device d, const double* i, int n, index_t c, Complex<double>* o) {
  to_fourier(d, i, n, c, o);
}
void centred_fourier_to_images(Device d, const Complex<float>* i, int n, index_t c, float* o) {
  from_fourier(d, i, n, c, o);
}
void centred_fourier_to_images(Device d, const Complex<double>* i, int n, index_t c, double* o) {
  from_fourier(d, i, n, c, o);
}
void line_project(Device d, const float* v, int n, const Mat3<double>* p, index_t c, float* o,
                  Interp k) {
  line_project_impl(d, v, n, p, c, o, k);
}
void line_project(Device d, const double* v, int n, const Mat3<double>* p, index_t c, double* o,
                  Interp k) {
  line_project_impl(d, v, n, p, c, o, k);
}

}  // namespace ops
}  // namespace thon
