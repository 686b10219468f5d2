// Sender: one UDP destination ("HOST:PORT") that the output clock hands prepared frames to.
//
// Why a plain socket and not liblo: lo_send_message serialises into a freshly malloc'd buffer per
// message and looks the address up through a lo_address, so it allocates on the output clock. The
// packets are already encoded (FramePackets), so sending is one non-blocking send() per packet on a
// UDP socket opened and connected once, in the constructor. Connecting fixes the source port for the
// session and lets the kernel report an absent receiver (ICMP port unreachable) as a send error.
// A send never blocks, throws or allocates; failures are counted. Counters are atomics, readable from
// any thread (the monitor, --headless). Several destinations = several Senders.
#pragma once
#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "net/frame_packets.h"

namespace e2m::net {

struct Endpoint {
  std::string host;  // name, IPv4 literal or IPv6 literal (without brackets)
  int port = 0;      // 1..65535
};

// "HOST:PORT", or "[v6-literal]:PORT". Throws e2m::Error naming the text and what was expected.
// what: the option it came from, for the message (e.g. "--vmc").
Endpoint parse_endpoint(std::string_view text, std::string_view what = "destination");

struct SenderStats {
  std::uint64_t frames = 0;   // frames handed to send()
  std::uint64_t packets = 0;  // packets the kernel accepted
  std::uint64_t bytes = 0;    // payload bytes the kernel accepted
  std::uint64_t errors = 0;   // packets not sent (send failed, would block, or the frame was not ok())
};

class Sender {
 public:
  // Resolves the destination and opens the socket; throws e2m::Error on bad text, an unknown host or
  // a socket failure.
  explicit Sender(std::string_view host_port, std::string_view what = "destination");
  ~Sender();
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;

  // Send every packet of a frame, in order. A frame that is not ok() is dropped and counted as one
  // error. Returns true when every packet went out.
  bool send(const FramePackets& frame) noexcept;
  // Send one datagram.
  bool send_packet(std::span<const std::byte> packet) noexcept;

  SenderStats stats() const noexcept;
  const Endpoint& endpoint() const { return endpoint_; }

 private:
  Endpoint endpoint_;
  int fd_ = -1;
  std::atomic<std::uint64_t> frames_{0}, packets_{0}, bytes_{0}, errors_{0};
};

}  // namespace e2m::net
