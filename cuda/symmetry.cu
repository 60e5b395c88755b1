// CUDA map symmetrisation: the shared per-voxel functor over a device copy of the map.
#include "cuda/check.cuh"
#include "thon/core/stages.hpp"
#include "cuda/parallel.cuh"
#include "cuda/symmetry.hpp"
#include "thon/math/symmetry.hpp"

namespace thon::cuda {

void symmetrise(const Volume<float>& in, Volume<float>& out, const std::vector<Mat3<double>>& ops) {
  Buffer<Mat3<float>> h_ops(index_t(ops.size()));
  for (std::size_t k = 0; k < ops.size(); ++k) h_ops[index_t(k)] = ops[k].cast<float>();
  Buffer<Mat3<float>, Memory::device> d_ops(h_ops.size());
  d_ops.copy_from(h_ops);
  Buffer<float, Memory::device> d_in(in.size()), d_out(in.size());
  d_in.copy_from(in.buffer());
  const Span3D<const float> vin{d_in.data(), in.nx(), in.ny(), in.nz()};
  const Span3D<float> vout{d_out.data(), in.nx(), in.ny(), in.nz()};
  parallel_for(policy(), in.size(),
               math::SymmetriseVoxel<float>{vin, vout, d_ops.data(), int(h_ops.size())});
  THON_CUDA_LAUNCH_CHECK();
  THON_CUDA_CHECK(cudaDeviceSynchronize());
  out = Volume<float>(in.nx(), in.ny(), in.nz(), in.pixel_size_A());
  out.buffer().copy_from(d_out);
  stage_record("symmetrise", StageSite::device, d_in.bytes() + d_ops.bytes(), d_out.bytes());
}

}  // namespace thon::cuda
