// CTF application to batches of images (FFT, per-pixel CTF, inverse FFT) and the per-pixel CTF alone.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <vector>

#include "thon/ops/ctf.hpp"

namespace {

std::vector<thon::math::CtfParams> params(int n) {
  std::vector<thon::math::CtfParams> p(n);
  for (int i = 0; i < n; ++i) {
    p[i].defocus_u_A = 10000 + 100 * i;
    p[i].defocus_v_A = 9000 + 100 * i;
    p[i].defocus_angle_deg = 3 * i;
    p[i].prepare();
  }
  return p;
}

void BM_ApplyCtf(benchmark::State& state) {
  const int n = int(state.range(0)), batch = 64;
  const auto p = params(batch);
  std::vector<float> img(std::size_t(n) * n * batch, 1.0f);
  thon::ops::apply_ctf(thon::Device::cpu, img.data(), batch, n, n, 1.0, p.data());  // plans outside timing
  for (auto _ : state) {
    thon::ops::apply_ctf(thon::Device::cpu, img.data(), batch, n, n, 1.0, p.data());
    benchmark::ClobberMemory();
  }
  state.counters["images/s"] = benchmark::Counter(double(batch) * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ApplyCtf)->Arg(128)->Arg(256)->UseRealTime()->Unit(benchmark::kMillisecond);

// The CTF multiply on half-complex transforms only (no FFT).
void BM_CtfFourierOnly(benchmark::State& state) {
  const int n = int(state.range(0)), batch = 64;
  const auto p = params(batch);
  std::vector<thon::Complex<float>> ft(std::size_t(n / 2 + 1) * n * batch, thon::Complex<float>(1.0f, 0.0f));
  for (auto _ : state) {
    thon::ops::apply_ctf_fourier(thon::Device::cpu, ft.data(), batch, n, n, 1.0, p.data());
    benchmark::ClobberMemory();
  }
  state.counters["images/s"] = benchmark::Counter(double(batch) * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_CtfFourierOnly)->Arg(128)->Arg(256)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
