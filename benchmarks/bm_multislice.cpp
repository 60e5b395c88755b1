// Multislice on the CPU backend (ops::multislice_images): slices/s and time per image for the
// built-in helix bundle (~2600 atoms, ~60 Å across) at the centre of 500 Å of ice, 1 Å pixels,
// 2 Å slices (250 slabs), fields of 512^2 and 1024^2, one image per call. Two ice models:
//   constant  mean inner potential: the ~40 slabs the protein reaches are computed in full (4 FFTs),
//             the others carried in Fourier space (a table pass, no FFT)
//   random    amorphous phase screen: every slab in full (4 FFTs, and one screen FFT per pair of slabs)
// Beside each, BM_MultisliceFftOnly runs the same number of field^2 c2c FFTs (the count the
// backend returns) with the same plans: the FFT-only time of the same transforms.
// Plan creation (FFTW planner) happens in a warm-up call outside the timed loop.
#include <benchmark/benchmark.h>

#include <vector>

#include "cpu/fft.hpp"
#include "thon/io/model.hpp"
#include "thon/math/rotation.hpp"
#include "thon/ops/builtin_model.hpp"
#include "thon/ops/multislice.hpp"

namespace {

using namespace thon;

struct Case {
  std::vector<io::Atom> atoms;
  Vec3<double> centre;
  ops::MultisliceSetup s;
  Mat3<double> rot = math::euler_to_matrix(30.0, 60.0, 15.0);
  math::ImageParticle particle;
  std::vector<float> image;
  Case(int field, bool random_ice) : atoms(ops::builtin_helix_bundle()), centre(io::centre_of_mass(atoms)) {
    s.field = s.box = field;
    s.pixel_size_A = 1.0;
    s.slice_thickness_A = 2.0;
    s.ice_thickness_A = 500;
    s.depth_A = 250;
    s.ice = random_ice ? math::IceModel::random : math::IceModel::constant;
    ops::prepare_multislice(s, ops::particle_radius_A(atoms, centre, 0));
    particle.ctf.defocus_u_A = particle.ctf.defocus_v_A = 15000;
    particle.ctf.prepare();
    image.resize(std::size_t(field) * field);
  }
  std::int64_t run() {
    return ops::multislice_images(Device::cpu, atoms, centre, s, &rot, &particle, 1, image.data(), nullptr);
  }
};

void BM_Multislice(benchmark::State& state) {
  Case c(int(state.range(0)), state.range(1) != 0);
  std::int64_t ffts = c.run();  // warm-up: plans, tables
  for (auto _ : state) {
    ffts = c.run();
    benchmark::DoNotOptimize(c.image.data());
  }
  state.counters["slices/s"] = benchmark::Counter(double(c.s.n_slabs), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["ffts"] = double(ffts);
  state.counters["slabs"] = double(c.s.n_slabs);
  state.SetLabel(state.range(1) ? "random ice" : "constant ice");
}

void BM_MultisliceFftOnly(benchmark::State& state) {
  Case c(int(state.range(0)), state.range(1) != 0);
  const std::int64_t ffts = c.run();
  const int f = c.s.field;
  std::vector<Complex<float>> a(std::size_t(f) * f, Complex<float>(1.0f, 0.5f));
  const Shape shape{f, f, 1, 1};
  for (auto _ : state) {
    for (std::int64_t k = 0; k < ffts; ++k)
      cpu::fft_c2c_unnormalised(a.data(), a.data(), shape, k % 2 ? FftDirection::inverse : FftDirection::forward);
    benchmark::DoNotOptimize(a.data());
  }
  state.counters["ffts"] = double(ffts);
  state.SetLabel(state.range(1) ? "random ice" : "constant ice");
}

BENCHMARK(BM_Multislice)->ArgsProduct({{512, 1024}, {0, 1}})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_MultisliceFftOnly)->ArgsProduct({{512, 1024}, {0, 1}})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
