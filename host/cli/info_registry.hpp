// Formats that `thon info FILE` can describe. Each format registers itself statically from its
// own host/cli/info_<format>.cpp:
//   static const bool registered = thon::cli::register_info_format(
//       {"MRC", {".mrc", ".mrcs", ".map"}, sniff_mrc, describe_mrc});
// `thon info` picks the first format whose extension matches (case-insensitive); when none does,
// it asks each format's `sniff` in turn (content check: must not throw, must be cheap).
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace thon::cli {

struct InfoFormat {
  std::string name;                                   ///< "MRC", "STAR", ...
  std::vector<std::string> extensions;                ///< lower case, with the dot: ".mrc"
  std::function<bool(const std::string& path)> sniff;  ///< true when the content looks like this format
  std::function<void(const std::string& path)> describe;  ///< prints to stdout; throws thon::Error
};

bool register_info_format(InfoFormat format);
const std::vector<InfoFormat>& info_formats();

/// The format for `path`: by extension first, then by content. nullptr when none matches.
const InfoFormat* find_info_format(const std::string& path);

}  // namespace thon::cli
