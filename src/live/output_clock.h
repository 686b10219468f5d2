// The output clock: a thread that ticks at a fixed rate (default 60 Hz) on CLOCK_MONOTONIC with
// absolute deadlines, and calls a tick function that samples, mixes and sends one output frame.
//
// Tick k is scheduled at start + (k + 1) / rate (the first a period after start(), which leaves the
// thread time to come up), so sleep jitter never accumulates into drift. When a tick ends more than
// one period behind its next deadline, the clock skips ahead to the latest deadline already past
// and counts the skipped ticks as missed; tick indices keep mapping to scheduled time either way.
// The loop itself never allocates, locks, logs or throws; the tick function must not either.
#pragma once
#include <atomic>
#include <cstdint>
#include <thread>

#include "live/latency_histogram.h"

namespace e2m::live {

// Called on the clock thread: tick index (from 0; skipped ticks leave gaps) and the tick's
// scheduled CLOCK_MONOTONIC time in ns. A plain function pointer so calling it cannot allocate.
using TickFn = void (*)(void* context, int64_t tick, int64_t scheduled_ns);

class OutputClock {
 public:
  // rate_hz: ticks per second, 1 to 1000 (default 60). Throws e2m::Error otherwise.
  explicit OutputClock(double rate_hz = 60.0);
  ~OutputClock();  // stops
  OutputClock(const OutputClock&) = delete;
  OutputClock& operator=(const OutputClock&) = delete;

  // start(), stop() and running() belong to one controlling thread (not the tick function).
  // Starts the thread; counters and histograms start from zero. Throws e2m::Error when fn is null
  // or the clock is already running. context is passed to fn unchanged and must outlive the run.
  void start(TickFn fn, void* context);
  // Asks the thread to stop and joins it (returns within about one period plus one tick). Safe to
  // call when stopped; must not be called from the tick function.
  void stop() noexcept;
  bool running() const noexcept { return thread_.joinable(); }

  double rate_hz() const noexcept { return rate_hz_; }
  int64_t start_ns() const noexcept { return start_ns_.load(std::memory_order_acquire); }
  // CLOCK_MONOTONIC time of tick k (ns).
  int64_t scheduled_ns(int64_t tick) const noexcept;

  // Readable from any thread while running.
  uint64_t ticks() const noexcept { return ticks_.load(std::memory_order_relaxed); }
  uint64_t missed() const noexcept { return missed_.load(std::memory_order_relaxed); }
  const LatencyHistogram& wake_jitter() const noexcept { return jitter_; }  // actual - scheduled wake
  const LatencyHistogram& tick_work() const noexcept { return work_; }      // time inside fn

  static int64_t now_ns() noexcept;
  // Whether the clock's thread got SCHED_FIFO priority (see run()).
  bool realtime() const noexcept { return realtime_.load(std::memory_order_relaxed); }
  static constexpr int kRealtimePriority =
      70;  // below JACK's usual 80-95 for audio callbacks  // CLOCK_MONOTONIC, ns

 private:
  void run() noexcept;
  int64_t next_tick(int64_t tick, int64_t now) noexcept;

  double rate_hz_;
  TickFn fn_ = nullptr;
  void* context_ = nullptr;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> start_ns_{0};
  std::atomic<bool> realtime_{false};
  std::atomic<uint64_t> ticks_{0};
  std::atomic<uint64_t> missed_{0};
  LatencyHistogram jitter_;
  LatencyHistogram work_;
};

}  // namespace e2m::live
