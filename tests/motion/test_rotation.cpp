// Rotation conversions: round trips, Euler orders, 6D convention, slerp.
#include <catch2/catch.hpp>

#include <random>

#include "motion/rotation.h"

using namespace e2m::motion;

namespace {

Quat random_quat(std::mt19937& rng) {
  std::normal_distribution<double> n(0, 1);
  return normalized(Quat{n(rng), n(rng), n(rng), n(rng)});
}

double qdist(const Quat& a, const Quat& b) { return angle_between(a, b); }

}  // namespace

TEST_CASE("quaternion -> matrix -> quaternion is the identity") {
  std::mt19937 rng(1);
  for (int i = 0; i < 1000; ++i) {
    Quat q = random_quat(rng);
    REQUIRE(qdist(q, mat_to_quat(quat_to_mat(q))) < 1e-9);
  }
}

TEST_CASE("6D is the first two matrix columns and round-trips through Gram-Schmidt") {
  std::mt19937 rng(2);
  for (int i = 0; i < 1000; ++i) {
    Quat q = random_quat(rng);
    Mat3 m = quat_to_mat(q);
    auto d = mat_to_6d(m);
    REQUIRE(d[0] == Approx(m.m[0][0]));
    REQUIRE(d[1] == Approx(m.m[1][0]));
    REQUIRE(d[5] == Approx(m.m[2][1]));
    REQUIRE(qdist(q, sixd_to_quat(d)) < 1e-9);
  }
  // A perturbed, non-orthogonal 6D still gives a proper rotation close to the original.
  Quat q = random_quat(rng);
  auto d = quat_to_6d(q);
  for (int k = 0; k < 3; ++k) d[k] *= 1.3;  // scaled first column: same direction
  d[4] += 0.01;                              // second column slightly off-orthogonal
  Mat3 m = sixd_to_mat(d);
  Mat3 mtm = transpose(m) * m;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) REQUIRE(mtm.m[i][j] == Approx(i == j ? 1.0 : 0.0).margin(1e-12));
  REQUIRE(qdist(q, mat_to_quat(m)) < 0.02);
}

TEST_CASE("Euler angles round-trip for all six BVH orders") {
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> deg(-170, 170), pitch(-85, 85);
  for (const char* order : {"XYZ", "XZY", "YXZ", "YZX", "ZXY", "ZYX"}) {
    for (int i = 0; i < 200; ++i) {
      Vec3 e{deg(rng), deg(rng), deg(rng)};
      // Keep the middle angle away from gimbal lock so the angles themselves are unique.
      int mid = order[1] - 'X';
      e[mid] = pitch(rng);
      Quat q = quat_from_euler(order, e);
      Vec3 back = quat_to_euler(order, q);
      INFO(order << " " << e.x << " " << e.y << " " << e.z);
      REQUIRE(back.x == Approx(e.x).margin(1e-7));
      REQUIRE(back.y == Approx(e.y).margin(1e-7));
      REQUIRE(back.z == Approx(e.z).margin(1e-7));
    }
    // At gimbal lock the angles are not unique but the rotation must be.
    Vec3 e{30, 40, 50};
    e[order[1] - 'X'] = 90;
    Quat q = quat_from_euler(order, e);
    REQUIRE(qdist(q, quat_from_euler(order, quat_to_euler(order, q))) < 1e-7);
  }
}

TEST_CASE("Euler order ZXY means Rz * Rx * Ry") {
  Vec3 e{20, 30, 40};
  Quat expect = quat_from_axis_angle({0, 0, 1}, 40 * M_PI / 180) * quat_from_axis_angle({1, 0, 0}, 20 * M_PI / 180) *
                quat_from_axis_angle({0, 1, 0}, 30 * M_PI / 180);
  REQUIRE(qdist(quat_from_euler("ZXY", e), expect) < 1e-12);
}

TEST_CASE("rotation of a vector matches the matrix, axis-angle round-trips") {
  std::mt19937 rng(4);
  std::normal_distribution<double> n(0, 1);
  for (int i = 0; i < 200; ++i) {
    Quat q = random_quat(rng);
    Vec3 v{n(rng), n(rng), n(rng)};
    Vec3 a = rotate(q, v), b = quat_to_mat(q) * v;
    REQUIRE(norm(a - b) < 1e-12);
    REQUIRE(qdist(q, quat_from_rotvec(quat_to_axis_angle(q))) < 1e-9);
  }
  // 90 degrees about +Y takes +Z to +X (right-handed).
  Vec3 r = rotate(quat_from_axis_angle({0, 1, 0}, M_PI / 2), {0, 0, 1});
  REQUIRE(norm(r - Vec3{1, 0, 0}) < 1e-12);
}

TEST_CASE("quat_between maps a onto b, including opposite directions") {
  std::mt19937 rng(5);
  std::normal_distribution<double> n(0, 1);
  for (int i = 0; i < 200; ++i) {
    Vec3 a{n(rng), n(rng), n(rng)}, b{n(rng), n(rng), n(rng)};
    REQUIRE(norm(rotate(quat_between(a, b), normalized(a)) - normalized(b)) < 1e-9);
  }
  REQUIRE(norm(rotate(quat_between({1, 0, 0}, {-1, 0, 0}), {1, 0, 0}) - Vec3{-1, 0, 0}) < 1e-9);
}

TEST_CASE("slerp hits both ends, the midpoint, and takes the short way") {
  Quat a = Quat::identity(), b = quat_from_axis_angle({0, 1, 0}, 1.0);
  REQUIRE(qdist(slerp(a, b, 0), a) < 1e-12);
  REQUIRE(qdist(slerp(a, b, 1), b) < 1e-9);
  REQUIRE(qdist(slerp(a, b, 0.5), quat_from_axis_angle({0, 1, 0}, 0.5)) < 1e-9);
  Quat nb{-b.w, -b.x, -b.y, -b.z};  // same rotation, other hemisphere
  REQUIRE(qdist(slerp(a, nb, 0.5), quat_from_axis_angle({0, 1, 0}, 0.5)) < 1e-9);
}

TEST_CASE("heading yaw reads the facing direction on the ground") {
  REQUIRE(heading_yaw(Quat::identity()) == Approx(0).margin(1e-12));
  REQUIRE(heading_yaw(quat_yaw(0.7)) == Approx(0.7));
  // Leaning forward does not change the heading.
  Quat q = quat_yaw(-1.2) * quat_from_axis_angle({1, 0, 0}, 0.5);
  REQUIRE(heading_yaw(q) == Approx(-1.2));
}
