// The classify2d engine (E-step + M-step accumulation of one batch) at the configuration of
// benchmarks/compare_relion_classify2d.sh: box 64, K = 10, psi step 10 deg (36), translations in
// the disc of radius 5 px at step 1 (81), CTF, at resolution limits of 16 and 31 Fourier pixels.
// Counters: images/s, and GFLOP/s of the four matrix products (engine's own count and time)
// beside the machine's sgemm peak (a square 2048^3 sgemm) and sgemm at the engine's shape.
//   build/cpu-release/benchmarks/bm_classify2d [--benchmark_filter=...]
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <random>
#include <vector>

#include "thon/core/complex.hpp"
#include "thon/ops/classify2d.hpp"

namespace {

using thon::Complex;
namespace ops = thon::ops;

struct Data {
  int box, n;
  std::vector<Complex<float>> ft;
  std::vector<float> ctf;
  Data(int box_, int n_) : box(box_), n(n_) {
    std::mt19937 rng(5);
    std::normal_distribution<float> g(0.f, 1.f);
    ft.resize(std::size_t(n) * box * (box / 2 + 1));
    for (auto& v : ft) v = Complex<float>(g(rng) * box, g(rng) * box);
    ctf.resize(ft.size());
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    for (float& v : ctf) v = u(rng);
  }
};

void BM_Classify2dBatch(benchmark::State& state) {
  const int box = 64, K = 10, n = 256, r_limit = int(state.range(0));
  const Data d(box, n);
  const ops::Classify2dSampling s = ops::Classify2dSampling::make(box, r_limit, 10.0, 5.0, 1.0);
  const ops::Classify2dModel m =
      ops::classify2d_initial_model(d.ft.data(), d.ctf.data(), nullptr, n, box, 1, K, 3.0, r_limit, 1, 2.0, 2.5);
  std::vector<ops::Classify2dPose> poses(static_cast<std::size_t>(n));
  ops::Classify2dBatch b;
  b.n = n;
  b.ft = d.ft.data();
  b.ctf = d.ctf.data();
  double flops = 0, secs = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto e = ops::make_classify2d_engine(thon::Device::cpu, m, s);
    state.ResumeTiming();
    e->process(b, poses.data(), nullptr);
    benchmark::DoNotOptimize(poses.data());
    flops += e->gemm_flops();
    secs += e->gemm_seconds();
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["gemm_GFLOPs"] = secs > 0 ? flops / secs * 1e-9 : 0;
  state.counters["poses"] = double(K) * s.n_rotations() * s.n_translations();
}
BENCHMARK(BM_Classify2dBatch)->Arg(16)->Arg(31)->Unit(benchmark::kMillisecond)->UseRealTime();

/// sgemm C (m x n) = A (m x k) B^T (n x k), row-major, as the E-step cross term.
void BM_Sgemm(benchmark::State& state) {
  const int m = int(state.range(0)), n = int(state.range(1)), k = int(state.range(2));
  std::vector<float> a(std::size_t(m) * k, 0.5f), b(std::size_t(n) * k, 0.25f), c(std::size_t(m) * n);
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.f, a.data(), k, b.data(), k, 0.f, c.data(), n);
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["GFLOPs"] =
      benchmark::Counter(2.0 * m * n * k * double(state.iterations()) * 1e-9, benchmark::Counter::kIsRate);
}
// The machine's peak (square), and the engine's E-step shape at r_limit 31: 128 images x 81
// translations rows, K*R = 360 columns, 2P = 2 * 1,520 interleaved pixels.
BENCHMARK(BM_Sgemm)->Args({2048, 2048, 2048})->Args({10368, 360, 3040})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
