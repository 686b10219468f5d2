// Forward kinematics and the canonical skeleton table.
#include <catch2/catch.hpp>

#include "motion/fk.h"
#include "motion/rotation.h"

using namespace e2m::motion;

TEST_CASE("skeleton table matches DESIGN.md section 3") {
  REQUIRE(skeleton().size() == 22);
  REQUIRE(joint_index("pelvis") == 0);
  REQUIRE(joint_index("right_wrist") == 21);
  REQUIRE(joint_index("nope") == -1);
  REQUIRE(parent(kHead) == kNeck);
  REQUIRE(parent(kLeftCollar) == kSpine3);
  REQUIRE(skeleton()[kLeftShoulder].unity_bone == "LeftUpperArm");
  REQUIRE(rest_pelvis_height() == Approx(0.392 + 0.429 + 0.08));
  // Mirror pairs are symmetric and offsets mirror exactly.
  for (int j = 0; j < kNumJoints; ++j) {
    int m = skeleton()[j].mirror;
    REQUIRE(skeleton()[m].mirror == j);
    REQUIRE(rest_offset(m).x == -rest_offset(j).x);
    REQUIRE(rest_offset(m).y == rest_offset(j).y);
  }
}

TEST_CASE("rest pose FK: feet at 8 cm, left hand at +X, toes forward") {
  Clip c = Clip::rest(1);
  Pose p;
  fk(c, 0, p);
  REQUIRE(p[kLeftAnkle].y == Approx(kRestFootHeight));
  REQUIRE(p[kRightFoot].y == Approx(kRestFootHeight));
  REQUIRE(p[kLeftFoot].z > p[kLeftAnkle].z);
  REQUIRE(p[kLeftWrist].x == Approx(0.1065 * 0 + 0.140 + 0.1275 + 0.260 + 0.268));
  REQUIRE(p[kRightWrist].x == Approx(-(0.140 + 0.1275 + 0.260 + 0.268)));
  auto rest = rest_positions();
  for (int j = 0; j < kNumJoints; ++j) REQUIRE(norm(rest[j] - p[j]) < 1e-12);
}

TEST_CASE("FK composes rotations down the chain") {
  Clip c = Clip::rest(1);
  // Left shoulder rotated +90 degrees about Z raises the left arm straight up.
  c.q(0, kLeftShoulder) = quat_from_axis_angle({0, 0, 1}, M_PI / 2);
  // Elbow bent 90 degrees about Y (in the raised arm's frame) points the forearm to -Z... or +Z.
  c.q(0, kLeftElbow) = quat_from_axis_angle({0, 1, 0}, -M_PI / 2);
  std::array<Quat, kNumJoints> world;
  Pose p;
  fk(c, 0, p, &world);
  REQUIRE(p[kLeftElbow].y - p[kLeftShoulder].y == Approx(0.260));
  REQUIRE(p[kLeftElbow].x == Approx(p[kLeftShoulder].x).margin(1e-12));
  // Forearm: rest +X, rotated -90 about local Y -> +Z locally; then the shoulder's +90 about Z keeps Z.
  REQUIRE(p[kLeftWrist].z - p[kLeftElbow].z == Approx(0.268));
  REQUIRE(angle_between(world[kLeftWrist], world[kLeftShoulder] * c.q(0, kLeftElbow)) < 1e-12);
}
