// The output clock on a real thread and the real monotonic clock: lifecycle, deadline arithmetic,
// skipping when late, and a one-second run of the whole tick path that must not allocate or lock.
// Timing is only checked within loose bounds: the test machine may be busy.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <memory>
#include <thread>

#include "live/frame_queue.h"
#include "live/latency_histogram.h"
#include "live/motion_sampler.h"
#include "live/one_euro.h"
#include "live/output_clock.h"
#include "live/triple_buffer.h"
#include "motion/error.h"
#include "motion/rotation.h"
#include "rt_checks.h"

using namespace e2m;
using namespace e2m::live;
using namespace std::chrono_literals;

namespace {

struct Recorder {
  std::atomic<int64_t> calls{0};
  std::atomic<int64_t> last_tick{-1};
  std::atomic<int64_t> bad_order{0};
  std::atomic<int64_t> bad_schedule{0};
  std::atomic<int64_t> max_gap{0};
  const OutputClock* clock = nullptr;
  int64_t sleep_on_tick = -1;  // the tick that overruns on purpose
};

void record_tick(void* context, int64_t tick, int64_t scheduled_ns) {
  auto& r = *static_cast<Recorder*>(context);
  int64_t last = r.last_tick.exchange(tick);
  if (tick <= last) r.bad_order.fetch_add(1);
  if (tick - last > r.max_gap.load()) r.max_gap.store(tick - last);
  if (scheduled_ns != r.clock->scheduled_ns(tick)) r.bad_schedule.fetch_add(1);
  if (tick == r.sleep_on_tick) std::this_thread::sleep_for(100ms);
  r.calls.fetch_add(1);
}

template <class Pred>
bool wait_until(Pred pred, std::chrono::seconds limit = 10s) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

}  // namespace

TEST_CASE("output clock validates its rate and tick function, and starts and stops cleanly") {
  CHECK_THROWS_AS(OutputClock(0.0), e2m::Error);
  CHECK_THROWS_WITH(OutputClock(std::nan("")), Catch::Contains("rate"));
  OutputClock clock(120.0);
  CHECK_THROWS_AS(clock.start(nullptr, nullptr), e2m::Error);
  clock.stop();  // stopping a stopped clock is fine
  Recorder r;
  r.clock = &clock;
  for (int run = 0; run < 2; ++run) {  // a stopped clock can be started again
    r.calls = 0;
    r.last_tick = -1;
    clock.start(record_tick, &r);
    CHECK(clock.running());
    CHECK_THROWS_AS(clock.start(record_tick, &r), e2m::Error);
    REQUIRE(wait_until([&] { return r.calls.load() >= 3; }));
    clock.stop();
    CHECK_FALSE(clock.running());
    CHECK(clock.ticks() == static_cast<uint64_t>(r.calls.load()));
    CHECK(clock.wake_jitter().count() == clock.ticks());
  }
  CHECK(r.bad_order == 0);
  CHECK(r.bad_schedule == 0);
  Recorder idle_recorder;
  OutputClock idle;
  idle_recorder.clock = &idle;
  idle.start(record_tick, &idle_recorder);  // destroyed while running: the destructor stops it
}

TEST_CASE("output clock deadlines are start + k / rate, computed from the start (no drift)") {
  OutputClock clock(60.0);
  Recorder r;
  r.clock = &clock;
  clock.start(record_tick, &r);
  clock.stop();
  int64_t t0 = clock.start_ns();
  CHECK(clock.scheduled_ns(0) == t0 + 16666667);
  CHECK(clock.scheduled_ns(59) == t0 + 1000000000);
  CHECK(clock.scheduled_ns(3600 * 60 - 1) == t0 + 3600LL * 1000000000);  // an hour later, exact
}

TEST_CASE("output clock that falls behind skips ahead and counts missed ticks") {
  OutputClock clock(60.0);
  Recorder r;
  r.clock = &clock;
  r.sleep_on_tick = 3;  // 100 ms = six periods late
  clock.start(record_tick, &r);
  REQUIRE(wait_until([&] { return r.last_tick.load() >= 12; }));
  clock.stop();
  CHECK(clock.missed() >= 1);
  CHECK(r.max_gap.load() >= 2);  // the skipped indices are not replayed as a burst
  CHECK(r.bad_order == 0);
  CHECK(r.bad_schedule == 0);
  CHECK(clock.ticks() == static_cast<uint64_t>(r.calls.load()));
}

namespace {

// The tick path as the engine will run it: sample the 30 fps queue, filter, publish a snapshot.
struct Pipeline {
  const OutputClock* clock = nullptr;
  FrameQueue queue{60};
  MotionSampler sampler{queue};
  PoseFilter filter;
  TripleBuffer<motion::PoseFrame> snapshot;
  e2m::test::rt::Counters counters;
  std::atomic<bool> watch{true};
  std::atomic<int64_t> ticks_since_unwatch{0};
  std::atomic<int64_t> interpolated{0};
  std::atomic<int64_t> other{0};
  static constexpr double kLatency = 0.1;  // seconds the output trails the generator's clock
};

void pipeline_tick(void* context, int64_t tick, int64_t scheduled_ns) {
  auto& p = *static_cast<Pipeline*>(context);
  // Watch from inside the thread; stop before the thread ends (thread teardown frees memory).
  if (p.watch.load(std::memory_order_relaxed)) {
    e2m::test::rt::watch_this_thread(&p.counters);
  } else {
    e2m::test::rt::watch_this_thread(nullptr);
    p.ticks_since_unwatch.fetch_add(1);
  }
  double t = static_cast<double>(scheduled_ns - p.clock->start_ns()) * 1e-9 - Pipeline::kLatency;
  motion::PoseFrame& out = p.snapshot.back();
  SampleStatus status = p.sampler.sample(t, out);
  if (status == SampleStatus::kInterpolated)
    p.interpolated.fetch_add(1, std::memory_order_relaxed);
  else
    p.other.fetch_add(1, std::memory_order_relaxed);
  p.filter.filter(out, 1.0 / p.clock->rate_hz(), out);
  p.snapshot.publish();
  (void)tick;
}

}  // namespace

TEST_CASE("output clock runs the tick path for a second at 60 Hz without allocating or locking") {
  OutputClock clock(60.0);
  auto pipeline = std::make_unique<Pipeline>();
  pipeline->clock = &clock;
  std::atomic<bool> producing{true};
  auto begin = std::chrono::steady_clock::now();
  clock.start(pipeline_tick, pipeline.get());
  // A 30 fps generator running a little ahead of the clock.
  std::thread generator([&] {
    TimedFrame frame;
    int64_t next = 0;
    while (producing) {
      double ahead = static_cast<double>(OutputClock::now_ns() - clock.start_ns()) * 1e-9 + 0.1;
      while (static_cast<double>(next) / kModelFps < ahead) {
        frame.index = next;
        frame.pose.root = {0.01 * static_cast<double>(next), 0.9, 0};
        frame.pose.rot[motion::kSpine1] = motion::quat_yaw(0.05 * static_cast<double>(next));
        if (!pipeline->queue.push(frame)) break;
        ++next;
      }
      std::this_thread::sleep_for(5ms);
    }
  });
  uint64_t snapshots = 0;
  while (std::chrono::steady_clock::now() - begin < 1s) {
    if (pipeline->snapshot.update()) ++snapshots;  // the monitor's side of the snapshot
    std::this_thread::sleep_for(10ms);
  }
  pipeline->watch = false;
  REQUIRE(wait_until([&] { return pipeline->ticks_since_unwatch.load() >= 1; }));
  auto counts = e2m::test::rt::read(pipeline->counters);
  clock.stop();
  // Measured after stop(): no tick can have been scheduled later than this.
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  producing = false;
  generator.join();

  uint64_t ticks = clock.ticks(), missed = clock.missed();
  INFO("ticks " << ticks << ", missed " << missed << ", elapsed " << elapsed << " s, underruns "
                << pipeline->sampler.underruns() << ", wake jitter p50 "
                << clock.wake_jitter().percentile_ns(0.5) << " ns, p99 "
                << clock.wake_jitter().percentile_ns(0.99) << " ns, max " << clock.wake_jitter().max_ns()
                << " ns");
  CHECK(counts.heap_calls() == 0);
  CHECK(counts.lock_calls() == 0);
  CHECK(ticks >= 20);  // loose: about 60 on an idle machine
  CHECK(ticks + missed <= static_cast<uint64_t>(std::ceil(elapsed * 60.0)) + 2);
  CHECK(pipeline->interpolated.load() >= 1);
  CHECK(snapshots >= 1);
  CHECK(clock.wake_jitter().count() == ticks);
  CHECK(clock.tick_work().count() == ticks);
  CHECK(clock.wake_jitter().percentile_ns(0.5) <= clock.wake_jitter().percentile_ns(0.99));
  CHECK(clock.wake_jitter().percentile_ns(0.99) <= clock.wake_jitter().max_ns());
}

TEST_CASE("latency histogram bins and percentiles") {
  LatencyHistogram h;
  CHECK(h.percentile_ns(0.5) == 0);
  CHECK(LatencyHistogram::bin_of(-5) == 0);
  CHECK(LatencyHistogram::bin_of(9'999) == 0);
  CHECK(LatencyHistogram::bin_of(10'000) == 1);
  CHECK(LatencyHistogram::bin_of(1'000'000) == 100);
  CHECK(LatencyHistogram::bin_of(10'000'000) == 190);
  CHECK(LatencyHistogram::bin_of(99'999'999) == 279);
  CHECK(LatencyHistogram::bin_of(100'000'000) == LatencyHistogram::kBins - 1);
  for (int b = 0; b + 1 < LatencyHistogram::kBins; ++b) {
    INFO("bin " << b);
    REQUIRE(LatencyHistogram::bin_of(LatencyHistogram::bin_upper_ns(b) - 1) == b);
    REQUIRE(LatencyHistogram::bin_of(LatencyHistogram::bin_upper_ns(b)) == b + 1);
  }
  for (int i = 0; i < 98; ++i) h.record(50'000);  // 50 us
  h.record(3'000'000);                            // 3 ms
  h.record(250'000'000);                          // 250 ms, in the overflow bin
  CHECK(h.count() == 100);
  CHECK(h.percentile_ns(0.5) == 60'000);  // the 50-60 us bin's upper edge
  CHECK(h.percentile_ns(0.99) == 3'100'000);
  CHECK(h.percentile_ns(1.0) == 250'000'000);
  CHECK(h.max_ns() == 250'000'000);
  CHECK(h.mean_ns() == Approx((98 * 50'000.0 + 3'000'000 + 250'000'000) / 100));
  h.reset();
  CHECK(h.count() == 0);
  CHECK(h.max_ns() == 0);
}
