// Sub-command registry of the `thon` executable. Each host/cli/cmd_*.cpp registers itself:
//   static const bool registered = thon::cli::register_command({"info", "Describe a file", setup_info});
// where setup_info adds options to its CLI11 sub-app and sets its callback.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

#include "thon/core/device.hpp"

namespace thon::cli {

struct Command {
  std::string name;
  std::string description;
  std::function<void(CLI::App&)> setup;
};

bool register_command(Command command);
const std::vector<Command>& commands();

/// Adds `--device auto|cpu|cuda|reference` (default auto) bound to `name`.
CLI::Option* add_device_option(CLI::App& app, std::string& name);

/// thon::parse_device(name), and for "auto" one line on stderr saying which backend it chose and
/// why ("thon: --device auto: no CUDA device (...); running on the CPU").
Device resolve_device(const std::string& name);

/// Prints the stage report (thon/core/stages.hpp: where each stage ran, bytes host<->device) when
/// any stage was recorded.
void print_stage_report();

}  // namespace thon::cli
