// Forward kinematics on the canonical skeleton.
#pragma once
#include <array>
#include <vector>

#include "motion/clip.h"

namespace e2m::motion {

using Pose = std::array<Vec3, kNumJoints>;

// World positions (and optionally world rotations) of one frame.
void fk(const Clip& clip, int frame, Pose& positions, std::array<Quat, kNumJoints>* world_rot = nullptr);
// Same from raw inputs (root position, 22 local rotations).
void fk(const Vec3& root, const Quat* local, Pose& positions, std::array<Quat, kNumJoints>* world_rot = nullptr);
// All frames: frames x 22 positions.
std::vector<Pose> fk_all(const Clip& clip);

}  // namespace e2m::motion
