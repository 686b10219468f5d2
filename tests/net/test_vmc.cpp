// VMC encoder: frames sent through a real Sender to a real liblo receiver, checked the way VMC
// receivers (EVMC4U, VMC4UE, VSeeFace) read them; the Unity handedness conversion.
#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <memory>
#include <numbers>
#include <random>
#include <set>

#include "lo_receiver.h"
#include "motion/fk.h"
#include "motion/rotation.h"
#include "motion/skeleton.h"
#include "net/live_outputs.h"
#include "net/sender.h"
#include "net/vmc_encoder.h"

using namespace e2m;
using namespace e2m::net;
using e2m::test::LoReceiver;
using e2m::test::OscMessage;

namespace {

motion::PoseFrame random_pose(std::mt19937& rng) {
  std::normal_distribution<double> n(0.0, 1.0);
  motion::PoseFrame p;
  p.root = {n(rng), 0.9 + 0.05 * n(rng), n(rng)};
  for (auto& q : p.rot) q = motion::normalized(motion::Quat{n(rng), n(rng), n(rng), n(rng)});
  return p;
}

motion::PoseFrame rest_pose() {
  motion::PoseFrame p;
  p.root = {0, motion::rest_pelvis_height(), 0};
  return p;
}

// Send one frame and wait for all its packets.
void send_frame(LoReceiver& rx, Sender& tx, const FramePackets& frame) {
  int before = static_cast<int>(rx.sizes.size());
  REQUIRE(tx.send(frame));
  REQUIRE(rx.receive(before + frame.count()) == before + frame.count());
}

// position and rotation of an 8-argument VMC transform message, in Unity space
struct Transform {
  motion::Vec3 pos;
  motion::Quat rot;
};
Transform transform_of(const OscMessage& m) {
  auto f = [&](int i) { return static_cast<double>(m.args[static_cast<size_t>(i)].f); };
  return {{f(1), f(2), f(3)}, {f(7), f(4), f(5), f(6)}};
}

std::map<std::string, Transform> bones_of(const LoReceiver& rx) {
  std::map<std::string, Transform> out;
  for (const OscMessage* m : rx.with_path("/VMC/Ext/Bone/Pos")) out[m->args[0].s] = transform_of(*m);
  return out;
}

}  // namespace

TEST_CASE(
    "vmc: every frame has Root/Pos, 22 Bone/Pos of 8 args with Unity names and unit quaternions, OK, T") {
  LoReceiver rx;
  Sender tx(rx.address());
  auto frame = std::make_unique<FramePackets>();
  std::set<std::string> unity_names;
  for (const auto& j : motion::skeleton()) unity_names.insert(std::string(j.unity_bone));
  std::mt19937 rng(7);
  for (int f = 0; f < 3; ++f) {
    rx.clear();
    double t = 1.5 + f / 60.0;
    encode_vmc(random_pose(rng), t, VmcOptions{}, *frame);
    REQUIRE(frame->ok());
    send_frame(rx, tx, *frame);
    for (int size : rx.sizes) CHECK(size <= 1500);
    CHECK(rx.bundles == frame->count());
    CHECK(rx.bundles >= 2);  // ~1.9 KB of messages do not fit one 1500-byte bundle

    auto bones = rx.with_path("/VMC/Ext/Bone/Pos");
    REQUIRE(bones.size() == 22);
    std::set<std::string> seen;
    for (const OscMessage* m : bones) {
      CHECK(m->types == "sfffffff");  // s + 7 f: exactly 8 arguments
      CHECK(unity_names.count(m->args[0].s) == 1);
      seen.insert(m->args[0].s);
      motion::Quat q = transform_of(*m).rot;
      CHECK(std::sqrt(motion::dot(q, q)) == Approx(1.0).margin(1e-6));
    }
    CHECK(seen == unity_names);

    auto root = rx.with_path("/VMC/Ext/Root/Pos");
    REQUIRE(root.size() == 1);
    CHECK(root[0]->types == "sfffffff");
    CHECK(root[0]->args[0].s == "root");
    auto ok = rx.with_path("/VMC/Ext/OK");
    REQUIRE(ok.size() == 1);
    CHECK(ok[0]->types == "i");
    CHECK(ok[0]->args[0].i == 1);
    auto time = rx.with_path("/VMC/Ext/T");
    REQUIRE(time.size() == 1);
    CHECK(time[0]->types == "f");
    CHECK(time[0]->args[0].f == Approx(t));
    for (const auto& m : rx.messages) {
      CHECK(m.bundle >= 0);
      for (char c : m.types) CHECK((c == 'i' || c == 'f' || c == 's'));
    }
  }
  auto st = tx.stats();
  CHECK(st.frames == 3);
  CHECK(st.errors == 0);
  CHECK(st.packets == static_cast<std::uint64_t>(3 * frame->count()));
}

TEST_CASE("vmc: a target's rate_hz thins a 60 Hz clock's frames onto its own grid") {
  for (const double rate : {0.0, 30.0, 20.0}) {
    LoReceiver rx;
    VmcOptions opt;
    opt.rate_hz = rate;
    VmcOutput out(rx.address(), opt);
    live::OutputFrame f;
    f.pose = rest_pose();
    for (int tick = 0; tick < 60; ++tick) {
      f.tick = tick;
      f.time_s = tick / 60.0;
      out.send(f);
    }
    const int expected = rate > 0 ? int(rate) : 60;
    rx.receive(1 << 20, 300);  // everything sent (loopback delivers at once)
    const auto times = rx.with_path("/VMC/Ext/T");
    INFO("rate_hz " << rate);
    REQUIRE(int(times.size()) == expected);
    for (size_t k = 1; k < times.size(); ++k)
      CHECK(times[k]->args[0].f - times[k - 1]->args[0].f == Approx(1.0 / expected).margin(1e-4));
  }
}

TEST_CASE("vmc: a destination stopped from the monitor sends nothing until it is resumed") {
  LoReceiver rx;
  VmcOutput out(rx.address(), VmcOptions{});
  live::GatedSink gate(out);  // what the engine holds for a destination given at start
  live::OutputFrame f;
  f.pose = rest_pose();
  for (int tick = 0; tick < 30; ++tick) {
    gate.on.store(tick < 10 || tick >= 20);  // stopped for ticks 10..19
    f.tick = tick;
    f.time_s = tick / 60.0;
    gate.send(f);
  }
  rx.receive(1 << 20, 300);
  const auto times = rx.with_path("/VMC/Ext/T");
  REQUIRE(times.size() == 20);
  CHECK(times[9]->args[0].f == Approx(9 / 60.0).margin(1e-4));
  CHECK(times[10]->args[0].f == Approx(20 / 60.0).margin(1e-4));
  CHECK(out.sender().stats().frames == 20);
}

TEST_CASE("vmc: unbundled mode sends every message as its own packet") {
  LoReceiver rx;
  Sender tx(rx.address());
  auto frame = std::make_unique<FramePackets>();
  VmcOptions opt;
  opt.bundled = false;
  encode_vmc(rest_pose(), 0.0, opt, *frame);
  REQUIRE(frame->ok());
  REQUIRE(frame->count() == 25);  // Root/Pos, 22 bones, OK, T
  send_frame(rx, tx, *frame);
  CHECK(rx.bundles == 0);
  CHECK(rx.messages.size() == 25);
  CHECK(rx.with_path("/VMC/Ext/Bone/Pos").size() == 22);
  for (const auto& m : rx.messages) CHECK(m.bundle == -1);
  CHECK(tx.stats().bytes == frame->total_bytes());
}

TEST_CASE("vmc: bones outside the mask are left out, not sent as zeros") {
  LoReceiver rx;
  Sender tx(rx.address());
  auto frame = std::make_unique<FramePackets>();
  VmcOptions opt;
  opt.bone_mask = (1u << motion::kLeftShoulder) | (1u << motion::kLeftElbow) | (1u << motion::kPelvis);
  encode_vmc(rest_pose(), 0.0, opt, *frame);
  send_frame(rx, tx, *frame);
  auto bones = bones_of(rx);
  CHECK(bones.size() == 3);
  CHECK(bones.count("Hips") == 1);
  CHECK(bones.count("LeftUpperArm") == 1);
  CHECK(bones.count("LeftLowerArm") == 1);
  CHECK(rx.with_path("/VMC/Ext/OK").size() == 1);
  CHECK(rx.with_path("/VMC/Ext/T").size() == 1);
}

TEST_CASE("vmc: local positions are the Unity-mirrored rest offsets, Root and Hips compose to the pelvis") {
  LoReceiver rx;
  Sender tx(rx.address());
  auto frame = std::make_unique<FramePackets>();
  std::mt19937 rng(3);
  motion::PoseFrame pose = random_pose(rng);
  encode_vmc(pose, 0.0, VmcOptions{}, *frame);
  send_frame(rx, tx, *frame);
  auto bones = bones_of(rx);
  for (int j = 1; j < motion::kNumJoints; ++j) {
    const auto& info = motion::skeleton()[static_cast<size_t>(j)];
    motion::Vec3 p = bones.at(std::string(info.unity_bone)).pos;
    motion::Vec3 want = unity_position(info.offset);
    CHECK(motion::norm(p - want) < 1e-6);
  }
  Transform root = transform_of(*rx.with_path("/VMC/Ext/Root/Pos")[0]);
  Transform hips = bones.at("Hips");
  CHECK(root.pos.y == 0.0);
  CHECK(std::abs(root.rot.x) < 1e-7);  // a pure yaw: only y and w
  CHECK(std::abs(root.rot.z) < 1e-7);
  // In Unity space: world pelvis = root.pos + root.rot * hips.pos, world rotation = root.rot * hips.rot.
  motion::Vec3 pelvis = root.pos + motion::rotate(root.rot, hips.pos);
  CHECK(motion::norm(pelvis - unity_position(pose.root)) < 1e-5);
  motion::Quat world = root.rot * hips.rot;
  CHECK(motion::angle_between(world, unity_rotation(pose.rot[0])) < 1e-5);
}

TEST_CASE("vmc: root lock sends the origin and identity and keeps Hips relative to the ground placement") {
  LoReceiver rx;
  Sender tx(rx.address());
  auto frame = std::make_unique<FramePackets>();
  motion::PoseFrame pose = rest_pose();
  pose.root = {3.0, 0.95, -2.0};
  pose.rot[0] = motion::quat_yaw(0.7);
  VmcOptions opt;
  opt.root_lock = true;
  encode_vmc(pose, 0.0, opt, *frame);
  send_frame(rx, tx, *frame);
  const OscMessage& root = *rx.with_path("/VMC/Ext/Root/Pos")[0];
  const float want[7] = {0, 0, 0, 0, 0, 0, 1};
  for (int i = 0; i < 7; ++i) CHECK(root.args[static_cast<size_t>(i + 1)].f == want[i]);
  Transform hips = bones_of(rx).at("Hips");
  CHECK(motion::norm(hips.pos - motion::Vec3{0, 0.95, 0}) < 1e-6);
  CHECK(motion::angle_between(hips.rot, motion::Quat::identity()) < 1e-6);
}

TEST_CASE("vmc: a left-arm raise raises LeftUpperArm in Unity's left-handed space") {
  // Our frame: the left arm lies along +X at rest; turning left_shoulder +90 degrees about +Z points
  // it up (+Y).
  motion::PoseFrame pose = rest_pose();
  pose.rot[motion::kLeftShoulder] = motion::quat_from_axis_angle({0, 0, 1}, std::numbers::pi / 2);
  motion::Pose world;
  motion::fk(pose.root, pose.rot.data(), world);
  motion::Vec3 ours = motion::normalized(world[motion::kLeftElbow] - world[motion::kLeftShoulder]);
  REQUIRE(motion::norm(ours - motion::Vec3{0, 1, 0}) < 1e-9);

  LoReceiver rx;
  Sender tx(rx.address());
  auto frame = std::make_unique<FramePackets>();
  encode_vmc(pose, 0.0, VmcOptions{}, *frame);
  send_frame(rx, tx, *frame);
  auto bones = bones_of(rx);
  // Unity: the elbow's local position is the upper arm's rest direction in Unity space (-X, the
  // avatar's left); Unity's Quaternion * Vector3 is the same q v q* product, so rotate() applies it.
  motion::Vec3 elbow_offset = bones.at("LeftLowerArm").pos;
  CHECK(elbow_offset.x < 0);
  motion::Vec3 up = motion::normalized(motion::rotate(bones.at("LeftUpperArm").rot, elbow_offset));
  CHECK(up.x == Approx(0).margin(1e-6));
  CHECK(up.y == Approx(1).margin(1e-6));
  CHECK(up.z == Approx(0).margin(1e-6));
  // and the right arm, untouched, still points along Unity's +X (the avatar's right)
  motion::Vec3 right = motion::rotate(bones.at("RightUpperArm").rot, bones.at("RightLowerArm").pos);
  CHECK(right.x > 0.25);
}

TEST_CASE("vmc: unity conversion mirrors X for positions and negates y, z of quaternions") {
  motion::Vec3 p = unity_position({1, 2, 3});
  CHECK((p.x == -1 && p.y == 2 && p.z == 3));
  motion::Quat q = unity_rotation({0.5, 0.1, 0.2, 0.3});
  CHECK((q.w == 0.5 && q.x == 0.1 && q.y == -0.2 && q.z == -0.3));
  // A mirrored rotation takes mirrored vectors to mirrored vectors.
  std::mt19937 rng(11);
  std::normal_distribution<double> n;
  for (int k = 0; k < 20; ++k) {
    motion::Quat r = motion::normalized(motion::Quat{n(rng), n(rng), n(rng), n(rng)});
    motion::Vec3 v{n(rng), n(rng), n(rng)};
    motion::Vec3 a = unity_position(motion::rotate(r, v));
    motion::Vec3 b = motion::rotate(unity_rotation(r), unity_position(v));
    CHECK(motion::norm(a - b) < 1e-12);
  }
}
