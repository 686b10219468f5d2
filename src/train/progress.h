// A one-line progress bar on stderr for long jobs: done/total, loss, rate and ETA.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace e2m::train {

class ProgressBar {
 public:
  // first: the step the run starts from (resume), so the rate and ETA count only this run's steps.
  ProgressBar(int64_t total, int64_t first = 0, bool enabled = true);
  // Redraws at most ten times a second (and always at the last step).
  void update(int64_t done, const std::string& status);
  void finish();

  // "1:02:03" / "02:03".
  static std::string format_duration(double seconds);
  // The text of the bar without control characters, e.g. for tests.
  static std::string render(int64_t done, int64_t total, double elapsed_s, int64_t first, const std::string& status,
                            int width = 24);

 private:
  int64_t total_, first_;
  bool enabled_, tty_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace e2m::train
