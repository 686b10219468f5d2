// FramePackets: one output frame as UDP-ready OSC packets in fixed storage, split into bundles of at
// most a given size (or one message per packet), so a frame is encoded and sent without allocating.
//
// The caller owns one FramePackets per output stream (they are ~18 KB: keep them in the sender's
// context, not on a small stack) and reuses it every frame: clear(), then begin_message / add_* /
// end_message per message, then hand it to a Sender. Each message is written into a scratch area first
// and then appended to the current bundle, or to a new one when it would push the bundle past the limit
// (the extra copy is a few hundred bytes). On overflow (storage or packet table full, a malformed
// message) ok() turns false and the frame should be dropped, not sent half-built.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "net/osc_writer.h"

namespace e2m::net {

// Largest UDP payload that survives a 1500-byte Ethernet MTU without IP fragmentation is 1472;
// VMC receivers (uOSC, VMC4UE) are tested with 1500-byte bundles, which is what DESIGN.md 5.1 asks.
inline constexpr std::size_t kDefaultMaxBundleBytes = 1500;

class FramePackets {
 public:
  static constexpr std::size_t kStorageBytes = 16384;  // a VMC frame is ~2 KB, a VJ frame with joints ~1.6 KB
  static constexpr int kMaxPackets = 64;               // unbundled VMC: 25, unbundled VJ with joints: 28
  static constexpr std::size_t kMaxMessageBytes = 1024;  // /e2m/pose (66 floats) is 344 bytes

  // max_bundle_bytes: bundle size limit in bytes; 0 = unbundled (each message its own packet).
  explicit FramePackets(std::size_t max_bundle_bytes = kDefaultMaxBundleBytes) noexcept;

  // Forget the previous frame's packets; optionally switch mode (see the constructor).
  void clear() noexcept;
  void clear(std::size_t max_bundle_bytes) noexcept;

  // Start a message; write its arguments through the returned writer, then call end_message().
  OscWriter& begin_message(std::string_view address, int num_args) noexcept;
  void end_message() noexcept;

  bool ok() const noexcept { return ok_; }
  bool bundled() const noexcept { return max_bundle_ > 0; }
  int count() const noexcept { return count_; }
  std::span<const std::byte> packet(int i) const noexcept;
  std::size_t total_bytes() const noexcept { return used_; }

 private:
  struct Slot {
    std::size_t offset = 0, size = 0;
  };
  bool open_packet() noexcept;
  bool append(std::span<const std::byte> bytes) noexcept;
  void append_to_bundle(std::span<const std::byte> msg) noexcept;

  std::array<std::byte, kStorageBytes> storage_{};
  std::array<std::byte, kMaxMessageBytes> scratch_{};
  std::array<Slot, kMaxPackets> slots_{};
  OscWriter scratch_writer_;
  std::size_t max_bundle_ = kDefaultMaxBundleBytes;
  std::size_t used_ = 0;
  int count_ = 0;
  bool bundle_open_ = false;
  bool ok_ = true;
};

}  // namespace e2m::net
