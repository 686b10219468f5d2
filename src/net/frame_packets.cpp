// FramePackets: a frame's OSC messages packed into bundles of bounded size, in fixed storage.
#include "net/frame_packets.h"

#include <cstring>

namespace e2m::net {

namespace {
const std::byte kBundleHeader[kOscBundleHeaderBytes] = {
    std::byte{'#'}, std::byte{'b'}, std::byte{'u'}, std::byte{'n'}, std::byte{'d'}, std::byte{'l'},
    std::byte{'e'}, std::byte{0},   std::byte{0},   std::byte{0},   std::byte{0},   std::byte{0},
    std::byte{0},   std::byte{0},   std::byte{0},   std::byte{1}};  // timetag "immediately"
}  // namespace

FramePackets::FramePackets(std::size_t max_bundle_bytes) noexcept
    : scratch_writer_(scratch_), max_bundle_(max_bundle_bytes) {}

void FramePackets::clear() noexcept {
  used_ = 0;
  count_ = 0;
  bundle_open_ = false;
  ok_ = true;
}

void FramePackets::clear(std::size_t max_bundle_bytes) noexcept {
  max_bundle_ = max_bundle_bytes;
  clear();
}

std::span<const std::byte> FramePackets::packet(int i) const noexcept {
  if (i < 0 || i >= count_) return {};
  const Slot& s = slots_[static_cast<std::size_t>(i)];
  return std::span<const std::byte>(storage_).subspan(s.offset, s.size);
}

OscWriter& FramePackets::begin_message(std::string_view address, int num_args) noexcept {
  scratch_writer_.reset();
  scratch_writer_.begin_message(address, num_args);
  return scratch_writer_;
}

bool FramePackets::open_packet() noexcept {
  if (count_ >= kMaxPackets) return ok_ = false;
  slots_[static_cast<std::size_t>(count_++)] = {used_, 0};
  return true;
}

bool FramePackets::append(std::span<const std::byte> bytes) noexcept {
  if (bytes.size() > kStorageBytes - used_) return ok_ = false;
  std::memcpy(storage_.data() + used_, bytes.data(), bytes.size());
  used_ += bytes.size();
  slots_[static_cast<std::size_t>(count_ - 1)].size += bytes.size();
  return true;
}

void FramePackets::append_to_bundle(std::span<const std::byte> msg) noexcept {
  std::size_t element = 4 + msg.size();
  bool fits = bundle_open_ && slots_[static_cast<std::size_t>(count_ - 1)].size + element <= max_bundle_;
  // A message too big for any bundle still goes out, alone in its own bundle.
  if (!fits) {
    if (!open_packet() || !append(kBundleHeader)) return;
    bundle_open_ = true;
  }
  auto n = static_cast<std::uint32_t>(msg.size());
  const std::byte size_be[4] = {std::byte(n >> 24), std::byte((n >> 16) & 0xff), std::byte((n >> 8) & 0xff),
                                std::byte(n & 0xff)};
  if (append(size_be)) append(msg);
}

void FramePackets::end_message() noexcept {
  scratch_writer_.end_message();
  if (!ok_) return;
  if (!scratch_writer_.ok()) {
    ok_ = false;
    return;
  }
  if (bundled()) return append_to_bundle(scratch_writer_.bytes());
  if (open_packet()) append(scratch_writer_.bytes());
}

}  // namespace e2m::net
