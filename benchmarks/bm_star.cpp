// STAR parsing: reading the table of a 1,000,000-row particle file against reading the same bytes
// and splitting them on whitespace (the floor any parser has to pay), and against gemmi's CIF
// parser. Memory: bytes per row of thon's table next to the file's bytes per row, and the
// resident-set growth of each parser.
//
//   build/cpu-release/benchmarks/bm_star [--benchmark_filter=...]
//   THON_BM_STAR_ROWS=100000 to use a smaller file.
#include <benchmark/benchmark.h>

#include <gemmi/cif.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <unistd.h>

#include "thon/io/particles.hpp"
#include "thon/io/star.hpp"

namespace {

std::int64_t n_rows() {
  const char* env = std::getenv("THON_BM_STAR_ROWS");
  return env ? std::atoll(env) : 1000000;
}

/// A RELION 3.1 particle file with n rows of 16 typical columns, written once per process.
const std::string& star_path() {
  static const std::string path = [] {
    const std::string p = (std::filesystem::temp_directory_path() / ("thon_bm_star_" + std::to_string(::getpid()) + ".star")).string();
    std::FILE* f = std::fopen(p.c_str(), "wb");
    std::fprintf(f, "\n# version 30001\n\ndata_optics\n\nloop_ \n_rlnOpticsGroup #1 \n_rlnOpticsGroupName #2 \n"
                    "_rlnAmplitudeContrast #3 \n_rlnSphericalAberration #4 \n_rlnVoltage #5 \n_rlnImagePixelSize #6 \n"
                    "_rlnImageSize #7 \n_rlnImageDimensionality #8 \n"
                    "           1 opticsGroup1     0.100000     2.700000   300.000000     1.060000          256            2 \n\n"
                    "\n# version 30001\n\ndata_particles\n\nloop_ \n");
    const char* cols[] = {"rlnCoordinateX", "rlnCoordinateY", "rlnImageName", "rlnMicrographName", "rlnDefocusU",
                          "rlnDefocusV", "rlnDefocusAngle", "rlnPhaseShift", "rlnAngleRot", "rlnAngleTilt",
                          "rlnAnglePsi", "rlnOriginXAngst", "rlnOriginYAngst", "rlnOpticsGroup", "rlnClassNumber",
                          "rlnRandomSubset"};
    for (int c = 0; c < 16; ++c) std::fprintf(f, "_%s #%d \n", cols[c], c + 1);
    std::mt19937 rng(1);
    std::uniform_real_distribution<double> u(0, 1);
    const std::int64_t n = n_rows();
    for (std::int64_t i = 0; i < n; ++i) {
      std::fprintf(f,
                   "%12.6f %12.6f %06lld@Extract/job012/Movies/mic_%05lld.mrcs MotionCorr/job002/Movies/mic_%05lld.mrc "
                   "%12.6f %12.6f %12.6f %12.6f %12.6f %12.6f %12.6f %12.6f %12.6f %12d %12d %12d \n",
                   4096 * u(rng), 4096 * u(rng), (long long)(i % 500 + 1), (long long)(i / 500), (long long)(i / 500),
                   10000 + 20000 * u(rng), 10000 + 20000 * u(rng), 360 * u(rng) - 180, 0.0, 360 * u(rng) - 180,
                   180 * u(rng), 360 * u(rng) - 180, 10 * u(rng) - 5, 10 * u(rng) - 5, 1, 1 + int(3 * u(rng)),
                   1 + int(2 * u(rng)));
    }
    std::fclose(f);
    std::atexit([] { std::filesystem::remove(star_path()); });
    return p;
  }();
  return path;
}

std::string read_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  std::fseek(f, 0, SEEK_END);
  std::string s(std::size_t(std::ftell(f)), '\0');
  std::fseek(f, 0, SEEK_SET);
  const std::size_t got = std::fread(s.data(), 1, s.size(), f);
  std::fclose(f);
  s.resize(got);
  return s;
}

/// Resident set size in bytes (Linux /proc/self/statm).
double rss_bytes() {
  long pages = 0, resident = 0;
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return double(resident) * double(::sysconf(_SC_PAGESIZE));
}

void set_common_counters(benchmark::State& state, double file_bytes) {
  state.counters["rows_per_s"] = benchmark::Counter(double(n_rows()) * double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["bytes_per_s"] = benchmark::Counter(file_bytes * double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["file_bytes_per_row"] = file_bytes / double(n_rows());
}

/// The floor: read the bytes and find every whitespace-separated token (count them and sum their
/// lengths so the work cannot be optimised away).
void BM_ReadAndSplitWhitespace(benchmark::State& state) {
  const std::string& path = star_path();
  double bytes = 0;
  for (auto _ : state) {
    const std::string text = read_file(path);
    bytes = double(text.size());
    std::size_t tokens = 0, chars = 0;
    bool in = false;
    for (const char c : text) {
      const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
      tokens += !space && !in;
      chars += !space;
      in = !space;
    }
    benchmark::DoNotOptimize(tokens);
    benchmark::DoNotOptimize(chars);
  }
  set_common_counters(state, bytes);
}

/// thon's StarFile::read: the whole table, every value addressable (text kept, numbers on demand).
void BM_ThonStarRead(benchmark::State& state) {
  const std::string& path = star_path();
  const double bytes = double(std::filesystem::file_size(path));
  double table_bytes = 0, rss_growth = 0;
  for (auto _ : state) {
    const double before = rss_bytes();
    const thon::io::StarFile f = thon::io::StarFile::read(path);
    rss_growth = rss_bytes() - before;
    table_bytes = 0;
    for (const auto& b : f.blocks()) table_bytes += double(b.memory_bytes());
    benchmark::DoNotOptimize(f.blocks().back().n_rows());
  }
  set_common_counters(state, bytes);
  state.counters["table_bytes_per_row"] = table_bytes / double(n_rows());
  state.counters["rss_growth_bytes_per_row"] = rss_growth / double(n_rows());
}

/// The typed view on top: read_particles parses the numbers thon uses (pose, origin, CTF, ...).
void BM_ThonReadParticles(benchmark::State& state) {
  const std::string& path = star_path();
  const double bytes = double(std::filesystem::file_size(path));
  for (auto _ : state) {
    const thon::io::ParticleTable t = thon::io::read_particles(path);
    benchmark::DoNotOptimize(t.particles.back().rot_deg);
  }
  set_common_counters(state, bytes);
}

/// gemmi's CIF parser (PEGTL grammar; one std::string per value) on the same file.
void BM_GemmiCifRead(benchmark::State& state) {
  const std::string& path = star_path();
  const double bytes = double(std::filesystem::file_size(path));
  double rss_growth = 0;
  for (auto _ : state) {
    const double before = rss_bytes();
    gemmi::cif::Document d = gemmi::cif::read_file(path);
    rss_growth = rss_bytes() - before;
    benchmark::DoNotOptimize(d.blocks.size());
  }
  set_common_counters(state, bytes);
  state.counters["rss_growth_bytes_per_row"] = rss_growth / double(n_rows());
}

BENCHMARK(BM_ReadAndSplitWhitespace)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_ThonStarRead)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_ThonReadParticles)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_GemmiCifRead)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
