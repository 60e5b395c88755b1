// Reference map symmetrisation: plain loops in double over the shared per-voxel formula.
#include "thon/math/symmetry.hpp"
#include "thon/ops/symmetry.hpp"

namespace thon::ref {

void symmetrise(const Volume<double>& in, Volume<double>& out, const std::vector<Mat3<double>>& ops) {
  out = Volume<double>(in.nx(), in.ny(), in.nz(), in.pixel_size_A());
  const math::SymmetriseVoxel<double> f{in.view(), out.view(), ops.data(), int(ops.size())};
  for (index_t i = 0; i < out.size(); ++i) f(i);
}

}  // namespace thon::ref
