// CUDA multislice: the functors of include/thon/math/multislice.hpp and the slab potential row
// functor of math/potential_kernels.hpp on the GPU (thon::cuda::policy), batched cuFFT c2c in
// float, in place and unnormalised (the 1/N folds into the band-limit and propagator passes, as on
// the CPU). The waves of the batch stay resident; the atoms of each slab are streamed in.
#include <cufft.h>

#include <map>
#include <vector>

#include "cuda/check.cuh"
#include "cuda/multislice.hpp"
#include "cuda/parallel.cuh"
#include "thon/core/array.hpp"
#include "thon/math/potential_kernels.hpp"

namespace thon::cuda {

namespace {

using Cf = Complex<float>;

/// A batched 2D c2c cuFFT plan of field x field waves, owned.
class PlanC2C {
 public:
  PlanC2C(int field, int batch) {
    int n[2] = {field, field};
    THON_CUDA_CHECK(cufftPlanMany(&plan_, 2, n, nullptr, 1, 0, nullptr, 1, 0, CUFFT_C2C, batch));
  }
  ~PlanC2C() { cufftDestroy(plan_); }
  PlanC2C(const PlanC2C&) = delete;
  PlanC2C& operator=(const PlanC2C&) = delete;
  void exec(Cf* d, int direction) const {
    THON_CUDA_CHECK(cufftExecC2C(plan_, reinterpret_cast<cufftComplex*>(d), reinterpret_cast<cufftComplex*>(d), direction));
  }

 private:
  cufftHandle plan_ = 0;
};

/// Grows a device buffer to hold at least n elements and copies n host elements into it.
template <class T>
void upload(Buffer<T, Memory::device>& d, const T* h, index_t n) {
  if (d.size() < n) d = Buffer<T, Memory::device>(n + n / 2 + 1);
  if (n > 0) THON_CUDA_CHECK(cudaMemcpy(d.data(), h, sizeof(T) * std::size_t(n), cudaMemcpyHostToDevice));
}

}  // namespace

std::int64_t multislice_images(const ops::SlabAtoms& atoms, const ops::MultisliceSetup& s,
                               const math::ImageParticle* particles, int n, float* intensity, Complex<float>* exit_waves,
                               void (*progress)(void*, int), void* progress_context) {
  if (n <= 0) return 0;
  const int f = s.field;
  const index_t n2 = index_t(f) * f, total = n2 * n, nbox = index_t(s.box) * s.box * n;
  const float inv_n = 1.0f / float(n2);
  const bool random_ice = s.ice == math::IceModel::random;
  const PlanC2C plan(f, n);
  std::int64_t ffts = 0;
  auto fft = [&](Cf* d, int dir) {
    plan.exec(d, dir);
    ++ffts;
  };
  // Per-run tables (as the CPU backend): band limit, propagators of the distinct steps, ice amplitudes.
  Buffer<float, Memory::device> d_mask(n2);
  parallel_for(policy(), n2, math::MaskTableFunctor<float>{s, d_mask.data()});
  THON_CUDA_LAUNCH_CHECK();
  std::map<double, Buffer<Cf, Memory::device>> propagators;
  std::map<double, Buffer<float, Memory::device>> ice_amplitude;
  auto propagator = [&](double dz) -> const Cf* {
    auto it = propagators.find(dz);
    if (it == propagators.end()) {
      it = propagators.emplace(dz, Buffer<Cf, Memory::device>(n2)).first;
      parallel_for(policy(), n2, math::PropagatorTableFunctor<float>{s, float(dz), it->second.data()});
      THON_CUDA_LAUNCH_CHECK();
    }
    return it->second.data();
  };
  auto amplitude = [&](int j) -> const float* {
    const double dz = math::slab_thickness_A(s, j);
    auto it = ice_amplitude.find(dz);
    if (it == ice_amplitude.end()) {
      it = ice_amplitude.emplace(dz, Buffer<float, Memory::device>(n2)).first;
      parallel_for(policy(), n2, math::IceAmplitudeTableFunctor<float>{s, dz, it->second.data()});
      THON_CUDA_LAUNCH_CHECK();
    }
    return it->second.data();
  };

  Buffer<float, Memory::device> d_v(total), d_intensity(nbox);
  Buffer<Cf, Memory::device> d_t(total), d_psi(total), d_screen(random_ice ? total : 0);
  Buffer<math::ImageParticle, Memory::device> d_particles(n);
  THON_CUDA_CHECK(cudaMemcpy(d_particles.data(), particles, d_particles.bytes(), cudaMemcpyHostToDevice));
  Buffer<float, Memory::device> d_factors;
  upload(d_factors, atoms.factors().data(), index_t(atoms.factors().size()));
  Buffer<math::GaussianAtom, Memory::device> d_atoms;
  Buffer<index_t, Memory::device> d_offset;

  Cf* psi = d_psi.data();
  parallel_for(policy(), total, [=] __device__(index_t i) { psi[i] = Cf(1.0f, 0.0f); });
  THON_CUDA_LAUNCH_CHECK();
  bool in_fourier = false;
  std::vector<math::GaussianAtom> slab_atoms;
  std::vector<index_t> offset;
  int j = 0;
  while (j < s.n_slabs) {
    if (!random_ice && !atoms.has_atoms(j)) {
      // A run of slabs without atoms: uniform transmissions, one combined propagator, no transform.
      const ops::SlabAtoms::EmptyRun empty = atoms.empty_run(j);
      const int j2 = empty.end;
      const double dist = empty.distance_A;
      const Complex<double> u = empty.transmission;
      const bool leaves = j2 < s.n_slabs;  // slab j2 holds atoms: back to real space
      if (!in_fourier) {
        fft(psi, CUFFT_FORWARD);
        in_fourier = true;
      }
      Buffer<Cf, Memory::device> run(n2);
      parallel_for(policy(), n2, math::RunPropagatorTableFunctor<float>{s, float(dist), j2 - j, run.data()});
      THON_CUDA_LAUNCH_CHECK();
      parallel_for(policy(), n2, math::TableMultiplyFunctor<float>{run.data(), Cf(u) * (leaves ? inv_n : 1.0f), n2, n, psi});
      THON_CUDA_LAUNCH_CHECK();
      if (leaves) {
        fft(psi, CUFFT_INVERSE);
        in_fourier = false;
      }
      for (; j < j2; ++j)
        if (progress) progress(progress_context, j + 1);
      continue;
    }
    const bool last = j == s.n_slabs - 1;
    // The 1/N of the inverse transform that follows this slab's propagation, if one does.
    const bool leaves = !last && (random_ice || atoms.has_atoms(j + 1));
    const float scale = leaves ? inv_n : 1.0f;
    THON_CHECK(!in_fourier, "multislice: internal: a slab with atoms met the wave in Fourier space");
    atoms.slab(j, slab_atoms, offset);
    THON_CUDA_CHECK(cudaDeviceSynchronize());  // the previous slab's kernels are done with d_atoms
    upload(d_atoms, slab_atoms.data(), index_t(slab_atoms.size()));
    upload(d_offset, offset.data(), index_t(offset.size()));
    parallel_for(policy(), index_t(f) * n,
                 math::ProjectedRowFunctor<float>{d_atoms.data(), d_factors.data(), d_offset.data(), atoms.r_max(), f,
                                                  f, d_v.data()});
    THON_CUDA_LAUNCH_CHECK();
    if (random_ice && !math::ice_uses_imag(s, j)) {  // the second slab of a pair reuses the screen
      parallel_for(policy(), total, math::IceScreenFunctor<float>{s, particles[0].index, j, amplitude(j), d_screen.data()});
      THON_CUDA_LAUNCH_CHECK();
      fft(d_screen.data(), CUFFT_INVERSE);
    }
    parallel_for(policy(), total,
                 math::TransmissionFunctor<float>{float(s.sigma), float(s.absorption_ratio),
                                                  float(math::slab_uniform_potential_VA(s, j)),
                                                  float(math::slab_uniform_absorption_VA(s, j)), inv_n, d_v.data(),
                                                  random_ice ? d_screen.data() : nullptr,
                                                  math::ice_uses_imag(s, j), d_t.data()});
    THON_CUDA_LAUNCH_CHECK();
    fft(d_t.data(), CUFFT_FORWARD);
    parallel_for(policy(), n2, math::RealTableMultiplyFunctor<float>{d_mask.data(), inv_n, n2, n, d_t.data()});
    THON_CUDA_LAUNCH_CHECK();
    fft(d_t.data(), CUFFT_INVERSE);
    parallel_for(policy(), total, math::MultiplyFunctor<float>{d_t.data(), psi});
    THON_CUDA_LAUNCH_CHECK();
    fft(psi, CUFFT_FORWARD);
    in_fourier = true;
    parallel_for(policy(), n2,
                 math::TableMultiplyFunctor<float>{propagator(math::slab_step_A(s, j)), Cf(scale, 0.0f), n2, n, psi});
    THON_CUDA_LAUNCH_CHECK();
    if (leaves) {
      fft(psi, CUFFT_INVERSE);
      in_fourier = false;
    }
    if (progress) progress(progress_context, j + 1);
    ++j;
  }
  if (exit_waves) {
    Cf* t = d_t.data();
    parallel_for(policy(), total, [=] __device__(index_t i) { t[i] = psi[i] * inv_n; });
    THON_CUDA_LAUNCH_CHECK();
    fft(t, CUFFT_INVERSE);
    THON_CUDA_CHECK(cudaDeviceSynchronize());
    THON_CUDA_CHECK(cudaMemcpy(exit_waves, t, sizeof(Cf) * std::size_t(total), cudaMemcpyDeviceToHost));
  }
  parallel_for(policy(), total, math::LensFunctor<float>{s, d_particles.data(), inv_n, psi});
  THON_CUDA_LAUNCH_CHECK();
  fft(psi, CUFFT_INVERSE);
  parallel_for(policy(), nbox, math::IntensityCropFunctor<float>{s, psi, d_intensity.data()});
  THON_CUDA_LAUNCH_CHECK();
  THON_CUDA_CHECK(cudaDeviceSynchronize());
  THON_CUDA_CHECK(cudaMemcpy(intensity, d_intensity.data(), d_intensity.bytes(), cudaMemcpyDeviceToHost));
  return ffts;
}

}  // namespace thon::cuda
