// HumanML3D / KIT feature decoding: reproduces the released joint positions of the sample clips.
#include <catch2/catch.hpp>
#include <cmath>
#include <iostream>

#include "io/humanml3d.h"
#include "motion/error.h"
#include "test_support.h"

using namespace e2m;

namespace {

// Max absolute difference between decoded positions and a frames x J x 3 reference array.
double max_error(const io::RicMotion& m, const io::NpyArray<double>& ref) {
  REQUIRE(ref.shape == std::vector<size_t>{static_cast<size_t>(m.frames), static_cast<size_t>(m.joints), 3});
  double worst = 0;
  for (int f = 0; f < m.frames; ++f)
    for (int j = 0; j < m.joints; ++j)
      for (int c = 0; c < 3; ++c)
        worst = std::max(worst,
                         std::abs(m.at(f, j)[c] - ref.data[(static_cast<size_t>(f) * m.joints + j) * 3 + c]));
  return worst;
}

}  // namespace

TEST_CASE("humanml3d decode of 012314 reproduces new_joints within 1e-4") {
  auto dir = test::shared_data() / "humanml3d-sample";
  E2M_SKIP_UNLESS_EXISTS(dir / "new_joint_vecs_012314.npy");
  auto m = io::read_ric_positions(dir / "new_joint_vecs_012314.npy");
  CHECK(m.frames == 170);
  CHECK(m.joints == 22);
  double err = max_error(m, io::read_npy(dir / "new_joints_012314.npy"));
  std::cout << "humanml3d 012314: max abs decode error vs new_joints = " << err << " m\n";
  WARN("humanml3d 012314 max abs decode error: " << err << " m");
  CHECK(err < 1e-4);
}

TEST_CASE("humanml3d decode of the older float64 000000 sample reproduces its new_joints") {
  auto dir = test::shared_data() / "humanml3d-sample";
  E2M_SKIP_UNLESS_EXISTS(dir / "new_joint_vecs_000000.npy");
  auto m = io::read_ric_positions(dir / "new_joint_vecs_000000.npy");
  double err = max_error(m, io::read_npy(dir / "new_joints_000000.npy"));
  std::cout << "humanml3d 000000 (older processing): max abs decode error vs new_joints = " << err << " m\n";
  WARN("humanml3d 000000 max abs decode error: " << err << " m");
  CHECK(err < 1e-4);
}

TEST_CASE("ric decoding integrates yaw and velocity as recover_root_rot_pos does") {
  // Two frames of a KIT-sized vector: frame 0 turns by 0.5 (quaternion angle) and moves
  // forward 1; frame 1's root must sit at qinv(q1) * (0, 0, 1) = (-sin(2 * 0.5), 0, cos(2 * 0.5)).
  const int dim = io::kKitDim;
  std::vector<double> data(2 * dim, 0.0);
  data[0] = 0.5;
  data[2] = 1.0;
  data[3] = 0.9;
  data[dim + 3] = 0.8;
  data[dim + 4] = 1.0;  // joint 1 ric position (1, 0, 0) in the root frame
  auto m = io::recover_from_ric(data, 2, dim, "kit");
  CHECK(m.joints == 21);
  CHECK(m.root_yaw[1] == Approx(0.5));
  CHECK(m.at(0, 0).y == Approx(0.9));
  CHECK(m.at(1, 0).x == Approx(-std::sin(1.0)));
  CHECK(m.at(1, 0).y == Approx(0.8));
  CHECK(m.at(1, 0).z == Approx(std::cos(1.0)));
  // (1, 0, 0) rotated by -1 rad about Y is (cos 1, 0, sin 1), plus the root's xz.
  CHECK(m.at(1, 1).x == Approx(std::cos(1.0) - std::sin(1.0)));
  CHECK(m.at(1, 1).z == Approx(std::sin(1.0) + std::cos(1.0)));
}

TEST_CASE("ric decoding rejects unknown sizes and non-finite values") {
  REQUIRE_THROWS_AS(io::recover_from_ric(std::vector<double>(100, 0.0), 1, 100, "x.npy"), Error);
  REQUIRE_THROWS_WITH(io::recover_from_ric(std::vector<double>(100, 0.0), 1, 100, "x.npy"),
                      Catch::Contains("x.npy: feature size 100"));
  std::vector<double> d(263, 0.0);
  d[7] = NAN;
  REQUIRE_THROWS_WITH(io::recover_from_ric(d, 1, 263, "y.npy"),
                      Catch::Contains("value 7 of frame 0 is not finite"));
}
