// CaptureRing on its own: capacity in samples whatever the block size, gaps seen by index, catching up
// after an overrun, timestamps of what was read, and a producer and a reader on two threads.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdint>
#include <thread>
#include <vector>

#include "audio/capture_ring.h"

using namespace e2m::audio;

namespace {

// Mono blocks whose samples are their own stream index (exact in a float up to 2^24).
struct Counter {
  uint64_t next = 0;
  std::vector<float> buf;
  const float* block(size_t n) {
    buf.resize(n);
    for (size_t i = 0; i < n; ++i) buf[i] = float(next + i);
    next += n;
    return buf.data();
  }
};

BlockStamp stamp_at(int64_t adc_ns) {
  BlockStamp s;
  s.adc_ns = adc_ns;
  s.write_ns = adc_ns + 1000;
  return s;
}

// Reads everything waiting; returns the samples and checks each read is contiguous and self-consistent.
std::vector<float> drain(CaptureRing& ring, std::vector<ReadInfo>* infos = nullptr) {
  std::vector<float> all, buf(1000);
  ReadInfo info;
  long wrong = 0;
  while (size_t n = ring.read(buf.data(), buf.size(), &info)) {
    wrong += info.frames != n;
    for (size_t i = 0; i < n; ++i) wrong += buf[i] != float(info.index + i);
    all.insert(all.end(), buf.begin(), buf.begin() + long(n));
    if (infos) infos->push_back(info);
  }
  CHECK(wrong == 0);
  return all;
}

}  // namespace

TEST_CASE("the capture ring's capacity is in samples whatever the block size", "[audio][ring]") {
  for (size_t block : {16, 64, 128, 256, 1000, 2048}) {
    CAPTURE(block);
    CaptureRing ring(24000);
    Counter src;
    while (src.next < 2 * 24000) ring.write(src.block(block), block, 1);
    const auto got = drain(ring);
    CHECK(got.size() <= 24000);
    CHECK(got.size() > 24000 - block);
    CHECK(ring.frames_written() == src.next);
    CHECK(ring.frames_dropped() == src.next - got.size());
    CHECK(ring.capacity() == 24000);
  }
}

TEST_CASE("a gap in the stream index is seen, counted, and ends a read", "[audio][ring]") {
  CaptureRing ring(1000);
  Counter src;
  ring.write(src.block(600), 600, 1);
  ring.write(src.block(600), 600, 1);  // does not fit: dropped, indices 600..1199 never arrive
  ring.write(src.block(300), 300, 1);
  CHECK(ring.overruns() == 1);
  CHECK(ring.frames_dropped() == 600);
  std::vector<float> buf(2000);
  ReadInfo info;
  REQUIRE(ring.read(buf.data(), buf.size(), &info) == 600);  // stops before the gap
  CHECK(info.index == 0);
  CHECK(info.lost == 0);
  REQUIRE(ring.read(buf.data(), buf.size(), &info) == 300);
  CHECK(info.index == 1200);
  CHECK(info.lost == 600);
  CHECK(buf[0] == 1200.0f);
  CHECK(ring.frames_lost() == 600);
  CHECK(ring.gaps() == 1);
  // An outage: the index moves on without samples.
  src.next += 5000;
  ring.skip_input(5000);
  ring.write(src.block(100), 100, 1);
  REQUIRE(ring.read(buf.data(), buf.size(), &info) == 100);
  CHECK(info.index == 6500);
  CHECK(info.lost == 5000);
  CHECK(ring.frames_lost() == 5600);
}

TEST_CASE("after an overrun the reader skips to the newest audio, keeping at most the backlog",
          "[audio][ring]") {
  CaptureRing ring(4800, 48000, 1200);
  Counter src;
  for (int i = 0; i < 40; ++i) ring.write(src.block(256), 256, 1);  // 10240 written, 4608 stored
  REQUIRE(ring.overruns() > 0);
  std::vector<ReadInfo> infos;
  const auto got = drain(ring, &infos);
  // Everything stored is older than the backlog: all of it is skipped, and the rest was dropped.
  CHECK(got.empty());
  CHECK(ring.frames_skipped() == 4608);
  // The next block written is read at once, with the gap and the skip before it reported.
  ring.write(src.block(256), 256, 1);
  infos.clear();
  const auto next = drain(ring, &infos);
  REQUIRE(next.size() == 256);
  CHECK(infos[0].index == 10240);
  CHECK(infos[0].skipped == 4608);
  CHECK(infos[0].lost == 10240 - 4608);
  CHECK(infos[0].index == infos[0].lost + infos[0].skipped);
}

TEST_CASE("after an overrun the backlog kept is exactly the configured one", "[audio][ring]") {
  CaptureRing ring(4800, 48000, 1000);
  Counter src;
  for (int i = 0; i < 18; ++i) ring.write(src.block(256), 256, 1);  // 4608 fit
  ring.write(src.block(256), 256, 1);                               // overrun
  std::vector<float> buf(10000);
  ReadInfo info;
  // The 4608 stored samples end 256 before the newest index (4864): keep from 3864 on.
  const size_t n = ring.read(buf.data(), buf.size(), &info);
  CHECK(info.index == 3864);
  CHECK(info.skipped == 3864);
  CHECK(n == 4608 - 3864);
  CHECK(buf[0] == 3864.0f);
  // Without an overrun, nothing is skipped however far behind the reader is.
  CaptureRing keep(48000, 48000, 1000);
  Counter fresh;
  for (int i = 0; i < 100; ++i) keep.write(fresh.block(256), 256, 1);
  CHECK(drain(keep).size() == 25600);
  CHECK(keep.frames_skipped() == 0);
}

TEST_CASE("a read tells when its first sample was captured", "[audio][ring]") {
  CaptureRing ring(48000, 48000);
  Counter src;
  const int64_t t0 = 1'000'000'000;
  ring.write(src.block(480), 480, 1, stamp_at(t0));
  ring.write(src.block(480), 480, 1, stamp_at(t0 + 10'000'000));
  std::vector<float> buf(480);
  ReadInfo info;
  REQUIRE(ring.read(buf.data(), 240, &info) == 240);
  CHECK(info.adc_ns == t0);
  CHECK(info.stamp.write_ns == t0 + 1000);
  REQUIRE(ring.read(buf.data(), 480, &info) == 480);  // the rest of block 1 and half of block 2
  CHECK(info.index == 240);
  CHECK(info.block_index == 0);
  CHECK(info.adc_ns == t0 + 5'000'000);  // 240 samples at 48 kHz later
  CHECK(ring.last_read_write_ns() == t0 + 10'000'000 + 1000);
}

TEST_CASE("the capture ring mixes interleaved and planar channels and keeps the newest part of a huge block",
          "[audio][ring]") {
  CaptureRing ring(100);
  const float stereo[] = {1, 3, 2, 4};
  ring.write(stereo, 2, 2);
  const float left[] = {1, 2}, right[] = {3, 6};
  const float* planes[] = {left, right};
  ring.write_planar(planes, 2, 2, BlockStamp{});
  std::vector<float> buf(10);
  REQUIRE(ring.read(buf.data(), 10) == 4);
  CHECK(buf[0] == 2.0f);
  CHECK(buf[1] == 3.0f);
  CHECK(buf[2] == 2.0f);
  CHECK(buf[3] == 4.0f);
  Counter src;
  src.next = 4;
  ring.write(src.block(250), 250, 1);
  ReadInfo info;
  REQUIRE(ring.read(buf.data(), 10, &info) == 10);
  CHECK(info.index == 154);
  CHECK(info.lost == 150);
  CHECK(buf[0] == 154.0f);
}

TEST_CASE("a producer thread and a reader thread hand over every sample in order", "[audio][ring]") {
  CaptureRing ring(4096, 48000, 0);
  constexpr size_t kTotal = 2'000'000;  // < 2^24: the sample values stay exact
  std::atomic<bool> done{false};
  std::thread producer([&] {
    Counter src;
    size_t block = 1;
    while (src.next < kTotal) {
      block = block % 500 + 7;  // every size, wrapping the buffer at every offset
      const size_t n = std::min(block, kTotal - size_t(src.next));
      ring.write(src.block(n), n, 1);
      if (ring.frames_dropped() > 0) std::this_thread::yield();
    }
    done = true;
  });
  std::vector<float> buf(777);
  ReadInfo info;
  uint64_t expected = 0, read = 0, bad = 0;
  for (;;) {
    const bool finished = done.load();
    const size_t n = ring.read(buf.data(), buf.size(), &info);
    if (n == 0 && finished) break;
    if (n == 0) continue;
    if (info.index != expected + info.lost) ++bad;
    for (size_t i = 0; i < n; ++i) bad += buf[i] != float(info.index + i);
    expected = info.index + n;
    read += n;
  }
  producer.join();
  CHECK(bad == 0);
  CHECK(read > kTotal / 100);
  CHECK(read + ring.frames_lost() == expected);
  // Drops after the last stored block are not a gap the reader could meet.
  CHECK(ring.frames_lost() + (kTotal - expected) == ring.frames_dropped());
}
