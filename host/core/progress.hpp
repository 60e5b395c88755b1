// A terminal progress bar for long work: items done, rate and time left, on stderr.
// Redraws at most a few times a second; prints plain lines instead when stderr is not a terminal.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace thon {

class Progress {
 public:
  /// `label` names the work ("simulate"), `total` the item count, `unit` the item ("images").
  Progress(std::string label, std::int64_t total, std::string unit = "items", bool enabled = true);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  /// Adds n finished items (call from one thread).
  void advance(std::int64_t n = 1);
  /// Final line with the total time and mean rate; called by the destructor if not before.
  void finish();
  double elapsed_s() const;
  /// Mean items per second so far.
  double rate() const;

 private:
  void draw(bool final_line);
  std::string label_, unit_;
  std::int64_t total_, done_ = 0;
  bool enabled_, tty_, finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
  int last_percent_ = -1;
};

}  // namespace thon
