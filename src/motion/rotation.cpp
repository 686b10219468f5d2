// Rotation conversions (see rotation.h for the 6D and Euler conventions).
#include "motion/rotation.h"

#include <algorithm>
#include <cmath>

namespace e2m::motion {

Quat operator*(const Quat& a, const Quat& b) {
  return {a.w * b.w - a.x * b.x - a.y * b.y - a.z * b.z, a.w * b.x + a.x * b.w + a.y * b.z - a.z * b.y,
          a.w * b.y - a.x * b.z + a.y * b.w + a.z * b.x, a.w * b.z + a.x * b.y - a.y * b.x + a.z * b.w};
}

Quat conjugate(const Quat& q) { return {q.w, -q.x, -q.y, -q.z}; }

double dot(const Quat& a, const Quat& b) { return a.w * b.w + a.x * b.x + a.y * b.y + a.z * b.z; }

Quat normalized(const Quat& q) {
  double n = std::sqrt(dot(q, q));
  if (!(n > 0) || !std::isfinite(n)) return Quat::identity();
  return {q.w / n, q.x / n, q.y / n, q.z / n};
}

Vec3 rotate(const Quat& q, const Vec3& v) {
  // v' = v + 2w (u x v) + 2 u x (u x v), u = vector part; cheaper than two products.
  Vec3 u{q.x, q.y, q.z};
  Vec3 t = cross(u, v) * 2.0;
  return v + t * q.w + cross(u, t);
}

Quat quat_from_axis_angle(const Vec3& axis, double radians) {
  Vec3 a = motion::normalized(axis);
  double s = std::sin(radians / 2);
  return {std::cos(radians / 2), a.x * s, a.y * s, a.z * s};
}

Vec3 quat_to_axis_angle(const Quat& q_in) {
  Quat q = normalized(q_in);
  if (q.w < 0) q = {-q.w, -q.x, -q.y, -q.z};
  Vec3 v{q.x, q.y, q.z};
  double s = norm(v);
  if (s < 1e-12) return v * 2.0;  // small-angle limit
  double angle = 2 * std::atan2(s, q.w);
  return v * (angle / s);
}

Quat quat_from_rotvec(const Vec3& r) {
  double angle = norm(r);
  if (angle < 1e-12) return normalized(Quat{1, r.x / 2, r.y / 2, r.z / 2});
  return quat_from_axis_angle(r / angle, angle);
}

Quat quat_between(const Vec3& a_in, const Vec3& b_in) {
  Vec3 a = motion::normalized(a_in), b = motion::normalized(b_in);
  double d = dot(a, b);
  if (d < -1 + 1e-12) {
    // Opposite directions: any axis orthogonal to a works; pick the most stable one.
    Vec3 axis = cross(a, std::abs(a.x) < 0.9 ? Vec3{1, 0, 0} : Vec3{0, 1, 0});
    return quat_from_axis_angle(axis, M_PI);
  }
  Vec3 c = cross(a, b);
  return normalized(Quat{1 + d, c.x, c.y, c.z});
}

Quat slerp(const Quat& a, const Quat& b_in, double t) {
  Quat b = b_in;
  double d = dot(a, b);
  if (d < 0) {
    b = {-b.w, -b.x, -b.y, -b.z};
    d = -d;
  }
  if (d > 0.9995) {  // nearly parallel: normalised lerp is accurate and avoids 0/0
    return normalized(Quat{a.w + t * (b.w - a.w), a.x + t * (b.x - a.x), a.y + t * (b.y - a.y),
                           a.z + t * (b.z - a.z)});
  }
  double theta = std::acos(std::clamp(d, -1.0, 1.0));
  double s = std::sin(theta);
  double wa = std::sin((1 - t) * theta) / s, wb = std::sin(t * theta) / s;
  return {wa * a.w + wb * b.w, wa * a.x + wb * b.x, wa * a.y + wb * b.y, wa * a.z + wb * b.z};
}

double angle_between(const Quat& a, const Quat& b) {
  // atan2 of the relative rotation keeps full precision near zero (acos of a dot does not).
  Quat r = conjugate(normalized(a)) * normalized(b);
  double s = std::sqrt(r.x * r.x + r.y * r.y + r.z * r.z);
  return 2 * std::atan2(s, std::abs(r.w));
}

Mat3 operator*(const Mat3& a, const Mat3& b) {
  Mat3 r;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) r.m[i][j] = a.m[i][0] * b.m[0][j] + a.m[i][1] * b.m[1][j] + a.m[i][2] * b.m[2][j];
  return r;
}

Vec3 operator*(const Mat3& a, const Vec3& v) {
  return {a.m[0][0] * v.x + a.m[0][1] * v.y + a.m[0][2] * v.z, a.m[1][0] * v.x + a.m[1][1] * v.y + a.m[1][2] * v.z,
          a.m[2][0] * v.x + a.m[2][1] * v.y + a.m[2][2] * v.z};
}

Mat3 transpose(const Mat3& a) {
  Mat3 r;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) r.m[i][j] = a.m[j][i];
  return r;
}

Mat3 quat_to_mat(const Quat& q_in) {
  Quat q = normalized(q_in);
  double w = q.w, x = q.x, y = q.y, z = q.z;
  Mat3 r;
  r.m[0][0] = 1 - 2 * (y * y + z * z);
  r.m[0][1] = 2 * (x * y - w * z);
  r.m[0][2] = 2 * (x * z + w * y);
  r.m[1][0] = 2 * (x * y + w * z);
  r.m[1][1] = 1 - 2 * (x * x + z * z);
  r.m[1][2] = 2 * (y * z - w * x);
  r.m[2][0] = 2 * (x * z - w * y);
  r.m[2][1] = 2 * (y * z + w * x);
  r.m[2][2] = 1 - 2 * (x * x + y * y);
  return r;
}

Quat mat_to_quat(const Mat3& r) {
  // Shepperd's method: branch on the largest of w, x, y, z for numerical stability.
  const auto& m = r.m;
  double tr = m[0][0] + m[1][1] + m[2][2];
  Quat q;
  if (tr > 0) {
    double s = std::sqrt(tr + 1.0) * 2;
    q = {0.25 * s, (m[2][1] - m[1][2]) / s, (m[0][2] - m[2][0]) / s, (m[1][0] - m[0][1]) / s};
  } else if (m[0][0] > m[1][1] && m[0][0] > m[2][2]) {
    double s = std::sqrt(1.0 + m[0][0] - m[1][1] - m[2][2]) * 2;
    q = {(m[2][1] - m[1][2]) / s, 0.25 * s, (m[0][1] + m[1][0]) / s, (m[0][2] + m[2][0]) / s};
  } else if (m[1][1] > m[2][2]) {
    double s = std::sqrt(1.0 + m[1][1] - m[0][0] - m[2][2]) * 2;
    q = {(m[0][2] - m[2][0]) / s, (m[0][1] + m[1][0]) / s, 0.25 * s, (m[1][2] + m[2][1]) / s};
  } else {
    double s = std::sqrt(1.0 + m[2][2] - m[0][0] - m[1][1]) * 2;
    q = {(m[1][0] - m[0][1]) / s, (m[0][2] + m[2][0]) / s, (m[1][2] + m[2][1]) / s, 0.25 * s};
  }
  q = normalized(q);
  if (q.w < 0) q = {-q.w, -q.x, -q.y, -q.z};
  return q;
}

std::array<double, 6> mat_to_6d(const Mat3& r) {
  return {r.m[0][0], r.m[1][0], r.m[2][0], r.m[0][1], r.m[1][1], r.m[2][1]};
}

Mat3 sixd_to_mat(const std::array<double, 6>& d) {
  Vec3 a{d[0], d[1], d[2]}, b{d[3], d[4], d[5]};
  Vec3 c0 = motion::normalized(a);
  if (norm(c0) == 0) c0 = {1, 0, 0};
  Vec3 c1 = motion::normalized(b - c0 * dot(c0, b));
  if (norm(c1) == 0) c1 = motion::normalized(cross(c0, std::abs(c0.z) < 0.9 ? Vec3{0, 0, 1} : Vec3{1, 0, 0}));
  Vec3 c2 = cross(c0, c1);
  Mat3 r;
  r.set_col(0, c0);
  r.set_col(1, c1);
  r.set_col(2, c2);
  return r;
}

namespace {

int axis_index(char c) {
  switch (c) {
    case 'X': case 'x': return 0;
    case 'Y': case 'y': return 1;
    case 'Z': case 'z': return 2;
    default: return -1;
  }
}

Vec3 unit_axis(int i) { return i == 0 ? Vec3{1, 0, 0} : (i == 1 ? Vec3{0, 1, 0} : Vec3{0, 0, 1}); }

}  // namespace

Quat quat_from_euler(std::string_view order, const Vec3& deg) {
  Quat q = Quat::identity();
  for (char c : order) {
    int i = axis_index(c);
    if (i < 0) continue;
    q = q * quat_from_axis_angle(unit_axis(i), deg[i] * M_PI / 180.0);
  }
  return q;
}

Vec3 quat_to_euler(std::string_view order, const Quat& q) {
  if (order.size() != 3) return {};
  int i = axis_index(order[0]), j = axis_index(order[1]), k = axis_index(order[2]);
  if (i < 0 || j < 0 || k < 0 || i == j || j == k || i == k) return {};
  // R = R_i(a) R_j(b) R_k(c); s = +1 for cyclic (i, j, k), -1 otherwise.
  double s = ((j - i + 3) % 3 == 1) ? 1.0 : -1.0;
  Mat3 r = quat_to_mat(q);
  const auto& m = r.m;
  double sb = std::clamp(s * m[i][k], -1.0, 1.0);
  double b = std::asin(sb), a, c;
  if (std::abs(sb) < 1 - 1e-10) {
    a = std::atan2(-s * m[j][k], m[k][k]);
    c = std::atan2(-s * m[i][j], m[i][i]);
  } else {  // gimbal lock: only a +- c is defined; put it all in a
    c = 0;
    a = std::atan2(s * m[k][j], m[j][j]);
  }
  Vec3 out;
  out[i] = a * 180.0 / M_PI;
  out[j] = b * 180.0 / M_PI;
  out[k] = c * 180.0 / M_PI;
  return out;
}

Quat quat_yaw(double radians) { return {std::cos(radians / 2), 0, std::sin(radians / 2), 0}; }

double heading_yaw(const Quat& q) {
  Vec3 f = rotate(q, {0, 0, 1});
  if (std::abs(f.x) < 1e-12 && std::abs(f.z) < 1e-12) {
    // Facing straight up or down: use the local -Y/+Y axis projected instead, which is then horizontal.
    Vec3 u = rotate(q, {0, f.y > 0 ? -1.0 : 1.0, 0});
    return std::atan2(u.x, u.z);
  }
  return std::atan2(f.x, f.z);
}

}  // namespace e2m::motion
