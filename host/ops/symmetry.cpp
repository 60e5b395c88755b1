// Dispatcher of map symmetrisation: reference (double), cpu (float, OpenMP), cuda.
#include <algorithm>

#include "cuda/symmetry.hpp"
#include "thon/core/error.hpp"
#include "thon/ops/symmetry.hpp"

namespace thon {

namespace ops {
void symmetrise(Device device, const Volume<float>& in, Volume<float>& out, const PointGroup& group) {
  THON_CHECK(!group.ops.empty(), "symmetrise: point group ", group.name, " has no operators");
  switch (device) {
    case Device::reference: {
      Volume<double> din(in.nx(), in.ny(), in.nz(), in.pixel_size_A()), dout;
      std::copy(in.begin(), in.end(), din.begin());
      ref::symmetrise(din, dout, group.ops);
      out = Volume<float>(in.nx(), in.ny(), in.nz(), in.pixel_size_A());
      std::transform(dout.begin(), dout.end(), out.begin(), [](double v) { return float(v); });
      return;
    }
    case Device::cpu:
      cpu::symmetrise(in, out, group.ops);
      return;
    case Device::cuda:
      cuda::symmetrise(in, out, group.ops);
      return;
  }
}
}  // namespace ops

}  // namespace thon
