// OscWriter: OSC messages and bundles into a fixed buffer, without allocating.
#include "net/osc_writer.h"

#include <bit>
#include <cstring>

namespace e2m::net {

void OscWriter::reset() noexcept {
  pos_ = message_start_ = tag_pos_ = 0;
  args_declared_ = args_written_ = 0;
  in_bundle_ = in_message_ = failed_ = false;
}

bool OscWriter::room(std::size_t n) noexcept {
  if (failed_ || n > buf_.size() - pos_) {
    fail();
    return false;
  }
  return true;
}

void OscWriter::put_u32(std::uint32_t v) noexcept {
  if (!room(4)) return;
  for (int shift = 24; shift >= 0; shift -= 8) buf_[pos_++] = static_cast<std::byte>((v >> shift) & 0xff);
}

void OscWriter::put_string(std::string_view s) noexcept {
  std::size_t n = osc_string_size(s);
  if (s.find('\0') != std::string_view::npos || !room(n)) return fail();
  std::memcpy(buf_.data() + pos_, s.data(), s.size());
  std::memset(buf_.data() + pos_ + s.size(), 0, n - s.size());
  pos_ += n;
}

void OscWriter::begin_bundle() noexcept {
  if (pos_ != 0 || in_bundle_) return fail();
  put_string("#bundle");
  put_u32(0);  // timetag "immediately": seconds 0, fraction 1 (OSC 1.0)
  put_u32(1);
  in_bundle_ = ok();
}

void OscWriter::begin_message(std::string_view address, int num_args) noexcept {
  if (failed_) return;
  if (in_message_ || address.empty() || address[0] != '/' || num_args < 0 || num_args > kMaxArgs)
    return fail();
  if (!in_bundle_ && pos_ != 0) return fail();  // one message per packet outside a bundle
  message_start_ = pos_;
  if (in_bundle_) put_u32(0);  // element size, filled in by end_message
  put_string(address);
  tag_pos_ = pos_;
  std::size_t tag_bytes = osc_padded(static_cast<std::size_t>(num_args) + 2);  // ',' + tags + NUL
  if (!room(tag_bytes)) return;
  std::memset(buf_.data() + pos_, 0, tag_bytes);
  buf_[pos_] = std::byte{','};
  pos_ += tag_bytes;
  args_declared_ = num_args;
  args_written_ = 0;
  in_message_ = true;
}

bool OscWriter::next_arg(char tag) noexcept {
  if (failed_ || !in_message_ || args_written_ >= args_declared_) {
    fail();
    return false;
  }
  buf_[tag_pos_ + 1 + static_cast<std::size_t>(args_written_++)] = static_cast<std::byte>(tag);
  return true;
}

void OscWriter::add_int(std::int32_t v) noexcept {
  if (next_arg('i')) put_u32(static_cast<std::uint32_t>(v));
}

void OscWriter::add_float(float v) noexcept {
  if (next_arg('f')) put_u32(std::bit_cast<std::uint32_t>(v));
}

void OscWriter::add_string(std::string_view s) noexcept {
  if (next_arg('s')) put_string(s);
}

void OscWriter::end_message() noexcept {
  if (failed_) return;
  if (!in_message_ || args_written_ != args_declared_) return fail();
  in_message_ = false;
  if (!in_bundle_) return;
  std::size_t body = pos_ - message_start_ - 4;
  std::size_t end = pos_;
  pos_ = message_start_;
  put_u32(static_cast<std::uint32_t>(body));
  pos_ = end;
}

}  // namespace e2m::net
