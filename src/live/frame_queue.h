// The generator -> output clock hand-over: a preallocated single-producer/single-consumer queue of
// model frames (30 fps) tagged with their frame index (moodycamel ReaderWriterQueue, no allocation
// on push or pop once constructed).
#pragma once
#include <readerwriterqueue/readerwriterqueue.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "motion/pose.h"

namespace e2m::live {

inline constexpr double kModelFps = 30.0;  // model frame rate (DESIGN.md section 3)

// One model frame: index counts frames from the start of the stream, so frame i plays at i / fps.
struct TimedFrame {
  int64_t index = 0;
  motion::PoseFrame pose;
};

class FrameQueue {
 public:
  // capacity: frames held before push() drops (at least this many fit; 1 to 65536). The generator
  // runs ahead of playback by about one chunk (8 frames), so 2 s (60 frames) is plenty.
  explicit FrameQueue(size_t capacity = 60);
  FrameQueue(const FrameQueue&) = delete;
  FrameQueue& operator=(const FrameQueue&) = delete;

  // Producer thread. False when the queue is full: the frame is dropped and counted.
  bool push(const TimedFrame& frame) noexcept;
  // Consumer thread: the oldest frame (nullptr when empty), valid until pop(); pop() drops it.
  const TimedFrame* peek() const noexcept { return queue_.peek(); }
  bool pop() noexcept { return queue_.pop(); }
  bool pop(TimedFrame& out) noexcept { return queue_.try_dequeue(out); }

  size_t size_approx() const noexcept { return queue_.size_approx(); }
  // What fits from empty: the requested capacity rounded up (moodycamel sizes blocks in powers of two).
  size_t capacity() const noexcept { return queue_.max_capacity(); }
  uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }

 private:
  moodycamel::ReaderWriterQueue<TimedFrame> queue_;
  std::atomic<uint64_t> dropped_{0};
};

}  // namespace e2m::live
