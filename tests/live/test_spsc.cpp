// The lock-free hand-overs: the triple buffer (newest value, never torn) and the motion frame queue.
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdint>
#include <thread>

#include "live/frame_queue.h"
#include "live/triple_buffer.h"
#include "motion/error.h"
#include "rt_checks.h"

using namespace e2m;
using namespace e2m::live;

namespace {

// Every field is derived from seq: a reader that sees fields that disagree saw a torn value.
struct Stamped {
  uint64_t seq = 0;
  uint64_t fields[31] = {};
};

Stamped stamped(uint64_t seq) {
  Stamped s;
  s.seq = seq;
  for (uint64_t i = 0; i < 31; ++i) s.fields[i] = seq * 2654435761u + i;
  return s;
}

bool consistent(const Stamped& s) {
  for (uint64_t i = 0; i < 31; ++i) {
    if (s.fields[i] != s.seq * 2654435761u + i) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("triple buffer gives the reader the newest published value") {
  TripleBuffer<Stamped> buffer(stamped(0));
  CHECK(buffer.front().seq == 0);
  CHECK_FALSE(buffer.update());
  buffer.write(stamped(1));
  buffer.write(stamped(2));
  CHECK(buffer.update());
  CHECK(buffer.front().seq == 2);  // 1 was overwritten before the reader looked: skipped
  CHECK_FALSE(buffer.update());
  CHECK(buffer.front().seq == 2);
  buffer.back() = stamped(3);  // filled in place, invisible until published
  CHECK_FALSE(buffer.update());
  buffer.publish();
  CHECK(buffer.read().seq == 3);
}

TEST_CASE("triple buffer under a concurrent writer and reader never shows a torn value") {
  TripleBuffer<Stamped> buffer(stamped(0));
  constexpr uint64_t kWrites = 200000;
  std::atomic<bool> writer_done{false};
  std::thread writer([&] {
    for (uint64_t seq = 1; seq <= kWrites; ++seq) buffer.write(stamped(seq));
    writer_done = true;
  });
  uint64_t reads = 0, fresh = 0, torn = 0, backwards = 0, last_seq = 0;
  while (last_seq < kWrites) {
    bool done = writer_done.load();  // before update(): then a false update() means a lost value
    bool got = buffer.update();
    const Stamped& s = buffer.front();
    ++reads;
    if (got) ++fresh;
    if (!consistent(s)) ++torn;
    if (s.seq < last_seq) ++backwards;
    last_seq = s.seq;
    if (done && !got && last_seq < kWrites) break;
  }
  writer.join();
  INFO("reads " << reads << ", fresh " << fresh);
  CHECK(torn == 0);
  CHECK(backwards == 0);
  CHECK(last_seq == kWrites);
  CHECK(fresh >= 1);
}

TEST_CASE("triple buffer and frame queue calls do not allocate or lock") {
  TripleBuffer<Stamped> buffer;
  FrameQueue queue(8);
  TimedFrame frame, out;
  e2m::test::rt::Counters counters;
  {
    e2m::test::rt::WatchScope watch(counters);
    for (uint64_t i = 0; i < 100; ++i) {
      buffer.write(stamped(i));
      buffer.update();
      frame.index = static_cast<int64_t>(i);
      queue.push(frame);
      queue.push(frame);
      if (queue.peek()) queue.pop();
      queue.pop(out);
    }
  }
  auto counts = e2m::test::rt::read(counters);
  CHECK(counts.heap_calls() == 0);
  CHECK(counts.lock_calls() == 0);
}

TEST_CASE("frame queue keeps order, drops and counts frames when full") {
  FrameQueue queue(4);
  REQUIRE(queue.capacity() >= 4);
  TimedFrame frame;
  size_t pushed = 0;
  for (int64_t i = 0; i < 100; ++i) {
    frame.index = i;
    frame.pose.root.x = static_cast<double>(i);
    if (queue.push(frame)) ++pushed;
  }
  CHECK(pushed == queue.capacity());
  CHECK(queue.dropped() == 100 - pushed);
  for (size_t i = 0; i < pushed; ++i) {
    REQUIRE(queue.peek() != nullptr);
    CHECK(queue.peek()->index == static_cast<int64_t>(i));
    TimedFrame got;
    REQUIRE(queue.pop(got));
    CHECK(got.pose.root.x == static_cast<double>(i));
  }
  CHECK(queue.peek() == nullptr);
  CHECK_FALSE(queue.pop());
  CHECK_THROWS_AS(FrameQueue(0), e2m::Error);
}

TEST_CASE("frame queue hands frames from a producer thread to a consumer in order") {
  FrameQueue queue(16);
  constexpr int64_t kFrames = 20000;
  std::thread producer([&] {
    TimedFrame frame;
    for (int64_t i = 0; i < kFrames;) {
      frame.index = i;
      frame.pose.root = {static_cast<double>(i), 0, -static_cast<double>(i)};
      if (queue.push(frame)) {
        ++i;
      } else {
        std::this_thread::yield();
      }
    }
  });
  int64_t expected = 0, bad = 0;
  TimedFrame got;
  while (expected < kFrames) {
    if (!queue.pop(got)) {
      std::this_thread::yield();
      continue;
    }
    if (got.index != expected || got.pose.root.z != -static_cast<double>(expected)) ++bad;
    ++expected;
  }
  producer.join();
  CHECK(bad == 0);
}
