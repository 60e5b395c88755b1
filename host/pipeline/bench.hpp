// The `thon bench` driver (docs/bench.md): where the time goes on this machine.
//
// It first measures the machine's limits (stream-copy bandwidth, OpenBLAS sgemm peak, FFTW's speed
// at a reference size, the read speed of the output folder), then runs groups of rows. Every row
// is a roofline point: the work of one item in a model count (flop, bytes moved), its arithmetic
// intensity (flop/byte), the attained rate, and the fraction of its limit achieved:
//   compute rows:  attained GFLOP/s / min(sgemm peak, intensity x copy bandwidth of the memory level
//                  the row's working set fits: L2, last-level cache or DRAM; a hierarchical roofline)
//   disk rows:     MB/s / (disk read speed)  (cold)   or  / (copy bandwidth)  (warm, page cache)
//
// Groups (run in this order; --only picks some; the limits are always measured):
//   fft       2D batched and 3D r2c FFT per box, the constant c of t = c N log2 N
//   dft       direct DFT (the reference, double) against FFTW (double) at small sizes: measured
//             speed-up against the N / log2 N prediction
//   interp    slice extraction and insertion (nearest, linear, cubic) per image, beside the 2D FFT
//             of the same image: interpolation / FFT ratio per box
//   disk      an MRC stack read cold (page cache dropped) and warm: MB/s, images/s, against the 2D
//             FFT per image
//   conv      real-space against Fourier-space convolution as the kernel grows, with the crossover
//   pipeline  whole drivers on generated data (simulate, reconstruct) with the share of time in
//             FFT, interpolation, BLAS and I/O from their stage timers
//
// Adding a row family: one function `void run_<name>(Context&)` in bench.cpp and one line in the
// table `kGroups` there. Adding a whole pipeline (classify2d, multislice): one function returning
// its stage timers by category and one line in `kPipelines` (see bench.cpp).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "thon/core/device.hpp"

namespace thon::pipeline {

struct BenchOptions {
  std::vector<int> boxes;             ///< empty: 64, 128, 256 (quick: 32, 64)
  bool quick = false;                 ///< small sizes and few repetitions: < 1 minute on two cores
  std::vector<std::string> only;      ///< group or pipeline names; empty: all
  std::string scratch_dir = ".";      ///< the output folder: disk rows and pipelines write here
  /// Backend of the operation rows: cpu; cuda runs every backend row on the CPU and then on the
  /// GPU (the limits are the CPU's; the GPU rows' fractions are against them, docs/bench.md).
  Device device = Device::cpu;
  int threads = 0;                    ///< OpenMP and OpenBLAS threads; 0: all (OpenMP's default)
  bool progress = true;               ///< one line on stderr per row as it runs
};

/// The machine's limits, measured at the start.
struct MachineLimits {
  double copy_GBps = 0;               ///< stream copy from DRAM (read + write bytes, as STREAM counts)
  double l2_copy_GBps = 0;            ///< the same with arrays that fit the L2 cache of each core
  double l3_copy_GBps = 0;            ///< the same with arrays that fit the last-level cache
  double l2_bytes = 0, l3_bytes = 0;  ///< cache sizes (sysconf; per core for L2)
  double sgemm_GFLOPs = 0;            ///< OpenBLAS sgemm, 2 M N K flop
  double fftw_GFLOPs = 0;             ///< FFTW r2c at the reference size, 2.5 N log2 N flop
  std::string fftw_reference;         ///< e.g. "128^2 x 256 r2c"
  double disk_read_MBps = 0;          ///< read speed of a file in the output folder, cache dropped
  std::string disk_method;            ///< how the page cache was dropped, and the filesystem
  int threads = 1;                    ///< OpenMP threads
  double load_average = 0;            ///< 1-minute load average when the limits were measured
  std::string cpu_model;
  double mem_total_GiB = 0;
};

struct BenchRow {
  std::string group;                  ///< fft, dft, interp, disk, conv, pipeline
  std::string device = "cpu";         ///< backend the row ran on
  std::string name;                   ///< e.g. "fft2d r2c", "extract linear"
  int box = 0;                        ///< image side (or kernel size for conv rows: see params)
  std::string item;                   ///< what one item is: "image", "volume", "transform", ...
  double seconds_per_item = 0;
  double items_per_s = 0;
  double flop_per_item = 0;           ///< model count (docs/bench.md)
  double bytes_per_item = 0;          ///< model count of the bytes moved
  double intensity = 0;               ///< flop / byte (0 for pure I/O rows)
  double working_set_bytes = 0;       ///< data the row streams over: picks the memory level
  std::string memory_level;           ///< "L2", "L3", "DRAM" (compute rows)
  double GFLOPs = 0, GBps = 0;        ///< attained
  std::string limit;                  ///< "roofline", "disk", "copy"
  double limit_value = 0;             ///< GFLOP/s (roofline) or GB/s (disk, copy)
  double fraction = 0;                ///< attained / limit_value
  std::map<std::string, double> extra;  ///< row-specific numbers (c, ratio, speed-ups, shares)
  std::string note;
};

struct BenchReport {
  MachineLimits limits;
  std::vector<BenchRow> rows;
  /// Smallest convolution kernel side at which the FFT path was faster (0: none in the range).
  int conv_crossover = 0;
  int conv_image = 0;
  std::string date_utc, command_line;
  double seconds = 0;
  std::vector<int> boxes;
};

/// Names accepted by --only: the groups and the pipelines.
std::vector<std::string> bench_names();
/// Checks the options (names, box sizes >= 8, memory for the largest box, a writable output folder)
/// without running anything. Throws thon::Error naming the option and value.
void validate(const BenchOptions& options);
/// Bytes the rows need at box n (the largest of: padded 3D transform + accumulator, 3D FFT, ...).
double bench_memory_bytes(int box, bool quick);

BenchReport run_bench(const BenchOptions& options);

/// The table printed on stdout.
std::string format_bench_table(const BenchReport& report);
/// JSON text of the report (limits, rows with every number, crossover).
std::string bench_json(const BenchReport& report);
/// PNG charts <prefix>_fft.png, _interp.png, _conv.png, _dft.png, _roofline.png (those with data);
/// returns the paths written.
std::vector<std::string> write_bench_pngs(const BenchReport& report, const std::string& prefix);

}  // namespace thon::pipeline
