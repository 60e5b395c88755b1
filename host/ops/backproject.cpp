// The back-projector objects (ops/backproject.hpp): accumulators on each backend, the CPU
// strategy chosen by free memory.
#include "thon/ops/backproject.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "cpu/project.hpp"
#include "cuda/project.hpp"
#include "reference/project.hpp"
#include "thon/core/error.hpp"
#include "thon/core/parallel.hpp"

namespace thon::ops {
namespace {

/// Host memory available now, in bytes: MemAvailable from /proc/meminfo, else free pages.
double available_host_bytes() {
  std::ifstream f("/proc/meminfo");
  std::string key;
  double value = 0;
  std::string unit;
  while (f >> key >> value >> unit) {
    if (key == "MemAvailable:") return value * 1024.0;
  }
  const long pages = sysconf(_SC_AVPHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? double(pages) * double(page) : 0.0;
}

void check_inputs(const Mat3<double>* poses, index_t count) {
  THON_CHECK(count >= 0, "back-projector: negative slice count ", count);
  for (index_t b = 0; b < count; ++b)
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c)
        THON_CHECK(std::isfinite(poses[b].m[r][c]), "back-projector: pose ", b + 1,
                   " has a non-finite matrix entry");
}

/// Accumulators of one back-projector on any backend, 2D (ndim 2) or 3D.
template <class T>
struct Accumulators {
  int ndim = 3;
  index_t half = 0;
  // reference
  std::vector<Complex<double>> ref_data;
  std::vector<double> ref_weight;
  // cpu, per-thread strategy: threads 1.. (thread 0 adds into the object's own arrays)
  std::vector<Buffer<Complex<T>>> extra_data;
  std::vector<Buffer<T>> extra_weight;
  bool extra_dirty = false;
  // cuda
  Buffer<Complex<T>, Memory::device> d_data;
  Buffer<T, Memory::device> d_weight;

  void init(Device device, int nd, index_t h) {
    ndim = nd;
    half = h;
    if (device == Device::reference) {
      ref_data.assign(std::size_t(h), Complex<double>());
      ref_weight.assign(std::size_t(h), 0.0);
    } else if (device == Device::cuda) {
      d_data = Buffer<Complex<T>, Memory::device>(h);
      d_weight = Buffer<T, Memory::device>(h);
      cuda::zero(d_data.data(), d_data.bytes());
      cuda::zero(d_weight.data(), d_weight.bytes());
    }
  }

  void insert(Device device, AccumulationStrategy strategy, std::vector<Complex<T>>& data,
              std::vector<T>& weight, const Mat3<double>* poses, index_t count,
              const Complex<T>* slices, const T* weights, const SliceParams& p) {
    check_inputs(poses, count);
    if (count == 0) return;
    const index_t n_in = count * p.slice_size();
    switch (device) {
      case Device::reference: {
        std::vector<Complex<double>> s(static_cast<std::size_t>(n_in));
        for (index_t i = 0; i < n_in; ++i) s[std::size_t(i)] = Complex<double>(slices[i]);
        std::vector<double> w;
        if (weights) w.assign(weights, weights + n_in);
        const double* wp = weights ? w.data() : nullptr;
        if (ndim == 3)
          ref::insert_slices_3d(ref_data.data(), ref_weight.data(), s.data(), wp, poses, count, p);
        else
          ref::insert_slices_2d(ref_data.data(), ref_weight.data(), s.data(), wp, poses, count, p);
        return;
      }
      case Device::cpu: {
        std::vector<Complex<T>*> dp{data.data()};
        std::vector<T*> wp{weight.data()};
        if (strategy == AccumulationStrategy::per_thread) {
          const int threads = std::max(1, cpu::max_threads());
          while (int(extra_data.size()) < threads - 1) {
            extra_data.emplace_back(half);
            extra_weight.emplace_back(half);
          }
          for (int t = 0; t + 1 < threads; ++t) {
            dp.push_back(extra_data[std::size_t(t)].data());
            wp.push_back(extra_weight[std::size_t(t)].data());
          }
          extra_dirty = extra_dirty || threads > 1;
        }
        if (ndim == 3)
          cpu::insert_slices_3d<T>(dp.data(), wp.data(), int(dp.size()), slices, weights, poses,
                                   count, p);
        else
          cpu::insert_slices_2d<T>(dp.data(), wp.data(), int(dp.size()), slices, weights, poses,
                                   count, p);
        return;
      }
      case Device::cuda: {
        Buffer<Complex<T>, Memory::device> d_s(n_in);
        memory::copy(d_s.data(), Memory::device, slices, Memory::host, d_s.bytes());
        Buffer<T, Memory::device> d_w;
        if (weights) {
          d_w = Buffer<T, Memory::device>(n_in);
          memory::copy(d_w.data(), Memory::device, weights, Memory::host, d_w.bytes());
        }
        if (ndim == 3)
          cuda::insert_slices_3d<T>(d_data.data(), d_weight.data(), d_s.data(),
                                    weights ? d_w.data() : nullptr, poses, count, p);
        else
          cuda::insert_slices_2d<T>(d_data.data(), d_weight.data(), d_s.data(),
                                    weights ? d_w.data() : nullptr, poses, count, p);
        return;
      }
    }
  }

  /// Brings the object's host arrays up to date with everything inserted.
  void sync(Device device, std::vector<Complex<T>>& data, std::vector<T>& weight) {
    switch (device) {
      case Device::reference:
        for (index_t i = 0; i < half; ++i) {
          data[std::size_t(i)] = Complex<T>(ref_data[std::size_t(i)]);
          weight[std::size_t(i)] = T(ref_weight[std::size_t(i)]);
        }
        return;
      case Device::cpu: {
        if (!extra_dirty) return;
        Complex<T>* d = data.data();
        T* w = weight.data();
        for (std::size_t t = 0; t < extra_data.size(); ++t) {
          Complex<T>* ed = extra_data[t].data();
          T* ew = extra_weight[t].data();
          cpu::parallel_for(half, [=](index_t i) {
            d[i] += ed[i];
            w[i] += ew[i];
            ed[i] = Complex<T>();
            ew[i] = T(0);
          });
        }
        extra_dirty = false;
        return;
      }
      case Device::cuda:
        memory::copy(data.data(), Memory::host, d_data.data(), Memory::device, d_data.bytes());
        memory::copy(weight.data(), Memory::host, d_weight.data(), Memory::device, d_weight.bytes());
        return;
    }
  }

  void clear(Device device) {
    if (device == Device::reference) {
      std::fill(ref_data.begin(), ref_data.end(), Complex<double>());
      std::fill(ref_weight.begin(), ref_weight.end(), 0.0);
    } else if (device == Device::cuda) {
      cuda::zero(d_data.data(), d_data.bytes());
      cuda::zero(d_weight.data(), d_weight.bytes());
    } else {
      extra_data.clear();
      extra_weight.clear();
      extra_dirty = false;
    }
  }
};

template <class T>
AccumulationStrategy resolve_strategy(Device device, AccumulationStrategy asked, index_t half) {
  if (device == Device::cuda) return AccumulationStrategy::atomic;
  if (device == Device::reference) return AccumulationStrategy::per_thread;  // one thread, no atomics
  if (asked != AccumulationStrategy::automatic) return asked;
  const int threads = cpu::max_threads();
  if (threads <= 1) return AccumulationStrategy::per_thread;
  const double bytes = double(half) * double(sizeof(Complex<T>) + sizeof(T));
  return double(threads - 1) * bytes <= 0.5 * available_host_bytes()
             ? AccumulationStrategy::per_thread
             : AccumulationStrategy::atomic;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
template <class T>
struct FourierBackprojector<T>::Impl {
  Accumulators<T> acc;
};

template <class T>
FourierBackprojector<T>::FourierBackprojector(Device device, int box,
                                              const BackprojectorOptions& options)
    : device_(device),
      params_(SliceParams::make(box, options.padding, options.interp, options.r_max)) {
  const index_t half = params_.volume_half_size();
  strategy_ = resolve_strategy<T>(device, options.strategy, half);
  data_.assign(std::size_t(half), Complex<T>());
  weight_.assign(std::size_t(half), T(0));
  impl_ = new Impl;
  try {
    impl_->acc.init(device, 3, half);
  } catch (...) {
    delete impl_;
    throw;
  }
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
  impl_->acc.insert(device_, strategy_, data_, weight_, poses, count, slices, weights, params_);
  count_ += count;
}
template <class T>
void FourierBackprojector<T>::sync() {
  impl_->acc.sync(device_, data_, weight_);
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
  impl_->acc.clear(device_);
  std::fill(data_.begin(), data_.end(), Complex<T>());
  std::fill(weight_.begin(), weight_.end(), T(0));
  count_ = 0;
}

// ---------------------------------------------------------------------------------------------
template <class T>
struct FourierBackprojector2D<T>::Impl {
  Accumulators<T> acc;
  AccumulationStrategy strategy = AccumulationStrategy::atomic;
};

template <class T>
FourierBackprojector2D<T>::FourierBackprojector2D(Device device, int box,
                                                  const BackprojectorOptions& options)
    : device_(device),
      params_(SliceParams::make(box, options.padding, options.interp, options.r_max)) {
  const index_t half = params_.image_half_size();
  data_.assign(std::size_t(half), Complex<T>());
  weight_.assign(std::size_t(half), T(0));
  impl_ = new Impl;
  try {
    impl_->strategy = resolve_strategy<T>(device, options.strategy, half);
    impl_->acc.init(device, 2, half);
  } catch (...) {
    delete impl_;
    throw;
  }
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
  impl_->acc.insert(device_, impl_->strategy, data_, weight_, poses, count, slices, weights,
                    params_);
  count_ += count;
}
template <class T>
void FourierBackprojector2D<T>::sync() {
  impl_->acc.sync(device_, data_, weight_);
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
  impl_->acc.clear(device_);
  std::fill(data_.begin(), data_.end(), Complex<T>());
  std::fill(weight_.begin(), weight_.end(), T(0));
  count_ = 0;
}

template class FourierBackprojector<float>;
template class FourierBackprojector<double>;
template class FourierBackprojector2D<float>;
template class FourierBackprojector2D<double>;

}  // namespace thon::ops
