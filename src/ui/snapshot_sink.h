// What the monitor reads from the engine's real-time threads: the frame the output clock sends (the
// exact pose, with the analysis it went out with) through a triple buffer, and onsets as they are
// found. send() and onset() run on the clock and feature threads: a copy and atomics, nothing that
// allocates, locks or waits.
#pragma once
#include <atomic>
#include <cstdint>

#include "live/output_sink.h"
#include "live/triple_buffer.h"

namespace e2m::ui {

class SnapshotSink : public live::OutputSink {
 public:
  void send(const live::OutputFrame& frame) noexcept override {
    frames_.write(frame);
    sent_.fetch_add(1, std::memory_order_release);
  }
  void onset(float, double) noexcept override { onsets_.fetch_add(1, std::memory_order_relaxed); }

  // One reader thread (the monitor's). The newest frame sent; false before the first.
  bool latest(live::OutputFrame& out) noexcept {
    if (sent_.load(std::memory_order_acquire) == 0) return false;
    out = frames_.read();
    return true;
  }
  int64_t frames_sent() const noexcept { return sent_.load(std::memory_order_relaxed); }
  int64_t onsets() const noexcept { return onsets_.load(std::memory_order_relaxed); }

 private:
  live::TripleBuffer<live::OutputFrame> frames_;
  std::atomic<int64_t> sent_{0}, onsets_{0};
};

}  // namespace e2m::ui
