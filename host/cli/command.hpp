// Sub-command registry of the `thon` executable. Each host/cli/cmd_*.cpp registers itself:
//   static const bool registered = thon::cli::register_command({"info", "Describe a file", setup_info});
// where setup_info adds options to its CLI11 sub-app and sets its callback.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
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

/// "thon <sub-command> --opt value ..." as given on the command line (the HDF5 provenance).
std::string command_line(const CLI::App& app);

/// Adds `--device auto|cpu|cuda|reference` (default auto) bound to `name`.
CLI::Option* add_device_option(CLI::App& app, std::string& name);

/// Adds `--threads N` (RELION: `--j N`): OpenMP threads of the CPU backend and of FFTW, applied
/// when the option is parsed (default: OMP_NUM_THREADS, else every core).
CLI::Option* add_threads_option(CLI::App& app);

/// The names of one option in thon's CLI convention (docs/cli.md): the kebab-case spelling first,
/// then the same words joined by '_' (RELION's spelling) when that differs, then each alias (the
/// name another program gives the concept) in both spellings. A leading '!' (a CLI11 negating
/// flag) applies to every name. Use it for every option of a sub-command:
///   app.add_option(thon::cli::names("mask-diameter"), o.mask_diameter, "...");
///       // --mask-diameter,--mask_diameter
///   app.add_option(thon::cli::names("apix", {"angpix"}), o.pixel_size_A, "...");
///       // --apix,--angpix
///   app.add_option(thon::cli::names("poses", {"ang"}), o.poses, "...");  // RELION's --ang
std::string names(std::string_view kebab, std::initializer_list<std::string_view> aliases = {});

/// Writes a PNG montage of the first `max_images` images of an MRC stack (each scaled on its
/// own) to `png_path` and returns the path; for the `--png` previews.
std::string write_stack_montage(const std::string& mrcs_path, const std::string& png_path, int max_images = 16);

/// thon::parse_device(name), and for "auto" one line on stderr saying which backend it chose and
/// why ("thon: --device auto: no CUDA device (...); running on the CPU").
Device resolve_device(const std::string& name);

/// Prints the stage report (thon/core/stages.hpp: where each stage ran, bytes host<->device) when
/// any stage was recorded.
void print_stage_report();

}  // namespace thon::cli
