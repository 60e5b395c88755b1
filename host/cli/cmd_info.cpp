// `thon info FILE`: describes a file of any format registered in cli/info_registry.hpp
// (MRC in info_mrc.cpp; other formats add their own info_<format>.cpp).
#include <filesystem>
#include <string>

#include "cli/command.hpp"
#include "cli/info_registry.hpp"
#include "thon/core/error.hpp"

namespace {

void setup(CLI::App& app) {
  static std::string path;
  app.add_option("file", path, "File to describe (format from its extension, else its content)")->required();
  app.callback([] {
    namespace fs = std::filesystem;
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (ec || !fs::exists(status)) thon::fail(thon::ErrorCode::io, path, ": no such file");
    if (fs::is_directory(status)) thon::fail(thon::ErrorCode::io, path, ": is a directory");
    const thon::cli::InfoFormat* format = thon::cli::find_info_format(path);
    if (!format) {
      std::string known;
      for (const auto& f : thon::cli::info_formats()) known += (known.empty() ? "" : ", ") + f.name;
      thon::fail(thon::ErrorCode::unsupported, path, ": unknown file format (known: ", known, ")");
    }
    format->describe(path);
  });
}

const bool registered = thon::cli::register_command({"info", "Describe a file (MRC map, stack or image, ...)", setup});

}  // namespace
