// Fourier insertion throughput of thon reconstruct: batches of 64 CTF-weighted images (r2c FFT,
// centring/origin phase, CTF, trilinear insertion into two half-set accumulators at pad 2), at box
// 128 and 256, per backend. items/s = images inserted per second; the accumulators are allocated
// outside the timed region. Also the inversion (Hermitian completion, division, padded inverse FFT,
// crop and gridding correction) of one half-set at box 128. BM_InsertCtf: the same batches with the
// CTF given as per-image parameters (FourierInserter::insert_ctf: on the CPU evaluated inside the
// preparation pass), as thon reconstruct runs it.
//   build/cpu-release/benchmarks/bm_reconstruct
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "thon/core/device.hpp"
#include "thon/ops/reconstruct.hpp"

namespace {

using thon::Device;

struct Batch {
  int n, count;
  std::vector<float> images, ctf;
  std::vector<thon::ops::InsertPose> poses;
  Batch(int box, int count_, const thon::math::InsertGeometry& g) : n(box), count(count_) {
    std::mt19937 rng(3);
    std::normal_distribution<float> gauss(0.f, 1.f);
    std::uniform_real_distribution<double> u(0, 1);
    images.resize(std::size_t(count) * n * n);
    for (float& v : images) v = gauss(rng);
    ctf.resize(std::size_t(count) * std::size_t(g.image_half_size()));
    for (float& v : ctf) v = float(2 * u(rng) - 1);
    for (int i = 0; i < count; ++i) {
      thon::ops::InsertPose p;
      const double a = 6.283185307 * u(rng), b = std::acos(2 * u(rng) - 1), c = 6.283185307 * u(rng);
      const double ca = std::cos(a), sa = std::sin(a), cb = std::cos(b), sb = std::sin(b), cc = std::cos(c), sc = std::sin(c);
      p.A.m[0][0] = cc * cb * ca - sc * sa, p.A.m[0][1] = cc * cb * sa + sc * ca, p.A.m[0][2] = -cc * sb;
      p.A.m[1][0] = -sc * cb * ca - cc * sa, p.A.m[1][1] = -sc * cb * sa + cc * ca, p.A.m[1][2] = sc * sb;
      p.A.m[2][0] = sb * ca, p.A.m[2][1] = sb * sa, p.A.m[2][2] = cb;
      p.shift_x_px = 4 * u(rng) - 2;
      p.shift_y_px = 4 * u(rng) - 2;
      p.half = i % 2;
      poses.push_back(p);
    }
  }
};

void BM_Insert(benchmark::State& state, Device device) {
  if (device == Device::cuda && !thon::cuda_device_available()) {
    state.SkipWithError("no CUDA device");
    return;
  }
  const int box = int(state.range(0)), count = 64;
  thon::ops::ReconstructGeometry g;
  g.box = box;
  g.pad = 2;
  const Batch b(box, count, g.insert_geometry());
  auto ins = thon::ops::make_fourier_inserter(device, g);
  ins->insert(b.images.data(), b.ctf.data(), b.poses.data(), count);  // warm-up: plans, first touch
  for (auto _ : state) ins->insert(b.images.data(), b.ctf.data(), b.poses.data(), count);
  state.SetItemsProcessed(state.iterations() * count);
  state.SetBytesProcessed(state.iterations() * count * std::int64_t(box) * box * 4);
}

void BM_InsertCtf(benchmark::State& state, Device device) {
  if (device == Device::cuda && !thon::cuda_device_available()) {
    state.SkipWithError("no CUDA device");
    return;
  }
  const int box = int(state.range(0)), count = 64;
  thon::ops::ReconstructGeometry g;
  g.box = box;
  g.pad = 2;
  g.pixel_size_A = 1.5;
  const Batch b(box, count, g.insert_geometry());
  std::vector<thon::math::CtfParams> ctf(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    ctf[std::size_t(i)].defocus_u_A = 10000 + 200 * i;
    ctf[std::size_t(i)].defocus_v_A = 9800 + 200 * i;
    ctf[std::size_t(i)].defocus_angle_deg = 7 * i;
    ctf[std::size_t(i)].prepare();
  }
  auto ins = thon::ops::make_fourier_inserter(device, g);
  ins->insert_ctf(b.images.data(), ctf.data(), b.poses.data(), count);  // warm-up
  for (auto _ : state) ins->insert_ctf(b.images.data(), ctf.data(), b.poses.data(), count);
  state.SetItemsProcessed(state.iterations() * count);
}

void BM_Invert(benchmark::State& state) {
  const int box = int(state.range(0));
  thon::ops::ReconstructGeometry g;
  g.box = box;
  const Batch b(box, 64, g.insert_geometry());
  auto ins = thon::ops::make_fourier_inserter(Device::cpu, g);
  ins->insert(b.images.data(), b.ctf.data(), b.poses.data(), 64);
  thon::ops::FourierAccumulator acc = ins->accumulator(0);
  thon::ops::complete_hermitian_plane(acc);
  (void)thon::ops::invert(Device::cpu, {&acc}, g, {});  // warm-up: FFT plan
  for (auto _ : state) benchmark::DoNotOptimize(thon::ops::invert(Device::cpu, {&acc}, g, {}));
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK_CAPTURE(BM_Insert, cpu, Device::cpu)->Arg(128)->Arg(256)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Insert, cuda, Device::cuda)->Arg(128)->Arg(256)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_InsertCtf, cpu, Device::cpu)->Arg(128)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_InsertCtf, cuda, Device::cuda)->Arg(128)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Invert)->Arg(128)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
