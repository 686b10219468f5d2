// The canonical 22-joint skeleton (DESIGN.md section 3): names, parents, rest offsets, VMC bone names.
// The table lives here, once. Rest pose = T-pose with every local frame aligned to the world axes,
// so a rest pose is all-identity local rotations. Y up, metres, facing +Z, character's left = +X.
#pragma once
#include <array>
#include <string_view>

#include "motion/math.h"

namespace e2m::motion {

inline constexpr int kNumJoints = 22;

enum Joint : int {
  kPelvis = 0, kLeftHip, kRightHip, kSpine1, kLeftKnee, kRightKnee, kSpine2, kLeftAnkle,
  kRightAnkle, kSpine3, kLeftFoot, kRightFoot, kNeck, kLeftCollar, kRightCollar, kHead,
  kLeftShoulder, kRightShoulder, kLeftElbow, kRightElbow, kLeftWrist, kRightWrist
};

struct JointInfo {
  std::string_view name;        // canonical snake_case name
  int parent;                   // -1 for the pelvis
  Vec3 offset;                  // rest offset from the parent, metres
  std::string_view unity_bone;  // Unity HumanBodyBones / VMC bone name
  int mirror;                   // the left/right counterpart (itself on the spine)
};

const std::array<JointInfo, kNumJoints>& skeleton();
inline int parent(int j) { return skeleton()[j].parent; }
inline const Vec3& rest_offset(int j) { return skeleton()[j].offset; }
inline std::string_view joint_name(int j) { return skeleton()[j].name; }
int joint_index(std::string_view name);  // -1 when unknown

// Pelvis height at rest: hip-to-ankle length + 0.08 m (ankle above the floor).
double rest_pelvis_height();
// Height of ankles and toes above the floor in the rest pose (0.08 m).
inline constexpr double kRestFootHeight = 0.08;
// Rest-pose world positions of all joints, pelvis at (0, rest_pelvis_height(), 0).
std::array<Vec3, kNumJoints> rest_positions();

}  // namespace e2m::motion
