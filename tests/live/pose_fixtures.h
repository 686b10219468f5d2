// Poses for the live tests: random but reproducible frames, and checks on their quaternions.
#pragma once
#include <algorithm>
#include <cmath>
#include <random>

#include "motion/pose.h"
#include "motion/rotation.h"

namespace e2m::test {

// Root near the rest height, every joint turned by up to `max_angle` radians about a random axis.
inline motion::PoseFrame random_pose(std::mt19937& rng, double max_angle = 1.5) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  motion::PoseFrame pose;
  pose.root = {u(rng), 0.9 + 0.1 * u(rng), u(rng)};
  for (auto& q : pose.rot) {
    motion::Vec3 axis{u(rng), u(rng), u(rng)};
    if (motion::norm(axis) < 1e-3) axis = {0, 1, 0};
    q = motion::quat_from_axis_angle(axis, max_angle * u(rng));
  }
  return pose;
}

// Largest |1 - |q|| over the pose's joints.
inline double max_norm_error(const motion::PoseFrame& pose) {
  double worst = 0;
  for (const auto& q : pose.rot) worst = std::max(worst, std::abs(1.0 - std::sqrt(motion::dot(q, q))));
  return worst;
}

// Largest rotation angle between matching joints, and root distance, of two poses.
inline double max_angle_between(const motion::PoseFrame& a, const motion::PoseFrame& b) {
  double worst = 0;
  for (int j = 0; j < motion::kNumJoints; ++j)
    worst = std::max(worst, motion::angle_between(a.rot[j], b.rot[j]));
  return worst;
}

// Bit-for-bit equality (what "left alone" means).
inline bool same_quat(const motion::Quat& p, const motion::Quat& q) {
  return p.w == q.w && p.x == q.x && p.y == q.y && p.z == q.z;
}

inline bool same_pose(const motion::PoseFrame& a, const motion::PoseFrame& b) {
  if (a.root.x != b.root.x || a.root.y != b.root.y || a.root.z != b.root.z) return false;
  for (int j = 0; j < motion::kNumJoints; ++j) {
    if (!same_quat(a.rot[j], b.rot[j])) return false;
  }
  return true;
}

}  // namespace e2m::test
