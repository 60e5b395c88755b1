// The GPU check's benchmarks (scripts/gpu-check): every operation of a `--device cuda` run, on the
// CUDA backend and on the CPU backend of the same machine, at box 128 and 256. Names:
// BM_Gpu<Op>/<device>/box:<N>. Counters: items/s (images, or transforms for the FFTs), bytes/s
// and FLOP/s of the traffic and arithmetic model of docs/performance.md (model bytes, not
// measured DRAM traffic), so scripts/gpu-check can put them next to the GPU's roofline.
// GPU time: device-resident data, synchronised at the end of each iteration. The CUDA runs skip
// without a device.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "cuda/fft.hpp"
#include "cuda/project.hpp"
#include "cuda/runtime.hpp"
#include "thon/core/array.hpp"
#include "thon/core/device.hpp"
#include "thon/math/rotation.hpp"
#include "thon/ops/fft.hpp"
#include "thon/ops/project.hpp"
#include "thon/ops/reconstruct.hpp"
#include "thon/ops/reconstruct_maps.hpp"
#include "thon/ops/simulate.hpp"

namespace {

using thon::Complex;
using thon::Device;
using thon::index_t;
using thon::Mat3;

bool skip_without_device(benchmark::State& state, Device d) {
  if (d == Device::cuda && !thon::cuda_device_available()) {
    state.SkipWithError("no CUDA device");
    return true;
  }
  return false;
}
void sync(Device d) {
  if (d == Device::cuda) thon::cuda::synchronize();
}

std::vector<Mat3<double>> poses(int count, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<Mat3<double>> p;
  for (int i = 0; i < count; ++i)
    p.push_back(thon::math::euler_to_matrix(360 * u(rng), std::acos(2 * u(rng) - 1) * 57.29577951308232, 360 * u(rng)));
  return p;
}

thon::Volume<float> blob_map(int n) {
  thon::Volume<float> v = thon::Volume<float>::cube(n, 1.0);
  for (int z = 0; z < n; ++z)
    for (int y = 0; y < n; ++y)
      for (int x = 0; x < n; ++x) {
        const double dx = x - n / 2 + 0.1 * n, dy = y - n / 2, dz = z - n / 2 - 0.05 * n;
        v(z, y, x) = float(std::exp(-(dx * dx + dy * dy + dz * dz) / (0.02 * n * n)));
      }
  return v;
}

void counters(benchmark::State& state, double items, double bytes_per_item, double flops_per_item) {
  state.SetItemsProcessed(std::int64_t(items));
  state.counters["bytes_per_second"] = benchmark::Counter(items * bytes_per_item, benchmark::Counter::kIsRate);
  state.counters["flop_per_second"] = benchmark::Counter(items * flops_per_item, benchmark::Counter::kIsRate);
}

// Model per slice pixel (linear kernel, docs/performance.md): 8 gathered complex voxels (64 B)
// and one written (8 B); 8 complex multiply-adds + weights and rotation ~ 60 flops.
constexpr double kProjectBytesPerPixel = 72, kProjectFlopsPerPixel = 60;
// Per inserted sample: 8 voxels x (complex + weight) read and written (192 B); ~ 70 flops.
constexpr double kInsertBytesPerSample = 192, kInsertFlopsPerSample = 70;

void BM_GpuProject(benchmark::State& state, Device d) {
  if (skip_without_device(state, d)) return;
  const int n = int(state.range(0)), count = 256;
  const thon::ops::FourierProjector<float> proj(d, blob_map(n));
  const auto p = poses(count, 1);
  const index_t per = proj.params().slice_size();
  thon::Buffer<Complex<float>> host(d == Device::cpu ? count * per : 0);
  thon::Buffer<Complex<float>, thon::Memory::device> dev(d == Device::cuda ? count * per : 0);
  auto run = [&] {
    if (d == Device::cuda) proj.project_device(p.data(), count, dev.data());
    else proj.project(p.data(), count, host.data());
    sync(d);
  };
  run();
  for (auto _ : state) run();
  const double pixels = double(per);
  counters(state, double(state.iterations()) * count, pixels * kProjectBytesPerPixel, pixels * kProjectFlopsPerPixel);
}

struct InsertBatch {
  std::vector<float> images;
  std::vector<thon::math::CtfParams> ctf;
  std::vector<thon::ops::InsertPose> poses;
  InsertBatch(int n, int count) {
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> u(-1, 1);
    images.resize(std::size_t(count) * n * n);
    for (float& x : images) x = u(rng);
    const auto rot = ::poses(count, 4);
    for (int i = 0; i < count; ++i) {
      thon::math::CtfParams c;
      c.defocus_u_A = 15000 + 10 * i;
      c.defocus_v_A = 14000 + 10 * i;
      c.prepare();
      ctf.push_back(c);
      thon::ops::InsertPose q;
      q.A = rot[std::size_t(i)];
      q.shift_x_px = u(rng);
      q.half = i % 2;
      poses.push_back(q);
    }
  }
};

void BM_GpuBackproject(benchmark::State& state, Device d) {
  if (skip_without_device(state, d)) return;
  const int n = int(state.range(0)), count = 256;
  thon::ops::ReconstructGeometry g;
  g.box = n;
  const InsertBatch b(n, count);
  auto ins = thon::ops::make_fourier_inserter(d, g);
  auto run = [&] {
    ins->insert_ctf(b.images.data(), b.ctf.data(), b.poses.data(), count);
    sync(d);
  };
  run();
  for (auto _ : state) run();
  const double samples = 3.14159 * 0.25 * n * n / 2;  // half of the disc of radius n/2
  counters(state, double(state.iterations()) * count, samples * kInsertBytesPerSample, samples * kInsertFlopsPerSample);
}

// Whole reconstruction of `count` images: insertion, then one regularised map (divide, inverse 3D
// FFT of the padded grid, gridding correction) handed back.
void BM_GpuReconstruct(benchmark::State& state, Device d) {
  if (skip_without_device(state, d)) return;
  const int n = int(state.range(0)), count = 1024;
  thon::ops::ReconstructGeometry g;
  g.box = n;
  const InsertBatch b(n, 256);
  for (auto _ : state) {
    auto ins = thon::ops::make_fourier_inserter(d, g);
    for (int k = 0; k < count / 256; ++k) ins->insert_ctf(b.images.data(), b.ctf.data(), b.poses.data(), 256);
    auto maps = thon::ops::make_map_maker(d, std::move(ins));
    maps->invert(0, 3, {});
    benchmark::DoNotOptimize(maps->take(0));
  }
  const double samples = 3.14159 * 0.25 * n * n / 2;
  counters(state, double(state.iterations()) * count, samples * kInsertBytesPerSample, samples * kInsertFlopsPerSample);
}

void BM_GpuSimulate(benchmark::State& state, Device d) {
  if (skip_without_device(state, d)) return;
  const int n = int(state.range(0)), count = 256;
  const thon::ops::FourierProjector<float> proj(d, blob_map(n));
  thon::ops::ImageFormationSetup s;
  s.box = n;
  s.pixel_size_A = 1.0;
  s.contrast_scale = 1e-3;
  s.noise = thon::math::ImageNoise::poisson;
  s.dose_e_per_A2 = 40;
  std::vector<thon::ops::ImageParticle> particles(count);
  for (int i = 0; i < count; ++i) {
    particles[std::size_t(i)].ctf.defocus_u_A = particles[std::size_t(i)].ctf.defocus_v_A = 15000 + 20 * i;
    particles[std::size_t(i)].ctf.prepare();
    particles[std::size_t(i)].index = i;
  }
  const auto p = poses(count, 5);
  thon::Buffer<Complex<float>> slices(count * proj.params().slice_size());
  thon::Buffer<float> images(index_t(count) * n * n);
  auto run = [&] {
    thon::ops::project_and_form_images(proj, s, p.data(), particles.data(), count, slices.data(), images.data());
  };
  run();
  for (auto _ : state) run();
  // Per image: the slice (project model) + c2r (5 N^2 log2 N^2 / 2 flops, 3 passes of 8 B/pixel)
  // + noise and image write (12 B/pixel).
  const double pix = double(n) * n, half = double(n / 2 + 1) * n;
  counters(state, double(state.iterations()) * count, half * kProjectBytesPerPixel + pix * 36,
           half * kProjectFlopsPerPixel + 2.5 * pix * std::log2(pix));
}

// Batched 2D r2c of 256 N x N images / one 3D r2c of N^3 (N = 2 box: the padded grid).
void BM_GpuFft(benchmark::State& state, Device d, int dim) {
  if (skip_without_device(state, d)) return;
  const int n = dim == 2 ? int(state.range(0)) : 2 * int(state.range(0));
  const thon::Shape s = dim == 2 ? thon::Shape{n, n, 1, 256} : thon::Shape{n, n, n, 1};
  thon::Buffer<float> hin(d == Device::cpu ? s.total() : 0);
  thon::Buffer<Complex<float>> hout(d == Device::cpu ? s.half_total() : 0);
  thon::Buffer<float, thon::Memory::device> din(d == Device::cuda ? s.total() : 0);
  thon::Buffer<Complex<float>, thon::Memory::device> dout(d == Device::cuda ? s.half_total() : 0);
  if (d == Device::cuda) thon::cuda::zero(din.data(), din.bytes());
  auto run = [&] {
    if (d == Device::cuda) thon::cuda::fft_r2c_device(din.data(), dout.data(), s);
    else thon::ops::fft_r2c(Device::cpu, hin.data(), hout.data(), s);
    sync(d);
  };
  run();
  for (auto _ : state) run();
  const double size = double(s.size());
  // 2.5 N log2 N flops of a real transform; reads 4 B and writes 4 B (half of 8) per point per
  // pass, ~3 passes through memory for sizes beyond the caches.
  counters(state, double(state.iterations()) * s.batch, size * 24, 2.5 * size * std::log2(size));
}

void sizes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"box"})->Arg(128)->Arg(256)->Unit(benchmark::kMillisecond)->UseRealTime();
}
void boxes(benchmark::internal::Benchmark* b) { sizes(b); b->MinTime(0.2); }

BENCHMARK_CAPTURE(BM_GpuProject, cuda, Device::cuda)->Apply(boxes);
BENCHMARK_CAPTURE(BM_GpuProject, cpu, Device::cpu)->Apply(boxes);
BENCHMARK_CAPTURE(BM_GpuBackproject, cuda, Device::cuda)->Apply(boxes);
BENCHMARK_CAPTURE(BM_GpuBackproject, cpu, Device::cpu)->Apply(boxes);
BENCHMARK_CAPTURE(BM_GpuReconstruct, cuda, Device::cuda)->Apply(sizes)->Iterations(2);
BENCHMARK_CAPTURE(BM_GpuReconstruct, cpu, Device::cpu)->Apply(sizes)->Iterations(1);
BENCHMARK_CAPTURE(BM_GpuSimulate, cuda, Device::cuda)->Apply(boxes);
BENCHMARK_CAPTURE(BM_GpuSimulate, cpu, Device::cpu)->Apply(boxes);
BENCHMARK_CAPTURE(BM_GpuFft, fft2d_cuda, Device::cuda, 2)->Apply(boxes);
BENCHMARK_CAPTURE(BM_GpuFft, fft2d_cpu, Device::cpu, 2)->Apply(boxes);
BENCHMARK_CAPTURE(BM_GpuFft, fft3d_cuda, Device::cuda, 3)->Apply(boxes);
BENCHMARK_CAPTURE(BM_GpuFft, fft3d_cpu, Device::cpu, 3)->Apply(boxes);

}  // namespace
BENCHMARK_MAIN();
