// The live engine's network outputs: VMC to avatar apps and the VJ OSC layout, each an OutputSink the
// output clock calls every tick. Encoding and sending allocate nothing and never throw.
#pragma once
#include <cstdint>
#include <string_view>

#include "live/output_sink.h"
#include "net/frame_packets.h"
#include "net/sender.h"
#include "net/vj_encoder.h"
#include "net/vmc_encoder.h"

namespace e2m::net {

class VmcOutput : public live::OutputSink {
 public:
  // host_port: "HOST:PORT" (throws e2m::Error when it is not one).
  VmcOutput(std::string_view host_port, VmcOptions options = {});
  void send(const live::OutputFrame& frame) noexcept override;
  const Sender& sender() const { return sender_; }

 private:
  VmcOptions options_;
  Sender sender_;
  FramePackets packets_;
};

class VjOutput : public live::OutputSink {
 public:
  VjOutput(std::string_view host_port, VjOptions options = {});
  void send(const live::OutputFrame& frame) noexcept override;
  const Sender& sender() const { return sender_; }

 private:
  VjEncoder encoder_;
  Sender sender_;
  FramePackets packets_;
  std::int64_t last_beats_ = 0;
};

}  // namespace e2m::net
