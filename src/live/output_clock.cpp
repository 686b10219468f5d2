// OutputClock: absolute-deadline tick loop on CLOCK_MONOTONIC (clock_nanosleep TIMER_ABSTIME).
#include "live/output_clock.h"

#include <pthread.h>
#include <sched.h>

#include <cerrno>
#include <cmath>
#include <ctime>
#include <string>

#include "motion/error.h"

namespace e2m::live {

namespace {

constexpr int64_t kNsPerS = 1'000'000'000;

void sleep_until(int64_t deadline_ns) noexcept {
  timespec ts{static_cast<time_t>(deadline_ns / kNsPerS), static_cast<long>(deadline_ns % kNsPerS)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

}  // namespace

OutputClock::OutputClock(double rate_hz) : rate_hz_(rate_hz) {
  if (!(rate_hz >= 1 && rate_hz <= 1000)) {
    throw Error("output clock rate is " + std::to_string(rate_hz) + " Hz (expected 1 to 1000)");
  }
}

OutputClock::~OutputClock() { stop(); }

int64_t OutputClock::now_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * kNsPerS + ts.tv_nsec;
}

int64_t OutputClock::scheduled_ns(int64_t tick) const noexcept {
  // From the start each time (not by adding periods), so rounding never accumulates.
  return start_ns() + std::llround(static_cast<double>(tick + 1) * 1e9 / rate_hz_);
}

void OutputClock::start(TickFn fn, void* context) {
  if (fn == nullptr) throw Error("output clock tick function is null (expected a function)");
  if (running()) throw Error("output clock is already running (expected stop() before start())");
  fn_ = fn;
  context_ = context;
  stop_.store(false);
  ticks_.store(0);
  missed_.store(0);
  jitter_.reset();
  work_.reset();
  start_ns_.store(now_ns(), std::memory_order_release);
  thread_ = std::thread([this] { run(); });
}

void OutputClock::stop() noexcept {
  if (!thread_.joinable()) return;
  stop_.store(true, std::memory_order_release);
  thread_.join();
}

int64_t OutputClock::next_tick(int64_t tick, int64_t now) noexcept {
  int64_t next = tick + 1;
  int64_t period = std::llround(1e9 / rate_hz_);
  if (now - scheduled_ns(next) <= period) return next;
  // More than a period behind: jump to the latest deadline already past rather than firing a burst.
  auto latest = static_cast<int64_t>(std::floor(static_cast<double>(now - start_ns()) * rate_hz_ / 1e9)) - 1;
  if (latest <= next) return next;
  missed_.fetch_add(static_cast<uint64_t>(latest - next), std::memory_order_relaxed);
  return latest;
}

void OutputClock::run() noexcept {
  // A real-time priority keeps the wake-ups on time while other threads (the generator, a build)
  // load every core. Allowed to root or with an rtprio limit (e.g. the audio group's); without it
  // the clock runs at normal priority and says so in realtime().
  sched_param sp{};
  sp.sched_priority = kRealtimePriority;
  realtime_.store(pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) == 0, std::memory_order_relaxed);
  int64_t tick = 0;
  while (!stop_.load(std::memory_order_acquire)) {
    int64_t deadline = scheduled_ns(tick);
    sleep_until(deadline);
    int64_t woke = now_ns();
    jitter_.record(woke - deadline);
    fn_(context_, tick, deadline);
    int64_t done = now_ns();
    work_.record(done - woke);
    ticks_.fetch_add(1, std::memory_order_relaxed);
    tick = next_tick(tick, done);
  }
}

}  // namespace e2m::live
