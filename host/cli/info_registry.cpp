#include "cli/info_registry.hpp"

#include <algorithm>
#include <cctype>

namespace thon::cli {

namespace {
std::vector<InfoFormat>& registry() {
  static std::vector<InfoFormat> r;
  return r;
}

bool has_extension(const std::string& path, const std::string& ext) {
  if (path.size() < ext.size()) return false;
  for (std::size_t i = 0; i < ext.size(); ++i) {
    const char c = char(std::tolower(static_cast<unsigned char>(path[path.size() - ext.size() + i])));
    if (c != ext[i]) return false;
  }
  return true;
}
}  // namespace

bool register_info_format(InfoFormat format) {
  registry().push_back(std::move(format));
  return true;
}

const std::vector<InfoFormat>& info_formats() { return registry(); }

const InfoFormat* find_info_format(const std::string& path) {
  for (const auto& f : registry())
    for (const auto& ext : f.extensions)
      if (has_extension(path, ext)) return &f;
  for (const auto& f : registry())
    if (f.sniff && f.sniff(path)) return &f;
  return nullptr;
}

}  // namespace thon::cli
