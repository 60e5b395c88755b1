// The reference back-projector accumulators: every slice converted to double and scattered
// sequentially, one pass, no strategy.
#include "reference/backproject.hpp"

#include <algorithm>
#include <vector>

#include "reference/project.hpp"

namespace thon::ref {
namespace {

template <class T>
class Accumulator final : public ops::SliceAccumulator<T> {
 public:
  Accumulator(int ndim, index_t half)
      : ndim_(ndim), data_(std::size_t(half)), weight_(std::size_t(half), 0.0) {}

  void insert(Complex<T>*, T*, const Mat3<double>* poses, index_t count, const Complex<T>* slices,
              const T* weights, const ops::SliceParams& p) override {
    const index_t n_in = count * p.slice_size();
    std::vector<Complex<double>> s(static_cast<std::size_t>(n_in));
    for (index_t i = 0; i < n_in; ++i) s[std::size_t(i)] = Complex<double>(slices[i]);
    std::vector<double> w;
    if (weights) w.assign(weights, weights + n_in);
    const double* wp = weights ? w.data() : nullptr;
    if (ndim_ == 3)
      insert_slices_3d(data_.data(), weight_.data(), s.data(), wp, poses, count, p);
    else
      insert_slices_2d(data_.data(), weight_.data(), s.data(), wp, poses, count, p);
  }

  void sync(Complex<T>* data, T* weight) override {
    for (std::size_t i = 0; i < data_.size(); ++i) {
      data[i] = Complex<T>(data_[i]);
      weight[i] = T(weight_[i]);
    }
  }

  void clear() override {
    std::fill(data_.begin(), data_.end(), Complex<double>());
    std::fill(weight_.begin(), weight_.end(), 0.0);
  }

  // sequential in double: one accumulator, no atomics
  ops::AccumulationStrategy strategy() const override { return ops::AccumulationStrategy::per_thread; }

 private:
  int ndim_;
  std::vector<Complex<double>> data_;
  std::vector<double> weight_;
};

}  // namespace

template <class T>
std::unique_ptr<ops::SliceAccumulator<T>> make_slice_accumulator(int ndim, index_t half) {
  return std::make_unique<Accumulator<T>>(ndim, half);
}

template std::unique_ptr<ops::SliceAccumulator<float>> make_slice_accumulator<float>(int, index_t);
template std::unique_ptr<ops::SliceAccumulator<double>> make_slice_accumulator<double>(int, index_t);

}  // namespace thon::ref
