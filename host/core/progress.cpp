#include "core/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace thon {

Progress::Progress(std::string label, std::int64_t total, std::string unit, bool enabled)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total), enabled_(enabled),
      tty_(isatty(STDERR_FILENO) != 0), start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

Progress::~Progress() { finish(); }

double Progress::elapsed_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

double Progress::rate() const {
  const double t = elapsed_s();
  return t > 0 ? double(done_) / t : 0.0;
}

void Progress::advance(std::int64_t n) {
  done_ += n;
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (tty_) {
    if (now - last_draw_ > std::chrono::milliseconds(200) || done_ >= total_) {
      last_draw_ = now;
      draw(false);
    }
  } else {
    // Without a terminal, a line every 10 %.
    const int percent = total_ > 0 ? int(100 * done_ / total_) : 100;
    if (percent / 10 != last_percent_ / 10) {
      last_percent_ = percent;
      draw(false);
    }
  }
}

void Progress::draw(bool final_line) {
  const double t = elapsed_s();
  const double r = t > 0 ? double(done_) / t : 0.0;
  const double frac = total_ > 0 ? double(done_) / double(total_) : 1.0;
  if (final_line) {
    std::fprintf(stderr, "%s%s: %lld %s in %.2f s (%.1f %s/s)\n", tty_ ? "\r\033[K" : "", label_.c_str(),
                 static_cast<long long>(done_), unit_.c_str(), t, r, unit_.c_str());
    return;
  }
  const double eta = r > 0 ? double(total_ - done_) / r : 0.0;
  if (tty_) {
    constexpr int kWidth = 30;
    const int filled = int(frac * kWidth);
    std::string bar(std::size_t(filled), '#');
    bar.resize(kWidth, '.');
    std::fprintf(stderr, "\r\033[K%s [%s] %lld/%lld %s, %.1f %s/s, %.0f s left", label_.c_str(), bar.c_str(),
                 static_cast<long long>(done_), static_cast<long long>(total_), unit_.c_str(), r, unit_.c_str(), eta);
  } else {
    std::fprintf(stderr, "%s: %lld/%lld %s (%.0f%%), %.1f %s/s\n", label_.c_str(), static_cast<long long>(done_),
                 static_cast<long long>(total_), unit_.c_str(), 100 * frac, r, unit_.c_str());
  }
  std::fflush(stderr);
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (enabled_) draw(true);
}

}  // namespace thon
