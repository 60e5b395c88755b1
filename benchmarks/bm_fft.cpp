// FFT throughput: batched 2D (box 64-512) and 3D (box 64-256) on the CPU backend (FFTW through
// thon::ops) next to a bare FFTW plan + execute of the same shape, threads and planner flags, so
// any hidden copy or re-planning in thon shows as a gap; and cuFFT when a GPU is present.
//
//   build/cpu-release/benchmarks/bm_fft --benchmark_min_time=0.2
//
// Items are images (2D) or volumes (3D). THON_FFTW_PLANNER (estimate | measure | patient) sets the
// planner effort of both thon and the bare FFTW plans. Plan creation happens before the timed loop.
#include <benchmark/benchmark.h>
#include <fftw3.h>
#include <omp.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include "cpu/fft.hpp"
#include "cuda/fft.hpp"
#include "cuda/runtime.hpp"
#include "thon/core/array.hpp"
#include "thon/core/device.hpp"
#include "thon/ops/fft.hpp"

namespace {

using thon::Complex;
using thon::Shape;

unsigned planner_flag() {
  const char* env = std::getenv("THON_FFTW_PLANNER");
  if (env && std::strcmp(env, "estimate") == 0) return FFTW_ESTIMATE;
  if (env && std::strcmp(env, "patient") == 0) return FFTW_PATIENT;
  return FFTW_MEASURE;
}

/// Batch of 2D images: about 16 M pixels per batch (64 MiB of float), at least 8 images.
Shape shape_2d(int box) { return {box, box, 1, std::max(8, (1 << 24) / (box * box))}; }
Shape shape_3d(int box) { return {box, box, box, 1}; }

Shape shape_of(const benchmark::State& state) {
  const int box = int(state.range(0));
  return state.range(1) == 2 ? shape_2d(box) : shape_3d(box);
}

void set_counters(benchmark::State& state, const Shape& s) {
  state.SetItemsProcessed(state.iterations() * s.batch);
  state.SetBytesProcessed(state.iterations() * s.total() * int64_t(sizeof(float)));
  state.counters["batch"] = s.batch;
  state.counters["threads"] = omp_get_max_threads();
}

void BM_ThonCpuR2C(benchmark::State& state) {
  const Shape s = shape_of(state);
  thon::Buffer<float> in(s.total());
  thon::Buffer<Complex<float>> out(s.half_total());
  for (thon::index_t i = 0; i < s.total(); ++i) in[i] = float(i % 7) - 3.0f;
  thon::ops::fft_r2c(thon::Device::cpu, in.data(), out.data(), s);  // plans outside the timed loop
  for (auto _ : state) {
    thon::ops::fft_r2c(thon::Device::cpu, in.data(), out.data(), s);
    benchmark::DoNotOptimize(out.data());
  }
  set_counters(state, s);
}

/// The public c2r keeps its input: one copy of the spectrum plus the 1/N scaling pass.
void BM_ThonCpuC2R(benchmark::State& state) {
  const Shape s = shape_of(state);
  thon::Buffer<Complex<float>> in(s.half_total());
  thon::Buffer<float> out(s.total());
  thon::ops::fft_c2r(thon::Device::cpu, in.data(), out.data(), s);
  for (auto _ : state) {
    thon::ops::fft_c2r(thon::Device::cpu, in.data(), out.data(), s);
    benchmark::DoNotOptimize(out.data());
  }
  set_counters(state, s);
}

/// c2r that may overwrite its input (what the filters use internally): FFTW + the 1/N pass.
void BM_ThonCpuC2RDestructive(benchmark::State& state) {
  const Shape s = shape_of(state);
  thon::Buffer<Complex<float>> in(s.half_total());
  thon::Buffer<float> out(s.total());
  thon::cpu::fft_c2r_destructive(in.data(), out.data(), s);
  for (auto _ : state) {
    thon::cpu::fft_c2r_destructive(in.data(), out.data(), s);
    benchmark::DoNotOptimize(out.data());
  }
  set_counters(state, s);
}

struct BarePlan {
  fftwf_plan plan = nullptr;
  float* real = nullptr;
  fftwf_complex* cplx = nullptr;
  BarePlan(const Shape& s, bool r2c) {
    static const bool init = fftwf_init_threads() != 0;
    (void)init;
    real = fftwf_alloc_real(std::size_t(s.total()));
    cplx = fftwf_alloc_complex(std::size_t(s.half_total()));
    int n[3], rank;
    if (s.nz > 1) { n[0] = s.nz; n[1] = s.ny; n[2] = s.nx; rank = 3; }
    else { n[0] = s.ny; n[1] = s.nx; rank = 2; }
    fftwf_plan_with_nthreads(omp_get_max_threads());
    const int dist = int(s.size()), hdist = int(s.half_size());
    plan = r2c ? fftwf_plan_many_dft_r2c(rank, n, s.batch, real, nullptr, 1, dist, cplx, nullptr, 1, hdist, planner_flag())
               : fftwf_plan_many_dft_c2r(rank, n, s.batch, cplx, nullptr, 1, hdist, real, nullptr, 1, dist, planner_flag());
    std::memset(real, 0, sizeof(float) * std::size_t(s.total()));
    std::memset(cplx, 0, sizeof(fftwf_complex) * std::size_t(s.half_total()));
  }
  ~BarePlan() {
    fftwf_destroy_plan(plan);
    fftwf_free(real);
    fftwf_free(cplx);
  }
};

void BM_BareFftwR2C(benchmark::State& state) {
  const Shape s = shape_of(state);
  BarePlan p(s, true);
  for (auto _ : state) {
    fftwf_execute(p.plan);
    benchmark::DoNotOptimize(p.cplx);
  }
  set_counters(state, s);
}

void BM_BareFftwC2R(benchmark::State& state) {
  const Shape s = shape_of(state);
  BarePlan p(s, false);
  for (auto _ : state) {
    fftwf_execute(p.plan);
    benchmark::DoNotOptimize(p.real);
  }
  set_counters(state, s);
}

/// cuFFT on device-resident data (thon::cuda::fft_*_device), synchronised each iteration.
void BM_ThonCudaR2C(benchmark::State& state) {
  if (!thon::cuda_device_available()) {
    state.SkipWithError("no CUDA device");
    return;
  }
  const Shape s = shape_of(state);
  thon::Buffer<float, thon::Memory::device> in(s.total());
  thon::Buffer<Complex<float>, thon::Memory::device> out(s.half_total());
  thon::cuda::fft_r2c_device(in.data(), out.data(), s);
  thon::cuda::synchronize();
  for (auto _ : state) {
    thon::cuda::fft_r2c_device(in.data(), out.data(), s);
    thon::cuda::synchronize();
  }
  set_counters(state, s);
}

void BM_ThonCudaC2R(benchmark::State& state) {
  if (!thon::cuda_device_available()) {
    state.SkipWithError("no CUDA device");
    return;
  }
  const Shape s = shape_of(state);
  thon::Buffer<Complex<float>, thon::Memory::device> in(s.half_total());
  thon::Buffer<float, thon::Memory::device> out(s.total());
  thon::cuda::fft_c2r_device(in.data(), out.data(), s);
  thon::cuda::synchronize();
  for (auto _ : state) {
    thon::cuda::fft_c2r_device(in.data(), out.data(), s);
    thon::cuda::synchronize();
  }
  set_counters(state, s);
}

void sizes(benchmark::internal::Benchmark* b) {
  for (int box : {64, 128, 256, 512}) b->Args({box, 2});
  for (int box : {64, 128, 256}) b->Args({box, 3});
  b->ArgNames({"box", "dim"})->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK(BM_ThonCpuR2C)->Apply(sizes);
BENCHMARK(BM_BareFftwR2C)->Apply(sizes);
BENCHMARK(BM_ThonCpuC2RDestructive)->Apply(sizes);
BENCHMARK(BM_ThonCpuC2R)->Apply(sizes);
BENCHMARK(BM_BareFftwC2R)->Apply(sizes);
BENCHMARK(BM_ThonCudaR2C)->Apply(sizes);
BENCHMARK(BM_ThonCudaC2R)->Apply(sizes);

}  // namespace

BENCHMARK_MAIN();
