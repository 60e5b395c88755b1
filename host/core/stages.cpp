#include "thon/core/stages.hpp"

#include <cstdio>
#include <cstring>
#include <mutex>

namespace thon {
namespace {

std::mutex& stage_mutex() {
  static std::mutex m;
  return m;
}
std::vector<StageRecord>& stages() {
  static std::vector<StageRecord> s;
  return s;
}
StageRecord& find_or_add(const char* name, StageSite site) {
  for (StageRecord& r : stages())
    if (r.site == site && r.name == name) return r;
  stages().push_back(StageRecord{name, site, 0, 0, 0});
  return stages().back();
}

}  // namespace

const char* to_string(StageSite s) { return s == StageSite::device ? "device" : "host"; }

void stage_record(const char* name, StageSite site, std::uint64_t h2d_bytes, std::uint64_t d2h_bytes) {
  std::lock_guard<std::mutex> lock(stage_mutex());
  StageRecord& r = find_or_add(name, site);
  ++r.calls;
  r.h2d_bytes += h2d_bytes;
  r.d2h_bytes += d2h_bytes;
}

void stage_bytes(const char* name, std::uint64_t h2d_bytes, std::uint64_t d2h_bytes) {
  std::lock_guard<std::mutex> lock(stage_mutex());
  StageRecord& r = find_or_add(name, StageSite::device);
  r.h2d_bytes += h2d_bytes;
  r.d2h_bytes += d2h_bytes;
}

std::vector<StageRecord> stage_report() {
  std::lock_guard<std::mutex> lock(stage_mutex());
  return stages();
}

void stage_report_reset() {
  std::lock_guard<std::mutex> lock(stage_mutex());
  stages().clear();
}

std::string format_stage_report() {
  const std::vector<StageRecord> s = stage_report();
  std::string out;
  char line[256];
  double h2d = 0, d2h = 0;
  for (const StageRecord& r : s) {
    std::snprintf(line, sizeof line, "  %-28s %-6s %8llu calls  H2D %10.2f MiB  D2H %10.2f MiB\n", r.name.c_str(),
                  to_string(r.site), (unsigned long long)r.calls, double(r.h2d_bytes) / (1 << 20),
                  double(r.d2h_bytes) / (1 << 20));
    out += line;
    h2d += double(r.h2d_bytes);
    d2h += double(r.d2h_bytes);
  }
  std::snprintf(line, sizeof line, "  %-28s %-6s %8s        H2D %10.2f MiB  D2H %10.2f MiB\n", "total", "", "",
                h2d / (1 << 20), d2h / (1 << 20));
  out += line;
  return out;
}

}  // namespace thon
