#include "cli/command.hpp"

#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "io/png.hpp"
#include "thon/core/stages.hpp"
#include "thon/io/mrc.hpp"

namespace thon::cli {

namespace {
std::vector<Command>& registry() {
  static std::vector<Command> r;
  return r;
}
}  // namespace

bool register_command(Command command) {
  registry().push_back(std::move(command));
  return true;
}

const std::vector<Command>& commands() {
  auto& r = registry();
  std::sort(r.begin(), r.end(), [](const Command& a, const Command& b) { return a.name < b.name; });
  return r;
}

CLI::Option* add_device_option(CLI::App& app, std::string& name) {
  name = "auto";
  return app.add_option("--device", name, "Compute backend: auto (cuda when a GPU is present, else cpu), cpu, cuda, reference")
      ->check(CLI::IsMember({"auto", "cpu", "cuda", "reference"}))
      ->capture_default_str();
}

std::string command_line(const CLI::App& app) {
  std::string s = "thon " + app.get_name();
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->count() == 0 || opt->get_name() == "--help") continue;
    s += " " + opt->get_name();
    if (opt->get_expected_max() > 0)
      for (const auto& r : opt->results()) s += " " + r;
  }
  return s;
}

CLI::Option* add_threads_option(CLI::App& app) {
  return app
      .add_option_function<int>(
          names("threads", {"j"}), [](int n) { omp_set_num_threads(n); },
          "CPU threads (OpenMP and FFTW; default: OMP_NUM_THREADS, else every core)")
      ->check(CLI::Range(1, 4096));
}

std::string write_stack_montage(const std::string& mrcs_path, const std::string& png_path, int max_images) {
  const io::MrcHeader h = io::read_mrc_header(mrcs_path);
  const int n = std::min(h.nz, max_images);
  std::vector<float> images(std::size_t(n) * std::size_t(h.nx) * std::size_t(h.ny));
  io::read_mrc_images(mrcs_path, h, 0, n, images.data());
  io::write_png_montage(png_path, images.data(), n, h.nx, h.ny);
  return png_path;
}

std::string names(std::string_view kebab, std::initializer_list<std::string_view> aliases) {
  const bool negate = !kebab.empty() && kebab.front() == '!';
  if (negate) kebab.remove_prefix(1);
  std::vector<std::string> out;
  auto add = [&](std::string_view name) {
    std::string dashed(name), underscored(name);
    std::replace(dashed.begin(), dashed.end(), '_', '-');
    std::replace(underscored.begin(), underscored.end(), '-', '_');
    for (const std::string& n : {dashed, underscored})
      if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  };
  add(kebab);
  for (std::string_view a : aliases) add(a);
  std::string s;
  for (const std::string& n : out) s += std::string(s.empty() ? "" : ",") + (negate ? "!" : "") + "--" + n;
  return s;
}

Device resolve_device(const std::string& name) {
  const Device d = parse_device(name);
  if (name == "auto") {
    if (d == Device::cuda)
      std::fprintf(stderr, "thon: --device auto: running on the GPU (cuda: %s)\n", cuda_device_summary().c_str());
    else
      std::fprintf(stderr, "thon: --device auto: no usable CUDA device (%s); running on the CPU\n",
                   cuda_device_summary().c_str());
  }
  return d;
}

void print_stage_report() {
  const std::string r = format_stage_report();
  if (stage_report().empty()) return;
  std::printf("stages (where each ran, bytes moved host <-> device):\n%s", r.c_str());
}

}  // namespace thon::cli
