// The output clock's motion sampler: slerp between 30 fps frames, extrapolate and count underruns.
#include <catch2/catch.hpp>
#include <cmath>

#include "live/motion_sampler.h"
#include "motion/error.h"
#include "motion/rotation.h"
#include "pose_fixtures.h"
#include "rt_checks.h"

using namespace e2m;
using namespace e2m::live;
using motion::PoseFrame;

namespace {

// Frame i: root moving +X at 0.1 m per frame, spine turning 0.2 rad per frame.
TimedFrame walking_frame(int64_t i) {
  TimedFrame f;
  f.index = i;
  f.pose.root = {0.1 * static_cast<double>(i), 0.9, 0};
  f.pose.rot[motion::kSpine1] = motion::quat_yaw(0.2 * static_cast<double>(i));
  return f;
}

double frame_time(double frame) { return frame / kModelFps; }

}  // namespace

TEST_CASE("sampler with no frames reports empty and leaves the output alone") {
  FrameQueue queue(8);
  MotionSampler sampler(queue);
  PoseFrame out;
  out.root = {7, 7, 7};
  CHECK(sampler.sample(0.5, out) == SampleStatus::kEmpty);
  CHECK(out.root.x == 7);
  CHECK(sampler.underruns() == 0);
  CHECK(sampler.last_index() == -1);
}

TEST_CASE("sampler slerps between the two model frames around the output time") {
  FrameQueue queue(8);
  MotionSampler sampler(queue);
  for (int64_t i = 0; i < 4; ++i) REQUIRE(queue.push(walking_frame(i)));
  PoseFrame out;
  CHECK(sampler.sample(frame_time(1.5), out) == SampleStatus::kInterpolated);
  CHECK(out.root.x == Approx(0.15));
  CHECK(motion::heading_yaw(out.rot[motion::kSpine1]) == Approx(0.3));
  CHECK(e2m::test::max_norm_error(out) < 1e-12);
  CHECK(sampler.last_index() == 1);
  CHECK(sampler.sample(frame_time(2.25), out) == SampleStatus::kInterpolated);
  CHECK(out.root.x == Approx(0.225));
  CHECK(sampler.sample(frame_time(3.0), out) == SampleStatus::kInterpolated);  // on the newest frame
  CHECK(out.root.x == Approx(0.3));
  CHECK(sampler.underruns() == 0);
}

TEST_CASE("sampler before the first frame shows the first frame") {
  FrameQueue queue(8);
  MotionSampler sampler(queue);
  REQUIRE(queue.push(walking_frame(10)));
  PoseFrame out;
  CHECK(sampler.sample(frame_time(4), out) == SampleStatus::kEarly);
  CHECK(out.root.x == Approx(1.0));
  CHECK(sampler.underruns() == 0);
}

TEST_CASE("sampler extrapolates and counts underruns when frames stop, then recovers") {
  FrameQueue queue(8);
  MotionSampler sampler(queue, {kModelFps, 4.0});
  for (int64_t i = 0; i < 4; ++i) REQUIRE(queue.push(walking_frame(i)));
  PoseFrame out;
  e2m::test::rt::Counters counters;
  SampleStatus late1, late2;
  {
    e2m::test::rt::WatchScope watch(counters);
    late1 = sampler.sample(frame_time(3.5), out);
  }
  CHECK(late1 == SampleStatus::kUnderrun);
  CHECK(sampler.underruns() == 1);
  CHECK(out.root.x > 0.3);  // keeps moving the way it was going
  CHECK(out.root.x < 0.35);
  {
    e2m::test::rt::WatchScope watch(counters);
    late2 = sampler.sample(frame_time(100.0), out);
  }
  CHECK(late2 == SampleStatus::kUnderrun);
  CHECK(sampler.underruns() == 2);
  CHECK(out.root.x == Approx(0.3 + 4 * 0.1).margin(1e-9));  // damped: stops after ~4 frames' worth
  CHECK(e2m::test::max_norm_error(out) < 1e-12);
  auto c = e2m::test::rt::read(counters);
  CHECK(c.heap_calls() == 0);
  CHECK(c.lock_calls() == 0);

  for (int64_t i = 4; i < 7; ++i) REQUIRE(queue.push(walking_frame(i)));
  CHECK(sampler.sample(frame_time(5.5), out) == SampleStatus::kInterpolated);
  CHECK(out.root.x == Approx(0.55));
  CHECK(sampler.underruns() == 2);
}

TEST_CASE("sampler with a single frame holds it on an underrun") {
  FrameQueue queue(8);
  MotionSampler sampler(queue);
  REQUIRE(queue.push(walking_frame(0)));
  PoseFrame out;
  CHECK(sampler.sample(frame_time(2), out) == SampleStatus::kUnderrun);
  CHECK(e2m::test::same_pose(out, walking_frame(0).pose));
  CHECK(sampler.underruns() == 1);
}

TEST_CASE("sampler rejects a non-positive frame rate or damping") {
  FrameQueue queue(8);
  CHECK_THROWS_AS(MotionSampler(queue, {0.0, 4.0}), e2m::Error);
  CHECK_THROWS_WITH(MotionSampler(queue, {30.0, -1.0}), Catch::Contains("decay_frames"));
}
