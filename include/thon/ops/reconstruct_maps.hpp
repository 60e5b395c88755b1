// The steps of a reconstruction after the insertion (ops/reconstruct.hpp), run where the
// accumulators are: on the host for the reference and CPU backends, on the GPU for CUDA (the
// accumulators and maps stay in device memory; only the shell statistics, the FSC curves and the
// finished maps come back). The driver (host/pipeline/reconstruct.cpp) sequences them the same way
// for every backend. Maps live in numbered slots (any small int), box^3, origin at box/2.
#pragma once

#include <memory>
#include <vector>

#include "thon/core/array.hpp"
#include "thon/core/device.hpp"
#include "thon/ops/reconstruct.hpp"

namespace thon::ops {

class MapMaker {
 public:
  virtual ~MapMaker() = default;
  /// <sum(w CTF^2)> per shell (ops::shell_mean_weight) of half-set 0 (halves = 1), 1 (2) or both (3).
  virtual std::vector<double> shell_mean_weight(int halves) = 0;
  /// slot = ops::invert of the given half-sets with 1/tau^2 per shell (empty: none).
  virtual void invert(int slot, int halves, const std::vector<double>& inv_tau2) = 0;
  /// ops::soften_outside_sphere of a slot, in place.
  virtual void soften_outside_sphere(int slot, double radius_px) = 0;
  /// The mask of multiply_mask (box^3), copied once.
  virtual void set_mask(const Volume<float>& mask) = 0;
  /// dst = src * mask (dst may be src).
  virtual void multiply_mask(int dst, int src) = 0;
  /// FSC of two slots, shells 0 .. box/2 (ops::fsc).
  virtual std::vector<double> fsc(int a, int b) = 0;
  /// Hands the map of a slot over (to host memory) and frees the slot.
  virtual Volume<float> take(int slot) = 0;
  virtual void release(int slot) = 0;
};

/// Takes the inserter's accumulators (Hermitian completion applied here) and frees the inserter.
/// Device::cuda needs the inserter to be the CUDA one (make_fourier_inserter(Device::cuda, ...)).
std::unique_ptr<MapMaker> make_map_maker(Device device, std::unique_ptr<FourierInserter> inserter);

}  // namespace thon::ops
