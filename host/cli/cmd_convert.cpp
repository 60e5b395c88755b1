// `thon convert --i IN --o OUT`: RELION STAR (+ MRC stacks), cryoSPARC .cs and thon HDF5 datasets.
#include <cstdio>

#include "cli/command.hpp"
#include "pipeline/convert.hpp"

namespace {

void setup(CLI::App& app) {
  static thon::pipeline::ConvertOptions o;
  app.add_option(thon::cli::names("i"), o.input, "Input: particles.star (RELION 3.0/3.1), particles.cs (cryoSPARC) or dataset.h5 (thon)")
      ->required();
  app.add_option(thon::cli::names("o"), o.output,
                 "Output: .star (RELION 3.1; from .h5 the images go to <stem>.mrcs beside it) or .h5 (images and tables)")
      ->required();
  app.add_option(thon::cli::names("image-dir", {"img"}), o.image_directory,
                 "Directory the image paths of a .cs file are relative to (the cryoSPARC project directory; RELION: --img)");
  app.add_option(thon::cli::names("compress"), o.deflate_level, "HDF5 output: gzip level 1-9 of the images (default 0: none)")
      ->check(CLI::Range(0, 9));
  app.add_option(thon::cli::names("batch"), o.batch, "Images per batch when streaming (default 256)")->check(CLI::PositiveNumber);
  app.add_flag(thon::cli::names("!quiet", {"no-progress"}), o.progress, "No progress bar");
  app.footer(
      "Conversions: .star -> .star (3.0 becomes 3.1), .star -> .h5, .cs -> .star, .cs -> .h5 (with --image-dir),\n"
      ".h5 -> .star + .mrcs. STAR -> HDF5 -> STAR keeps every value and the image bits.");
  app.callback([&app] {
    o.command_line = "thon convert";
    for (const auto* opt : app.get_options())
      if (opt->count() > 0 && opt->get_name() != "--help")
        for (const auto& r : opt->results()) o.command_line += " " + opt->get_name() + (opt->get_expected_max() > 0 ? " " + r : std::string());
    const auto s = thon::pipeline::convert(o);
    std::printf("converted %lld particles%s: %s\n", (long long)s.particles,
                s.images ? (" and " + std::to_string(s.images) + " images").c_str() : "", s.written.c_str());
  });
}

const bool registered = thon::cli::register_command(
    {"convert", "Convert particles between RELION STAR, cryoSPARC .cs and thon HDF5", setup});

}  // namespace
