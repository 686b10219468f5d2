// Music2dance metrics on hand-made motion with known answers: beat alignment, kinetic and manual
// features, foot skating, jerk, bone drift and seams.
#include <cmath>
#include <numbers>

#include "eval/beat_align.h"
#include "eval/dance_features.h"
#include "eval/motion_quality.h"
#include "motion/features.h"
#include "motion/rotation.h"
#include "test_support.h"

using namespace e2m::eval;
using e2m::motion::Vec3;

namespace {

constexpr double kFps = 30;

// The rest pose, every joint moved by offset(t).
template <class Offset>
Positions moving_rest(int frames, Offset offset) {
  const auto rest = e2m::motion::rest_positions();
  Positions p(static_cast<size_t>(frames));
  for (int t = 0; t < frames; ++t)
    for (int j = 0; j < e2m::motion::kNumJoints; ++j) p[size_t(t)][size_t(j)] = rest[size_t(j)] + offset(t);
  return p;
}

// Speed (1 - cos(2 pi t / period)): the body stops exactly at every multiple of `period` frames.
Positions stop_and_go(int frames, double period) {
  return moving_rest(frames, [period](int t) {
    return Vec3{0.02 * (t - period / (2 * std::numbers::pi) * std::sin(2 * std::numbers::pi * t / period)), 0,
                0};
  });
}

}  // namespace

TEST_CASE("a motion whose speed minima sit on the beats scores BAS 1, half a beat off scores ~0",
          "[eval][music]") {
  const double period = 15;  // frames: 120 BPM at 30 fps
  const Positions p = stop_and_go(301, period);
  std::vector<double> on, off;
  for (int k = 1; k < 20; ++k) {
    on.push_back(k * period / kFps);
    off.push_back((k + 0.5) * period / kFps);
  }
  const auto beats = motion_beats(p, kFps);
  REQUIRE(beats.size() == 19);
  CHECK(alignment(on, beats) == Approx(1.0).margin(1e-12));
  CHECK(alignment(off, beats) < 1e-3);
  // The reverse score (mint's beats: minima over +-167 ms) agrees.
  CHECK(alignment(motion_beats_mint(p, kFps), on) == Approx(1.0).margin(1e-12));
  CHECK(alignment(motion_beats_mint(p, kFps), off) < 1e-3);
  // A body held still has no motion beats (float jitter is not a beat), so it scores 0.
  const Positions still = moving_rest(301, [](int t) { return Vec3{1e-7 * ((t * 7) % 3), 0, 0}; });
  CHECK(motion_beats(still, kFps).empty());
  CHECK(motion_beats_mint(still, kFps).empty());
  CHECK(alignment(on, motion_beats(still, kFps)) == 0.0);
  // No music beats: undefined; no motion beats: zero.
  CHECK(std::isnan(alignment({}, beats)));
  CHECK(alignment(on, {}) == 0.0);
}

TEST_CASE("beats from the feature beat column sit in the middle of their frame", "[eval][music]") {
  std::vector<float> feats(10 * 3, 0.0f);
  feats[size_t(4 * 3 + 1)] = 1.0f;
  const auto b = beats_from_column(feats, 3, 1, kFps);
  REQUIRE(b.size() == 1);
  CHECK(b[0] == Approx(4.5 / kFps));
  CHECK(beats_in({0.5, 1.0, 2.5}, 1.0, 2.5) == std::vector<double>{0.0});
}

TEST_CASE("gaussian smoothing keeps constants and local minima respect their order", "[eval][music]") {
  const auto s = gaussian_smooth(std::vector<double>(20, 3.0), 2.5);
  for (double v : s) CHECK(v == Approx(3.0));
  const std::vector<double> x = {5, 4, 3, 4, 5, 2, 5, 5, 1, 5};
  CHECK(local_minima(x, 1) == std::vector<int>{2, 5, 8});
  CHECK(local_minima(x, 3) == std::vector<int>{8});
  CHECK(minimum_prominence(x, 2) == 2.0);  // rises to 4 on the left before the end, to 5 on the right
  CHECK(minimum_prominence(x, 8) == 4.0);
}

TEST_CASE("kinetic features: a still body has none, a gliding one only horizontal energy", "[eval][music]") {
  const auto still = kinetic_features(moving_rest(60, [](int) { return Vec3{}; }), kFps);
  REQUIRE(still.size() == size_t(kKineticDim));
  for (double v : still) CHECK(v == 0.0);
  const auto glide = kinetic_features(moving_rest(60,
                                                  [](int t) {
                                                    return Vec3{0.05 * t, 0, 0};
                                                  }),
                                      kFps);  // 1.5 m/s
  for (int j = 0; j < 22; ++j) {
    CHECK(glide[size_t(3 * j)] == Approx(1.5 * 1.5));
    CHECK(glide[size_t(3 * j + 1)] == Approx(0.0).margin(1e-12));
    CHECK(glide[size_t(3 * j + 2)] == Approx(0.0).margin(1e-9));
  }
  // The reference's operator-precedence bug turns positions into "acceleration".
  const auto bug = kinetic_features(moving_rest(60, [](int t) { return Vec3{0.05 * t, 0, 0}; }), kFps, true);
  CHECK(bug[2] > 1.0);
}

TEST_CASE("manual features are 32 frame fractions and a fast wrist sets its speed predicates",
          "[eval][music]") {
  const auto still = manual_features(moving_rest(30, [](int) { return Vec3{}; }), kFps);
  REQUIRE(still.size() == size_t(kManualDim));
  for (double v : still) CHECK((v >= 0.0 && v <= 1.0));
  CHECK(still[12] == 0.0);  // right wrist not fast
  CHECK(still[31] == 0.0);  // root not fast
  const auto fast = manual_features(moving_rest(30,
                                                [](int t) {
                                                  return Vec3{0.1 * t, 0, 0};
                                                }),
                                    kFps);  // 3 m/s
  CHECK(fast[12] == 1.0);
  CHECK(fast[13] == 1.0);
  CHECK(fast[31] == 1.0);
  const BodyScale s = body_scale();
  CHECK(s.humerus == Approx(0.260));
  CHECK(s.hip_width == Approx(0.213));
}

TEST_CASE("a foot sliding on the floor skates in every frame, a planted one never", "[eval][music]") {
  const Positions planted = moving_rest(31, [](int) { return Vec3{}; });
  const FootFloor floor = FootFloor::from_real({planted});
  CHECK(floor.height[0] == Approx(e2m::motion::kRestFootHeight).margin(1e-9));
  CHECK(foot_skating(planted, kFps, floor).ratio() == 0.0);
  const Positions sliding = moving_rest(31, [](int t) { return Vec3{t / kFps, 0, 0}; });  // 1 m/s
  const Count c = foot_skating(sliding, kFps, floor);
  CHECK(c.total == 30);
  CHECK(c.ratio() == 1.0);
  // Lifted 10 cm the same slide is a step in the air, not skating.
  const Positions lifted = moving_rest(31, [](int t) { return Vec3{t / kFps, 0.1, 0}; });
  CHECK(foot_skating(lifted, kFps, floor).ratio() == 0.0);
}

TEST_CASE("jerk of constant velocity is zero, of a constant jerk its value", "[eval][music]") {
  CHECK(mean_jerk(moving_rest(40,
                              [](int t) {
                                return Vec3{0.03 * t, 0, 0.01 * t};
                              }),
                  kFps) == Approx(0.0).margin(1e-6));
  // x = t^3 / 6 seconds^3: jerk 1 m/s^3.
  const auto cubic = moving_rest(40, [](int t) { return Vec3{std::pow(t / kFps, 3) / 6, 0, 0}; });
  CHECK(mean_jerk(cubic, kFps) == Approx(1.0).epsilon(1e-6));
}

TEST_CASE("bone drift is zero for forward kinematics and for encoded feature positions", "[eval][music]") {
  e2m::motion::Clip clip = e2m::motion::Clip::rest(20);
  for (int t = 0; t < 20; ++t)
    for (int j = 0; j < e2m::motion::kNumJoints; ++j)
      clip.q(t, j) = e2m::motion::quat_from_axis_angle(e2m::motion::normalized(Vec3{1.0 + j, 2.0 - t, 0.5}),
                                                       0.1 * t + 0.05 * j);
  CHECK(bone_length_drift(e2m::motion::fk_all(clip)) < 1e-9);
  const auto feats = e2m::motion::encode_features(clip);
  CHECK(bone_length_drift(feature_positions(feats.data(), 20)) < 1e-5);
  // Stretch one bone by 10%.
  auto p = e2m::motion::fk_all(clip);
  p[3][e2m::motion::kLeftWrist] =
      p[3][e2m::motion::kLeftElbow] + (p[3][e2m::motion::kLeftWrist] - p[3][e2m::motion::kLeftElbow]) * 1.1;
  CHECK(bone_length_drift(p) == Approx(0.1).epsilon(1e-6));
}

TEST_CASE("seams: smooth motion has ratio 1, jumps at chunk boundaries raise it", "[eval][music]") {
  const Positions smooth = moving_rest(80, [](int t) { return Vec3{0.02 * t, 0, 0}; });
  const auto r = seam_ratios(smooth, kFps, 8);
  REQUIRE(r.size() == 9);
  for (double x : r) CHECK(x == Approx(1.0));
  const Positions jumpy = moving_rest(80, [](int t) { return Vec3{0.02 * t + 0.05 * (t / 8), 0, 0}; });
  for (double x : seam_ratios(jumpy, kFps, 8)) CHECK(x == Approx(3.5));  // 7 cm steps among 2 cm ones
  CHECK(quantile({1, 2, 3, 4, 5}, 0.5) == 3.0);
  CHECK(quantile({1, 2}, 0.99) == Approx(1.99));
  // Standing still gives no ratio at all.
  CHECK(seam_ratios(moving_rest(40, [](int) { return Vec3{}; }), kFps, 8).empty());
}
