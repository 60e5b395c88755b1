// Fourier back-projector: the transpose of FourierProjector::project (and of FourierProjector2D).
// Each pixel k of a centred half-complex slice ((n/2+1) x n, see ops/project.hpp) with pose A is
// scattered to the padded half-complex accumulator at s A^T (kx, ky, 0) with the SAME (index,
// weight, conj) pairs the projector gathers (math::visit_fourier_3d), so
//   <project(x), y> = <x, insert(y)>  for the real inner product sum Re(a conj(b)).
// Alongside, a real weight accumulator receives weight[k] times the same kernel weights.
// Typical use in reconstruction: data[k] = CTF(k) X(k), weight[k] = CTF(k)^2; then
// sum(CTF X) / (sum(CTF^2) + regulariser), gridding correction (ops::gridding_correction_table
// with n = np), inverse FFT, origin shift and crop are the caller's job (thon reconstruct).
//
// Accumulation strategy (BackprojectorOptions::strategy):
//   CPU, per_thread: every OpenMP thread scatters its images into a private accumulator (no
//     atomics, no contention); the copies are summed when the accumulators are read. Costs
//     (threads - 1) extra accumulators.
//   CPU, atomic: all threads scatter into the shared accumulator with OpenMP atomics (one per
//     real number), parallel over pixels. No extra memory.
//   automatic (default): per_thread when (threads - 1) extra accumulators fit in half of the host
//     memory available now (MemAvailable in /proc/meminfo), else atomic.
//   CUDA always scatters with atomicAdd on the device accumulators; reference is sequential in
//   double.
// The sum order differs between strategies, so results agree to float rounding (about 1e-6
// relative), not bit for bit.
#pragma once

#include <vector>

#include "thon/core/array.hpp"
#include "thon/core/complex.hpp"
#include "thon/core/device.hpp"
#include "thon/ops/project.hpp"

namespace thon::ops {

enum class AccumulationStrategy { automatic, per_thread, atomic };

struct BackprojectorOptions {
  double padding = kDefaultPadding;  ///< >= 1
  Interp interp = Interp::linear;
  double r_max = 0;                  ///< in bins of the n box; <= 0: n/2
  AccumulationStrategy strategy = AccumulationStrategy::automatic;
};

/// 3D accumulator of centred half-complex slices of n x n images. T = float or double.
/// The accumulators of one back-projector on one backend (host/reference/backproject.cpp,
/// host/cpu/backproject.cpp, the CUDA adapter in host/ops/backproject.cpp). `data` / `weight` are
/// the back-projector's host arrays (half elements): the CPU backend adds into them directly, the
/// others only write them in sync(). Slices and weights are host memory.
template <class T>
class SliceAccumulator {
 public:
  virtual ~SliceAccumulator() = default;
  virtual void insert(Complex<T>* data, T* weight, const Mat3<double>* poses, index_t count,
                      const Complex<T>* slices, const T* weights, const SliceParams& p) = 0;
  /// Brings data / weight up to date with everything inserted since the last clear().
  virtual void sync(Complex<T>* data, T* weight) = 0;
  /// Forgets the backend's own partial sums (the caller zeroes data / weight).
  virtual void clear() = 0;
  virtual AccumulationStrategy strategy() const = 0;
};

template <class T>
class FourierBackprojector {
 public:
  FourierBackprojector(Device device, int box, const BackprojectorOptions& options = {});
  ~FourierBackprojector();
  FourierBackprojector(FourierBackprojector&&) noexcept;
  FourierBackprojector& operator=(FourierBackprojector&&) noexcept;

  /// Adds `count` slices (count * params().slice_size() values each array, host memory). weights
  /// may be null (weight 1 per pixel). Poses as in FourierProjector::project.
  void insert(const Mat3<double>* poses, index_t count, const Complex<T>* slices,
              const T* weights = nullptr);
  void insert(const std::vector<Mat3<double>>& poses, const Complex<T>* slices,
              const T* weights = nullptr) {
    insert(poses.data(), index_t(poses.size()), slices, weights);
  }

  /// The accumulators, (np/2+1) x np x np in the centred half-complex layout of
  /// FourierProjector::transform(), host memory (per-thread / device copies are summed first).
  const std::vector<Complex<T>>& data();
  const std::vector<T>& weight();
  /// Number of slices inserted since construction or clear().
  index_t count() const { return count_; }
  void clear();

  const SliceParams& params() const { return params_; }
  Device device() const { return device_; }
  /// The strategy in use (automatic resolved; atomic on CUDA, per_thread for the reference).
  AccumulationStrategy strategy() const { return strategy_; }

 private:
  struct Impl;
  void sync();
  Device device_;
  SliceParams params_;
  AccumulationStrategy strategy_;
  index_t count_ = 0;
  std::vector<Complex<T>> data_;
  std::vector<T> weight_;
  Impl* impl_ = nullptr;
};

/// 2D accumulator (padded (np/2+1) x np), the transpose of FourierProjector2D::project: rotated
/// slices inserted back into the class frame (2D classification's M-step).
template <class T>
class FourierBackprojector2D {
 public:
  FourierBackprojector2D(Device device, int box, const BackprojectorOptions& options = {});
  ~FourierBackprojector2D();
  FourierBackprojector2D(FourierBackprojector2D&&) noexcept;
  FourierBackprojector2D& operator=(FourierBackprojector2D&&) noexcept;

  void insert(const Mat3<double>* poses, index_t count, const Complex<T>* slices,
              const T* weights = nullptr);
  const std::vector<Complex<T>>& data();
  const std::vector<T>& weight();
  index_t count() const { return count_; }
  void clear();
  const SliceParams& params() const { return params_; }
  Device device() const { return device_; }

 private:
  struct Impl;
  void sync();
  Device device_;
  SliceParams params_;
  index_t count_ = 0;
  std::vector<Complex<T>> data_;
  std::vector<T> weight_;
  Impl* impl_ = nullptr;
};

}  // namespace thon::ops
