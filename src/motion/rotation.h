// Rotation conversions: quaternion <-> matrix <-> 6D, Euler channels, slerp, axis-angle.
//
// 6D convention (Zhou et al. 2019), used everywhere in e2m: the FIRST TWO COLUMNS of the rotation
// matrix, in the order (m00, m10, m20, m01, m11, m21). Back to a matrix by Gram-Schmidt:
// c0 = normalize(a), c1 = normalize(b - (c0.b) c0), c2 = c0 x c1.
#pragma once
#include <array>
#include <string_view>

#include "motion/math.h"

namespace e2m::motion {

Quat operator*(const Quat& a, const Quat& b);  // a then b applied to the right: (a*b) v = a (b v)
Quat conjugate(const Quat& q);
Quat normalized(const Quat& q);
double dot(const Quat& a, const Quat& b);
Vec3 rotate(const Quat& q, const Vec3& v);
Quat quat_from_axis_angle(const Vec3& axis, double radians);
Vec3 quat_to_axis_angle(const Quat& q);          // axis * angle (radians), angle in [0, pi]
Quat quat_from_rotvec(const Vec3& rotvec);
// Shortest-arc rotation taking direction a onto direction b (both non-zero).
Quat quat_between(const Vec3& a, const Vec3& b);
// Spherical linear interpolation along the shorter arc.
Quat slerp(const Quat& a, const Quat& b, double t);
// Angle between two rotations (radians, in [0, pi]).
double angle_between(const Quat& a, const Quat& b);

Mat3 operator*(const Mat3& a, const Mat3& b);
Vec3 operator*(const Mat3& a, const Vec3& v);
Mat3 transpose(const Mat3& a);
Mat3 quat_to_mat(const Quat& q);
Quat mat_to_quat(const Mat3& m);  // robust (Shepperd); returns w >= 0

std::array<double, 6> mat_to_6d(const Mat3& m);
Mat3 sixd_to_mat(const std::array<double, 6>& d);
inline std::array<double, 6> quat_to_6d(const Quat& q) { return mat_to_6d(quat_to_mat(q)); }
inline Quat sixd_to_quat(const std::array<double, 6>& d) { return mat_to_quat(sixd_to_mat(d)); }

// Intrinsic Euler rotation as BVH channels define it: order like "ZXY" means R = Rz * Rx * Ry
// (the first listed channel is the outermost), angles in degrees.
Quat quat_from_euler(std::string_view order, const Vec3& degrees_xyz);
// Inverse of quat_from_euler for the same order; returns degrees in (x, y, z) slots.
Vec3 quat_to_euler(std::string_view order, const Quat& q);

// Rotation about +Y by the given angle (radians), and the heading (yaw) of a rotation: the angle
// of its local +Z axis projected on the ground plane, atan2(fwd.x, fwd.z).
Quat quat_yaw(double radians);
double heading_yaw(const Quat& q);

}  // namespace e2m::motion
