// VMC and VJ OSC outputs of the live engine.
#include "net/live_outputs.h"

#include <algorithm>

namespace e2m::net {

VmcOutput::VmcOutput(std::string_view host_port, VmcOptions options)
    : options_(options),
      sender_(host_port, "VMC destination"),
      packets_(options.bundled ? options.max_bundle_bytes : 0) {}

bool VmcOutput::due(double time_s) noexcept {
  if (options_.rate_hz <= 0) return true;
  const double period = 1.0 / options_.rate_hz;
  // Half a millisecond of slack: a tick scheduled on the slot is never late by rounding.
  if (next_send_s_ >= 0 && time_s + 5e-4 < next_send_s_) return false;
  // The next slot on the grid; a clock that fell behind more than a slot starts the grid again.
  next_send_s_ =
      (next_send_s_ < 0 || time_s - next_send_s_ > period) ? time_s + period : next_send_s_ + period;
  return true;
}

void VmcOutput::send(const live::OutputFrame& frame) noexcept {
  if (!due(frame.time_s)) return;
  VmcOptions o = options_;
  o.root_lock = o.root_lock || frame.root_lock;
  encode_vmc(frame.pose, frame.time_s, o, packets_);
  sender_.send(packets_);
}

VjOutput::VjOutput(std::string_view host_port, VjOptions options)
    : encoder_(options),
      sender_(host_port, "VJ OSC destination"),
      packets_(options.bundled ? options.max_bundle_bytes : 0),
      onset_packets_(0),
      onset_address_(options.prefix + "/onset") {}

void VjOutput::onset(float strength, double) noexcept {
  onset_packets_.clear(0);
  onset_packets_.begin_message(onset_address_, 1).add_float(strength);
  onset_packets_.end_message();
  sender_.send(onset_packets_);
}

void VjOutput::send(const live::OutputFrame& frame) noexcept {
  VjFrameInfo info;
  info.frame = static_cast<std::int32_t>(frame.tick);
  info.beat = frame.analysis.beat_count > last_beats_;
  last_beats_ = frame.analysis.beat_count;
  info.beat_count = static_cast<std::int32_t>(frame.analysis.beat_count);
  info.tempo_bpm = frame.analysis.tempo_bpm;
  info.phase = frame.analysis.phase;
  info.onset = frame.analysis.onset;
  encoder_.encode(frame.pose, info, packets_);
  sender_.send(packets_);
}

ScalarOutput::ScalarOutput(std::string_view host_port, std::vector<ScalarMapping> mappings, bool bundled)
    : mappings_(std::move(mappings)),
      sender_(host_port, "OSC destination"),
      packets_(bundled ? kDefaultMaxBundleBytes : 0) {}

float ScalarOutput::value(const ScalarMapping& m, const live::OutputFrame& f) const noexcept {
  float unit = 0;  // the source in [0, 1]
  switch (m.source) {
    case ScalarMapping::Source::kBeat:
      unit = beat_ ? 1.0f : 0.0f;
      break;
    case ScalarMapping::Source::kPhase:
      unit = f.analysis.phase;
      break;
    case ScalarMapping::Source::kOnset:
      unit = std::min(1.0f, f.analysis.onset);
      break;
    case ScalarMapping::Source::kEnergy:
      unit = std::min(1.0f, 4.0f * f.analysis.level);  // RMS 0.25 (-12 dBFS) reads as full
      break;
    case ScalarMapping::Source::kTempo:
      unit = std::clamp((f.analysis.tempo_bpm - 60.0f) / 120.0f, 0.0f, 1.0f);
      break;
  }
  return m.out_min + unit * (m.out_max - m.out_min);
}

void ScalarOutput::send(const live::OutputFrame& frame) noexcept {
  beat_ = frame.analysis.beat_count > last_beats_;
  last_beats_ = frame.analysis.beat_count;
  packets_.clear();
  for (const auto& m : mappings_) {
    packets_.begin_message(m.address, 1).add_float(value(m, frame));
    packets_.end_message();
  }
  sender_.send(packets_);
}

}  // namespace e2m::net
