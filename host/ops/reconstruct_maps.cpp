// The host MapMaker (reference and CPU backends) over ops::invert, ops::fsc and the mask
// functions; the CUDA one is cuda::make_map_maker (cuda/reconstruct.cu).
#include "thon/ops/reconstruct_maps.hpp"

#include <map>
#include <vector>

#include "cuda/reconstruct.hpp"
#include "thon/core/error.hpp"
#include "thon/core/parallel.hpp"
#include "thon/core/stages.hpp"
#include "thon/math/reconstruct_invert.hpp"
#include "thon/ops/fsc.hpp"

namespace thon::ops {


namespace {

class HostMapMaker final : public MapMaker {
 public:
  HostMapMaker(Device device, std::unique_ptr<FourierInserter> inserter)
      : device_(device == Device::reference ? Device::reference : Device::cpu), geom_(inserter->geometry()) {
    acc_[0] = inserter->accumulator(0);
    acc_[1] = inserter->accumulator(1);
    inserter.reset();  // free the backend's accumulators before the inversion buffers
    complete_hermitian_plane(acc_[0]);
    complete_hermitian_plane(acc_[1]);
  }
  std::vector<double> shell_mean_weight(int halves) override { return ops::shell_mean_weight(accs(halves)); }
  void invert(int slot, int halves, const std::vector<double>& inv_tau2) override {
    maps_[slot] = ops::invert(device_, accs(halves), geom_, inv_tau2);
  }
  void soften_outside_sphere(int slot, double radius_px) override { ops::soften_outside_sphere(map(slot), radius_px); }
  void set_mask(const Volume<float>& mask) override { mask_ = mask; }
  void multiply_mask(int dst, int src) override {
    const Volume<float>& a = map(src);
    THON_CHECK(mask_.size() == a.size(), "reconstruct: the mask has ", mask_.size(), " voxels, the map ", a.size());
    Volume<float> out = a;
    for (index_t i = 0; i < out.size(); ++i) out[i] *= mask_[i];
    maps_[dst] = std::move(out);
  }
  std::vector<double> fsc(int a, int b) override { return ops::fsc(device_, map(a), map(b)).fsc; }
  Volume<float> take(int slot) override {
    Volume<float> v = std::move(map(slot));
    maps_.erase(slot);
    return v;
  }
  void release(int slot) override { maps_.erase(slot); }

 private:
  std::vector<const FourierAccumulator*> accs(int halves) const {
    THON_CHECK(halves >= 1 && halves <= 3, "reconstruct: half-set mask ", halves, " is not 1, 2 or 3");
    std::vector<const FourierAccumulator*> a;
    if (halves & 1) a.push_back(&acc_[0]);
    if (halves & 2) a.push_back(&acc_[1]);
    return a;
  }
  Volume<float>& map(int slot) {
    auto it = maps_.find(slot);
    THON_CHECK_CODE(it != maps_.end(), internal, "reconstruct: map slot ", slot, " is empty");
    return it->second;
  }
  Device device_;
  ReconstructGeometry geom_;
  FourierAccumulator acc_[2];
  std::map<int, Volume<float>> maps_;
  Volume<float> mask_;
};

}  // namespace

std::unique_ptr<MapMaker> make_map_maker(Device device, std::unique_ptr<FourierInserter> inserter) {
  THON_CHECK(inserter != nullptr, "make_map_maker: no inserter");
  if (device == Device::cuda) return cuda::make_map_maker(std::move(inserter));
  return std::make_unique<HostMapMaker>(device, std::move(inserter));
}

}  // namespace thon::ops
