// HumanML3D (263-d, 22 joints) and KIT-ML (251-d, 21 joints) feature vectors decoded to joint
// positions exactly as HumanML3D's recover_from_ric (motion_process.py) does.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "io/npy.h"
#include "motion/math.h"

namespace e2m::io {

// Vector layout per frame (J joints): root yaw velocity (1), root xz velocity in the root frame
// (2), root height (1), ric positions of joints 1..J-1 (3(J-1)), 6D rotations (6(J-1)), local
// velocities (3J), foot contacts (4): 12J - 1 values.
inline constexpr int kHumanMl3dDim = 263;  // 22 joints
inline constexpr int kKitDim = 251;        // 21 joints

// Joints for a vector size: 263 -> 22, 251 -> 21, anything else -> 0.
int ric_joints_for_dim(int dim);

struct RicMotion {
  int frames = 0;
  int joints = 0;
  std::vector<motion::Vec3> pos;  // frames x joints world positions (metres, Y up)
  std::vector<double> root_yaw;   // per frame: the integrated r_rot_ang (the root quaternion is
                                  // (cos a, 0, sin a, 0), i.e. a rotation of 2a about +Y)
  const motion::Vec3& at(int frame, int joint) const {
    return pos[static_cast<size_t>(frame) * joints + joint];
  }
};

// recover_root_rot_pos + recover_from_ric on frames x dim values (row-major). Throws e2m::Error
// (naming `name`) when dim is not 263 or 251 or a value is not finite.
RicMotion recover_from_ric(const std::vector<double>& data, int frames, int dim, const std::string& name);
// Same on a 2-D .npy array (frames x dim).
RicMotion recover_from_ric(const NpyArray<double>& vecs, const std::string& name);
RicMotion read_ric_positions(const std::filesystem::path& new_joint_vecs_npy);

}  // namespace e2m::io
