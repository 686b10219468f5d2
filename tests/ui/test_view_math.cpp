// The 3D view's math: camera, projection, the bone and sphere transforms and the planar shadow.
#include <cmath>

#include "motion/fk.h"
#include "motion/rotation.h"
#include "test_support.h"
#include "ui/view_math.h"

using namespace e2m;
using motion::Vec3;

namespace {

bool near(const Vec3& a, const Vec3& b, double tol = 1e-5) { return motion::norm(a - b) < tol; }

}  // namespace

TEST_CASE("view math: a bone matrix maps the unit cylinder's axis onto the bone", "[ui]") {
  const Vec3 a{0.1, 1.0, -0.2}, b{0.4, 0.6, 0.3};
  const ui::Mat4 m = ui::bone_matrix(a, b, 0.05);
  CHECK(near(ui::transform_point(m, {0, 0, 0}), a));
  CHECK(near(ui::transform_point(m, {0, 1, 0}), b));
  // A point on the rim stays at the radius from the axis, level with its end.
  const Vec3 rim = ui::transform_point(m, {1, 0, 0});
  CHECK(std::abs(motion::norm(rim - a) - 0.05) < 1e-6);
  CHECK(std::abs(motion::dot(rim - a, b - a)) < 1e-6);
  // A bone along -Y (where the helper axis changes) works too.
  const ui::Mat4 down = ui::bone_matrix({0, 1, 0}, {0, 0.5, 0}, 0.03);
  CHECK(near(ui::transform_point(down, {0, 1, 0}), {0, 0.5, 0}));
}

TEST_CASE("view math: the camera looks at its target from the distance it is set to", "[ui]") {
  ui::OrbitCamera cam;
  cam.target = {1, 0.9, -2};
  const Vec3 eye = cam.eye();
  CHECK(std::abs(motion::norm(eye - cam.target) - cam.distance) < 1e-9);
  // The target lands in the middle of the screen, in front of the camera.
  const ui::Mat4 vp = ui::multiply(ui::perspective(0.8, 1.5, 0.05, 100), cam.view());
  const Vec3 ndc = ui::transform_point(vp, cam.target);
  CHECK(std::abs(ndc.x) < 1e-5);
  CHECK(std::abs(ndc.y) < 1e-5);
  CHECK(ndc.z > -1);
  CHECK(ndc.z < 1);
  // A point above the target is drawn above it.
  CHECK(ui::transform_point(vp, cam.target + Vec3{0, 0.5, 0}).y > 0.05);
  cam.orbit(200, -100);
  cam.zoom(3);
  CHECK(cam.distance < ui::OrbitCamera::kDefaultDistance);
  cam.zoom(-1000);
  CHECK(cam.distance == ui::OrbitCamera::kMaxDistance);
  cam.reset();
  CHECK(cam.yaw == ui::OrbitCamera::kDefaultYaw);
  CHECK(cam.distance == ui::OrbitCamera::kDefaultDistance);
}

TEST_CASE("view math: the planar shadow projects along the light onto the floor", "[ui]") {
  const Vec3 light = motion::normalized({0.3, 0.8, 0.4});
  const ui::Mat4 s = ui::planar_shadow(light, 0.0);
  const Vec3 p{0.5, 1.6, -0.3};
  const Vec3 q = ui::transform_point(s, p);
  CHECK(std::abs(q.y) < 1e-6);
  // p - q is parallel to the light direction.
  CHECK(motion::norm(motion::cross(p - q, light)) < 1e-5);
}

TEST_CASE("view math: the drawn skeleton is the forward kinematics of the sent pose", "[ui]") {
  motion::PoseFrame pose{};
  pose.root = {2.0, 0.95, -1.0};
  pose.rot[0] = motion::quat_from_axis_angle({0, 1, 0}, 0.7);
  motion::Pose expected;
  motion::fk(pose.root, pose.rot.data(), expected);
  const auto free = ui::drawn_joints(pose, false);
  for (int j = 0; j < motion::kNumJoints; ++j) CHECK(near(free[size_t(j)], expected[size_t(j)]));
  // Root locked: the pelvis is over the origin (the VMC root placement is the origin), height kept.
  const auto locked = ui::drawn_joints(pose, true);
  CHECK(std::abs(locked[0].x) < 1e-9);
  CHECK(std::abs(locked[0].z) < 1e-9);
  CHECK(std::abs(locked[0].y - 0.95) < 1e-9);
  std::vector<ui::Instance> bones, spheres;
  ui::skeleton_instances(free, bones, spheres);
  CHECK(bones.size() == size_t(motion::kNumJoints - 1));
  CHECK(spheres.size() == size_t(motion::kNumJoints));
  // Left (+X) limbs and right limbs get different colours, the spine a third.
  CHECK(spheres[motion::kLeftWrist].color != spheres[motion::kRightWrist].color);
  CHECK(spheres[motion::kHead].color != spheres[motion::kLeftWrist].color);
}
