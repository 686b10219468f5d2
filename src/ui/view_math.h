// The 3D view's math, kept apart from GL so it can be tested: 4x4 matrices (column-major floats, as
// glUniformMatrix4fv takes them), the orbit camera, and the per-instance transforms that turn a pose
// into bones (unit cylinders) and joints (unit spheres).
#pragma once
#include <array>
#include <vector>

#include "motion/math.h"
#include "motion/pose.h"

namespace e2m::ui {

using Mat4 = std::array<float, 16>;  // column-major: m[col * 4 + row]

Mat4 identity();
Mat4 multiply(const Mat4& a, const Mat4& b);                         // a * b
motion::Vec3 transform_point(const Mat4& m, const motion::Vec3& p);  // with the perspective divide
// fov_y in radians; maps view depth [near, far] to GL clip space.
Mat4 perspective(double fov_y, double aspect, double near, double far);
Mat4 look_at(const motion::Vec3& eye, const motion::Vec3& target, const motion::Vec3& up);
// Projects every point along light_dir (unit, towards the light, y > 0) onto the plane y = height.
Mat4 planar_shadow(const motion::Vec3& light_dir, double height);

// A unit cylinder (radius 1 around +Y, from y = 0 to y = 1) stretched from a to b with this radius.
Mat4 bone_matrix(const motion::Vec3& a, const motion::Vec3& b, double radius);
// A unit sphere at p with this radius.
Mat4 sphere_matrix(const motion::Vec3& p, double radius);

// Orbit camera: turns about the target on yaw (about +Y) and pitch, at a distance.
struct OrbitCamera {
  static constexpr double kDefaultYaw = 0.5, kDefaultPitch = 0.25, kDefaultDistance = 4.0;
  static constexpr double kMinDistance = 0.5, kMaxDistance = 30.0, kMaxPitch = 1.5;

  double yaw = kDefaultYaw;  // radians; 0 looks at the character's front (from +Z)
  double pitch = kDefaultPitch;
  double distance = kDefaultDistance;  // metres
  motion::Vec3 target{0, 0.9, 0};

  void orbit(double dx_pixels, double dy_pixels);  // a mouse drag
  void zoom(double wheel_steps);                   // wheel: up (positive) moves closer
  void reset();                                    // yaw, pitch and distance back to the defaults
  motion::Vec3 eye() const;
  Mat4 view() const;
};

// The character as drawn: joint world positions of what the VMC outputs place (with the root
// locked, the pelvis' ground placement is taken out, as the VMC Root/Pos then is the origin).
std::array<motion::Vec3, motion::kNumJoints> drawn_joints(const motion::PoseFrame& pose, bool root_lock);

struct Instance {
  Mat4 model;
  std::array<float, 4> color;
};
// One cylinder per bone (joint to parent) then one sphere per joint; left side blue, right side
// orange, the spine grey (the character's left is +X).
void skeleton_instances(const std::array<motion::Vec3, motion::kNumJoints>& joints,
                        std::vector<Instance>& bones, std::vector<Instance>& spheres);

}  // namespace e2m::ui
