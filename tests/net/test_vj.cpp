// VJ OSC encoder: FK positions in /pose, the frame marker, normalisation, joints, numbers only.
#include <catch2/catch.hpp>
#include <memory>
#include <random>

#include "lo_receiver.h"
#include "motion/error.h"
#include "motion/fk.h"
#include "motion/rotation.h"
#include "net/sender.h"
#include "net/vj_encoder.h"

using namespace e2m;
using namespace e2m::net;
using e2m::test::LoReceiver;
using e2m::test::OscMessage;

namespace {

motion::PoseFrame random_pose(std::mt19937& rng, double spread = 1.0) {
  std::normal_distribution<double> n(0.0, 1.0);
  motion::PoseFrame p;
  p.root = {spread * n(rng), 0.9, spread * n(rng)};
  for (auto& q : p.rot) q = motion::normalized(motion::Quat{n(rng), n(rng), n(rng), n(rng)});
  return p;
}

struct Sent {
  LoReceiver rx;
  Sender tx{rx.address()};
  std::unique_ptr<FramePackets> frame = std::make_unique<FramePackets>();

  void send(const VjEncoder& enc, const motion::PoseFrame& pose, const VjFrameInfo& info) {
    enc.encode(pose, info, *frame);
    REQUIRE(frame->ok());
    int before = static_cast<int>(rx.sizes.size());
    REQUIRE(tx.send(*frame));
    REQUIRE(rx.receive(before + frame->count()) == before + frame->count());
  }
};

}  // namespace

TEST_CASE("vj: /e2m/pose carries the 66 FK positions, and /e2m/frame closes the frame with its index") {
  Sent s;
  VjEncoder enc(VjOptions{});
  std::mt19937 rng(5);
  motion::PoseFrame pose = random_pose(rng);
  VjFrameInfo info;
  info.frame = 41;
  info.tempo_bpm = 120;
  info.phase = 0.25f;
  info.onset = 0.5f;
  s.send(enc, pose, info);

  motion::Pose world;
  motion::fk(pose.root, pose.rot.data(), world);
  auto msgs = s.rx.with_path("/e2m/pose");
  REQUIRE(msgs.size() == 1);
  REQUIRE(msgs[0]->types == std::string(66, 'f'));
  for (int j = 0; j < motion::kNumJoints; ++j) {
    for (int a = 0; a < 3; ++a) {
      CHECK(msgs[0]->args[static_cast<size_t>(3 * j + a)].f ==
            Approx(world[static_cast<size_t>(j)][a]).margin(1e-6));
    }
  }
  CHECK(s.rx.with_path("/e2m/tempo")[0]->args[0].f == 120.0f);
  CHECK(s.rx.with_path("/e2m/phase")[0]->args[0].f == 0.25f);
  CHECK(s.rx.with_path("/e2m/onset")[0]->args[0].f == 0.5f);
  CHECK(s.rx.with_path("/e2m/beat").empty());  // no beat fell on this frame
  const OscMessage& last = s.rx.messages.back();
  CHECK(last.path == "/e2m/frame");
  CHECK(last.types == "i");
  CHECK(last.args[0].i == 41);
  for (const auto& m : s.rx.messages) {
    for (char c : m.types) CHECK((c == 'i' || c == 'f'));  // numbers only, for TouchDesigner
  }
}

TEST_CASE("vj: /e2m/beat with the count on beat frames, several frames stay apart by /e2m/frame") {
  Sent s;
  VjEncoder enc(VjOptions{});
  motion::PoseFrame pose;
  for (int f = 0; f < 4; ++f) {
    VjFrameInfo info;
    info.frame = f;
    info.beat = (f % 2 == 1);
    info.beat_count = f / 2 + 1;
    s.send(enc, pose, info);
  }
  auto beats = s.rx.with_path("/e2m/beat");
  REQUIRE(beats.size() == 2);
  CHECK(beats[0]->args[0].i == 1);
  CHECK(beats[1]->args[0].i == 2);
  auto frames = s.rx.with_path("/e2m/frame");
  REQUIRE(frames.size() == 4);
  for (int f = 0; f < 4; ++f) CHECK(frames[static_cast<size_t>(f)]->args[0].i == f);
}

TEST_CASE("vj: root-relative positions subtract the pelvis, normalised ones stay in [0,1]") {
  std::mt19937 rng(9);
  VjOptions rel;
  rel.space = VjSpace::kRootRelative;
  VjOptions norm;
  norm.normalise = true;
  for (int k = 0; k < 50; ++k) {
    motion::PoseFrame pose = random_pose(rng, 5.0);  // often outside the default box
    motion::Pose world;
    motion::fk(pose.root, pose.rot.data(), world);
    VjPositions r, n;
    vj_positions(pose, rel, r);
    vj_positions(pose, norm, n);
    for (int j = 0; j < motion::kNumJoints; ++j) {
      for (int a = 0; a < 3; ++a) {
        auto i = static_cast<size_t>(3 * j + a);
        CHECK(r[i] == Approx(world[static_cast<size_t>(j)][a] - pose.root[a]).margin(1e-5));
        CHECK((n[i] >= 0.0f && n[i] <= 1.0f));
      }
    }
  }
  // inside the box the mapping is linear: the rest pose's pelvis at (0, h, 0)
  motion::PoseFrame rest;
  rest.root = {0, 1.25, 0};
  VjPositions n;
  vj_positions(rest, norm, n);
  CHECK(n[0] == Approx(0.5));
  CHECK(n[1] == Approx(0.5));
  CHECK(n[2] == Approx(0.5));
}

TEST_CASE("vj: per-joint messages under a custom prefix, normalised, sent unbundled") {
  Sent s;
  VjOptions opt;
  opt.prefix = "/stage/dancer1";
  opt.joints = true;
  opt.normalise = true;
  opt.bundled = false;
  VjEncoder enc(opt);
  std::mt19937 rng(2);
  s.send(enc, random_pose(rng), VjFrameInfo{});
  CHECK(s.rx.bundles == 0);
  CHECK(s.rx.messages.size() == 1 + 22 + 4);  // pose, joints, tempo, phase, onset, frame
  const OscMessage& pose = *s.rx.with_path("/stage/dancer1/pose")[0];
  for (int j = 0; j < motion::kNumJoints; ++j) {
    std::string path = "/stage/dancer1/joint/" + std::string(motion::joint_name(j));
    auto m = s.rx.with_path(path);
    REQUIRE(m.size() == 1);
    CHECK(m[0]->types == "fff");
    for (int a = 0; a < 3; ++a) {
      float v = m[0]->args[static_cast<size_t>(a)].f;
      CHECK(v == pose.args[static_cast<size_t>(3 * j + a)].f);
      CHECK((v >= 0.0f && v <= 1.0f));
    }
  }
  CHECK(s.rx.messages.back().path == "/stage/dancer1/frame");
}

TEST_CASE("vj: bundles with joints stay within 1500 bytes") {
  Sent s;
  VjOptions opt;
  opt.joints = true;
  VjEncoder enc(opt);
  VjFrameInfo info;
  info.beat = true;
  s.send(enc, motion::PoseFrame{}, info);
  CHECK(s.rx.bundles == s.frame->count());
  for (int size : s.rx.sizes) CHECK(size <= 1500);
  CHECK(s.rx.messages.size() == 1 + 22 + 5);
}

TEST_CASE("vj: a bad prefix or an empty normalisation box is an e2m::Error") {
  for (const char* bad : {"", "e2m", "/", "/e2m/", "/e 2m", "/e2m#", "//e2m"}) {
    VjOptions opt;
    opt.prefix = bad;
    CHECK_THROWS_AS(VjEncoder(opt), Error);
  }
  VjOptions box;
  box.normalise = true;
  box.box_max = box.box_min;
  CHECK_THROWS_WITH(VjEncoder(box), Catch::Contains("max must exceed min"));
}
