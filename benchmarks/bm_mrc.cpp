// MRC I/O throughput: write and read of a 256^3 volume and of a stack of 1000 images of 128^2
// (whole-file and streamed with MrcStackWriter), and the read of one image from the middle of a
// big stack (seek, no full load). Bytes/s counts the voxel data (4 bytes per voxel). Files live in
// the system temporary directory, so reads are mostly served from the page cache: these numbers
// measure thon's parsing/conversion/copy overhead, not the disk.
//   build/cpu-release/benchmarks/bm_mrc
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <filesystem>
#include <random>
#include <string>

#include "thon/io/mrc.hpp"

namespace {

namespace fs = std::filesystem;

const fs::path& scratch() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("thon_bm_mrc_" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

struct Cleanup {
  ~Cleanup() {
    std::error_code ec;
    fs::remove_all(scratch(), ec);
  }
} cleanup;

template <class G>
void fill_random(G& g) {
  std::mt19937 rng(1);
  std::normal_distribution<float> n(0.f, 1.f);
  for (auto& x : g) x = n(rng);
}

const thon::Volume<float>& volume256() {
  static const thon::Volume<float> v = [] {
    thon::Volume<float> v = thon::Volume<float>::cube(256, 1.0);
    fill_random(v);
    return v;
  }();
  return v;
}

const thon::ImageStack<float>& stack1000() {
  static const thon::ImageStack<float> s = [] {
    thon::ImageStack<float> s(128, 128, 1000, 1.0);
    fill_random(s);
    return s;
  }();
  return s;
}

void BM_WriteVolume256(benchmark::State& state) {
  const auto& v = volume256();
  const std::string path = (scratch() / "v256.mrc").string();
  for (auto _ : state) thon::io::write_mrc(path, v);
  state.SetBytesProcessed(state.iterations() * std::int64_t(v.buffer().bytes()));
}

void BM_ReadVolume256(benchmark::State& state) {
  const std::string path = (scratch() / "v256_read.mrc").string();
  thon::io::write_mrc(path, volume256());
  for (auto _ : state) benchmark::DoNotOptimize(thon::io::read_mrc_volume(path).data());
  state.SetBytesProcessed(state.iterations() * std::int64_t(volume256().buffer().bytes()));
}

void BM_WriteStack1000x128(benchmark::State& state) {
  const auto& s = stack1000();
  const std::string path = (scratch() / "s.mrcs").string();
  for (auto _ : state) thon::io::write_mrc(path, s);
  state.SetBytesProcessed(state.iterations() * std::int64_t(s.buffer().bytes()));
  state.SetItemsProcessed(state.iterations() * s.n());
}

void BM_StreamStack1000x128Batch100(benchmark::State& state) {
  const auto& s = stack1000();
  const std::string path = (scratch() / "streamed.mrcs").string();
  for (auto _ : state) {
    thon::io::MrcStackWriter w(path, 128, 128, 1.0);
    for (int first = 0; first < s.n(); first += 100) w.append(s.image(first).data, 100);
    w.commit();
  }
  state.SetBytesProcessed(state.iterations() * std::int64_t(s.buffer().bytes()));
  state.SetItemsProcessed(state.iterations() * s.n());
}

void BM_ReadStack1000x128(benchmark::State& state) {
  const std::string path = (scratch() / "s_read.mrcs").string();
  thon::io::write_mrc(path, stack1000());
  for (auto _ : state) benchmark::DoNotOptimize(thon::io::read_mrc_stack(path).data());
  state.SetBytesProcessed(state.iterations() * std::int64_t(stack1000().buffer().bytes()));
  state.SetItemsProcessed(state.iterations() * 1000);
}

// One 128^2 image from the middle of a 16000-image stack (1 GiB): header + seek + 64 KiB read.
void BM_ReadOneImageOfBigStack(benchmark::State& state) {
  const std::string path = (scratch() / "big.mrcs").string();
  const int n = 16000;
  {
    thon::io::MrcStackWriter w(path, 128, 128, 1.0);
    for (int i = 0; i < n; i += 1000) w.append(stack1000().data(), 1000);
    w.commit();
  }
  for (auto _ : state) benchmark::DoNotOptimize(thon::io::read_mrc_image(path, n / 2).data());
  state.SetBytesProcessed(state.iterations() * 128 * 128 * 4);
  state.SetItemsProcessed(state.iterations());
  fs::remove(path);
}

BENCHMARK(BM_WriteVolume256)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ReadVolume256)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_WriteStack1000x128)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_StreamStack1000x128Batch100)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ReadStack1000x128)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ReadOneImageOfBigStack)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
