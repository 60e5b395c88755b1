// `thon bench`: where the time goes on this machine (host/pipeline/bench.hpp, docs/bench.md).
//   thon bench                         machine limits, then every row at boxes 64, 128, 256
//   thon bench --quick --json b.json   small sizes (< 1 minute on two cores), JSON report
//   thon bench --only fft,interp --box 128,256 --png charts/bench
#include <cstdio>
#include <cstdlib>
#include <string>
#include <type_traits>
#include <vector>

#include "cli/command.hpp"
#include "io/atomic_file.hpp"
#include "pipeline/bench.hpp"
#include "thon/core/error.hpp"

namespace {

struct Args {
  std::vector<int> boxes;
  std::vector<std::string> only;
  std::string json, png, dir = ".", device;
  bool quick = false, quiet = false;
  int threads = 0;
};

void write_text(const std::string& path, const std::string& text) {
  thon::io::AtomicOutput out(path);
  FILE* f = std::fopen(out.temp_path().c_str(), "w");
  THON_CHECK_CODE(f, io, "thon bench: cannot write '", path, "'");
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  const bool closed = std::fclose(f) == 0;
  THON_CHECK_CODE(ok && closed, io, "thon bench: error writing '", path, "'");
  out.commit();
}

void setup(CLI::App& app) {
  static Args a;
  app.add_option(thon::cli::names("box"), a.boxes, "Box sizes of the fft and interp rows (default 64,128,256; --quick: 32,64)")
      ->delimiter(',');
  app.add_option(thon::cli::names("only"), a.only, "Rows to run: fft, dft, interp, disk, conv, pipeline, or one pipeline (simulate, reconstruct)")
      ->delimiter(',');
  app.add_flag(thon::cli::names("quick"), a.quick, "Small sizes and few repetitions (under a minute on two cores)");
  app.add_option(thon::cli::names("json"), a.json, "Write the report as JSON");
  app.add_option(thon::cli::names("png"), a.png, "Write charts <prefix>_fft.png, _interp.png, _conv.png, _dft.png, _roofline.png");
  app.add_option(thon::cli::names("dir"), a.dir, "Output folder: the disk rows and pipelines write (and remove) their files here")
      ->capture_default_str();
  app.add_option(thon::cli::names("threads", {"j"}), a.threads, "OpenMP and OpenBLAS threads (default: all cores)");
  app.add_flag(thon::cli::names("quiet", {"no-progress"}), a.quiet, "No progress lines on stderr");
  thon::cli::add_device_option(app, a.device);
  app.callback([] {
    thon::pipeline::BenchOptions o;
    o.boxes = a.boxes;
    o.quick = a.quick;
    o.only = a.only;
    o.scratch_dir = a.dir;
    o.threads = a.threads;
    o.device = thon::parse_device(a.device);
    THON_CHECK(o.device != thon::Device::reference,
               "thon bench: --device reference is not benchmarked (it is the oracle; see thon verify)");
    o.progress = !a.quiet;
    if (!a.json.empty()) thon::io::check_writable_path(a.json, "--json");
    if (!a.png.empty()) thon::io::check_writable_path(a.png + "_fft.png", "--png");
    thon::pipeline::validate(o);
    // --quick plans with FFTW_ESTIMATE (planning 3D transforms with FFTW_MEASURE alone would take
    // most of the minute); the full run keeps thon's default planner unless the user chose one.
    if (o.quick) setenv("THON_FFTW_PLANNER", "estimate", /*overwrite=*/0);
    thon::pipeline::BenchReport r = thon::pipeline::run_bench(o);
    r.command_line = "thon bench";
    if (a.quick) r.command_line += " --quick";
    auto join = [](const auto& v) {
      std::string s;
      for (const auto& x : v) {
        std::string t;
        if constexpr (std::is_same_v<std::decay_t<decltype(x)>, std::string>) t = x;
        else t = std::to_string(x);
        s += (s.empty() ? "" : ",") + t;
      }
      return s;
    };
    if (!a.boxes.empty()) r.command_line += " --box " + join(a.boxes);
    if (!a.only.empty()) r.command_line += " --only " + join(a.only);
    if (a.threads > 0) r.command_line += " --threads " + std::to_string(a.threads);
    r.command_line += std::string(" --device ") + thon::to_string(o.device);
    std::fputs(thon::pipeline::format_bench_table(r).c_str(), stdout);
    if (!a.json.empty()) {
      write_text(a.json, thon::pipeline::bench_json(r));
      std::printf("wrote %s\n", a.json.c_str());
    }
    if (!a.png.empty())
      for (const std::string& p : thon::pipeline::write_bench_pngs(r, a.png)) std::printf("wrote %s\n", p.c_str());
  });
}

const bool registered = thon::cli::register_command(
    {"bench", "Benchmark FFT, interpolation, disk, convolution and pipelines against the machine's limits", setup});

}  // namespace
