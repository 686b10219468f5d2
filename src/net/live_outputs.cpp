// VMC and VJ OSC outputs of the live engine.
#include "net/live_outputs.h"

namespace e2m::net {

VmcOutput::VmcOutput(std::string_view host_port, VmcOptions options)
    : options_(options),
      sender_(host_port, "VMC destination"),
      packets_(options.bundled ? options.max_bundle_bytes : 0) {}

void VmcOutput::send(const live::OutputFrame& frame) noexcept {
  VmcOptions o = options_;
  o.root_lock = o.root_lock || frame.root_lock;
  encode_vmc(frame.pose, frame.time_s, o, packets_);
  sender_.send(packets_);
}

VjOutput::VjOutput(std::string_view host_port, VjOptions options)
    : encoder_(options),
      sender_(host_port, "VJ OSC destination"),
      packets_(options.bundled ? options.max_bundle_bytes : 0) {}

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

}  // namespace e2m::net
