// CUDA potential: the same row functors as the CPU (math/potential_kernels.hpp) on the GPU.
#include "cuda/potential.hpp"

#include "cuda/check.cuh"
#include "thon/core/stages.hpp"
#include "cuda/parallel.cuh"
#include "thon/core/array.hpp"

namespace thon::cuda {

namespace {
template <class T>
Buffer<T, Memory::device> to_device(const T* p, index_t n) {
  Buffer<T, Memory::device> d(n);
  if (n > 0) THON_CUDA_CHECK(cudaMemcpy(d.data(), p, sizeof(T) * std::size_t(n), cudaMemcpyHostToDevice));
  return d;
}
}  // namespace

void potential_rows(const math::GaussianAtom* atoms, index_t n_atoms, const float* factors, index_t n_factors,
                    float r_max, int nx, int ny, int nz, float solvent_V, float* out) {
  auto d_atoms = to_device(atoms, n_atoms);
  auto d_factors = to_device(factors, n_factors);
  const index_t n = index_t(nx) * ny * nz;
  Buffer<float, Memory::device> d_out(n);
  const math::PotentialRowFunctor<float> f{d_atoms.data(), d_factors.data(), n_atoms, r_max, nx, ny, nz, solvent_V, d_out.data()};
  ::thon::parallel_for(policy(), index_t(ny) * nz, f);
  THON_CUDA_LAUNCH_CHECK();
  THON_CUDA_CHECK(cudaMemcpy(out, d_out.data(), sizeof(float) * std::size_t(n), cudaMemcpyDeviceToHost));
  stage_record("potential.map", StageSite::device, d_atoms.bytes() + d_factors.bytes(), d_out.bytes());
}

void projected_rows(const math::GaussianAtom* atoms, index_t n_atoms, const float* factors, index_t n_factors,
                    const index_t* offset, int n_images, float r_max, int nx, int ny, float* out) {
  auto d_atoms = to_device(atoms, n_atoms);
  auto d_factors = to_device(factors, n_factors);
  auto d_offset = to_device(offset, index_t(n_images) + 1);
  const index_t n = index_t(nx) * ny * n_images;
  Buffer<float, Memory::device> d_out(n);
  const math::ProjectedRowFunctor<float> f{d_atoms.data(), d_factors.data(), d_offset.data(), r_max, nx, ny, d_out.data()};
  ::thon::parallel_for(policy(), index_t(ny) * n_images, f);
  THON_CUDA_LAUNCH_CHECK();
  THON_CUDA_CHECK(cudaMemcpy(out, d_out.data(), sizeof(float) * std::size_t(n), cudaMemcpyDeviceToHost));
  stage_record("potential.projected", StageSite::device, d_atoms.bytes() + d_factors.bytes(), d_out.bytes());
}

}  // namespace thon::cuda
