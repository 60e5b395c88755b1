// The `thon bench` driver (host/pipeline/bench.hpp, docs/bench.md).
#include "pipeline/bench.hpp"

#include <cblas.h>
#include <fcntl.h>
#include <omp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <random>
#include <set>
#include <sstream>

#include "io/png.hpp"
#include "pipeline/classify2d.hpp"
#include "pipeline/reconstruct.hpp"
#include "pipeline/simulate.hpp"
#include "thon/core/array.hpp"
#include "thon/core/error.hpp"
#include "thon/io/mrc.hpp"
#include "thon/ops/backproject.hpp"
#include "thon/ops/fft.hpp"
#include "thon/ops/filter.hpp"
#include "thon/ops/project.hpp"
#include "thon/math/rotation.hpp"
#include "thon/ops/sampling.hpp"

namespace thon::pipeline {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

/// Seconds per call of f: one warm-up call (plans, first touch), then calls for at least `reps`
/// rounds of `min_s` (and at least `reps` calls); the fastest single call. On a shared machine an
/// OpenMP region whose second thread is descheduled stalls for a scheduler tick (4 ms here), so
/// the mean of a round measures the load; the fastest call measures the code.
double time_per_call(const std::function<void()>& f, double min_s, int reps) {
  f();
  double best = std::numeric_limits<double>::infinity();
  const auto start = Clock::now();
  int calls = 0;
  do {
    const auto t0 = Clock::now();
    f();
    best = std::min(best, since(t0));
    ++calls;
  } while (calls < reps || since(start) < min_s * reps);
  return best;
}

/// Cheap deterministic fill in [-1, 1) (xorshift; the content does not change the speed).
void fill_random(float* p, std::size_t n, std::uint64_t seed) {
  std::uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
  for (std::size_t i = 0; i < n; ++i) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    p[i] = float((s >> 40) * (1.0 / 8388608.0) - 1.0);
  }
}

double fft_flop(double n_points) { return n_points > 1 ? 2.5 * n_points * std::log2(n_points) : 1; }
int half_x(int n) { return n / 2 + 1; }

double read_meminfo_kB(const char* key) {
  std::ifstream f("/proc/meminfo");
  std::string k;
  double v = 0;
  std::string unit;
  while (f >> k >> v >> unit)
    if (k == std::string(key) + ":") return v;
  return 0;
}
double mem_available_bytes() { return read_meminfo_kB("MemAvailable") * 1024.0; }

double load_average() {
  std::ifstream f("/proc/loadavg");
  double l = 0;
  f >> l;
  return l;
}

std::string cpu_model() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("model name", 0) == 0) {
      const auto c = line.find(':');
      return c == std::string::npos ? line : line.substr(c + 2);
    }
  return "unknown CPU";
}

std::string format_bytes(double b) {
  char buf[64];
  if (b >= 1024.0 * 1024 * 1024) std::snprintf(buf, sizeof buf, "%.1f GiB", b / (1024.0 * 1024 * 1024));
  else std::snprintf(buf, sizeof buf, "%.0f MiB", b / (1024.0 * 1024));
  return buf;
}

// ---- Files and the page cache ---------------------------------------------------------------

/// Fraction of the pages of `path` in the page cache (mincore), or -1 when it cannot be told.
double resident_fraction(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return -1;
  struct stat st{};
  if (::fstat(fd, &st) != 0 || st.st_size == 0) {
    ::close(fd);
    return -1;
  }
  void* m = ::mmap(nullptr, std::size_t(st.st_size), PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (m == MAP_FAILED) return -1;
  const long page = ::sysconf(_SC_PAGESIZE);
  const std::size_t pages = (std::size_t(st.st_size) + page - 1) / page;
  std::vector<unsigned char> vec(pages);
  double frac = -1;
  if (::mincore(m, std::size_t(st.st_size), vec.data()) == 0) {
    std::size_t in = 0;
    for (unsigned char c : vec) in += c & 1;
    frac = double(in) / double(pages);
  }
  ::munmap(m, std::size_t(st.st_size));
  return frac;
}

std::string filesystem_name(const std::string& dir) {
  struct statfs s{};
  if (::statfs(dir.c_str(), &s) != 0) return "unknown filesystem";
  switch (static_cast<unsigned long>(s.f_type)) {
    case 0x01021994UL: return "tmpfs";
    case 0xEF53UL: return "ext4";
    case 0x58465342UL: return "xfs";
    case 0x9123683EUL: return "btrfs";
    case 0x794C7630UL: return "overlayfs";
    case 0x6969UL: return "nfs";
    default: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "filesystem 0x%lx", static_cast<unsigned long>(s.f_type));
      return buf;
    }
  }
}

/// Removes `path` from the page cache: posix_fadvise(DONTNEED) on the file (no privileges needed,
/// touches no other file), then, if pages remain, /proc/sys/vm/drop_caches when it is writable.
/// Returns how, and sets `*resident` to the fraction still cached (mincore) afterwards.
std::string drop_cache(const std::string& path, double* resident) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd >= 0) {
    ::fdatasync(fd);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
  }
  double r = resident_fraction(path);
  if (r >= 0 && r < 0.05) {
    *resident = r;
    return "posix_fadvise(DONTNEED) on the file";
  }
  ::sync();
  if (FILE* f = std::fopen("/proc/sys/vm/drop_caches", "w")) {
    const bool ok = std::fputs("1\n", f) >= 0;
    const bool closed = std::fclose(f) == 0;
    r = resident_fraction(path);
    if (ok && closed && r >= 0 && r < 0.05) {
      *resident = r;
      return "/proc/sys/vm/drop_caches";
    }
  }
  *resident = r;
  char buf[160];
  std::snprintf(buf, sizeof buf, "page cache not dropped (%.0f%% of the file still cached; the 'cold' read is warm)",
                100 * std::max(0.0, r));
  return buf;
}

/// Writes `bytes` of data to `path` and flushes it to the disk.
void write_scratch_file(const std::string& path, std::size_t bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  THON_CHECK_CODE(f, io, "thon bench: cannot write '", path, "': ", std::strerror(errno));
  std::vector<float> block(std::size_t(1) << 20);
  fill_random(block.data(), block.size(), 3);
  std::size_t left = bytes;
  bool ok = true;
  while (left > 0 && ok) {
    const std::size_t n = std::min(left, block.size() * sizeof(float));
    ok = std::fwrite(block.data(), 1, n, f) == n;
    left -= n;
  }
  ok = ok && std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  ok = (std::fclose(f) == 0) && ok;
  THON_CHECK_CODE(ok, io, "thon bench: error writing '", path, "' (disk full?)");
}

double read_whole_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  THON_CHECK_CODE(fd >= 0, io, "thon bench: cannot read '", path, "'");
  std::vector<char> buf(std::size_t(4) << 20);
  double total = 0;
  ssize_t got;
  while ((got = ::read(fd, buf.data(), buf.size())) > 0) total += double(got);
  ::close(fd);
  return total;
}

// ---- Context ---------------------------------------------------------------------------------

struct Context {
  BenchOptions o;
  BenchReport* report = nullptr;
  std::string scratch;   ///< a fresh folder inside the output folder, removed at the end
  double min_s = 0.1;    ///< minimum time of one timing round
  int reps = 3;
  std::map<int, double> fft2d_s;   ///< 2D r2c seconds per image by box (measured once, reused)
  std::string simulated_star;      ///< the pipelines' generated data set

  const MachineLimits& limits() const { return report->limits; }
  /// Copy bandwidth of the memory level a working set of `bytes` fits in (half the cache, so the
  /// data and what else the row touches fit), and the level's name.
  double bandwidth(double bytes, std::string* level) const {
    const MachineLimits& L = limits();
    if (L.l2_bytes > 0 && bytes <= 0.5 * L.l2_bytes) {
      *level = "L2";
      return L.l2_copy_GBps;
    }
    if (L.l3_bytes > 0 && bytes <= 0.5 * L.l3_bytes) {
      *level = "L3";
      return L.l3_copy_GBps;
    }
    *level = "DRAM";
    return L.copy_GBps;
  }

  /// Fills the derived numbers of a compute row (roofline limit) and appends it.
  void add_compute(BenchRow r) {
    r.items_per_s = 1.0 / r.seconds_per_item;
    r.GFLOPs = r.flop_per_item / r.seconds_per_item * 1e-9;
    r.GBps = r.bytes_per_item / r.seconds_per_item * 1e-9;
    r.intensity = r.flop_per_item / r.bytes_per_item;
    r.limit = "roofline";
    const double bw = bandwidth(r.working_set_bytes, &r.memory_level);
    r.limit_value = std::min(limits().sgemm_GFLOPs, r.intensity * bw);
    r.fraction = r.GFLOPs / r.limit_value;
    append(std::move(r));
  }
  /// Fills a pure data-movement row against `limit_GBps` ("disk" or "copy") and appends it.
  void add_io(BenchRow r, const std::string& limit, double limit_GBps) {
    r.items_per_s = 1.0 / r.seconds_per_item;
    r.GBps = r.bytes_per_item / r.seconds_per_item * 1e-9;
    r.GFLOPs = 0;
    r.intensity = 0;
    r.limit = limit;
    r.limit_value = limit_GBps;
    r.fraction = r.GBps / limit_GBps;
    append(std::move(r));
  }
  void append(BenchRow r) {
    r.device = to_string(o.device);
    if (o.progress)
      std::fprintf(stderr, "bench: %-8s %-26s box %4d  %10.4g s/%s  %5.1f%% of %s\n", r.group.c_str(), r.name.c_str(),
                   r.box, r.seconds_per_item, r.item.c_str(), 100 * r.fraction, r.limit.c_str());
    report->rows.push_back(std::move(r));
  }

  /// 2D r2c FFT seconds per image at box n on the chosen device (batch of about 4M pixels).
  double fft2d_seconds(int n) {
    auto it = fft2d_s.find(n);
    if (it != fft2d_s.end()) return it->second;
    const int batch = std::max(1, (o.quick ? (1 << 20) : (1 << 22)) / (n * n));
    const Shape s{n, n, 1, batch};
    std::vector<float> in(std::size_t(s.total()));
    std::vector<Complex<float>> out(std::size_t(s.half_total()));
    fill_random(in.data(), in.size(), 5);
    const double t = time_per_call([&] { ops::fft_r2c(o.device, in.data(), out.data(), s); }, min_s, reps) / batch;
    fft2d_s[n] = t;
    return t;
  }
};

// ---- Machine limits --------------------------------------------------------------------------

void measure_limits(Context& c) {
  MachineLimits& L = c.report->limits;
  L.threads = omp_get_max_threads();
  L.load_average = load_average();
  L.cpu_model = cpu_model();
  L.mem_total_GiB = read_meminfo_kB("MemTotal") / (1024.0 * 1024.0);

  // Copy bandwidth at three levels (read + write bytes counted, STREAM's convention; the
  // write-allocate traffic is not counted): arrays well beyond the last-level cache (DRAM), arrays
  // in half the last-level cache, and per-thread arrays in half of each core's L2.
  L.l2_bytes = double(std::max(0L, ::sysconf(_SC_LEVEL2_CACHE_SIZE)));
  L.l3_bytes = double(std::max(0L, ::sysconf(_SC_LEVEL3_CACHE_SIZE)));
  auto copy_GBps = [&](std::size_t n, int repeat) {  // n floats per array, split among the threads
    Buffer<float> a{index_t(n)}, b{index_t(n)};
    const int threads = omp_get_max_threads();
    const std::size_t per = (n + threads - 1) / threads;
#pragma omp parallel num_threads(threads)
    {
      const std::size_t i0 = std::min(n, per * std::size_t(omp_get_thread_num())), m = std::min(per, n - i0);
      std::fill(a.data() + i0, a.data() + i0 + m, 1.0f);
      std::fill(b.data() + i0, b.data() + i0 + m, 0.0f);
    }
    const double t = time_per_call(
        [&] {
#pragma omp parallel num_threads(threads)
          {
            const std::size_t i0 = std::min(n, per * std::size_t(omp_get_thread_num())), m = std::min(per, n - i0);
            for (int r = 0; r < repeat; ++r) std::memcpy(b.data() + i0, a.data() + i0, m * sizeof(float));
          }
        },
        c.min_s, c.reps);
    return 2.0 * double(n) * sizeof(float) * repeat / t * 1e-9;
  };
  L.copy_GBps = copy_GBps(c.o.quick ? (std::size_t(16) << 20) : (std::size_t(64) << 20), 1);
  const std::size_t l3_floats = L.l3_bytes > 0 ? std::size_t(L.l3_bytes / 4 / 4) : (std::size_t(1) << 20);
  L.l3_copy_GBps = copy_GBps(l3_floats, 4);
  const std::size_t l2_floats =
      (L.l2_bytes > 0 ? std::size_t(L.l2_bytes / 4 / 4) : (std::size_t(1) << 16)) * std::size_t(omp_get_max_threads());
  L.l2_copy_GBps = copy_GBps(l2_floats, 32);
  // A cache level is never slower than the one below it; a measurement that says so was disturbed
  // (other processes sharing the last-level cache), and the level below is the better bound.
  L.l3_copy_GBps = std::max(L.l3_copy_GBps, L.copy_GBps);
  L.l2_copy_GBps = std::max(L.l2_copy_GBps, L.l3_copy_GBps);
  // sgemm peak through OpenBLAS (its own threads), square matrices.
  {
    const int n = c.o.quick ? 768 : 1536;
    std::vector<float> a(std::size_t(n) * n), b(a.size()), r(a.size());
    fill_random(a.data(), a.size(), 1);
    fill_random(b.data(), b.size(), 2);
    const double t = time_per_call(
        [&] {
          cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f,
                      r.data(), n);
        },
        0, c.o.quick ? 3 : 4);
    L.sgemm_GFLOPs = 2.0 * double(n) * n * n / t * 1e-9;
  }
  // FFTW at a reference size: a batch of 128^2 r2c transforms (the CPU backend, whatever --device).
  {
    const int n = 128, batch = c.o.quick ? 64 : 256;
    const Shape s{n, n, 1, batch};
    std::vector<float> in(std::size_t(s.total()));
    std::vector<Complex<float>> out(std::size_t(s.half_total()));
    fill_random(in.data(), in.size(), 4);
    const double t = time_per_call([&] { ops::fft_r2c(Device::cpu, in.data(), out.data(), s); }, c.min_s, c.reps);
    L.fftw_GFLOPs = fft_flop(double(n) * n) * batch / t * 1e-9;
    L.fftw_reference = "128^2 x " + std::to_string(batch) + " r2c";
  }
  // Disk: a file in the output folder, flushed, dropped from the page cache, read in 4 MiB blocks.
  {
    const std::size_t bytes = c.o.quick ? (std::size_t(32) << 20) : (std::size_t(256) << 20);
    const std::string path = c.scratch + "/disk_limit.bin";
    write_scratch_file(path, bytes);
    double best = 0, resident = 0;
    std::string method;
    for (int r = 0; r < 2; ++r) {
      method = drop_cache(path, &resident);
      const auto t0 = Clock::now();
      const double got = read_whole_file(path);
      best = std::max(best, got / since(t0) * 1e-9);
    }
    L.disk_read_MBps = best * 1e3;
    L.disk_method = method + ", " + filesystem_name(c.scratch);
    fs::remove(path);
  }
}

// ---- fft: 2D batched and 3D --------------------------------------------------------------------

void run_fft(Context& c) {
  const Device d = c.o.device;
  for (int n : c.report->boxes) {
    {
      const int batch = std::max(1, (c.o.quick ? (1 << 21) : (1 << 24)) / (n * n));
      const Shape s{n, n, 1, batch};
      std::vector<float> in(std::size_t(s.total()));
      std::vector<Complex<float>> out(std::size_t(s.half_total()));
      fill_random(in.data(), in.size(), 6);
      const double t = time_per_call([&] { ops::fft_r2c(d, in.data(), out.data(), s); }, c.min_s, c.reps) / batch;
      c.fft2d_s[n] = t;
      const double N = double(n) * n;
      BenchRow r;
      r.group = "fft";
      r.name = "fft2d r2c batch " + std::to_string(batch);
      r.box = n;
      r.item = "image";
      r.seconds_per_item = t;
      r.flop_per_item = fft_flop(N);
      r.bytes_per_item = 4 * N + 8.0 * half_x(n) * n;
      r.working_set_bytes = r.bytes_per_item * batch;
      r.extra["c_ns"] = t / (N * std::log2(N)) * 1e9;
      r.extra["vs_fftw_reference"] = r.flop_per_item / t * 1e-9 / c.limits().fftw_GFLOPs;
      c.add_compute(std::move(r));
    }
    {
      const Shape s{n, n, n, 1};
      std::vector<float> in(std::size_t(s.total()));
      std::vector<Complex<float>> out(std::size_t(s.half_total()));
      fill_random(in.data(), in.size(), 7);
      const double t = time_per_call([&] { ops::fft_r2c(d, in.data(), out.data(), s); }, c.min_s, c.reps);
      const double N = double(n) * n * n;
      BenchRow r;
      r.group = "fft";
      r.name = "fft3d r2c";
      r.box = n;
      r.item = "volume";
      r.seconds_per_item = t;
      r.flop_per_item = fft_flop(N);
      r.bytes_per_item = 4 * N + 8.0 * half_x(n) * n * n;
      r.working_set_bytes = r.bytes_per_item;
      r.extra["c_ns"] = t / (N * std::log2(N)) * 1e9;
      r.extra["vs_fftw_reference"] = r.flop_per_item / t * 1e-9 / c.limits().fftw_GFLOPs;
      c.add_compute(std::move(r));
    }
  }
}

// ---- dft: direct sum against the FFT -----------------------------------------------------------

void run_dft(Context& c) {
  const std::vector<int> sizes = c.o.quick ? std::vector<int>{8, 16, 32, 64} : std::vector<int>{8, 16, 32, 64, 128};
  for (int n : sizes) {
    const Shape s{n, n, 1, 1};
    std::vector<double> in(std::size_t(s.total()));
    for (std::size_t i = 0; i < in.size(); ++i) in[i] = std::sin(0.37 * double(i)) + 0.1 * double(i % 7);
    std::vector<Complex<double>> out(std::size_t(s.half_total()));
    const double t_dft =
        time_per_call([&] { ops::fft_r2c(Device::reference, in.data(), out.data(), s); }, c.min_s, c.reps);
    const double t_fft = time_per_call([&] { ops::fft_r2c(Device::cpu, in.data(), out.data(), s); }, c.min_s, c.reps);
    // The reference transforms each of the 2n lines by an n-term sum per output: 2 n^3 complex
    // multiply-adds (8 flop); the FFT does n log2 n per line. Predicted speed-up n / log2 n.
    BenchRow r;
    r.group = "dft";
    r.name = "dft2d direct (double)";
    r.box = n;
    r.item = "image";
    r.seconds_per_item = t_dft;
    r.flop_per_item = 8.0 * 2.0 * double(n) * n * n;
    r.bytes_per_item = 16.0 * n * n * 2;
    r.working_set_bytes = r.bytes_per_item;
    r.extra["fft_seconds"] = t_fft;
    r.extra["speedup_measured"] = t_dft / t_fft;
    r.extra["speedup_predicted"] = double(n) / std::log2(double(n));
    r.extra["measured_over_predicted"] = r.extra["speedup_measured"] / r.extra["speedup_predicted"];
    c.add_compute(std::move(r));
  }
}

// ---- interp: slice extraction and insertion against the 2D FFT ---------------------------------

int kernel_points_3d(Interp k) { return k == Interp::nearest ? 1 : (k == Interp::linear ? 8 : 64); }

void run_interp(Context& c) {
  const Device d = c.o.device;
  for (int n : c.report->boxes) {
    const int count = std::clamp((c.o.quick ? (1 << 18) : (1 << 20)) / (n * n), 8, c.o.quick ? 64 : 256);
    Volume<float> vol = Volume<float>::cube(n, 1.0);
    fill_random(vol.data(), std::size_t(vol.size()), 8);
    std::vector<Mat3<double>> poses;
    for (const EulerAnglesD& e : random_orientations(count, 11))
      poses.push_back(math::euler_to_matrix(e.rot_deg, e.tilt_deg, e.psi_deg));
    const ops::SliceParams p = ops::SliceParams::make(n, ops::kDefaultPadding, Interp::linear);
    std::vector<Complex<float>> slices(std::size_t(p.slice_size()) * count);
    std::vector<float> images(std::size_t(n) * n * count);
    // The 2D FFT of the same images: c2r of the slices (what projection does after extraction).
    const double t_fft = time_per_call(
        [&] { ops::fft_c2r(d, slices.data(), images.data(), Shape{n, n, 1, count}); }, c.min_s, c.reps) / count;
    const double pixels = double(p.slice_size());
    for (Interp k : {Interp::nearest, Interp::linear, Interp::cubic}) {
      ops::ProjectorOptions po;
      po.interp = k;
      const ops::FourierProjector<float> proj(d, vol, po);
      const double t_ext = time_per_call([&] { proj.project(poses.data(), count, slices.data()); }, c.min_s, c.reps) / count;
      const int P = kernel_points_3d(k);
      BenchRow r;
      r.group = "interp";
      r.name = std::string("extract ") + to_string(k);
      r.box = n;
      r.item = "image";
      r.seconds_per_item = t_ext;
      r.flop_per_item = pixels * P * 8.0;          // weight + complex multiply-add per point
      r.bytes_per_item = pixels * (P * 8.0 + 8.0);  // complex loads + the slice store
      r.working_set_bytes = double(p.volume_half_size()) * 8;  // the padded transform
      r.extra["fft2d_seconds"] = t_fft;
      r.extra["interp_over_fft"] = t_ext / t_fft;
      c.add_compute(r);

      ops::BackprojectorOptions bo;
      bo.interp = k;
      ops::FourierBackprojector<float> bp(d, n, bo);
      const double t_ins = time_per_call([&] { bp.insert(poses.data(), count, slices.data()); }, c.min_s, c.reps) / count;
      BenchRow q;
      q.group = "interp";
      q.name = std::string("insert ") + to_string(k);
      q.box = n;
      q.item = "image";
      q.seconds_per_item = t_ins;
      q.flop_per_item = pixels * P * 10.0;            // complex and weight multiply-adds
      q.bytes_per_item = pixels * (P * 24.0 + 8.0);   // read + write data (8 B) and weight (4 B)
      q.working_set_bytes = double(p.volume_half_size()) * 12;  // data + weight accumulators
      q.extra["fft2d_seconds"] = t_fft;
      q.extra["interp_over_fft"] = t_ins / t_fft;
      q.note = bp.strategy() == ops::AccumulationStrategy::atomic ? "atomic" : "per-thread accumulators";
      c.add_compute(q);
    }
  }
}

// ---- disk: an MRC stack cold and warm ------------------------------------------------------------

void run_disk(Context& c) {
  const int n = c.o.quick ? 64 : 128;
  const std::int64_t count = (c.o.quick ? (std::int64_t(32) << 20) : (std::int64_t(256) << 20)) / (4 * n * n);
  const std::string path = c.scratch + "/disk_stack.mrcs";
  {
    io::MrcStackWriter w(path, n, n, 1.0);
    std::vector<float> batch(std::size_t(n) * n * 256);
    fill_random(batch.data(), batch.size(), 9);
    for (std::int64_t done = 0; done < count; done += 256) w.append(batch.data(), std::min<std::int64_t>(256, count - done));
    w.commit();
  }
  const io::MrcHeader h = io::read_mrc_header(path);
  const double t_fft = c.fft2d_seconds(n);
  std::vector<float> buf(std::size_t(n) * n * 256);
  auto read_all = [&] {
    const auto t0 = Clock::now();
    for (std::int64_t first = 0; first < count; first += 256)
      io::read_mrc_images(path, h, first, std::min<std::int64_t>(256, count - first), buf.data());
    return since(t0);
  };
  const double bytes_per_image = 4.0 * n * n;
  for (int pass = 0; pass < 2; ++pass) {
    const bool cold = pass == 0;
    double resident = -1;
    std::string method;
    double t = 0;
    if (cold) {
      method = drop_cache(path, &resident);
      t = read_all();
    } else {
      read_all();  // make sure it is cached
      resident = resident_fraction(path);
      t = std::numeric_limits<double>::infinity();
      for (int r = 0; r < c.reps; ++r) t = std::min(t, read_all());
    }
    BenchRow r;
    r.group = "disk";
    r.name = cold ? "mrc stack read cold" : "mrc stack read warm";
    r.box = n;
    r.item = "image";
    r.seconds_per_item = t / double(count);
    r.bytes_per_item = bytes_per_image;
    r.extra["MBps"] = bytes_per_image * double(count) / t * 1e-6;
    r.extra["images"] = double(count);
    r.extra["fft2d_seconds"] = t_fft;
    r.extra["read_over_fft"] = r.seconds_per_item / t_fft;
    r.extra["resident_fraction"] = std::max(0.0, resident);
    r.note = cold ? method + ", " + filesystem_name(c.scratch) : "page cache";
    if (cold) c.add_io(std::move(r), "disk", c.limits().disk_read_MBps * 1e-3);
    else c.add_io(std::move(r), "copy", c.limits().copy_GBps);
  }
  fs::remove(path);
}

// ---- conv: real space against Fourier space ------------------------------------------------------

void run_conv(Context& c) {
  const Device d = c.o.device;
  const int n = c.o.quick ? 64 : 128;
  const std::vector<int> kernels = c.o.quick ? std::vector<int>{3, 5, 9, 17, 33} : std::vector<int>{3, 5, 9, 17, 33, 65};
  const Shape is{n, n, 1, 1};
  std::vector<float> img(std::size_t(is.total())), out(std::size_t(is.total()));
  fill_random(img.data(), img.size(), 12);
  c.report->conv_image = n;
  c.report->conv_crossover = 0;
  for (int m : kernels) {
    const Shape ks{m, m, 1, 1};
    std::vector<float> ker(std::size_t(ks.total()));
    fill_random(ker.data(), ker.size(), 13);
    const double t_direct = time_per_call(
        [&] { ops::convolve_direct(d, img.data(), is, ker.data(), ks, out.data(), ConvolveMode::same); }, c.min_s, c.reps);
    const double t_fft = time_per_call(
        [&] { ops::convolve_fft(d, img.data(), is, ker.data(), ks, out.data(), ConvolveMode::same); }, c.min_s, c.reps);
    if (c.report->conv_crossover == 0 && t_fft < t_direct) c.report->conv_crossover = m;
    const double N = double(n) * n, M = double(m) * m, P = double(n + m - 1) * (n + m - 1);
    BenchRow r;
    r.group = "conv";
    r.name = "conv direct kernel " + std::to_string(m);
    r.box = n;
    r.item = "image";
    r.seconds_per_item = t_direct;
    r.flop_per_item = 2 * N * M;
    r.bytes_per_item = 4 * (2 * N + M);
    r.working_set_bytes = r.bytes_per_item;
    r.extra["kernel"] = m;
    r.extra["fft_over_direct"] = t_fft / t_direct;
    c.add_compute(r);
    BenchRow q;
    q.group = "conv";
    q.name = "conv fft kernel " + std::to_string(m);
    q.box = n;
    q.item = "image";
    q.seconds_per_item = t_fft;
    // two forward and one inverse transform of the padded size, a complex multiply per bin
    q.flop_per_item = 3 * fft_flop(P) + 6 * P / 2;
    q.bytes_per_item = 3 * (4 * P + 4 * P) + 4 * (2 * N + M);
    q.working_set_bytes = 3 * 12 * P;
    q.extra["kernel"] = m;
    q.extra["fft_over_direct"] = t_fft / t_direct;
    c.add_compute(q);
  }
}

// ---- pipeline: whole drivers with their stage timers ---------------------------------------------

/// Where a stage's time goes (docs/bench.md).
enum class Category { fft, interp, blas, io, other };
const char* category_name(Category k) {
  switch (k) {
    case Category::fft: return "fft";
    case Category::interp: return "interp";
    case Category::blas: return "blas";
    case Category::io: return "io";
    default: return "other";
  }
}

struct Stage {
  std::string name;
  Category category;
  double seconds;
};

struct PipelineRun {
  std::int64_t n_images = 0;
  int box = 0;
  double total_s = 0;
  std::vector<Stage> stages;
  double flop_per_image = 0, bytes_per_image = 0;  ///< model counts
  std::string note;
};

int pipeline_box(const Context& c) { return c.o.quick ? 32 : 64; }
std::int64_t pipeline_images(const Context& c) { return c.o.quick ? 96 : 1000; }

/// Model count of one image through slice extraction (linear) and one 2D FFT.
void image_model(int n, PipelineRun& r) {
  const double slice = double(n) * half_x(n);
  r.flop_per_image = fft_flop(double(n) * n) + slice * 8 * 8.0;
  r.bytes_per_image = 4.0 * n * n + slice * (8 * 8.0 + 8.0);
}

SimulateOptions simulate_options(const Context& c) {
  SimulateOptions o;
  o.model_path = "builtin";
  o.n_images = pipeline_images(c);
  o.box = pipeline_box(c);
  o.pixel_size_A = 160.0 / o.box;  // a 160 Å box holds the built-in bundle
  o.output_prefix = c.scratch + "/sim";
  o.write_hdf5 = false;
  o.device = c.o.device;
  o.progress = false;
  o.seed = 1;
  return o;
}

PipelineRun run_simulate_pipeline(Context& c) {
  const SimulateOptions o = simulate_options(c);
  const auto t0 = Clock::now();
  const SimulateSummary s = simulate(o);
  PipelineRun r;
  r.total_s = since(t0);
  r.n_images = s.n_images;
  r.box = s.box;
  r.stages = {{"potential", Category::other, s.potential_s},
              {"projector (padded 3D FFT)", Category::fft, s.projector_s},
              {"central slices", Category::interp, s.project_s},
              {"image formation (CTF, 2D FFT, noise)", Category::fft, s.form_s},
              {"write (second thread)", Category::io, s.write_s}};
  image_model(s.box, r);
  c.simulated_star = o.output_prefix + ".star";
  return r;
}

PipelineRun run_reconstruct_pipeline(Context& c) {
  if (c.simulated_star.empty()) {  // --only reconstruct: make the input first (not timed)
    const SimulateOptions o = simulate_options(c);
    simulate(o);
    c.simulated_star = o.output_prefix + ".star";
  }
  ReconstructJob job;
  job.input_star = c.simulated_star;
  job.output_map = c.scratch + "/rec.mrc";
  job.device = c.o.device;
  job.progress = false;
  const auto t0 = Clock::now();
  const ReconstructReport rep = run_reconstruct(job);
  PipelineRun r;
  r.total_s = since(t0);
  r.n_images = rep.n_inserted;
  r.box = rep.box;
  r.stages = {{"read (reader thread)", Category::io, rep.time_read_s},
              {"insert (2D FFT, CTF, trilinear insertion)", Category::interp, rep.time_insert_s},
              {"invert (3D FFT, division)", Category::fft, rep.time_invert_s},
              {"fsc", Category::fft, rep.time_fsc_s}};
  image_model(rep.box, r);
  return r;
}

/// One classify2d iteration (K 4, psi every 10 degrees, translations within 3 px: 29) on the
/// simulated particles, and a kernel row of its E-step and M-step matrix products against the
/// sgemm peak (group "blas").
PipelineRun run_classify2d_pipeline(Context& c) {
  if (c.simulated_star.empty()) {  // --only classify2d: make the input first (not timed)
    const SimulateOptions o = simulate_options(c);
    simulate(o);
    c.simulated_star = o.output_prefix + ".star";
  }
  Classify2dJob job;
  job.input_star = c.simulated_star;
  job.output = c.scratch + "/c2d";
  job.device = c.o.device;
  job.n_classes = 4;
  job.iterations = 1;
  job.offset_range_px = 3;
  job.progress = false;
  job.quiet = true;
  const auto t0 = Clock::now();
  const Classify2dReport rep = run_classify2d(job);
  PipelineRun r;
  r.total_s = since(t0);
  r.n_images = rep.n_particles;
  r.box = rep.box;
  const Classify2dIterationLog& it = rep.iterations.front();
  r.stages = {{"read images", Category::io, rep.read_s},
              {"prepare (mask, 2D FFTs, CTF)", Category::fft, rep.prepare_s},
              {"E-step matrix products (GEMM)", Category::blas, it.gemm_s},
              {"E-step outside the products (reference rotation, shifts, log-sum-exp)", Category::other,
               std::max(0.0, it.estep_s - it.gemm_s)},
              {"M-step sums rotated into the class frame", Category::interp, it.sums_s},
              {"maximise (class averages, sigma2, tau2)", Category::other, it.maximise_s},
              {"write outputs (class images, STAR, PNG, checkpoint)", Category::io, it.write_s}};
  const double n = double(std::max<std::int64_t>(1, rep.n_particles));
  r.flop_per_image = it.gemm_flops / n;
  r.bytes_per_image = 4.0 * rep.box * rep.box + 8.0 * half_x(rep.box) * rep.box;  // image read + its transform
  if (it.gemm_s > 0 && it.gemm_flops > 0) {
    BenchRow g;
    g.group = "blas";
    g.name = "classify2d GEMMs";
    g.box = rep.box;
    g.item = "image";
    g.seconds_per_item = it.gemm_s / n;
    g.flop_per_item = it.gemm_flops / n;
    // Operands streamed per image: its translated copies Y (T x 2P floats) and the log-likelihood
    // row (T x K R floats); the references stay in cache across the batch. An estimate: the GEMMs
    // are compute-bound at these sizes, so the limit is the sgemm peak.
    const double P = 3.14159 * std::pow(0.25 * rep.box, 2) / 2, T = 29, KR = 4.0 * 36;
    g.bytes_per_item = 4.0 * T * (2 * P + KR);
    g.working_set_bytes = std::numeric_limits<double>::infinity();
    g.extra["gemm_s"] = it.gemm_s;
    g.extra["GFLOPs_over_sgemm_peak"] = it.gemm_flops / it.gemm_s * 1e-9 / c.limits().sgemm_GFLOPs;
    c.add_compute(std::move(g));
  }
  return r;
}

/// The whole-pipeline rows. To add one (classify2d, multislice): write a function that runs the
/// driver on generated data in c.scratch and returns its stage timers with a Category each, and add
/// a line here. Its name becomes an --only name.
struct PipelineEntry {
  const char* name;
  PipelineRun (*run)(Context&);
};
const PipelineEntry kPipelines[] = {
    {"simulate", run_simulate_pipeline},
    {"reconstruct", run_reconstruct_pipeline},
    {"classify2d", run_classify2d_pipeline},
};

bool selected(const Context& c, const std::string& name) {
  return c.o.only.empty() || std::find(c.o.only.begin(), c.o.only.end(), name) != c.o.only.end();
}

void run_pipelines(Context& c) {
  const bool whole_group = selected(c, "pipeline");
  for (const PipelineEntry& e : kPipelines) {
    if (!whole_group && !selected(c, e.name)) continue;
    const PipelineRun p = e.run(c);
    BenchRow r;
    r.group = "pipeline";
    r.name = e.name;
    r.box = p.box;
    r.item = "image";
    r.seconds_per_item = p.total_s / double(std::max<std::int64_t>(1, p.n_images));
    r.flop_per_item = p.flop_per_image;
    r.bytes_per_item = p.bytes_per_image;
    r.working_set_bytes = std::numeric_limits<double>::infinity();  // a stack streamed from disk
    double sum = 0;
    std::map<std::string, double> by;
    for (const char* k : {"fft", "interp", "blas", "io", "other"}) by[k] = 0;
    for (const Stage& s : p.stages) {
      sum += s.seconds;
      by[category_name(s.category)] += s.seconds;
      r.extra["stage " + s.name + " s"] = s.seconds;
    }
    // Shares of the summed stage times (stages on other threads overlap, so the sum can exceed
    // the wall time; the shares say where the work is, total_s says how long it took).
    for (const auto& [k, v] : by) r.extra["share_" + k] = sum > 0 ? v / sum : 0;
    r.extra["images"] = double(p.n_images);
    r.extra["total_s"] = p.total_s;
    c.add_compute(std::move(r));
  }
}

/// The row families, in the order they run. Adding one: a function `void run_<name>(Context&)`
/// that appends rows with c.add_compute / c.add_io, and a line here; its name becomes an --only name.
/// per_device: the rows run on the chosen backend (c.o.device), once per backend; otherwise once
/// (the DFT rows compare the reference with FFTW, the disk rows read files).
struct GroupEntry {
  const char* name;
  void (*run)(Context&);
  bool per_device;
};
const GroupEntry kGroups[] = {
    {"fft", run_fft, true},   {"dft", run_dft, false},   {"interp", run_interp, true},
    {"disk", run_disk, false}, {"conv", run_conv, true}, {"pipeline", run_pipelines, true},
};

std::string json_escape(const std::string& s) {
  std::string o;
  for (char ch : s) {
    if (ch == '"' || ch == '\\') {
      o += '\\';
      o += ch;
    } else if (static_cast<unsigned char>(ch) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", ch);
      o += buf;
    } else {
      o += ch;
    }
  }
  return o;
}

std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace

std::vector<std::string> bench_names() {
  std::vector<std::string> names;
  for (const GroupEntry& g : kGroups) names.emplace_back(g.name);
  for (const PipelineEntry& p : kPipelines) names.emplace_back(p.name);
  return names;
}

double bench_memory_bytes(int box, bool quick) {
  const double n = box, np = 2.0 * box;
  const double threads = omp_get_max_threads();
  const double padded = (np / 2 + 1) * np * np;                  // padded half-complex voxels
  const double interp = padded * 8 + padded * 12 * std::min(threads, 2.0);  // projector + accumulators
  const double fft3d = n * n * n * 4 + (n / 2 + 1) * n * n * 8;
  const double fft2d = (quick ? (1 << 21) : (1 << 24)) * 12.0;
  return std::max({interp, fft3d, fft2d}) + 64.0 * 1024 * 1024;
}

void validate(const BenchOptions& o) {
  const std::vector<std::string> names = bench_names();
  for (const std::string& s : o.only) {
    if (std::find(names.begin(), names.end(), s) != names.end()) continue;
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    fail(ErrorCode::invalid_argument, "thon bench: --only: unknown row name '", s, "' (known: ", list, ")");
  }
  THON_CHECK(o.threads >= 0, "thon bench: --threads ", o.threads, " must be >= 0");
  const double avail = mem_available_bytes();
  for (int b : o.boxes) {
    THON_CHECK(b >= 8, "thon bench: --box ", b, " is too small (at least 8)");
    THON_CHECK(b <= 4096, "thon bench: --box ", b, " is too large (at most 4096)");
    const double need = bench_memory_bytes(b, o.quick);
    if (avail > 0 && need > avail)
      fail(ErrorCode::out_of_memory, "thon bench: --box ", b, " needs about ", format_bytes(need),
           " (padded 3D transform and accumulators of the interpolation rows), but ", format_bytes(avail),
           " is available");
  }
  std::error_code ec;
  THON_CHECK_CODE(fs::is_directory(o.scratch_dir, ec), io, "thon bench: output folder '", o.scratch_dir,
                  "' does not exist or is not a folder");
  const std::string probe = o.scratch_dir + "/.thon_bench_probe_" + std::to_string(::getpid());
  FILE* f = std::fopen(probe.c_str(), "wb");
  THON_CHECK_CODE(f, io, "thon bench: output folder '", o.scratch_dir, "' is not writable: ", std::strerror(errno));
  std::fclose(f);
  fs::remove(probe, ec);
}

BenchReport run_bench(const BenchOptions& options) {
  validate(options);
  if (options.threads > 0) {
    omp_set_num_threads(options.threads);
    openblas_set_num_threads(options.threads);
  }
  BenchReport report;
  Context c;
  c.o = options;
  c.report = &report;
  c.min_s = options.quick ? 0.025 : 0.1;
  c.reps = options.quick ? 3 : 5;
  report.boxes = options.boxes.empty() ? (options.quick ? std::vector<int>{32, 64} : std::vector<int>{64, 128, 256})
                                       : options.boxes;
  {
    const std::time_t now = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
    report.date_utc = buf;
  }
  // A fresh folder for the scratch files, inside the output folder, removed whatever happens.
  c.scratch = options.scratch_dir + "/thon_bench_" + std::to_string(::getpid());
  fs::create_directories(c.scratch);
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{c.scratch};

  const auto t0 = Clock::now();
  std::vector<Device> devices{Device::cpu};
  if (options.device == Device::cuda) devices.push_back(Device::cuda);
  c.o.device = Device::cpu;
  measure_limits(c);
  for (std::size_t k = 0; k < devices.size(); ++k) {
    c.o.device = devices[k];
    c.fft2d_s.clear();
    c.simulated_star.clear();
    for (const GroupEntry& g : kGroups) {
      bool run = selected(c, g.name);
      if (!run && std::string(g.name) == "pipeline")
        for (const PipelineEntry& p : kPipelines) run = run || selected(c, p.name);
      if (run && (g.per_device || k == 0)) g.run(c);
    }
  }
  report.seconds = since(t0);
  return report;
}

std::string format_bench_table(const BenchReport& r) {
  std::ostringstream s;
  char buf[512];
  const MachineLimits& L = r.limits;
  s << "machine: " << L.cpu_model << ", " << L.threads << " OpenMP threads, " << std::fixed;
  std::snprintf(buf, sizeof buf, "%.1f GiB RAM, load average %.2f at the start\n", L.mem_total_GiB, L.load_average);
  s << buf;
  std::snprintf(buf, sizeof buf,
                "limits: copy %.2f GB/s (L2 %.1f, L3 %.1f) | sgemm %.1f GFLOP/s | FFTW %.2f GFLOP/s (%s) | disk read %.0f MB/s (%s)\n",
                L.copy_GBps, L.l2_copy_GBps, L.l3_copy_GBps, L.sgemm_GFLOPs, L.fftw_GFLOPs, L.fftw_reference.c_str(), L.disk_read_MBps,
                L.disk_method.c_str());
  s << buf;
  if (L.threads > 1 && L.load_average > 0.5 * L.threads) {
    std::snprintf(buf, sizeof buf,
                  "note: the machine is busy (load %.1f on %d threads): a parallel region waits for its descheduled\n"
                  "      threads, so multi-threaded rows measure the load; --threads 1 gives steadier numbers\n",
                  L.load_average, L.threads);
    s << buf;
  }
  s << "\n";
  std::snprintf(buf, sizeof buf, "%-8s %-28s %5s %-7s %12s %11s %8s %9s %8s %-13s %7s  %s\n", "group", "row", "box", "item",
                "time/item", "items/s", "flop/B", "GFLOP/s", "GB/s", "limit", "of lim", "notes");
  s << buf;
  for (const BenchRow& row : r.rows) {
    std::string notes;
    for (const auto& [k, v] : row.extra) {
      if (k.rfind("stage ", 0) == 0) continue;
      char e[96];
      std::snprintf(e, sizeof e, "%s%s=%.3g", notes.empty() ? "" : " ", k.c_str(), v);
      notes += e;
    }
    if (!row.note.empty()) notes += (notes.empty() ? "" : " ") + ("(" + row.note + ")");
    char t[32];
    if (row.seconds_per_item >= 1) std::snprintf(t, sizeof t, "%.3f s", row.seconds_per_item);
    else if (row.seconds_per_item >= 1e-3) std::snprintf(t, sizeof t, "%.3f ms", row.seconds_per_item * 1e3);
    else std::snprintf(t, sizeof t, "%.2f us", row.seconds_per_item * 1e6);
    std::snprintf(buf, sizeof buf, "%-8s %-28s %5d %-7s %12s %11.4g %8.3g %9.3g %8.3g %-13s %6.1f%%  %s\n",
                  row.group.c_str(), (row.device == "cpu" ? row.name : row.name + " [" + row.device + "]").c_str(), row.box, row.item.c_str(), t, row.items_per_s, row.intensity,
                  row.GFLOPs, row.GBps, (row.limit + (row.memory_level.empty() ? "" : "/" + row.memory_level)).c_str(),
                  100 * row.fraction, notes.c_str());
    s << buf;
  }
  if (r.conv_image > 0) {
    if (r.conv_crossover > 0)
      std::snprintf(buf, sizeof buf, "\nconvolution crossover (image %d^2): the FFT is faster from a %d^2 kernel on\n",
                    r.conv_image, r.conv_crossover);
    else
      std::snprintf(buf, sizeof buf, "\nconvolution crossover (image %d^2): the direct sum was faster for every kernel tried\n",
                    r.conv_image);
    s << buf;
  }
  std::snprintf(buf, sizeof buf, "\nbench: %zu rows in %.1f s (%s)\n", r.rows.size(), r.seconds, r.date_utc.c_str());
  s << buf;
  return s.str();
}

std::string bench_json(const BenchReport& r) {
  std::ostringstream s;
  const MachineLimits& L = r.limits;
  s << "{\n  \"date_utc\": \"" << json_escape(r.date_utc) << "\",\n";
  s << "  \"command\": \"" << json_escape(r.command_line) << "\",\n";
  s << "  \"seconds\": " << json_number(r.seconds) << ",\n";
  s << "  \"boxes\": [";
  for (std::size_t i = 0; i < r.boxes.size(); ++i) s << (i ? ", " : "") << r.boxes[i];
  s << "],\n  \"limits\": {\n";
  s << "    \"cpu_model\": \"" << json_escape(L.cpu_model) << "\",\n";
  s << "    \"threads\": " << L.threads << ",\n";
  s << "    \"mem_total_GiB\": " << json_number(L.mem_total_GiB) << ",\n";
  s << "    \"load_average\": " << json_number(L.load_average) << ",\n";
  s << "    \"copy_GBps\": " << json_number(L.copy_GBps) << ",\n";
  s << "    \"l2_copy_GBps\": " << json_number(L.l2_copy_GBps) << ",\n";
  s << "    \"l3_copy_GBps\": " << json_number(L.l3_copy_GBps) << ",\n";
  s << "    \"l2_bytes\": " << json_number(L.l2_bytes) << ",\n";
  s << "    \"l3_bytes\": " << json_number(L.l3_bytes) << ",\n";
  s << "    \"sgemm_GFLOPs\": " << json_number(L.sgemm_GFLOPs) << ",\n";
  s << "    \"fftw_GFLOPs\": " << json_number(L.fftw_GFLOPs) << ",\n";
  s << "    \"fftw_reference\": \"" << json_escape(L.fftw_reference) << "\",\n";
  s << "    \"disk_read_MBps\": " << json_number(L.disk_read_MBps) << ",\n";
  s << "    \"disk_method\": \"" << json_escape(L.disk_method) << "\"\n  },\n";
  s << "  \"convolution_crossover\": {\"image\": " << r.conv_image << ", \"kernel\": " << r.conv_crossover << "},\n";
  s << "  \"rows\": [\n";
  for (std::size_t i = 0; i < r.rows.size(); ++i) {
    const BenchRow& w = r.rows[i];
    s << "    {\"group\": \"" << json_escape(w.group) << "\", \"device\": \"" << json_escape(w.device)
      << "\", \"name\": \"" << json_escape(w.name) << "\", \"box\": " << w.box
      << ", \"item\": \"" << json_escape(w.item) << "\", \"seconds_per_item\": " << json_number(w.seconds_per_item)
      << ", \"items_per_s\": " << json_number(w.items_per_s) << ", \"flop_per_item\": " << json_number(w.flop_per_item)
      << ", \"bytes_per_item\": " << json_number(w.bytes_per_item) << ", \"intensity\": " << json_number(w.intensity)
      << ", \"GFLOPs\": " << json_number(w.GFLOPs) << ", \"GBps\": " << json_number(w.GBps) << ", \"limit\": \""
      << json_escape(w.limit) << "\", \"memory_level\": \"" << json_escape(w.memory_level)
      << "\", \"working_set_bytes\": " << json_number(w.working_set_bytes) << ", \"limit_value\": " << json_number(w.limit_value)
      << ", \"fraction_of_limit\": " << json_number(w.fraction) << ", \"note\": \"" << json_escape(w.note)
      << "\", \"extra\": {";
    bool first = true;
    for (const auto& [k, v] : w.extra) {
      s << (first ? "" : ", ") << "\"" << json_escape(k) << "\": " << json_number(v);
      first = false;
    }
    s << "}}" << (i + 1 < r.rows.size() ? "," : "") << "\n";
  }
  s << "  ]\n}\n";
  return s.str();
}

std::vector<std::string> write_bench_pngs(const BenchReport& r, const std::string& prefix) {
  std::vector<std::string> written;
  auto rows_of = [&](const std::string& group, const std::string& name_prefix, const std::string& device = "cpu") {
    std::vector<const BenchRow*> v;
    for (const BenchRow& w : r.rows)
      if (w.group == group && w.device == device && w.name.rfind(name_prefix, 0) == 0) v.push_back(&w);
    return v;
  };
  auto series = [](const std::vector<const BenchRow*>& rows, const std::string& label,
                   const std::function<double(const BenchRow&)>& x, const std::function<double(const BenchRow&)>& y) {
    io::PlotSeries s;
    s.label = label;
    for (const BenchRow* w : rows) {
      s.x.push_back(x(*w));
      s.y.push_back(y(*w));
    }
    return s;
  };
  auto box = [](const BenchRow& w) { return double(w.box); };
  auto plot = [&](const std::string& suffix, std::vector<io::PlotSeries> all, io::PlotOptions po) {
    std::vector<io::PlotSeries> s;
    for (auto& x : all)
      if (!x.x.empty()) s.push_back(std::move(x));
    if (s.empty()) return;
    const std::string path = prefix + "_" + suffix + ".png";
    io::write_line_plot_png(path, s, po);
    written.push_back(path);
  };
  {
    io::PlotOptions po;
    po.title = "FFT: time = c N log2 N";
    po.x_label = "box";
    po.y_label = "c (ns)";
    auto c = [](const BenchRow& w) { return w.extra.at("c_ns"); };
    plot("fft", {series(rows_of("fft", "fft2d"), "2D r2c (batched)", box, c), series(rows_of("fft", "fft3d"), "3D r2c", box, c),
                 series(rows_of("fft", "fft2d", "cuda"), "2D r2c, cuda", box, c),
                 series(rows_of("fft", "fft3d", "cuda"), "3D r2c, cuda", box, c)},
         po);
  }
  {
    io::PlotOptions po;
    po.title = "interpolation time / 2D FFT time, per image";
    po.x_label = "box";
    po.y_label = "ratio";
    po.horizontal_lines = {1.0};
    std::vector<io::PlotSeries> s;
    auto ratio = [](const BenchRow& w) { return w.extra.at("interp_over_fft"); };
    for (const char* dev : {"cpu", "cuda"})
      for (const char* k : {"extract nearest", "extract linear", "extract cubic", "insert nearest", "insert linear", "insert cubic"})
        s.push_back(series(rows_of("interp", k, dev), std::string(k) + (std::string(dev) == "cpu" ? "" : ", cuda"), box, ratio));
    plot("interp", std::move(s), po);
  }
  {
    io::PlotOptions po;
    po.title = "convolution of a " + std::to_string(r.conv_image) + "^2 image";
    po.x_label = "kernel side (pixels)";
    po.y_label = "log10 time (ms)";
    auto k = [](const BenchRow& w) { return w.extra.at("kernel"); };
    auto ms = [](const BenchRow& w) { return std::log10(w.seconds_per_item * 1e3); };
    plot("conv", {series(rows_of("conv", "conv direct"), "real space (direct sum)", k, ms),
                  series(rows_of("conv", "conv fft"), "Fourier space (FFT)", k, ms)},
         po);
  }
  {
    io::PlotOptions po;
    po.title = "direct DFT / FFT time (2D, double)";
    po.x_label = "N";
    po.y_label = "speed-up";
    plot("dft", {series(rows_of("dft", ""), "measured", box, [](const BenchRow& w) { return w.extra.at("speedup_measured"); }),
                 series(rows_of("dft", ""), "N / log2 N", box, [](const BenchRow& w) { return w.extra.at("speedup_predicted"); })},
         po);
  }
  {
    // Roofline on log10 axes: the bound min(peak, I x bandwidth) and each group's points.
    io::PlotOptions po;
    po.title = "roofline (log10 axes)";
    po.x_label = "log10 arithmetic intensity (flop/byte)";
    po.y_label = "log10 GFLOP/s";
    std::vector<io::PlotSeries> s;
    const std::pair<const char*, double> levels[] = {
        {"DRAM bound", r.limits.copy_GBps}, {"L3 bound", r.limits.l3_copy_GBps}, {"L2 bound", r.limits.l2_copy_GBps}};
    for (const auto& [label, bw] : levels) {
      if (!(bw > 0)) continue;
      io::PlotSeries bound;
      bound.label = label;
      for (double lx = -2; lx <= 3.01; lx += 0.05) {
        bound.x.push_back(lx);
        bound.y.push_back(std::log10(std::min(r.limits.sgemm_GFLOPs, std::pow(10.0, lx) * bw)));
      }
      s.push_back(bound);
    }
    for (const char* g : {"fft", "dft", "interp", "conv", "pipeline"}) {
      std::vector<const BenchRow*> rows;
      for (const BenchRow& w : r.rows)
        if (w.group == g && w.device == "cpu" && w.intensity > 0 && w.GFLOPs > 0) rows.push_back(&w);
      std::sort(rows.begin(), rows.end(), [](const BenchRow* a, const BenchRow* b) { return a->intensity < b->intensity; });
      s.push_back(series(rows, g, [](const BenchRow& w) { return std::log10(w.intensity); },
                         [](const BenchRow& w) { return std::log10(w.GFLOPs); }));
    }
    if (!r.rows.empty()) plot("roofline", std::move(s), po);
  }
  return written;
}

}  // namespace thon::pipeline
