// CPU map symmetrisation: the shared per-voxel functor in float under OpenMP.
#include "thon/core/parallel.hpp"
#include "thon/math/symmetry.hpp"
#include "thon/ops/symmetry.hpp"

namespace thon::cpu {

void symmetrise(const Volume<float>& in, Volume<float>& out, const std::vector<Mat3<double>>& ops) {
  out = Volume<float>(in.nx(), in.ny(), in.nz(), in.pixel_size_A());
  std::vector<Mat3<float>> fops;
  fops.reserve(ops.size());
  for (const auto& m : ops) fops.push_back(m.cast<float>());
  parallel_for(out.size(), math::SymmetriseVoxel<float>{in.view(), out.view(), fops.data(), int(fops.size())});
}

}  // namespace thon::cpu
