// Progress bar on stderr; see progress.h.
#include "train/progress.h"

#include <unistd.h>

#include <cstdio>

namespace e2m::train {

ProgressBar::ProgressBar(int64_t total, int64_t first, bool enabled)
    : total_(total), first_(first), enabled_(enabled), tty_(isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()), last_draw_(start_ - std::chrono::seconds(10)) {}

std::string ProgressBar::format_duration(double seconds) {
  if (!(seconds >= 0) || seconds > 1e7) return "--:--";
  const auto s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof(buf), "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  else
    std::snprintf(buf, sizeof(buf), "%02ld:%02ld", s / 60, s % 60);
  return buf;
}

std::string ProgressBar::render(int64_t done, int64_t total, double elapsed_s, int64_t first, const std::string& status,
                                int width) {
  const double frac = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
  const int filled = static_cast<int>(frac * width + 0.5);
  std::string bar = "[";
  for (int i = 0; i < width; ++i) bar += i < filled ? '#' : '.';
  bar += ']';
  const double ran = static_cast<double>(done - first);
  const double rate = elapsed_s > 0 && ran > 0 ? ran / elapsed_s : 0;
  const double eta = rate > 0 ? static_cast<double>(total - done) / rate : -1;
  char buf[160];
  std::snprintf(buf, sizeof(buf), " %lld/%lld %s  %.2f it/s  ETA %s", static_cast<long long>(done),
                static_cast<long long>(total), status.c_str(), rate, format_duration(eta).c_str());
  return bar + buf;
}

void ProgressBar::update(int64_t done, const std::string& status) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  const bool last = done >= total_;
  // Without a terminal, a line every 10 seconds instead of redrawing in place.
  const auto every = tty_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(10000);
  if (!last && now - last_draw_ < every) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const std::string line = render(done, total_, elapsed, first_, status);
  std::fprintf(stderr, tty_ ? "\r%s\033[K" : "%s\n", line.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::finish() {
  if (enabled_ && drawn_ && tty_) std::fprintf(stderr, "\n");
  drawn_ = false;
}

}  // namespace e2m::train
