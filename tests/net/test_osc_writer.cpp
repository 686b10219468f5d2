// OscWriter and FramePackets: bytes identical to liblo's serialiser, failure instead of overflow,
// bundles split at the size limit.
#include <lo/lo.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "net/frame_packets.h"
#include "net/osc_writer.h"

using namespace e2m::net;

namespace {

std::vector<std::byte> lo_bytes(lo_message m, const char* path) {
  size_t size = 0;
  void* data = lo_message_serialise(m, path, nullptr, &size);
  std::vector<std::byte> out(static_cast<const std::byte*>(data), static_cast<const std::byte*>(data) + size);
  std::free(data);
  return out;
}

std::vector<std::byte> lo_bytes(lo_bundle b) {
  size_t size = 0;
  void* data = lo_bundle_serialise(b, nullptr, &size);
  std::vector<std::byte> out(static_cast<const std::byte*>(data), static_cast<const std::byte*>(data) + size);
  std::free(data);
  return out;
}

std::vector<std::byte> to_vector(std::span<const std::byte> s) { return {s.begin(), s.end()}; }

}  // namespace

TEST_CASE("osc writer: a VMC Bone/Pos message is byte-identical to lo_message_serialise") {
  const float v[7] = {-0.1065f, 0.0f, 0.0f, 0.1f, -0.2f, 0.3f, 0.927f};
  lo_message m = lo_message_new();
  lo_message_add_string(m, "LeftUpperLeg");
  for (float f : v) lo_message_add_float(m, f);
  std::vector<std::byte> expected = lo_bytes(m, "/VMC/Ext/Bone/Pos");
  lo_message_free(m);

  std::array<std::byte, 256> buf{};
  OscWriter w(buf);
  w.begin_message("/VMC/Ext/Bone/Pos", 8);
  w.add_string("LeftUpperLeg");
  for (float f : v) w.add_float(f);
  w.end_message();
  REQUIRE(w.ok());
  CHECK(to_vector(w.bytes()) == expected);
}

TEST_CASE("osc writer: ints, floats and strings of every padding length match liblo") {
  for (int len = 0; len <= 8; ++len) {
    std::string text(static_cast<size_t>(len), 'x');
    std::string address = "/e2m/t" + std::string(static_cast<size_t>(len % 4), 'a');
    lo_message m = lo_message_new();
    lo_message_add_int32(m, -123456);
    lo_message_add_string(m, text.c_str());
    lo_message_add_float(m, 3.5f);
    std::vector<std::byte> expected = lo_bytes(m, address.c_str());
    lo_message_free(m);

    std::array<std::byte, 128> buf{};
    OscWriter w(buf);
    w.begin_message(address, 3);
    w.add_int(-123456);
    w.add_string(text);
    w.add_float(3.5f);
    w.end_message();
    REQUIRE(w.ok());
    CHECK(to_vector(w.bytes()) == expected);
    CHECK(w.size() % 4 == 0);
  }
}

TEST_CASE("osc writer: a message without arguments matches liblo") {
  lo_message m = lo_message_new();
  std::vector<std::byte> expected = lo_bytes(m, "/e2m/cancel");
  lo_message_free(m);
  std::array<std::byte, 64> buf{};
  OscWriter w(buf);
  w.begin_message("/e2m/cancel", 0);
  w.end_message();
  REQUIRE(w.ok());
  CHECK(to_vector(w.bytes()) == expected);
}

TEST_CASE("osc writer: a bundle with timetag immediately is byte-identical to lo_bundle_serialise") {
  lo_bundle b = lo_bundle_new(LO_TT_IMMEDIATE);
  lo_message ok = lo_message_new();
  lo_message_add_int32(ok, 1);
  lo_message t = lo_message_new();
  lo_message_add_float(t, 12.25f);
  lo_bundle_add_message(b, "/VMC/Ext/OK", ok);
  lo_bundle_add_message(b, "/VMC/Ext/T", t);
  std::vector<std::byte> expected = lo_bytes(b);
  lo_bundle_free_recursive(b);

  std::array<std::byte, 128> buf{};
  OscWriter w(buf);
  w.begin_bundle();
  w.begin_message("/VMC/Ext/OK", 1);
  w.add_int(1);
  w.end_message();
  w.begin_message("/VMC/Ext/T", 1);
  w.add_float(12.25f);
  w.end_message();
  REQUIRE(w.ok());
  CHECK(to_vector(w.bytes()) == expected);
}

TEST_CASE("osc writer: fails instead of writing past its buffer or breaking the type tags") {
  std::array<std::byte, 40> big{};
  std::span<std::byte> buf(big.data(), 24);  // the rest must stay untouched
  OscWriter w(buf);
  w.begin_message("/e2m/pose", 3);  // 12 + 4 = 16 bytes
  w.add_float(1);
  w.add_float(2);  // 24
  w.add_float(3);  // would be 28
  CHECK_FALSE(w.ok());
  for (size_t i = 24; i < big.size(); ++i) CHECK(big[i] == std::byte{0});

  OscWriter extra(big);
  extra.begin_message("/a", 1);
  extra.add_int(1);
  extra.add_int(2);
  CHECK_FALSE(extra.ok());

  OscWriter missing(big);
  missing.begin_message("/a", 2);
  missing.add_int(1);
  missing.end_message();
  CHECK_FALSE(missing.ok());

  OscWriter nul(big);
  nul.begin_message("/a", 1);
  nul.add_string(std::string_view("a\0b", 3));
  CHECK_FALSE(nul.ok());

  OscWriter no_slash(big);
  no_slash.begin_message("a", 0);
  CHECK_FALSE(no_slash.ok());

  OscWriter two(big);  // two messages outside a bundle would not be one valid packet
  two.begin_message("/a", 0);
  two.end_message();
  two.begin_message("/b", 0);
  CHECK_FALSE(two.ok());
}

TEST_CASE("frame packets: messages split over bundles of at most the limit, in order, each valid for liblo") {
  FramePackets frame(300);
  for (int k = 0; k < 40; ++k) {
    OscWriter& w = frame.begin_message("/e2m/joint/x", 3);
    for (int a = 0; a < 3; ++a) w.add_float(static_cast<float>(k));
    frame.end_message();
  }
  REQUIRE(frame.ok());
  REQUIRE(frame.count() > 1);
  std::vector<float> seen;
  lo_server s = lo_server_new_with_proto(nullptr, LO_UDP, nullptr);
  REQUIRE(s);
  lo_server_add_method(
      s, nullptr, nullptr,
      [](const char*, const char*, lo_arg** argv, int, lo_message, void* v) {
        static_cast<std::vector<float>*>(v)->push_back(argv[0]->f);
        return 0;
      },
      &seen);
  for (int i = 0; i < frame.count(); ++i) {
    auto p = frame.packet(i);
    CHECK(p.size() <= 300);
    std::vector<std::byte> copy(p.begin(), p.end());
    CHECK(lo_server_dispatch_data(s, copy.data(), copy.size()) > 0);
  }
  lo_server_free(s);
  REQUIRE(seen.size() == 40);
  for (int k = 0; k < 40; ++k) CHECK(seen[static_cast<size_t>(k)] == static_cast<float>(k));
}

TEST_CASE("frame packets: unbundled mode gives one plain message per packet") {
  FramePackets frame(0);
  for (int k = 0; k < 5; ++k) {
    frame.begin_message("/e2m/frame", 1).add_int(k);
    frame.end_message();
  }
  REQUIRE(frame.ok());
  REQUIRE(frame.count() == 5);
  for (int i = 0; i < 5; ++i) {
    CHECK(frame.packet(i).size() == 20);
    CHECK(static_cast<char>(frame.packet(i)[0]) == '/');
  }
}

TEST_CASE("frame packets: running out of packets or storage marks the frame not ok") {
  FramePackets frame(0);
  for (int k = 0; k < FramePackets::kMaxPackets + 1; ++k) {
    frame.begin_message("/a", 0);
    frame.end_message();
  }
  CHECK_FALSE(frame.ok());
  frame.clear();
  CHECK(frame.ok());
  CHECK(frame.count() == 0);
  FramePackets big(1500);
  for (int k = 0; k < 100 && big.ok(); ++k) {  // 100 x 336 bytes > 16 KB
    OscWriter& w = big.begin_message("/e2m/pose", 63);
    for (int a = 0; a < 63; ++a) w.add_float(0);
    big.end_message();
  }
  CHECK_FALSE(big.ok());
}
