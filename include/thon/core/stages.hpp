// The stage report: which stage of a run executed where (device or host) and how many bytes it
// moved between host and device memory. Every CUDA entry point records its stages; a host
// function called on behalf of --device cuda records a host stage, so a silent fall-back to the
// host is visible in the log (`thon reconstruct/simulate/project` print the report) and in tests
// (tests/cuda/residency_test.cpp). Thread-safe; process-wide; no CUDA header.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace thon {

enum class StageSite { device, host };

struct StageRecord {
  std::string name;          ///< "<family>.<stage>", e.g. "reconstruct.insert"; "io.*" for disk I/O
  StageSite site = StageSite::host;
  std::uint64_t calls = 0;
  std::uint64_t h2d_bytes = 0;  ///< host -> device
  std::uint64_t d2h_bytes = 0;  ///< device -> host
};

/// Adds one call of stage `name` at `site` with the bytes it moved (summed per (name, site)).
void stage_record(const char* name, StageSite site, std::uint64_t h2d_bytes = 0, std::uint64_t d2h_bytes = 0);
/// Adds bytes to a stage without counting a call (a copy issued apart from the compute).
void stage_bytes(const char* name, std::uint64_t h2d_bytes, std::uint64_t d2h_bytes);
/// The stages recorded since the last reset, in the order they were first seen.
std::vector<StageRecord> stage_report();
void stage_report_reset();
/// One line per stage: "  <name>  <device|host>  <calls>  H2D <MiB>  D2H <MiB>", and a total line.
std::string format_stage_report();
const char* to_string(StageSite s);

}  // namespace thon
