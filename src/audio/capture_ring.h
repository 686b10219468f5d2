// The lock-free hand-over from a real-time audio callback to the analysis thread: a preallocated
// single-producer/single-consumer queue of fixed-size mono blocks (moodycamel ReaderWriterQueue).
#pragma once
#include <readerwriterqueue/readerwriterqueue.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace e2m::audio {

inline constexpr int kRingBlockFrames = 256;

struct AudioBlock {
  uint32_t frames = 0;
  int64_t write_ns = 0;  // steady clock when the callback wrote it (for latency figures)
  float samples[kRingBlockFrames];
};

class CaptureRing {
 public:
  // capacity_frames: how much audio the ring holds before the callback starts dropping (overrun).
  explicit CaptureRing(size_t capacity_frames);

  // Real-time side. Mixes `channels` interleaved channels to mono. Never allocates, locks, logs or
  // throws: when the ring is full the frames are dropped and counted.
  void write(const float* interleaved, unsigned long frames, int channels) noexcept;

  // Reader side: copies up to `max` samples; returns how many (0 when nothing is waiting).
  size_t read(float* out, size_t max);

  uint64_t frames_written() const { return written_.load(std::memory_order_relaxed); }
  uint64_t frames_dropped() const { return dropped_.load(std::memory_order_relaxed); }
  uint64_t overruns() const { return overruns_.load(std::memory_order_relaxed); }
  // Steady-clock time at which the newest block the reader has taken was written.
  int64_t last_read_write_ns() const { return last_read_ns_; }

 private:
  moodycamel::ReaderWriterQueue<AudioBlock> queue_;
  std::atomic<uint64_t> written_{0}, dropped_{0}, overruns_{0};
  AudioBlock partial_;  // reader side: the block being drained
  uint32_t partial_pos_ = 0;
  int64_t last_read_ns_ = 0;
};

// Steady clock in nanoseconds (vDSO, no allocation: safe on the callback).
int64_t steady_ns() noexcept;

}  // namespace e2m::audio
