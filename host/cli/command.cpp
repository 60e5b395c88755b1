#include "cli/command.hpp"

#include <algorithm>
#include <cstdio>

#include "thon/core/stages.hpp"

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
