// Scattered-data interpolation: where the time goes (triangulation, point location,
// interpolation) for 10^3..10^6 samples, and how the methods behave on noisy samples.
// Samples uniform in the unit square; queries: 10^5 uniform points (the same for every n).
// Noise: f = sin(2 pi x) cos(2 pi y) + N(0, sigma^2); RMS error against the noise-free f.
// Wall-clock time (UseRealTime): location and interpolation run on all OpenMP threads.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>

#include "thon/ops/griddata.hpp"

namespace {

using namespace thon;
constexpr double kPi = 3.14159265358979323846;
constexpr int kQueries = 100000;

struct Points {
  std::vector<double> x, y;
};
Points uniform(std::int64_t n, std::uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  Points p;
  p.x.resize(n);
  p.y.resize(n);
  for (std::int64_t i = 0; i < n; ++i) {
    p.x[i] = u(rng);
    p.y[i] = u(rng);
  }
  return p;
}
double truth(double x, double y) { return std::sin(2 * kPi * x) * std::cos(2 * kPi * y); }

void BM_Triangulate(benchmark::State& state) {
  const auto p = uniform(state.range(0), 1);
  for (auto _ : state) benchmark::DoNotOptimize(delaunay_2d(p.x, p.y));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_LocatorBuild(benchmark::State& state) {
  const auto p = uniform(state.range(0), 1);
  const auto t = delaunay_2d(p.x, p.y);
  for (auto _ : state) benchmark::DoNotOptimize(TriangleLocator(t));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_Locate(benchmark::State& state) {
  const auto p = uniform(state.range(0), 1);
  const auto q = uniform(kQueries, 2);
  const auto t = delaunay_2d(p.x, p.y);
  const TriangleLocator loc(t);
  for (auto _ : state) benchmark::DoNotOptimize(loc.locate(q.x, q.y));
  state.SetItemsProcessed(state.iterations() * kQueries);
}

void BM_InterpolateLinear(benchmark::State& state) {
  const auto p = uniform(state.range(0), 1);
  const auto q = uniform(kQueries, 2);
  std::vector<double> f(p.x.size());
  for (std::size_t i = 0; i < f.size(); ++i) f[i] = truth(p.x[i], p.y[i]);
  const auto t = delaunay_2d(p.x, p.y);
  const auto l = TriangleLocator(t).locate(q.x, q.y);
  for (auto _ : state) benchmark::DoNotOptimize(interpolate_linear(t, f, l));
  state.SetItemsProcessed(state.iterations() * kQueries);
}

void BM_FitQuadratics(benchmark::State& state) {
  const auto p = uniform(state.range(0), 1);
  std::vector<double> f(p.x.size());
  for (std::size_t i = 0; i < f.size(); ++i) f[i] = truth(p.x[i], p.y[i]);
  const auto t = delaunay_2d(p.x, p.y);
  for (auto _ : state) benchmark::DoNotOptimize(fit_vertex_quadratics(t, f));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_InterpolateCubic(benchmark::State& state) {
  const auto p = uniform(state.range(0), 1);
  const auto q = uniform(kQueries, 2);
  std::vector<double> f(p.x.size());
  for (std::size_t i = 0; i < f.size(); ++i) f[i] = truth(p.x[i], p.y[i]);
  const auto t = delaunay_2d(p.x, p.y);
  const auto l = TriangleLocator(t).locate(q.x, q.y);
  const auto fits = fit_vertex_quadratics(t, f);
  for (auto _ : state) benchmark::DoNotOptimize(interpolate_cubic(t, fits, l, q.x, q.y));
  state.SetItemsProcessed(state.iterations() * kQueries);
}

void BM_Nearest(benchmark::State& state) {  // bucket-grid build + 10^5 queries
  const auto p = uniform(state.range(0), 1);
  const auto q = uniform(kQueries, 2);
  std::vector<double> f(p.x.size(), 1.0);
  for (auto _ : state) benchmark::DoNotOptimize(griddata(p.x, p.y, f, q.x, q.y, GriddataMethod::nearest));
  state.SetItemsProcessed(state.iterations() * kQueries);
}

// Noisy samples: n = 10^4, sigma in {0, 0.01, 0.1} (range(1) = sigma * 1000). Counters: RMS error
// of each method against the noise-free function at the queries inside the hull.
void BM_NoisySamples(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  const double sigma = state.range(1) / 1000.0;
  const auto p = uniform(n, 1);
  const auto q = uniform(kQueries, 2);
  std::mt19937_64 rng(3);
  std::normal_distribution<double> g(0, 1);
  std::vector<double> f(n);
  for (std::int64_t i = 0; i < n; ++i) f[i] = truth(p.x[i], p.y[i]) + sigma * g(rng);
  std::vector<double> lin, cub, near;
  for (auto _ : state) {
    lin = griddata(p.x, p.y, f, q.x, q.y, GriddataMethod::linear);
    cub = griddata(p.x, p.y, f, q.x, q.y, GriddataMethod::cubic);
    near = griddata(p.x, p.y, f, q.x, q.y, GriddataMethod::nearest);
  }
  double el = 0, ec = 0, en = 0;
  int m = 0;
  for (int i = 0; i < kQueries; ++i) {
    if (std::isnan(lin[i])) continue;
    const double t = truth(q.x[i], q.y[i]);
    el += (lin[i] - t) * (lin[i] - t);
    ec += (cub[i] - t) * (cub[i] - t);
    en += (near[i] - t) * (near[i] - t);
    ++m;
  }
  state.counters["sigma"] = sigma;
  state.counters["rms_linear"] = std::sqrt(el / m);
  state.counters["rms_cubic"] = std::sqrt(ec / m);
  state.counters["rms_nearest"] = std::sqrt(en / m);
}

}  // namespace

#define SIZES ->RangeMultiplier(10)->Range(1000, 1000000)->Unit(benchmark::kMillisecond)->UseRealTime()
BENCHMARK(BM_Triangulate) SIZES;
BENCHMARK(BM_LocatorBuild) SIZES;
BENCHMARK(BM_Locate) SIZES;
BENCHMARK(BM_InterpolateLinear) SIZES;
BENCHMARK(BM_FitQuadratics) SIZES;
BENCHMARK(BM_InterpolateCubic) SIZES;
BENCHMARK(BM_Nearest) SIZES;
BENCHMARK(BM_NoisySamples)->Args({10000, 0})->Args({10000, 10})->Args({10000, 100})->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
