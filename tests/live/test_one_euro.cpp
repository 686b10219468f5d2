// One Euro filter: constants stay, steps are tracked, jitter shrinks; the pose filter on quaternions.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <vector>

#include "live/one_euro.h"
#include "motion/error.h"
#include "motion/rotation.h"
#include "pose_fixtures.h"

using namespace e2m;
using namespace e2m::live;
using motion::angle_between;
using motion::PoseFrame;
using motion::Quat;

namespace {

constexpr double kDt = 1.0 / 60.0;  // the output clock's default rate

double rms(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x * x;
  return std::sqrt(s / static_cast<double>(v.size()));
}

// Mean size of the second difference: what a viewer sees as jitter.
double jitter(const std::vector<double>& v) {
  double s = 0;
  for (size_t i = 2; i < v.size(); ++i) s += std::abs(v[i] - 2 * v[i - 1] + v[i - 2]);
  return s / static_cast<double>(v.size() - 2);
}

}  // namespace

TEST_CASE("one euro filter keeps a constant signal constant") {
  OneEuroFilter f({1.0, 0.5, 1.0});
  for (int i = 0; i < 600; ++i) REQUIRE(f.filter(5.25, kDt) == Approx(5.25).epsilon(1e-15));
}

TEST_CASE("one euro filter tracks a step without overshoot, faster with beta") {
  OneEuroFilter plain({1.0, 0.0, 1.0}), adaptive({1.0, 2.0, 1.0});
  for (int i = 0; i < 60; ++i) {
    plain.filter(0.0, kDt);
    adaptive.filter(0.0, kDt);
  }
  double last = 0, plain_y = 0, adaptive_y = 0;
  for (int i = 0; i < 60; ++i) {
    plain_y = plain.filter(1.0, kDt);
    adaptive_y = adaptive.filter(1.0, kDt);
    REQUIRE(plain_y >= last);  // first order: approaches monotonically
    REQUIRE(plain_y <= 1.0);
    last = plain_y;
    if (i == 4) CHECK(adaptive_y > plain_y + 0.05);  // speed opens the cutoff: less lag
  }
  CHECK(plain_y == Approx(1.0).margin(0.01));  // after 1 s at a 1 Hz cutoff
  CHECK(adaptive_y == Approx(1.0).margin(0.01));
}

TEST_CASE("one euro filter reduces noise at rest and jitter in motion") {
  std::mt19937 rng(7);
  std::normal_distribution<double> noise(0.0, 0.02);
  OneEuroFilter rest({1.0, 0.0, 1.0});
  std::vector<double> raw_err, filt_err;
  for (int i = 0; i < 600; ++i) {
    double x = 0.5 + noise(rng), y = rest.filter(x, kDt);
    if (i >= 60) {  // after the first second
      raw_err.push_back(x - 0.5);
      filt_err.push_back(y - 0.5);
    }
  }
  CHECK(rms(filt_err) < 0.3 * rms(raw_err));

  OneEuroFilter moving({1.0, 1.0, 1.0});
  std::vector<double> raw, filtered, lag;
  for (int i = 0; i < 600; ++i) {
    double clean = std::sin(2 * M_PI * 0.5 * i * kDt), x = clean + noise(rng);
    double y = moving.filter(x, kDt);
    raw.push_back(x);
    filtered.push_back(y);
    if (i >= 60) lag.push_back(y - clean);
  }
  CHECK(jitter(filtered) < 0.5 * jitter(raw));
  CHECK(rms(lag) < 0.2);  // still follows the motion (amplitude 1)
}

TEST_CASE("one euro filter ignores bad samples and rejects bad parameters") {
  OneEuroFilter f;
  CHECK(f.filter(std::nan(""), kDt) == 0.0);
  CHECK(f.filter(2.0, kDt) == 2.0);  // first valid sample passes through
  CHECK(f.filter(3.0, 0.0) == 2.0);
  CHECK(f.filter(3.0, -kDt) == 2.0);
  CHECK(f.filter(std::nan(""), kDt) == 2.0);
  CHECK_THROWS_AS(OneEuroFilter({0.0, 0.0, 1.0}), e2m::Error);
  CHECK_THROWS_WITH(OneEuroFilter({1.0, -1.0, 1.0}), Catch::Contains("beta"));
  CHECK_THROWS_WITH(PoseFilter({{1.0, 0.0, 1.0}, {1.0, 0.0, std::nan("")}}),
                    Catch::Contains("rotation") && Catch::Contains("d_cutoff"));
}

TEST_CASE("pose filter keeps a still pose still and ignores quaternion sign flips") {
  std::mt19937 rng(8);
  PoseFrame pose = e2m::test::random_pose(rng), flipped = pose, out;
  for (auto& q : flipped.rot) q = {-q.w, -q.x, -q.y, -q.z};
  PoseFilter filter({{1.0, 0.5, 1.0}, {1.0, 0.5, 1.0}});
  for (int i = 0; i < 120; ++i) {
    filter.filter(i % 3 == 0 ? flipped : pose, kDt, out);
    REQUIRE(e2m::test::max_angle_between(out, pose) < 1e-9);
    REQUIRE(e2m::test::max_norm_error(out) < 1e-12);
    REQUIRE(motion::norm(out.root - pose.root) < 1e-12);
  }
}

TEST_CASE("pose filter smooths rotation noise and follows a turn") {
  std::mt19937 rng(9);
  std::normal_distribution<double> noise(0.0, 0.02);
  PoseFrame still = e2m::test::random_pose(rng), in, out;
  PoseFilter filter;  // the paper's starting point: 1 Hz, beta 0
  double raw_sq = 0, filtered_sq = 0;
  for (int i = 0; i < 300; ++i) {
    in = still;
    for (auto& q : in.rot) q = motion::quat_from_rotvec({noise(rng), noise(rng), noise(rng)}) * q;
    in.root = still.root + motion::Vec3{noise(rng), noise(rng), noise(rng)};
    filter.filter(in, kDt, out);
    REQUIRE(e2m::test::max_norm_error(out) < 1e-12);
    if (i < 60) continue;
    raw_sq += std::pow(angle_between(in.rot[motion::kHead], still.rot[motion::kHead]), 2);
    filtered_sq += std::pow(angle_between(out.rot[motion::kHead], still.rot[motion::kHead]), 2);
  }
  CHECK(filtered_sq < 0.2 * raw_sq);

  // A 90-degree turn of every joint is reached within a second and a half.
  PoseFrame turned = still;
  for (auto& q : turned.rot) q = motion::quat_yaw(M_PI / 2) * q;
  for (int i = 0; i < 90; ++i) filter.filter(turned, kDt, out);
  CHECK(e2m::test::max_angle_between(out, turned) < 0.01);
}
