// The canonical skeleton table (DESIGN.md section 3), once.
#include "motion/skeleton.h"

#include "motion/rotation.h"

namespace e2m::motion {

const std::array<JointInfo, kNumJoints>& skeleton() {
  // Lengths: HumanML3D's uniform skeleton, left/right averaged so mirroring is exact.
  static const std::array<JointInfo, kNumJoints> kTable = {{
      {"pelvis", -1, {0, 0, 0}, "Hips", kPelvis},
      {"left_hip", 0, {0.1065, 0, 0}, "LeftUpperLeg", kRightHip},
      {"right_hip", 0, {-0.1065, 0, 0}, "RightUpperLeg", kLeftHip},
      {"spine1", 0, {0, 0.132, 0}, "Spine", kSpine1},
      {"left_knee", 1, {0, -0.392, 0}, "LeftLowerLeg", kRightKnee},
      {"right_knee", 2, {0, -0.392, 0}, "RightLowerLeg", kLeftKnee},
      {"spine2", 3, {0, 0.143, 0}, "Chest", kSpine2},
      {"left_ankle", 4, {0, -0.429, 0}, "LeftFoot", kRightAnkle},
      {"right_ankle", 5, {0, -0.429, 0}, "RightFoot", kLeftAnkle},
      {"spine3", 6, {0, 0.057, 0}, "UpperChest", kSpine3},
      {"left_foot", 7, {0, 0, 0.146}, "LeftToes", kRightFoot},
      {"right_foot", 8, {0, 0, 0.146}, "RightToes", kLeftFoot},
      {"neck", 9, {0, 0.219, 0}, "Neck", kNeck},
      {"left_collar", 9, {0.140, 0, 0}, "LeftShoulder", kRightCollar},
      {"right_collar", 9, {-0.140, 0, 0}, "RightShoulder", kLeftCollar},
      {"head", 12, {0, 0.103, 0}, "Head", kHead},
      {"left_shoulder", 13, {0.1275, 0, 0}, "LeftUpperArm", kRightShoulder},
      {"right_shoulder", 14, {-0.1275, 0, 0}, "RightUpperArm", kLeftShoulder},
      {"left_elbow", 16, {0.260, 0, 0}, "LeftLowerArm", kRightElbow},
      {"right_elbow", 17, {-0.260, 0, 0}, "RightLowerArm", kLeftElbow},
      {"left_wrist", 18, {0.268, 0, 0}, "LeftHand", kRightWrist},
      {"right_wrist", 19, {-0.268, 0, 0}, "RightHand", kLeftWrist},
  }};
  return kTable;
}

int joint_index(std::string_view name) {
  for (int j = 0; j < kNumJoints; ++j)
    if (skeleton()[j].name == name) return j;
  return -1;
}

double rest_pelvis_height() {
  return -(rest_offset(kLeftKnee).y + rest_offset(kLeftAnkle).y) + kRestFootHeight;
}

std::array<Vec3, kNumJoints> rest_positions() {
  std::array<Vec3, kNumJoints> p;
  p[0] = {0, rest_pelvis_height(), 0};
  for (int j = 1; j < kNumJoints; ++j) p[j] = p[parent(j)] + rest_offset(j);
  return p;
}

}  // namespace e2m::motion
