// BVH reader/writer: round trips, channel conventions, the canonical skeleton, real Bandai files.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <iostream>
#include <random>

#include "io/bvh.h"
#include "motion/error.h"
#include "motion/fk.h"
#include "motion/rotation.h"
#include "motion/skeleton.h"
#include "test_support.h"

using namespace e2m;
using io::BvhChannel;
using motion::Quat;
using motion::Vec3;

namespace {

// A hierarchy that exercises the generic parts: mixed channel orders, position channels on a
// non-root joint, a joint with one rotation channel, a joint with none, End Sites, two children.
io::Bvh test_hierarchy(int frames, unsigned seed) {
  io::Bvh b;
  auto add = [&](std::string name, int parent, Vec3 off, std::vector<BvhChannel> ch, bool end = false) {
    io::BvhJoint j;
    j.name = std::move(name);
    j.parent = parent;
    j.offset = off;
    j.channels = std::move(ch);
    j.has_end_site = end;
    if (end) j.end_site = {0.5, 7.25, -1.125};
    b.joints.push_back(j);
  };
  using C = BvhChannel;
  add("Hips", -1, {1, 90, -3},
      {C::Yrotation, C::Xposition, C::Zrotation, C::Yposition, C::Xrotation, C::Zposition});
  add("Spine", 0, {0, 10, 0},
      {C::Xposition, C::Yposition, C::Zposition, C::Xrotation, C::Zrotation, C::Yrotation});
  add("Head", 1, {0, 20, 1}, {C::Zrotation, C::Xrotation, C::Yrotation}, true);
  add("Left Arm", 1, {15, 18, 0}, {C::Yrotation, C::Zrotation, C::Xrotation});
  add("LeftHand", 3, {25, 0, 0}, {C::Zrotation}, true);
  add("Leg", 0, {-9, -5, 0.5}, {});
  add("Foot", 5, {0, -40, 0}, {C::Xrotation, C::Yrotation, C::Zrotation}, true);
  io::update_channel_starts(b);
  b.frame_time = 1.0 / 24.0;
  b.frames = frames;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> ang(-170, 170), pos(-150, 150);
  for (int f = 0; f < frames; ++f)
    for (const auto& j : b.joints)
      for (auto c : j.channels) b.values.push_back(static_cast<int>(c) < 3 ? pos(rng) : ang(rng));
  return b;
}

double max_diff(const Vec3& a, const Vec3& b) {
  return std::max({std::abs(a.x - b.x), std::abs(a.y - b.y), std::abs(a.z - b.z)});
}

Quat random_quat(std::mt19937& rng) {
  std::normal_distribution<double> n(0, 1);
  return motion::normalized(Quat{n(rng), n(rng), n(rng), n(rng)});
}

// A one-frame file with a root 'r' and its child 'a', so that a test shows only the lines it is about.
io::Bvh parse_root_and_child(const std::string& root_lines, const std::string& child_lines,
                             const std::string& frame_time, const std::string& row) {
  return io::parse_bvh("HIERARCHY\nROOT r\n{\n" + root_lines + " JOINT a\n {\n" + child_lines +
                           " }\n}\nMOTION\nFrames: 1\nFrame Time: " + frame_time + "\n" + row + "\n",
                       "t.bvh");
}

}  // namespace

TEST_CASE("bvh write then read gives back the same hierarchy and values") {
  io::Bvh a = test_hierarchy(7, 1);
  std::string text = io::format_bvh(a);
  io::Bvh b = io::parse_bvh(text, "roundtrip.bvh");
  REQUIRE(b.joints.size() == a.joints.size());
  for (size_t i = 0; i < a.joints.size(); ++i) {
    INFO("joint " << a.joints[i].name);
    CHECK(b.joints[i].name == a.joints[i].name);
    CHECK(b.joints[i].parent == a.joints[i].parent);
    CHECK(b.joints[i].channels == a.joints[i].channels);
    CHECK(b.joints[i].channel_start == a.joints[i].channel_start);
    CHECK(max_diff(b.joints[i].offset, a.joints[i].offset) < 1e-6);
    CHECK(b.joints[i].has_end_site == a.joints[i].has_end_site);
    if (a.joints[i].has_end_site) CHECK(max_diff(b.joints[i].end_site, a.joints[i].end_site) < 1e-6);
  }
  CHECK(b.frames == 7);
  CHECK(std::abs(b.frame_time - 1.0 / 24.0) < 1e-9);
  REQUIRE(b.values.size() == a.values.size());
  double worst = 0;
  for (size_t i = 0; i < a.values.size(); ++i) worst = std::max(worst, std::abs(a.values[i] - b.values[i]));
  CHECK(worst <= 1e-6);
  // And the written text parses to the same text again (stable layout).
  CHECK(io::format_bvh(b) == text);
}

TEST_CASE("bvh writer uses the standard layout with tabs") {
  std::string text = io::format_bvh(test_hierarchy(2, 2));
  CHECK(text.rfind("HIERARCHY\nROOT Hips\n{\n\tOFFSET 1 90 -3\n", 0) == 0);
  CHECK(text.find("\tJOINT Spine\n\t{\n") != std::string::npos);
  CHECK(text.find("\t\t\tEnd Site\n\t\t\t{\n\t\t\t\tOFFSET 0.5 7.25 -1.125\n\t\t\t}\n") != std::string::npos);
  CHECK(text.find("\nMOTION\nFrames: 2\nFrame Time: 0.04166666667\n") != std::string::npos);
}

TEST_CASE("bvh file round trip through disk") {
  auto path = test::temp_dir("bvh") / "disk.bvh";
  io::Bvh a = test_hierarchy(3, 3);
  io::write_bvh(a, path);
  io::Bvh b = io::read_bvh(path);
  REQUIRE(b.frames == 3);
  for (int f = 0; f < 3; ++f) {
    auto pa = a.world_positions(f), pb = b.world_positions(f);
    for (size_t j = 0; j < pa.size(); ++j) CHECK(max_diff(pa[j], pb[j]) < 1e-4);
  }
}

TEST_CASE("bvh position channels replace the rest offset, missing components keep it") {
  io::Bvh b = parse_root_and_child(
      " OFFSET 100 100 100\n CHANNELS 3 Xposition Yposition Zposition\n",
      "  OFFSET 10 0 0\n  CHANNELS 1 Yposition\n  End Site\n  {\n   OFFSET 0 1 0\n  }\n", "0.5", "1 2 3 7");
  CHECK(b.fps() == Approx(2.0));
  auto p = b.world_positions(0);
  CHECK(max_diff(p[0], {1, 2, 3}) < 1e-12);
  CHECK(max_diff(p[1], {11, 9, 3}) < 1e-12);
}

TEST_CASE("bvh rotation channels compose in file order, first listed outermost") {
  io::Bvh b = parse_root_and_child(" OFFSET 0 0 0\n CHANNELS 3 Zrotation Xrotation Yrotation\n",
                                   "  OFFSET 0 0 0\n  CHANNELS 2 Yrotation Xrotation\n", "0.0333333",
                                   "30 40 50 -20 65");
  auto ax = [](double x, double y, double z, double deg) {
    return motion::quat_from_axis_angle({x, y, z}, deg * M_PI / 180);
  };
  Quat want0 = ax(0, 0, 1, 30) * ax(1, 0, 0, 40) * ax(0, 1, 0, 50);
  Quat want1 = ax(0, 1, 0, -20) * ax(1, 0, 0, 65);
  CHECK(std::abs(motion::dot(b.local_rotation(0, 0), want0)) == Approx(1.0).epsilon(1e-12));
  CHECK(std::abs(motion::dot(b.local_rotation(0, 1), want1)) == Approx(1.0).epsilon(1e-12));
}

TEST_CASE("bvh reader accepts CRLF, names with spaces, several roots and blank lines") {
  std::string text =
      "HIERARCHY\r\nROOT my root\r\n{\r\n\tOFFSET 0 0 0\r\n\tCHANNELS 1 Xposition\r\n}\r\n"
      "ROOT other {\r\n\tOFFSET 1 2 3\r\n\tCHANNELS 1 Zrotation\r\n}\r\n"
      "MOTION\r\nFrames: 2\r\nFrame Time: 0.01\r\n1.5 +2\r\n\r\n-3e1 4\r\n";
  io::Bvh b = io::parse_bvh(text, "crlf.bvh");
  REQUIRE(b.joints.size() == 2);
  CHECK(b.joints[0].name == "my root");
  CHECK(b.joints[1].parent == -1);
  CHECK(b.values == std::vector<double>{1.5, 2, -30, 4});
}

TEST_CASE("canonical clip to bvh and back keeps the forward kinematics") {
  std::mt19937 rng(7);
  motion::Clip clip;
  clip.fps = 30;
  clip.resize(12);
  std::uniform_real_distribution<double> u(-1, 1);
  for (int f = 0; f < clip.frames(); ++f) {
    clip.root[f] = {u(rng), 0.9 + 0.1 * u(rng), u(rng)};
    for (int j = 0; j < motion::kNumJoints; ++j) clip.q(f, j) = random_quat(rng);
  }
  // Include the exact gimbal-lock case of the ZXY order (X = +-90 degrees).
  clip.q(0, 5) = motion::quat_from_axis_angle({1, 0, 0}, M_PI / 2);
  clip.q(0, 6) =
      motion::quat_from_axis_angle({1, 0, 0}, -M_PI / 2) * motion::quat_from_axis_angle({0, 1, 0}, 0.3);

  io::Bvh bvh = io::clip_to_bvh(clip);
  REQUIRE(bvh.joints.size() == 22);
  CHECK(bvh.joints[0].channels.size() == 6);
  CHECK(bvh.joints[1].channels.size() == 3);
  CHECK(bvh.joints[motion::kHead].has_end_site);
  CHECK(bvh.joints[motion::kLeftWrist].has_end_site);
  CHECK(bvh.joints[motion::kRightFoot].has_end_site);
  CHECK_FALSE(bvh.joints[motion::kSpine3].has_end_site);
  CHECK(std::abs(bvh.frame_time - 1.0 / 30) < 1e-12);

  io::Bvh parsed = io::parse_bvh(io::format_bvh(bvh), "canonical.bvh");
  motion::Clip back = io::bvh_to_clip(parsed);
  CHECK(back.fps == 30);
  REQUIRE(back.frames() == clip.frames());
  auto fa = motion::fk_all(clip), fb = motion::fk_all(back);
  double worst = 0;
  for (int f = 0; f < clip.frames(); ++f)
    for (int j = 0; j < motion::kNumJoints; ++j) worst = std::max(worst, max_diff(fa[f][j], fb[f][j]));
  INFO("max FK difference after clip -> bvh -> text -> bvh -> clip: " << worst << " m");
  CHECK(worst < 1e-5);
}

TEST_CASE("bvh to clip rejects files without the canonical joints") {
  io::Bvh b = test_hierarchy(1, 4);
  REQUIRE_THROWS_AS(io::bvh_to_clip(b), Error);
  REQUIRE_THROWS_WITH(io::bvh_to_clip(b), Catch::Contains("'pelvis' is missing"));
}

TEST_CASE("bandai bvh files read with 22 joints at 30 fps, position channels equal offsets") {
  auto dir = test::shared_data() / "bandai" / "dataset-1";
  auto path = dir / "dataset-1_bow_active_001.bvh";
  E2M_SKIP_UNLESS_EXISTS(path);
  io::Bvh b = io::read_bvh(path);
  REQUIRE(b.joints.size() == 22);
  CHECK(b.joints[0].name == "joint_Root");
  CHECK(b.joints[1].name == "Hips");
  CHECK(std::abs(b.fps() - 30) < 1e-3);
  CHECK(b.frames > 0);
  for (double v : b.values) REQUIRE(std::isfinite(v));
  // Every joint below Hips: its position channels hold its OFFSET, so they replace it rather than add.
  double worst = 0;
  for (int f = 0; f < b.frames; ++f)
    for (size_t j = 2; j < b.joints.size(); ++j)
      worst = std::max(worst, max_diff(b.local_translation(f, static_cast<int>(j)), b.joints[j].offset));
  std::cout << "bandai: max |position channel - OFFSET| below Hips = " << worst << " cm\n";
  CHECK(worst < 1e-3);
  // Hips' channels are its absolute local position: near the OFFSET height, not offset + channel.
  auto p = b.world_positions(0);
  for (const auto& v : p) REQUIRE((std::isfinite(v.x) && std::isfinite(v.y) && std::isfinite(v.z)));
  CHECK(p[1].y > 60);
  CHECK(p[1].y < 120);
}
