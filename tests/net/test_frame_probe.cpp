// FrameProbe, the soak's receiver: frame markers found in plain messages and bundles (sent by liblo),
// frames missing between two that arrived, no gap counted across a close and reopen, latencies.
#include <lo/lo.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "net/frame_probe.h"

using namespace e2m::net;

namespace {

// Takes windows until `frames` frames have arrived in total (or a second passed).
ProbeWindow collect(FrameProbe& probe, uint64_t frames) {
  ProbeWindow all;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (all.frames < frames && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ProbeWindow w = probe.take();
    all.frames += w.frames;
    all.missing += w.missing;
    all.packets += w.packets;
    all.latency_ms.insert(all.latency_ms.end(), w.latency_ms.begin(), w.latency_ms.end());
  }
  return all;
}

void send_vj(lo_address to, int frame) { lo_send(to, "/e2m/frame", "i", frame); }

}  // namespace

TEST_CASE("frame probe counts VJ frames and the ones missing between them", "[net][probe]") {
  FrameProbe probe(ProbeKind::kVj);
  lo_address to = lo_address_new("127.0.0.1", std::to_string(probe.port()).c_str());
  for (int f : {0, 1, 2, 5, 6, 10}) send_vj(to, f);
  lo_send(to, "/e2m/pose", "f", 1.0f);  // not a frame marker
  const ProbeWindow w = collect(probe, 6);
  CHECK(w.frames == 6);
  CHECK(w.missing == 5);  // 3, 4, 7, 8, 9
  CHECK(w.packets == 7);
  lo_address_free(to);
}

TEST_CASE("frame probe finds VMC's time in a bundle and measures lateness against the schedule",
          "[net][probe]") {
  FrameProbe probe(ProbeKind::kVmc);
  probe.set_schedule(std::chrono::steady_clock::now() - std::chrono::seconds(1), 60);
  lo_address to = lo_address_new("127.0.0.1", std::to_string(probe.port()).c_str());
  for (int f : {30, 31, 33}) {  // due half a second ago and earlier
    lo_bundle b = lo_bundle_new(LO_TT_IMMEDIATE);
    lo_message ok = lo_message_new();
    lo_message_add_int32(ok, 1);
    lo_message t = lo_message_new();
    lo_message_add_float(t, float(f) / 60);
    lo_bundle_add_message(b, "/VMC/Ext/OK", ok);
    lo_bundle_add_message(b, "/VMC/Ext/T", t);
    lo_send_bundle(to, b);
    lo_bundle_free_recursive(b);
  }
  const ProbeWindow w = collect(probe, 3);
  CHECK(w.frames == 3);
  CHECK(w.missing == 1);
  REQUIRE(w.latency_ms.size() == 3);
  CHECK(w.latency_ms[0] > 400);
  CHECK(w.latency_ms[0] < 5000);
  lo_address_free(to);
}

TEST_CASE("frame probe closes its port and listens again on the same one, without counting the gap",
          "[net][probe]") {
  FrameProbe probe(ProbeKind::kVj);
  const int port = probe.port();
  lo_address to = lo_address_new("127.0.0.1", std::to_string(port).c_str());
  send_vj(to, 0);
  send_vj(to, 1);
  CHECK(collect(probe, 2).frames == 2);
  probe.close();
  CHECK_FALSE(probe.listening());
  send_vj(to, 2);  // nobody there
  probe.open();
  CHECK(probe.listening());
  CHECK(probe.port() == port);
  send_vj(to, 40);
  send_vj(to, 41);
  const ProbeWindow w = collect(probe, 2);
  CHECK(w.frames == 2);
  CHECK(w.missing == 0);
  CHECK(probe.total_frames() == 4);
  lo_address_free(to);
}
