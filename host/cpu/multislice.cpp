// CPU multislice: the functors of include/thon/math/multislice.hpp and the slab potential row
// functor of math/potential_kernels.hpp over OpenMP threads, batched in-place FFTW c2c transforms
// in float (unnormalised; the 1/N folds into the table passes). One slab of the batch in memory at
// a time. A slab without atoms (and without random ice) transmits uniformly (t = u_j, exactly what
// the band-limited exp(i sigma v_add) is), so the wave stays in Fourier space through it: one table
// pass and no transform (the reference computes every slab in full and checks this).
#include <map>

#include "cpu/fft.hpp"
#include "thon/core/array.hpp"
#include "thon/core/error.hpp"
#include "thon/core/parallel.hpp"
#include "thon/math/potential_kernels.hpp"
#include "thon/ops/multislice.hpp"

namespace thon::cpu {

using Cf = Complex<float>;

std::int64_t multislice_images(const ops::SlabAtoms& atoms, const ops::MultisliceSetup& s,
                               const math::ImageParticle* particles, int n, float* intensity, Complex<float>* exit_waves,
                               void (*progress)(void*, int), void* progress_context) {
  if (n <= 0) return 0;
  const int f = s.field;
  const index_t n2 = index_t(f) * f, total = n2 * n;
  const Shape shape{f, f, 1, n};
  const float inv_n = 1.0f / float(n2);
  const bool random_ice = s.ice == math::IceModel::random;
  std::int64_t ffts = 0;
  auto fft = [&](Cf* d, FftDirection dir) {
    fft_c2c_unnormalised(d, d, shape, dir);
    ++ffts;
  };
  // Per-run tables: the band limit, the propagators of the (at most three) distinct steps, the
  // ice amplitude of the (at most two) slab thicknesses.
  Buffer<float> mask(n2);
  parallel_for(n2, math::MaskTableFunctor<float>{s, mask.data()});
  std::map<double, Buffer<Cf>> propagators;
  std::map<double, Buffer<float>> ice_amplitude;
  auto propagator = [&](double dz) -> const Cf* {
    auto it = propagators.find(dz);
    if (it == propagators.end()) {
      it = propagators.emplace(dz, Buffer<Cf>(n2)).first;
      parallel_for(n2, math::PropagatorTableFunctor<float>{s, float(dz), it->second.data()});
    }
    return it->second.data();
  };
  auto amplitude = [&](int j) -> const float* {
    const double dz = math::slab_thickness_A(s, j);
    auto it = ice_amplitude.find(dz);
    if (it == ice_amplitude.end()) {
      it = ice_amplitude.emplace(dz, Buffer<float>(n2)).first;
      parallel_for(n2, math::IceAmplitudeTableFunctor<float>{s, dz, it->second.data()});
    }
    return it->second.data();
  };

  Buffer<float> v(total);
  Buffer<Cf> t(total), psi(total), screen(random_ice ? total : 0);
  Cf* psi_p = psi.data();
  parallel_for(total, [psi_p](index_t i) { psi_p[i] = Cf(1.0f, 0.0f); });
  bool in_fourier = false;  // psi holds its unnormalised transform
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
        fft(psi_p, FftDirection::forward);
        in_fourier = true;
      }
      Buffer<Cf> run(n2);
      parallel_for(n2, math::RunPropagatorTableFunctor<float>{s, float(dist), j2 - j, run.data()});
      parallel_for(n2, math::TableMultiplyFunctor<float>{run.data(), Cf(u) * (leaves ? inv_n : 1.0f), n2, n, psi_p});
      if (leaves) {
        fft(psi_p, FftDirection::inverse);
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
    parallel_for(index_t(f) * n, math::ProjectedRowFunctor<float>{slab_atoms.data(), atoms.factors().data(),
                                                                  offset.data(), atoms.r_max(), f, f, v.data()});
    if (random_ice && !math::ice_uses_imag(s, j)) {  // the second slab of a pair reuses the screen
      parallel_for(total, math::IceScreenFunctor<float>{s, particles[0].index, j, amplitude(j), screen.data()});
      fft(screen.data(), FftDirection::inverse);
    }
    parallel_for(total, math::TransmissionFunctor<float>{float(s.sigma), float(s.absorption_ratio),
                                                         float(math::slab_uniform_potential_VA(s, j)),
                                                         float(math::slab_uniform_absorption_VA(s, j)), inv_n, v.data(),
                                                         random_ice ? screen.data() : nullptr,
                                                         math::ice_uses_imag(s, j), t.data()});
    fft(t.data(), FftDirection::forward);
    parallel_for(n2, math::RealTableMultiplyFunctor<float>{mask.data(), inv_n, n2, n, t.data()});
    fft(t.data(), FftDirection::inverse);
    parallel_for(total, math::MultiplyFunctor<float>{t.data(), psi_p});
    fft(psi_p, FftDirection::forward);
    in_fourier = true;
    parallel_for(n2, math::TableMultiplyFunctor<float>{propagator(math::slab_step_A(s, j)), Cf(scale, 0.0f), n2, n, psi_p});
    if (leaves) {
      fft(psi_p, FftDirection::inverse);
      in_fourier = false;
    }
    if (progress) progress(progress_context, j + 1);
    ++j;
  }
  // psi holds the (unnormalised) transform of the exit wave.
  if (exit_waves) {
    fft_c2c(psi_p, exit_waves, shape, FftDirection::inverse);  // normalised: the exit wave itself
    ++ffts;
  }
  parallel_for(total, math::LensFunctor<float>{s, particles, inv_n, psi_p});
  fft(psi_p, FftDirection::inverse);
  parallel_for(index_t(s.box) * s.box * n, math::IntensityCropFunctor<float>{s, psi_p, intensity});
  return ffts;
}

}  // namespace thon::cpu
