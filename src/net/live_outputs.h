// The live engine's network outputs: VMC to avatar apps and the VJ OSC layout, each an OutputSink the
// output clock calls every tick. Encoding and sending allocate nothing and never throw.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "live/output_sink.h"
#include "net/frame_packets.h"
#include "net/sender.h"
#include "net/vj_encoder.h"
#include "net/vmc_encoder.h"

namespace e2m::net {

class VmcOutput : public live::OutputSink {
 public:
  // host_port: "HOST:PORT" (throws e2m::Error when it is not one). options.rate_hz below the output
  // clock's rate thins the ticks out: a frame is sent when its time reaches the next 1/rate_hz slot
  // (the slots stay on the 1/rate_hz grid, so 30 Hz from a 60 Hz clock sends every other tick).
  VmcOutput(std::string_view host_port, VmcOptions options = {});
  void send(const live::OutputFrame& frame) noexcept override;
  const Sender& sender() const { return sender_; }

 private:
  bool due(double time_s) noexcept;

  VmcOptions options_;
  Sender sender_;
  FramePackets packets_;
  double next_send_s_ = -1;  // < 0: nothing sent yet
};

class VjOutput : public live::OutputSink {
 public:
  VjOutput(std::string_view host_port, VjOptions options = {});
  void send(const live::OutputFrame& frame) noexcept override;
  // /prefix/onset at once from the feature thread (its own packet buffer; the socket is shared).
  void onset(float strength, double stream_time_s) noexcept override;
  const Sender& sender() const { return sender_; }

 private:
  VjEncoder encoder_;
  Sender sender_;
  FramePackets packets_;
  FramePackets onset_packets_;
  std::string onset_address_;
  std::int64_t last_beats_ = 0;
};

// Scalars to addresses the user picked (Resolume maps fixed addresses to its own controls): beat (1 on
// the frame a beat falls, else 0), phase, onset, energy (input level) and tempo, each scaled from its
// natural range ([0, 1], tempo 60..180 BPM) into [out_min, out_max].
struct ScalarMapping {
  enum class Source { kBeat, kPhase, kOnset, kEnergy, kTempo } source = Source::kBeat;
  std::string address;
  float out_min = 0, out_max = 1;
};

class ScalarOutput : public live::OutputSink {
 public:
  ScalarOutput(std::string_view host_port, std::vector<ScalarMapping> mappings, bool bundled = true);
  void send(const live::OutputFrame& frame) noexcept override;
  const Sender& sender() const { return sender_; }

 private:
  float value(const ScalarMapping& m, const live::OutputFrame& f) const noexcept;
  std::vector<ScalarMapping> mappings_;
  Sender sender_;
  FramePackets packets_;
  std::int64_t last_beats_ = 0;
  bool beat_ = false;
};

}  // namespace e2m::net
