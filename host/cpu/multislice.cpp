// CPU multislice: the functors of include/thon/math/multislice.hpp and the slab potential row
// functor of math/potential_kernels.hpp over OpenMP threads, batched in-place FFTW c2c transforms
// in float (unnormalised; the 1/N folds into the band-limit and propagator passes). One slab of the
// batch in memory at a time.
#include "thon/core/array.hpp"
#include "thon/core/error.hpp"
#include "thon/core/parallel.hpp"
#include "cpu/fft.hpp"
#include "thon/math/potential_kernels.hpp"
#include "thon/ops/multislice.hpp"

namespace thon::cpu {

using Cf = Complex<float>;

void multislice_images(const ops::SlabAtoms& atoms, const ops::MultisliceSetup& s, const math::ImageParticle* particles,
                       int n, float* intensity, Complex<float>* exit_waves, void (*progress)(void*, int),
                       void* progress_context) {
  if (n <= 0) return;
  const int f = s.field;
  const index_t n2 = index_t(f) * f, total = n2 * n;
  const Shape shape{f, f, 1, n};
  const float inv_n = 1.0f / float(n2);
  const bool random_ice = s.ice == math::IceModel::random;
  Buffer<float> v(total);
  Buffer<Cf> t(total), psi(total), screen(random_ice ? total : 0);
  Cf* psi_p = psi.data();
  parallel_for(total, [psi_p](index_t i) { psi_p[i] = Cf(1.0f, 0.0f); });
  std::vector<math::GaussianAtom> slab_atoms;
  std::vector<index_t> offset;
  for (int j = 0; j < s.n_slabs; ++j) {
    atoms.slab(j, slab_atoms, offset);
    parallel_for(index_t(f) * n, math::ProjectedRowFunctor<float>{slab_atoms.data(), atoms.factors().data(),
                                                                  offset.data(), atoms.r_max(), f, f, v.data()});
    if (random_ice) {
      parallel_for(total, math::IceScreenFunctor<float>{s, particles[0].index, j, screen.data()});
      fft_c2c_unnormalised(screen.data(), screen.data(), shape, FftDirection::inverse);
    }
    parallel_for(total, math::TransmissionFunctor<float>{float(s.sigma), float(s.absorption_ratio),
                                                         float(math::slab_uniform_potential_VA(s, j)),
                                                         float(math::slab_uniform_absorption_VA(s, j)), inv_n, v.data(),
                                                         random_ice ? screen.data() : nullptr, t.data()});
    fft_c2c_unnormalised(t.data(), t.data(), shape, FftDirection::forward);
    parallel_for(total, math::MaskFunctor<float>{s, inv_n, t.data()});
    fft_c2c_unnormalised(t.data(), t.data(), shape, FftDirection::inverse);
    parallel_for(total, math::MultiplyFunctor<float>{t.data(), psi_p});
    fft_c2c_unnormalised(psi_p, psi_p, shape, FftDirection::forward);
    const bool last = j == s.n_slabs - 1;
    parallel_for(total, math::PropagateFunctor<float>{s, float(math::slab_step_A(s, j)), last ? 1.0f : inv_n, psi_p});
    if (!last) fft_c2c_unnormalised(psi_p, psi_p, shape, FftDirection::inverse);
    if (progress) progress(progress_context, j + 1);
  }
  // psi holds the (unnormalised) transform of the exit wave.
  if (exit_waves) {
    fft_c2c(psi_p, exit_waves, shape, FftDirection::inverse);  // normalised: the exit wave itself
  }
  parallel_for(total, math::LensFunctor<float>{s, particles, inv_n, psi_p});
  fft_c2c_unnormalised(psi_p, psi_p, shape, FftDirection::inverse);
  parallel_for(index_t(s.box) * s.box * n, math::IntensityCropFunctor<float>{s, psi_p, intensity});
}

}  // namespace thon::cpu
