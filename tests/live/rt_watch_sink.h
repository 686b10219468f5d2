// An output sink for real-time checks during a live engine run: added first, it switches the
// checker (rt_checks.h) on for the output clock's thread at one tick and off at a later one, so the
// whole tick path in between (sampler, filter, every sink after it) is watched.
#pragma once
#include <atomic>
#include <cstdint>

#include "live/output_sink.h"
#include "rt_checks.h"

namespace e2m::test::rt {

class WatchSink : public live::OutputSink {
 public:
  WatchSink(Counters& c, int64_t from, int64_t to) : counters_(c), from_(from), to_(to) {}
  void send(const live::OutputFrame& f) noexcept override {
    if (f.tick == from_) watch_this_thread(&counters_);
    if (f.tick == to_) watch_this_thread(nullptr);
    if (f.tick > from_ && f.tick < to_) ++watched;
  }
  std::atomic<int64_t> watched{0};  // ticks watched from start to end

 private:
  Counters& counters_;
  int64_t from_, to_;
};

}  // namespace e2m::test::rt
