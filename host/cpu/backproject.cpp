// The CPU back-projector accumulators: thread 0 adds into the back-projector's own arrays, threads
// 1.. into private copies that sync() folds in (per_thread), or all threads share the arrays with
// OpenMP atomics (atomic).
#include "cpu/backproject.hpp"

#include <algorithm>
#include <vector>

#include "cpu/project.hpp"
#include "cpu/reconstruct.hpp"
#include "thon/core/array.hpp"
#include "thon/core/parallel.hpp"

namespace thon::cpu {
namespace {

template <class T>
class Accumulator final : public ops::SliceAccumulator<T> {
 public:
  Accumulator(int ndim, index_t half, ops::AccumulationStrategy strategy)
      : ndim_(ndim), half_(half), strategy_(strategy) {}

  void insert(Complex<T>* data, T* weight, const Mat3<double>* poses, index_t count,
              const Complex<T>* slices, const T* weights, const ops::SliceParams& p) override {
    std::vector<Complex<T>*> dp{data};
    std::vector<T*> wp{weight};
    if (strategy_ == ops::AccumulationStrategy::per_thread) {
      const int threads = std::max(1, max_threads());
      while (int(extra_data_.size()) < threads - 1) {
        extra_data_.emplace_back(half_);
        extra_weight_.emplace_back(half_);
      }
      for (int t = 0; t + 1 < threads; ++t) {
        dp.push_back(extra_data_[std::size_t(t)].data());
        wp.push_back(extra_weight_[std::size_t(t)].data());
      }
      dirty_ = dirty_ || threads > 1;
    }
    if (ndim_ == 3)
      insert_slices_3d<T>(dp.data(), wp.data(), int(dp.size()), slices, weights, poses, count, p);
    else
      insert_slices_2d<T>(dp.data(), wp.data(), int(dp.size()), slices, weights, poses, count, p);
  }

  void sync(Complex<T>* d, T* w) override {
    if (!dirty_) return;
    for (std::size_t t = 0; t < extra_data_.size(); ++t) {
      Complex<T>* ed = extra_data_[t].data();
      T* ew = extra_weight_[t].data();
      parallel_for(half_, [=](index_t i) {
        d[i] += ed[i];
        w[i] += ew[i];
        ed[i] = Complex<T>();
        ew[i] = T(0);
      });
    }
    dirty_ = false;
  }

  void clear() override {
    extra_data_.clear();
    extra_weight_.clear();
    dirty_ = false;
  }

  ops::AccumulationStrategy strategy() const override { return strategy_; }

 private:
  int ndim_;
  index_t half_;
  ops::AccumulationStrategy strategy_;
  std::vector<Buffer<Complex<T>>> extra_data_;
  std::vector<Buffer<T>> extra_weight_;
  bool dirty_ = false;
};

template <class T>
ops::AccumulationStrategy resolve(ops::AccumulationStrategy asked, index_t half) {
  if (asked != ops::AccumulationStrategy::automatic) return asked;
  const int threads = max_threads();
  if (threads <= 1) return ops::AccumulationStrategy::per_thread;
  const double bytes = double(half) * double(sizeof(Complex<T>) + sizeof(T));
  return double(threads - 1) * bytes <= 0.5 * double(available_host_memory())
             ? ops::AccumulationStrategy::per_thread
             : ops::AccumulationStrategy::atomic;
}

}  // namespace

template <class T>
std::unique_ptr<ops::SliceAccumulator<T>> make_slice_accumulator(int ndim, index_t half,
                                                                 ops::AccumulationStrategy asked) {
  return std::make_unique<Accumulator<T>>(ndim, half, resolve<T>(asked, half));
}

template std::unique_ptr<ops::SliceAccumulator<float>> make_slice_accumulator<float>(
    int, index_t, ops::AccumulationStrategy);
template std::unique_ptr<ops::SliceAccumulator<double>> make_slice_accumulator<double>(
    int, index_t, ops::AccumulationStrategy);

}  // namespace thon::cpu
