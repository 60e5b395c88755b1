// The back-projector objects (ops/backproject.hpp): input checks and dispatch of the accumulators
// to the backends (host/reference/backproject.cpp, host/cpu/backproject.cpp, CUDA below).
#include "thon/ops/backproject.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "cpu/backproject.hpp"
#include "cuda/project.hpp"
#include "reference/backproject.hpp"
#include "thon/core/error.hpp"

namespace thon::ops {
namespace {

void check_inputs(const Mat3<double>* poses, index_t count) {
  THON_CHECK(count >= 0, "back-projector: negative slice count ", count);
  for (index_t b = 0; b < count; ++b)
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c)
        THON_CHECK(std::isfinite(poses[b].m[r][c]), "back-projector: pose ", b + 1,
                   " has a non-finite matrix entry");
}

/// Device-resident accumulators: each call copies its slices to the GPU and scatters them with
/// atomicAdd (cuda::insert_slices_2d / _3d).
template <class T>
class CudaAccumulator final : public SliceAccumulator<T> {
 public:
  CudaAccumulator(int ndim, index_t half) : ndim_(ndim), d_data_(half), d_weight_(half) { clear(); }

  void insert(Complex<T>*, T*, const Mat3<double>* poses, index_t count, const Complex<T>* slices,
              const T* weights, const SliceParams& p) override {
    const index_t n_in = count * p.slice_size();
    Buffer<Complex<T>, Memory::device> d_s(n_in);
    memory::copy(d_s.data(), Memory::device, slices, Memory::host, d_s.bytes());
    Buffer<T, Memory::device> d_w;
    if (weights) {
      d_w = Buffer<T, Memory::device>(n_in);
      memory::copy(d_w.data(), Memory::device, weights, Memory::host, d_w.bytes());
    }
    if (ndim_ == 3)
      cuda::insert_slices_3d<T>(d_data_.data(), d_weight_.data(), d_s.data(),
                                weights ? d_w.data() : nullptr, poses, count, p);
    else
      cuda::insert_slices_2d<T>(d_data_.data(), d_weight_.data(), d_s.data(),
                                weights ? d_w.data() : nullptr, poses, count, p);
  }
  void sync(Complex<T>* data, T* weight) override {
    memory::copy(data, Memory::host, d_data_.data(), Memory::device, d_data_.bytes());
    memory::copy(weight, Memory::host, d_weight_.data(), Memory::device, d_weight_.bytes());
  }
  void clear() override {
    cuda::zero(d_data_.data(), d_data_.bytes());
    cuda::zero(d_weight_.data(), d_weight_.bytes());
  }
  AccumulationStrategy strategy() const override { return AccumulationStrategy::atomic; }

 private:
  int ndim_;
  Buffer<Complex<T>, Memory::device> d_data_;
  Buffer<T, Memory::device> d_weight_;
};

template <class T>
std::unique_ptr<SliceAccumulator<T>> make_accumulator(Device device, int ndim, index_t half,
                                                      AccumulationStrategy asked) {
  switch (device) {
    case Device::reference: return ref::make_slice_accumulator<T>(ndim, half);
    case Device::cpu: return cpu::make_slice_accumulator<T>(ndim, half, asked);
    case Device::cuda: return std::make_unique<CudaAccumulator<T>>(ndim, half);
  }
  fail(ErrorCode::internal, "back-projector: unknown device");
}

}  // namespace

// ---------------------------------------------------------------------------------------------
template <class T>
struct FourierBackprojector<T>::Impl {
  std::unique_ptr<SliceAccumulator<T>> acc;
};

template <class T>
FourierBackprojector<T>::FourierBackprojector(Device device, int box,
                                              const BackprojectorOptions& options)
    : device_(device),
      params_(SliceParams::make(box, options.padding, options.interp, options.r_max)) {
  const index_t half = params_.volume_half_size();
  data_.assign(std::size_t(half), Complex<T>());
  weight_.assign(std::size_t(half), T(0));
  auto acc = make_accumulator<T>(device, 3, half, options.strategy);
  strategy_ = acc->strategy();
  impl_ = new Impl{std::move(acc)};
}
template <class T>
FourierBackprojector<T>::~FourierBackprojector() {
  delete impl_;
}
template <class T>
FourierBackprojector<T>::FourierBackprojector(FourierBackprojector&& o) noexcept
    : device_(o.device_), params_(o.params_), strategy_(o.strategy_), count_(o.count_),
      data_(std::move(o.data_)), weight_(std::move(o.weight_)), impl_(o.impl_) {
  o.impl_ = nullptr;
}
template <class T>
FourierBackprojector<T>& FourierBackprojector<T>::operator=(FourierBackprojector&& o) noexcept {
  std::swap(device_, o.device_);
  std::swap(params_, o.params_);
  std::swap(strategy_, o.strategy_);
  std::swap(count_, o.count_);
  std::swap(data_, o.data_);
  std::swap(weight_, o.weight_);
  std::swap(impl_, o.impl_);
  return *this;
}
template <class T>
void FourierBackprojector<T>::insert(const Mat3<double>* poses, index_t count,
                                     const Complex<T>* slices, const T* weights) {
  check_inputs(poses, count);
  if (count > 0) impl_->acc->insert(data_.data(), weight_.data(), poses, count, slices, weights, params_);
  count_ += count;
}
template <class T>
void FourierBackprojector<T>::sync() {
  impl_->acc->sync(data_.data(), weight_.data());
}
template <class T>
const std::vector<Complex<T>>& FourierBackprojector<T>::data() {
  sync();
  return data_;
}
template <class T>
const std::vector<T>& FourierBackprojector<T>::weight() {
  sync();
  return weight_;
}
template <class T>
void FourierBackprojector<T>::clear() {
  impl_->acc->clear();
  std::fill(data_.begin(), data_.end(), Complex<T>());
  std::fill(weight_.begin(), weight_.end(), T(0));
  count_ = 0;
}

// ---------------------------------------------------------------------------------------------
template <class T>
struct FourierBackprojector2D<T>::Impl {
  std::unique_ptr<SliceAccumulator<T>> acc;
};

template <class T>
FourierBackprojector2D<T>::FourierBackprojector2D(Device device, int box,
                                                  const BackprojectorOptions& options)
    : device_(device),
      params_(SliceParams::make(box, options.padding, options.interp, options.r_max)) {
  const index_t half = params_.image_half_size();
  data_.assign(std::size_t(half), Complex<T>());
  weight_.assign(std::size_t(half), T(0));
  impl_ = new Impl{make_accumulator<T>(device, 2, half, options.strategy)};
}
template <class T>
FourierBackprojector2D<T>::~FourierBackprojector2D() {
  delete impl_;
}
template <class T>
FourierBackprojector2D<T>::FourierBackprojector2D(FourierBackprojector2D&& o) noexcept
    : device_(o.device_), params_(o.params_), count_(o.count_), data_(std::move(o.data_)),
      weight_(std::move(o.weight_)), impl_(o.impl_) {
  o.impl_ = nullptr;
}
template <class T>
FourierBackprojector2D<T>& FourierBackprojector2D<T>::operator=(
    FourierBackprojector2D&& o) noexcept {
  std::swap(device_, o.device_);
  std::swap(params_, o.params_);
  std::swap(count_, o.count_);
  std::swap(data_, o.data_);
  std::swap(weight_, o.weight_);
  std::swap(impl_, o.impl_);
  return *this;
}
template <class T>
void FourierBackprojector2D<T>::insert(const Mat3<double>* poses, index_t count,
                                       const Complex<T>* slices, const T* weights) {
  check_inputs(poses, count);
  if (count > 0) impl_->acc->insert(data_.data(), weight_.data(), poses, count, slices, weights, params_);
  count_ += count;
}
template <class T>
void FourierBackprojector2D<T>::sync() {
  impl_->acc->sync(data_.data(), weight_.data());
}
template <class T>
const std::vector<Complex<T>>& FourierBackprojector2D<T>::data() {
  sync();
  return data_;
}
template <class T>
const std::vector<T>& FourierBackprojector2D<T>::weight() {
  sync();
  return weight_;
}
template <class T>
void FourierBackprojector2D<T>::clear() {
  impl_->acc->clear();
  std::fill(data_.begin(), data_.end(), Complex<T>());
  std::fill(weight_.begin(), weight_.end(), T(0));
  count_ = 0;
}

template class FourierBackprojector<float>;
template class FourierBackprojector<double>;
template class FourierBackprojector2D<float>;
template class FourierBackprojector2D<double>;

}  // namespace thon::ops
