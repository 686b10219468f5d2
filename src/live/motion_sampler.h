// Turns the generator's 30 fps frames into a pose at any output time: called by the output clock
// each tick, it consumes the frame queue, slerps between the two model frames around the time, and
// when the next frame has not arrived (the generator is late) extrapolates and counts an underrun.
#pragma once
#include <atomic>
#include <cstdint>

#include "live/frame_queue.h"
#include "motion/pose.h"

namespace e2m::live {

struct SamplerParams {
  double fps = kModelFps;     // model frame rate: frame i plays at i / fps seconds (default 30)
  double decay_frames = 4.0;  // extrapolation velocity time constant, in model frames (about
                              // 133 ms at 30 fps): a late generator's pose glides to a stop.
};

enum class SampleStatus {
  kEmpty,         // no frame has arrived yet; out is left untouched
  kEarly,         // the time is before the first frame; out = the first frame
  kInterpolated,  // between two frames (or exactly on one); out = their slerp
  kUnderrun,      // the next frame is missing; out = the last frames extrapolated (or held)
};

class MotionSampler {
 public:
  // The sampler is the queue's only consumer. Throws e2m::Error unless fps > 0 and
  // decay_frames >= 0 (0 holds the last frame instead of extrapolating).
  explicit MotionSampler(FrameQueue& queue, const SamplerParams& params = {});

  // Output clock thread. t_seconds: time on the stream timeline (frame i at i / fps). Frames at
  // or before t are consumed. Never allocates, locks or throws.
  SampleStatus sample(double t_seconds, motion::PoseFrame& out) noexcept;

  // Samples that found no next frame (one per tick while the generator is late). Any thread.
  uint64_t underruns() const noexcept { return underruns_.load(std::memory_order_relaxed); }
  // The newest frame consumed so far (-1 before any).
  int64_t last_index() const noexcept { return have_ ? last_.index : -1; }

 private:
  void consume_until(double frame) noexcept;
  void extrapolate_last(double frame, motion::PoseFrame& out) const noexcept;

  FrameQueue& queue_;
  SamplerParams params_;
  TimedFrame prev_;  // the frame consumed before last_ (valid when have_ >= 2)
  TimedFrame last_;  // the newest frame at or before the sampled time
  int have_ = 0;     // frames consumed, saturating at 2
  std::atomic<uint64_t> underruns_{0};
};

}  // namespace e2m::live
