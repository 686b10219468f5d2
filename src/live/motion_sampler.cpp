// MotionSampler: 30 fps model frames -> pose at the output clock's time (slerp, or extrapolation).
#include "live/motion_sampler.h"

#include <cmath>
#include <string>

#include "motion/error.h"

namespace e2m::live {

MotionSampler::MotionSampler(FrameQueue& queue, const SamplerParams& params)
    : queue_(queue), params_(params) {
  if (!(params.fps > 0) || !std::isfinite(params.fps)) {
    throw Error("sampler fps is " + std::to_string(params.fps) + " (expected a finite number > 0)");
  }
  if (!(params.decay_frames >= 0)) {
    throw Error("sampler decay_frames is " + std::to_string(params.decay_frames) + " (expected >= 0)");
  }
}

void MotionSampler::consume_until(double frame) noexcept {
  for (const TimedFrame* next = queue_.peek(); next && static_cast<double>(next->index) <= frame;
       next = queue_.peek()) {
    prev_ = last_;
    last_ = *next;
    queue_.pop();
    if (have_ < 2) ++have_;
  }
}

void MotionSampler::extrapolate_last(double frame, motion::PoseFrame& out) const noexcept {
  int64_t gap = last_.index - prev_.index;
  if (have_ < 2 || gap <= 0 || params_.decay_frames <= 0) {
    out = last_.pose;  // nothing to take a velocity from: hold
    return;
  }
  // extrapolate() counts in steps of prev -> last, which here are `gap` model frames each.
  double steps = (frame - static_cast<double>(last_.index)) / static_cast<double>(gap);
  motion::extrapolate(prev_.pose, last_.pose, steps, params_.decay_frames / static_cast<double>(gap), out);
}

SampleStatus MotionSampler::sample(double t_seconds, motion::PoseFrame& out) noexcept {
  double frame = t_seconds * params_.fps;
  consume_until(frame);
  const TimedFrame* next = queue_.peek();
  if (have_ == 0) {
    if (!next) return SampleStatus::kEmpty;
    out = next->pose;
    return SampleStatus::kEarly;
  }
  if (next && next->index > last_.index) {
    double span = static_cast<double>(next->index - last_.index);
    motion::blend(last_.pose, next->pose, (frame - static_cast<double>(last_.index)) / span, out);
    return SampleStatus::kInterpolated;
  }
  if (next || frame <= static_cast<double>(last_.index)) {
    out = last_.pose;  // on the newest frame (or a producer that went back): nothing is missing yet
    return SampleStatus::kInterpolated;
  }
  underruns_.fetch_add(1, std::memory_order_relaxed);
  extrapolate_last(frame, out);
  return SampleStatus::kUnderrun;
}

}  // namespace e2m::live
