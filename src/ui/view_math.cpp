// Matrices, the orbit camera and skeleton instances for the monitor's 3D view.
#include "ui/view_math.h"

#include <algorithm>
#include <cmath>

#include "motion/fk.h"
#include "net/vmc_encoder.h"

namespace e2m::ui {

using motion::Vec3;

namespace {

void set_column(Mat4& m, int col, const Vec3& v, double w) {
  m[size_t(col * 4 + 0)] = float(v.x);
  m[size_t(col * 4 + 1)] = float(v.y);
  m[size_t(col * 4 + 2)] = float(v.z);
  m[size_t(col * 4 + 3)] = float(w);
}

// Any unit vector perpendicular to unit d.
Vec3 perpendicular(const Vec3& d) {
  const Vec3 helper = std::abs(d.y) < 0.9 ? Vec3{0, 1, 0} : Vec3{1, 0, 0};
  return motion::normalized(motion::cross(helper, d));
}

constexpr std::array<float, 4> kLeftColor{0.35f, 0.62f, 0.95f, 1.0f};
constexpr std::array<float, 4> kRightColor{0.98f, 0.60f, 0.25f, 1.0f};
constexpr std::array<float, 4> kSpineColor{0.82f, 0.82f, 0.85f, 1.0f};
constexpr double kBoneRadius = 0.035, kJointRadius = 0.05, kHeadRadius = 0.11;

std::array<float, 4> side_color(int j) {
  const auto& info = motion::skeleton()[size_t(j)];
  if (info.mirror == j) return kSpineColor;
  return motion::rest_positions()[size_t(j)].x > 0 ? kLeftColor : kRightColor;
}

}  // namespace

Mat4 identity() {
  Mat4 m{};
  m[0] = m[5] = m[10] = m[15] = 1;
  return m;
}

Mat4 multiply(const Mat4& a, const Mat4& b) {
  Mat4 r{};
  for (int c = 0; c < 4; ++c)
    for (int row = 0; row < 4; ++row) {
      float s = 0;
      for (int k = 0; k < 4; ++k) s += a[size_t(k * 4 + row)] * b[size_t(c * 4 + k)];
      r[size_t(c * 4 + row)] = s;
    }
  return r;
}

Vec3 transform_point(const Mat4& m, const Vec3& p) {
  double out[4];
  for (int row = 0; row < 4; ++row)
    out[row] =
        m[size_t(row)] * p.x + m[size_t(4 + row)] * p.y + m[size_t(8 + row)] * p.z + m[size_t(12 + row)];
  return Vec3{out[0], out[1], out[2]} / out[3];
}

Mat4 perspective(double fov_y, double aspect, double near, double far) {
  const double f = 1.0 / std::tan(fov_y / 2);
  Mat4 m{};
  m[0] = float(f / aspect);
  m[5] = float(f);
  m[10] = float((far + near) / (near - far));
  m[11] = -1;
  m[14] = float(2 * far * near / (near - far));
  return m;
}

Mat4 look_at(const Vec3& eye, const Vec3& target, const Vec3& up) {
  const Vec3 f = motion::normalized(target - eye);
  const Vec3 s = motion::normalized(motion::cross(f, up));
  const Vec3 u = motion::cross(s, f);
  Mat4 m = identity();
  for (int c = 0; c < 3; ++c) {
    const double sv[3] = {s.x, s.y, s.z}, uv[3] = {u.x, u.y, u.z}, fv[3] = {f.x, f.y, f.z};
    m[size_t(c * 4 + 0)] = float(sv[c]);
    m[size_t(c * 4 + 1)] = float(uv[c]);
    m[size_t(c * 4 + 2)] = float(-fv[c]);
  }
  m[12] = float(-motion::dot(s, eye));
  m[13] = float(-motion::dot(u, eye));
  m[14] = float(motion::dot(f, eye));
  return m;
}

// p' = p - L * (p.y - h) / L.y, written as a matrix acting on (x, y, z, 1).
Mat4 planar_shadow(const Vec3& l, double height) {
  Mat4 m = identity();
  m[4] = float(-l.x / l.y);  // column 1 (y's contribution)
  m[5] = 0;
  m[6] = float(-l.z / l.y);
  m[12] = float(height * l.x / l.y);
  m[13] = float(height);
  m[14] = float(height * l.z / l.y);
  return m;
}

Mat4 bone_matrix(const Vec3& a, const Vec3& b, double radius) {
  const Vec3 along = b - a;
  const double length = motion::norm(along);
  const Vec3 d = length > 1e-9 ? along / length : Vec3{0, 1, 0};
  const Vec3 x = perpendicular(d);
  const Vec3 z = motion::cross(x, d);
  Mat4 m{};
  set_column(m, 0, x * radius, 0);
  set_column(m, 1, along, 0);
  set_column(m, 2, z * radius, 0);
  set_column(m, 3, a, 1);
  return m;
}

Mat4 sphere_matrix(const Vec3& p, double radius) {
  Mat4 m{};
  m[0] = m[5] = m[10] = float(radius);
  set_column(m, 3, p, 1);
  return m;
}

void OrbitCamera::orbit(double dx, double dy) {
  constexpr double kRadiansPerPixel = 0.008;
  yaw -= dx * kRadiansPerPixel;
  pitch = std::clamp(pitch + dy * kRadiansPerPixel, -kMaxPitch, kMaxPitch);
}

void OrbitCamera::zoom(double steps) {
  constexpr double kStep = 0.9;  // each wheel notch: 10% closer
  distance = std::clamp(distance * std::pow(kStep, steps), kMinDistance, kMaxDistance);
}

void OrbitCamera::reset() {
  yaw = kDefaultYaw;
  pitch = kDefaultPitch;
  distance = kDefaultDistance;
}

Vec3 OrbitCamera::eye() const {
  const double c = std::cos(pitch);
  return target + Vec3{std::sin(yaw) * c, std::sin(pitch), std::cos(yaw) * c} * distance;
}

Mat4 OrbitCamera::view() const { return look_at(eye(), target, {0, 1, 0}); }

std::array<Vec3, motion::kNumJoints> drawn_joints(const motion::PoseFrame& pose, bool root_lock) {
  motion::Pose p;
  if (!root_lock) {
    motion::fk(pose.root, pose.rot.data(), p);
    return p;
  }
  motion::PoseFrame local = pose;
  const net::RootSplit s = net::split_root(pose);
  local.root = s.hips_pos;
  local.rot[0] = s.hips_rot;
  motion::fk(local.root, local.rot.data(), p);
  return p;
}

void skeleton_instances(const std::array<Vec3, motion::kNumJoints>& joints, std::vector<Instance>& bones,
                        std::vector<Instance>& spheres) {
  bones.clear();
  spheres.clear();
  for (int j = 0; j < motion::kNumJoints; ++j) {
    const int p = motion::parent(j);
    if (p >= 0)
      bones.push_back({bone_matrix(joints[size_t(p)], joints[size_t(j)], kBoneRadius), side_color(j)});
    const double r = j == motion::kHead ? kHeadRadius : kJointRadius;
    spheres.push_back({sphere_matrix(joints[size_t(j)], r), side_color(j)});
  }
}

}  // namespace e2m::ui
