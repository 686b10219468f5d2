// OscWriter: OSC 1.0 messages and bundles written into a caller-owned byte buffer, for the output clock.
//
// Why not liblo here: lo_message_new / lo_message_add_* / lo_send_message malloc per message and per
// argument, and the output clock must never allocate (DESIGN.md section 2). This writer only stores
// into the span it was given; it never allocates, locks or throws. A write that does not fit, an
// argument beyond the count declared in begin_message, or a string with an embedded NUL marks the
// writer failed (ok() == false) and later calls do nothing. The bytes are checked against liblo's own
// lo_message_serialise / lo_bundle_serialise in tests/net.
//
// Only the types every VMC/VJ receiver parses: i (int32), f (float32), s (string). Everything is
// big-endian and padded to 4 bytes; bundles carry the timetag "immediately" (0 seconds, fraction 1).
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace e2m::net {

// OSC pads every item to a multiple of 4 bytes.
constexpr std::size_t osc_padded(std::size_t n) { return (n + 3) & ~std::size_t{3}; }
// Bytes an OSC string takes: the characters, a NUL, padding.
constexpr std::size_t osc_string_size(std::string_view s) { return osc_padded(s.size() + 1); }
// "#bundle\0" plus the 8-byte timetag.
inline constexpr std::size_t kOscBundleHeaderBytes = 16;

class OscWriter {
 public:
  OscWriter() = default;
  explicit OscWriter(std::span<std::byte> buffer) noexcept : buf_(buffer) {}

  // Start over in the same buffer.
  void reset() noexcept;
  // Write "#bundle" and the timetag "immediately"; the following messages become its elements
  // (each prefixed by its size) until reset(). Only at the start of the buffer, not nested.
  void begin_bundle() noexcept;
  // Start a message with exactly num_args arguments (0..kMaxArgs); address must start with '/'.
  void begin_message(std::string_view address, int num_args) noexcept;
  void add_int(std::int32_t v) noexcept;
  void add_float(float v) noexcept;
  void add_string(std::string_view s) noexcept;
  // Close the message: checks the argument count, fills in its size inside a bundle.
  void end_message() noexcept;

  bool ok() const noexcept { return !failed_; }
  std::size_t size() const noexcept { return pos_; }
  std::span<const std::byte> bytes() const noexcept { return std::span<const std::byte>(buf_).first(pos_); }

  static constexpr int kMaxArgs = 255;

 private:
  bool room(std::size_t n) noexcept;
  bool next_arg(char tag) noexcept;
  void put_u32(std::uint32_t v) noexcept;
  void put_string(std::string_view s) noexcept;
  void fail() noexcept { failed_ = true; }

  std::span<std::byte> buf_;
  std::size_t pos_ = 0;
  std::size_t message_start_ = 0;  // where the current message's bytes (or bundle size prefix) begin
  std::size_t tag_pos_ = 0;        // the ',' of the current type tag string
  int args_declared_ = 0;
  int args_written_ = 0;
  bool in_bundle_ = false;
  bool in_message_ = false;
  bool failed_ = false;
};

}  // namespace e2m::net
