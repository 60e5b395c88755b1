// Slice extraction (projection) and insertion (back-projection) in images/s at box 64, 128, 256
// for each kernel, CPU backend, float, padding 2; next to the time of one 2D FFT (c2r) of the same
// box (batched c2r of 64 images, per image), with the ratio (interpolation time per image) /
// (FFT time per image) printed after each run.
//   ./build/cpu-release/benchmarks/bm_project --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "cpu/fft.hpp"
#include "thon/core/array.hpp"
#include "thon/math/rotation.hpp"
#include "thon/ops/backproject.hpp"
#include "thon/ops/project.hpp"

namespace {

using namespace thon;

constexpr int kBatch = 64;

std::vector<Mat3<double>> poses(int count, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> a(-180, 180), u(-1, 1);
  std::vector<double> r, t, p;
  for (int i = 0; i < count; ++i) {
    r.push_back(a(rng));
    t.push_back(std::acos(u(rng)) * 57.29577951308232);
    p.push_back(a(rng));
  }
  return ops::poses_from_euler(r, t, p);
}

/// Seconds per n x n c2r FFT, timed as a batch of kBatch images (how the projector's images are
/// transformed), plan created before the timing, best of 5 batches.
double fft_seconds(int n) {
  static std::map<int, double> cache;
  auto it = cache.find(n);
  if (it != cache.end()) return it->second;
  Buffer<Complex<float>> in(index_t(kBatch) * n * (n / 2 + 1));
  Buffer<float> out(index_t(kBatch) * n * n);
  for (index_t i = 0; i < in.size(); ++i) in[i] = Complex<float>(float(i % 7), 0.5f);
  const Shape shape{n, n, 1, kBatch};
  cpu::fft_c2r(in.data(), out.data(), shape);  // plan
  double best = 1e30;
  for (int r = 0; r < 5; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    cpu::fft_c2r(in.data(), out.data(), shape);
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  cache[n] = best / kBatch;
  return cache[n];
}

const ops::FourierProjector<float>& projector(int n, Interp k) {
  static std::map<std::pair<int, int>, std::unique_ptr<ops::FourierProjector<float>>> cache;
  auto key = std::make_pair(n, int(k));
  auto it = cache.find(key);
  if (it != cache.end()) return *it->second;
  Volume<float> v = Volume<float>::cube(n);
  std::mt19937 rng(1);
  std::normal_distribution<float> g;
  for (auto& x : v) x = g(rng);
  ops::ProjectorOptions opt;
  opt.interp = k;
  cache.clear();  // one padded volume at a time (box 256: 540 MB)
  return *(cache[key] = std::make_unique<ops::FourierProjector<float>>(Device::cpu, v, opt));
}

void BM_Fft2D(benchmark::State& state) {
  const int n = int(state.range(0));
  Buffer<Complex<float>> in(index_t(kBatch) * n * (n / 2 + 1));
  Buffer<float> out(index_t(kBatch) * n * n);
  const Shape shape{n, n, 1, kBatch};
  cpu::fft_c2r(in.data(), out.data(), shape);
  for (auto _ : state) {
    cpu::fft_c2r(in.data(), out.data(), shape);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["images/s"] =
      benchmark::Counter(double(state.iterations()) * kBatch, benchmark::Counter::kIsRate);
}

void BM_Extract(benchmark::State& state) {
  const int n = int(state.range(0));
  const Interp k = Interp(state.range(1));
  const auto& p = projector(n, k);
  const auto a = poses(kBatch, 2);
  std::vector<Complex<float>> out(std::size_t(kBatch * p.params().slice_size()));
  p.project(a.data(), kBatch, out.data());  // warm-up
  for (auto _ : state) {
    p.project(a.data(), kBatch, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["images/s"] =
      benchmark::Counter(double(state.iterations()) * kBatch, benchmark::Counter::kIsRate);
  state.counters["fft_us"] = fft_seconds(n) * 1e6;
  state.SetLabel(to_string(k));
}

void BM_Insert(benchmark::State& state) {
  const int n = int(state.range(0));
  const Interp k = Interp(state.range(1));
  ops::BackprojectorOptions opt;
  opt.interp = k;
  ops::FourierBackprojector<float> bp(Device::cpu, n, opt);
  const auto a = poses(kBatch, 3);
  std::vector<Complex<float>> slices(std::size_t(kBatch * bp.params().slice_size()), Complex<float>(1.f, 0.5f));
  std::vector<float> w(slices.size(), 1.f);
  bp.insert(a, slices.data(), w.data());  // warm-up, allocates per-thread accumulators
  for (auto _ : state) {
    bp.insert(a, slices.data(), w.data());
  }
  state.counters["images/s"] =
      benchmark::Counter(double(state.iterations()) * kBatch, benchmark::Counter::kIsRate);
  state.counters["fft_us"] = fft_seconds(n) * 1e6;
  state.SetLabel(std::string(to_string(k)) +
                 (bp.strategy() == ops::AccumulationStrategy::per_thread ? " per-thread" : " atomic"));
}

void args(benchmark::internal::Benchmark* b) {
  for (int n : {64, 128, 256})
    for (int k : {0, 1, 2}) b->Args({n, k});
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK(BM_Fft2D)->Arg(64)->Arg(128)->Arg(256)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_Extract)->Apply(args);
BENCHMARK(BM_Insert)->Apply(args);

/// After the runs: the interpolation time per image over the FFT time per image.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& r : runs) {
      auto it = r.counters.find("images/s");
      auto f = r.counters.find("fft_us");
      if (it == r.counters.end() || f == r.counters.end() || it->second.value <= 0) continue;
      const double interp_us = 1e6 / it->second.value;
      GetOutputStream() << "  -> " << r.benchmark_name() << " [" << r.report_label
                        << "]: " << interp_us << " us/image vs 2D FFT " << f->second.value
                        << " us: interpolation/FFT = " << interp_us / f->second.value << "\n";
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
