// Potential of the built-in helix bundle (~2600 atoms) on a grid, and exact atom projections.
#include <benchmark/benchmark.h>

#include "thon/math/rotation.hpp"
#include "thon/ops/builtin_model.hpp"
#include "thon/ops/potential.hpp"

namespace {

const std::vector<thon::io::Atom>& atoms() {
  static const auto a = thon::ops::builtin_helix_bundle();
  return a;
}

// Box n at a pixel size that holds the bundle (~100 Å long): 128 -> 1.0 Å, 256 -> 0.5 Å.
void BM_PotentialGrid(benchmark::State& state) {
  const int n = int(state.range(0));
  thon::ops::PotentialGrid g;
  g.nx = g.ny = g.nz = n;
  g.pixel_size_A = 128.0 / n;
  g.extra_b_A2 = 0;
  for (auto _ : state) {
    auto v = thon::ops::atom_potential(thon::Device(state.range(1)), atoms(), g);
    benchmark::DoNotOptimize(v.data());
  }
  state.counters["atoms/s"] = benchmark::Counter(double(atoms().size()) * state.iterations(), benchmark::Counter::kIsRate);
  state.counters["voxels/s"] = benchmark::Counter(double(n) * n * n * state.iterations(), benchmark::Counter::kIsRate);
  state.SetLabel(thon::to_string(thon::Device(state.range(1))));
}
BENCHMARK(BM_PotentialGrid)
    ->Args({128, int(thon::Device::cpu)})
    ->Args({256, int(thon::Device::cpu)})
    ->Args({64, int(thon::Device::reference)})
    ->UseRealTime()->Unit(benchmark::kMillisecond);

// Ground-truth projections, 16 poses at box 128, 1 Å.
void BM_AtomProjections(benchmark::State& state) {
  thon::ops::ProjectionGrid g;
  g.nx = g.ny = 128;
  g.pixel_size_A = 1.0;
  std::vector<thon::Mat3<double>> rots;
  for (int i = 0; i < 16; ++i) rots.push_back(thon::math::euler_to_matrix(23.0 * i, 11.0 * i, 7.0 * i));
  for (auto _ : state) {
    auto p = thon::ops::atom_projected_potential(thon::Device::cpu, atoms(), g, rots);
    benchmark::DoNotOptimize(p.data());
  }
  state.counters["images/s"] = benchmark::Counter(16.0 * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_AtomProjections)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
