// Pose operations the mixer and output clock use: blends, layer masks, re-anchoring, extrapolation.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "motion/error.h"
#include "motion/pose.h"
#include "motion/rotation.h"
#include "pose_fixtures.h"

using namespace e2m;
using namespace e2m::motion;
using e2m::test::max_angle_between;
using e2m::test::max_norm_error;
using e2m::test::random_pose;
using e2m::test::same_pose;
using e2m::test::same_quat;

namespace {

double wrap_angle(double a) { return std::remainder(a, 2 * M_PI); }

}  // namespace

TEST_CASE("pose blend at weight 0 and 1 gives the inputs exactly, clamping outside weights") {
  std::mt19937 rng(1);
  PoseFrame a = random_pose(rng), b = random_pose(rng), out;
  blend(a, b, 0.0, out);
  CHECK(same_pose(out, a));
  blend(a, b, 1.0, out);
  CHECK(same_pose(out, b));
  blend(a, b, -3.0, out);
  CHECK(same_pose(out, a));
  blend(a, b, 7.0, out);
  CHECK(same_pose(out, b));
  blend(a, b, std::numeric_limits<double>::quiet_NaN(), out);
  CHECK(same_pose(out, a));
}

TEST_CASE("pose blend halfway lerps the root, slerps each joint and keeps unit quaternions") {
  std::mt19937 rng(2);
  PoseFrame a = random_pose(rng), b = random_pose(rng), out;
  blend(a, b, 0.5, out);
  CHECK(out.root.x == Approx((a.root.x + b.root.x) / 2));
  CHECK(out.root.z == Approx((a.root.z + b.root.z) / 2));
  for (int j = 0; j < kNumJoints; ++j) {
    // Halfway along the shorter arc: equally far from both ends.
    CHECK(angle_between(out.rot[j], a.rot[j]) == Approx(angle_between(out.rot[j], b.rot[j])).margin(1e-9));
    CHECK(angle_between(out.rot[j], a.rot[j]) == Approx(angle_between(a.rot[j], b.rot[j]) / 2).margin(1e-9));
  }
  CHECK(max_norm_error(out) < 1e-12);
  blend(out, b, 0.25, out);  // out aliasing an input is allowed
  CHECK(max_norm_error(out) < 1e-12);
}

TEST_CASE("named masks split the skeleton at spine2: upper is spine2 and all below it in the tree") {
  for (int j = 0; j < kNumJoints; ++j) {
    CHECK(kMaskUpper[j] + kMaskLower[j] == kMaskFull[j]);
    bool upper = j == kSpine2 || (parent(j) >= 0 && kMaskUpper[parent(j)] == 1);
    CAPTURE(j);
    CHECK(kMaskUpper[j] == (upper ? 1.0 : 0.0));
  }
  CHECK(kMaskUpper[kHead] == 1);
  CHECK(kMaskUpper[kLeftWrist] == 1);
  CHECK(kMaskLower[kPelvis] == 1);
  CHECK(kMaskLower[kRightFoot] == 1);
  CHECK(&joint_mask("upper") == &kMaskUpper);
  CHECK(&joint_mask("lower") == &kMaskLower);
  CHECK(&joint_mask("full") == &kMaskFull);
  CHECK_THROWS_AS(joint_mask("arms", "cue.mask"), e2m::Error);
  CHECK_THROWS_WITH(joint_mask("arms", "cue.mask"), Catch::Contains("cue.mask") && Catch::Contains("arms"));
}

TEST_CASE("joint weights outside [0, 1] are rejected naming the joint") {
  JointWeights w = kMaskUpper;
  CHECK_NOTHROW(check_joint_weights(w, "preset.mask"));
  w[kLeftElbow] = 1.5;
  CHECK_THROWS_WITH(check_joint_weights(w, "preset.mask"),
                    Catch::Contains("preset.mask") && Catch::Contains("left_elbow"));
  w[kLeftElbow] = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(check_joint_weights(w, "preset.mask"), e2m::Error);
}

TEST_CASE("an upper-body masked blend leaves the lower body and the root alone") {
  std::mt19937 rng(3);
  PoseFrame dance = random_pose(rng), wave = random_pose(rng), out;
  blend_masked(dance, wave, 1.0, kMaskUpper, out);
  CHECK(out.root.x == dance.root.x);
  CHECK(out.root.y == dance.root.y);
  CHECK(out.root.z == dance.root.z);
  for (int j = 0; j < kNumJoints; ++j) {
    const Quat& want = kMaskUpper[j] == 1 ? wave.rot[j] : dance.rot[j];
    CHECK(same_quat(out.rot[j], want));
  }
  // Halfway fade: upper joints move half-way, lower joints do not move at all.
  blend_masked(dance, wave, 0.5, kMaskUpper, out);
  CHECK(same_quat(out.rot[kLeftKnee], dance.rot[kLeftKnee]));
  CHECK(angle_between(out.rot[kHead], dance.rot[kHead]) ==
        Approx(angle_between(dance.rot[kHead], wave.rot[kHead]) / 2).margin(1e-9));
  CHECK(max_norm_error(out) < 1e-12);
}

TEST_CASE("pose heading is the yaw of the pelvis' forward axis on the ground") {
  PoseFrame pose;
  pose.root = {1, 0.9, 2};
  pose.rot[kPelvis] = quat_yaw(0.7) * quat_from_axis_angle({1, 0, 0}, 0.4);  // turned, leaning forward
  CHECK(pose_heading(pose) == Approx(0.7));
  Placement p = placement_of(pose);
  CHECK(p.x == 1);
  CHECK(p.z == 2);
  CHECK(p.yaw == Approx(0.7));
  pose.rot[kPelvis] = quat_yaw(-2.5);
  CHECK(pose_heading(pose) == Approx(-2.5));
}

TEST_CASE("re-anchoring starts a clip at the target placement and keeps its relative motion") {
  std::mt19937 rng(4);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  // A clip that walks and turns: root path and pelvis heading change every frame.
  std::vector<PoseFrame> clip;
  PoseFrame f = random_pose(rng, 0.3);
  f.rot[kPelvis] = quat_yaw(2.0) * quat_from_axis_angle({1, 0, 0}, 0.2);
  for (int t = 0; t < 40; ++t) {
    clip.push_back(f);
    f.root = f.root + Vec3{0.03 * u(rng), 0.01 * u(rng), 0.05};
    f.rot[kPelvis] = normalized(quat_yaw(0.05) * f.rot[kPelvis]);
    f.rot[kLeftElbow] = normalized(quat_from_axis_angle({0, 0, 1}, 0.02) * f.rot[kLeftElbow]);
  }
  Placement target{2.5, -3.0, -1.2};
  RootAnchor anchor = make_root_anchor(clip[0], target);
  std::vector<PoseFrame> moved(clip.size());
  for (size_t t = 0; t < clip.size(); ++t) apply_root_anchor(anchor, clip[t], moved[t]);

  CHECK(moved[0].root.x == Approx(target.x));
  CHECK(moved[0].root.z == Approx(target.z));
  CHECK(moved[0].root.y == Approx(clip[0].root.y));
  CHECK(wrap_angle(pose_heading(moved[0]) - target.yaw) == Approx(0).margin(1e-12));
  // The path seen from the clip's own start (its heading frame) is the same before and after.
  Quat from_clip = conjugate(quat_yaw(pose_heading(clip[0])));
  Quat from_moved = conjugate(quat_yaw(pose_heading(moved[0])));
  for (size_t t = 0; t < clip.size(); ++t) {
    Vec3 rel_clip = rotate(from_clip, clip[t].root - clip[0].root);
    Vec3 rel_moved = rotate(from_moved, moved[t].root - moved[0].root);
    CHECK(norm(rel_clip - rel_moved) < 1e-12);
    CHECK(wrap_angle(pose_heading(moved[t]) - pose_heading(moved[0]) -
                     (pose_heading(clip[t]) - pose_heading(clip[0]))) == Approx(0).margin(1e-12));
    // Every pelvis rotation gets the same turn: the one from the clip's heading to the target's.
    CHECK(angle_between(moved[t].rot[kPelvis] * conjugate(clip[t].rot[kPelvis]),
                        conjugate(from_moved) * from_clip) < 1e-7);
    for (int j = 1; j < kNumJoints; ++j) CHECK(same_quat(moved[t].rot[j], clip[t].rot[j]));
    CHECK(max_norm_error(moved[t]) < 1e-12);
  }
}

TEST_CASE("extrapolation continues root and angular velocity, damped to a stop") {
  PoseFrame prev, last, out;
  prev.root = {0, 1, 0};
  last.root = {0.1, 1, 0.02};
  prev.rot[kSpine1] = quat_yaw(0.1);
  last.rot[kSpine1] = quat_yaw(0.2);
  prev.rot[kLeftShoulder] = quat_from_axis_angle({0, 0, 1}, -0.3);
  last.rot[kLeftShoulder] = quat_from_axis_angle({0, 0, 1}, -0.25);
  const double inf = std::numeric_limits<double>::infinity();

  extrapolate(prev, last, 2.0, inf, out);  // undamped: two more steps of the same velocity
  CHECK(out.root.x == Approx(0.3));
  CHECK(out.root.z == Approx(0.06));
  CHECK(angle_between(out.rot[kSpine1], quat_yaw(0.4)) < 1e-12);
  CHECK(angle_between(out.rot[kLeftShoulder], quat_from_axis_angle({0, 0, 1}, -0.15)) < 1e-12);
  CHECK(same_quat(out.rot[kHead], last.rot[kHead]));

  // Damped with a 4-frame time constant: never travels further than 4 steps, whatever the horizon.
  extrapolate(prev, last, 1000.0, 4.0, out);
  CHECK(out.root.x == Approx(0.1 + 4 * 0.1));
  CHECK(angle_between(out.rot[kSpine1], quat_yaw(0.2 + 4 * 0.1)) < 1e-9);
  extrapolate(prev, last, 1.0, 4.0, out);
  CHECK(out.root.x > 0.1);
  CHECK(out.root.x < 0.2);

  extrapolate(prev, last, 5.0, 0.0, out);  // no damping time: hold
  CHECK(same_pose(out, last));
  extrapolate(prev, last, -2.0, inf, out);  // the past is not extrapolated
  CHECK(same_pose(out, last));
  CHECK(max_norm_error(out) < 1e-12);
}

TEST_CASE("extrapolation of random poses keeps unit quaternions and passes through the last frame") {
  std::mt19937 rng(5);
  for (int i = 0; i < 20; ++i) {
    PoseFrame prev = random_pose(rng, 3.0), last = random_pose(rng, 3.0), out;
    extrapolate(prev, last, 0.0, 4.0, out);
    CHECK(max_angle_between(out, last) < 1e-7);
    extrapolate(prev, last, 3.7, 4.0, out);
    CHECK(max_norm_error(out) < 1e-12);
  }
}
