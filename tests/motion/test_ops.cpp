// Resampling, mirroring, floor placement, Unity/VMC space, and the 269-d feature vector.
#include <catch2/catch.hpp>
#include <random>

#include "motion/features.h"
#include "motion/fk.h"
#include "motion/ops.h"
#include "motion/rotation.h"

using namespace e2m::motion;

namespace {

// A moving, turning clip with every joint rotating smoothly: a stand-in for real motion.
Clip wavy_clip(int frames, double fps, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  std::array<Vec3, kNumJoints> axis, phase;
  for (int j = 0; j < kNumJoints; ++j) {
    axis[j] = normalized(Vec3{u(rng), u(rng), u(rng)});
    phase[j] = {u(rng) * 3, u(rng) * 0.6, 0};
  }
  Clip c = Clip::rest(frames, fps);
  for (int f = 0; f < frames; ++f) {
    double t = f / fps;
    c.root[f] = {0.8 * std::sin(0.5 * t) + 0.3, rest_pelvis_height() - 0.05 + 0.03 * std::sin(3 * t),
                 0.6 * t - 0.2};
    c.q(f, 0) = quat_yaw(0.9 * t + 0.4) * quat_from_axis_angle({1, 0, 0}, 0.2 * std::sin(2 * t));
    for (int j = 1; j < kNumJoints; ++j)
      c.q(f, j) = quat_from_axis_angle(axis[j], phase[j].y * std::sin(2.0 * t + phase[j].x));
  }
  return c;
}

double max_fk_error(const Clip& a, const Clip& b) {
  auto pa = fk_all(a), pb = fk_all(b);
  double e = 0;
  for (size_t f = 0; f < pa.size(); ++f)
    for (int j = 0; j < kNumJoints; ++j) e = std::max(e, norm(pa[f][j] - pb[f][j]));
  return e;
}

}  // namespace

TEST_CASE("resampling 25 -> 30 fps keeps timing and poses") {
  Clip c = wavy_clip(101, 25, 1);  // 4 s
  Clip r = resample(c, 30);
  REQUIRE(r.frames() == 121);
  REQUIRE(r.fps == 30);
  // Every 6th output frame (0.2 s) lands exactly on every 5th input frame.
  for (int k = 0; k < r.frames(); k += 6) {
    REQUIRE(norm(r.root[k] - c.root[k / 6 * 5]) < 1e-12);
    for (int j = 0; j < kNumJoints; ++j) REQUIRE(angle_between(r.q(k, j), c.q(k / 6 * 5, j)) < 1e-9);
  }
  // Back to 25 fps: every 5th frame is exact, the rest within interpolation error of a smooth clip.
  Clip back = resample(r, 25);
  REQUIRE(back.frames() == c.frames());
  REQUIRE(max_fk_error(back, c) < 2e-3);
  REQUIRE(norm(back.root[50] - c.root[50]) < 1e-12);
}

TEST_CASE("mirroring swaps sides exactly and twice is the identity") {
  Clip c = wavy_clip(40, 30, 2);
  Clip m = mirror(c);
  REQUIRE(max_fk_error(mirror(m), c) < 1e-12);
  auto pc = fk_all(c), pm = fk_all(m);
  for (int f = 0; f < c.frames(); ++f)
    for (int j = 0; j < kNumJoints; ++j) {
      Vec3 expect = mirror(pc[f][skeleton()[j].mirror]);
      REQUIRE(norm(pm[f][j] - expect) < 1e-12);
    }
}

TEST_CASE("left-arm raise raises LeftUpperArm in Unity space") {
  Clip c = Clip::rest(1);
  c.q(0, kLeftShoulder) = quat_from_axis_angle({0, 0, 1}, M_PI / 2);  // arm up (+X -> +Y)
  Pose p;
  fk(c, 0, p);
  REQUIRE(p[kLeftElbow].y > p[kLeftShoulder].y + 0.25);
  // In Unity (left-handed, x flipped) the character's left is -X; the rotation carries the bone
  // from its Unity rest direction (-X) to up.
  Quat qu = to_unity(c.q(0, kLeftShoulder));
  Vec3 rest_dir = to_unity(rest_offset(kLeftElbow));
  REQUIRE(rest_dir.x < 0);
  // Unity applies rotations left-handed: the same quaternion rotates with the opposite sense, which
  // a right-handed rotate() reproduces on mirrored vectors: mirror(rotate(q, v)) == rotate(to_unity(q),
  // mirror(v)).
  Vec3 up = rotate(qu, rest_dir);
  REQUIRE(up.y == Approx(0.260).margin(1e-9));
  REQUIRE(to_unity(p[kLeftElbow]).x < 0);
}

TEST_CASE("place_on_floor puts the feet's floor at 8 cm, canonicalize_start faces +Z at the origin") {
  Clip c = wavy_clip(60, 30, 3);
  for (auto& r : c.root) r.y += 0.37;
  place_on_floor(c);
  REQUIRE(foot_floor_height(c) == Approx(kRestFootHeight).margin(1e-12));
  canonicalize_start(c);
  REQUIRE(c.root[0].x == Approx(0).margin(1e-12));
  REQUIRE(c.root[0].z == Approx(0).margin(1e-12));
  REQUIRE(heading_yaw(c.q(0, 0)) == Approx(0).margin(1e-9));
}

TEST_CASE("place_on_floor ignores one glitched frame with a foot through the floor") {
  Clip c = Clip::rest(100);
  for (auto& r : c.root) r.y += 0.37;  // the whole take 37 cm too high
  c.root[40].y -= 0.5;                 // one frame sinks 50 cm (a capture glitch)
  place_on_floor(c);
  // Standing frames' feet are on the floor; the minimum would have left them 50 cm in the air.
  const Pose p = fk_all(c)[10];
  double lowest = 1e9;
  for (int j : {kLeftAnkle, kRightAnkle, kLeftFoot, kRightFoot}) lowest = std::min(lowest, p[j].y);
  REQUIRE(lowest == Approx(kRestFootHeight).margin(1e-9));
}

TEST_CASE("feature vector: encode then decode reproduces FK positions to under 1 mm") {
  Clip c = wavy_clip(300, 30, 4);
  auto feats = encode_features(c);
  REQUIRE(feats.size() == 300u * kFeatureDim);
  for (float v : feats) REQUIRE(std::isfinite(v));
  Clip d = decode_features(feats.data(), 300, 30);
  Clip ref = c;
  canonicalize_start(ref);
  double err = max_fk_error(d, ref);
  INFO("max FK error after encode/decode: " << err * 1000 << " mm");
  REQUIRE(err < 1e-3);
  REQUIRE(feature_name(0) == "root.height");
  REQUIRE(feature_name(kFeatRot) == "rot6d.pelvis.0");
  REQUIRE(feature_name(kFeatureDim - 1) == "contact.right_foot");
  REQUIRE(feature_name(kFeatPos) == "pos.left_hip.x");
}

TEST_CASE("foot contact: a planted foot is in contact, a lifted or sliding one is not") {
  Clip c = Clip::rest(10);
  for (int f = 0; f < 10; ++f) c.root[f].z = f * 0.1;  // whole body slides 10 cm per frame
  auto feats = encode_features(c);
  REQUIRE(feats[5 * kFeatureDim + kFeatContact] == 0.0f);
  Clip s = Clip::rest(10);
  auto still = encode_features(s);
  for (int k = 0; k < 4; ++k) REQUIRE(still[5 * kFeatureDim + kFeatContact + k] == 1.0f);
  for (int f = 0; f < 10; ++f) s.root[f].y += 0.2;  // jump
  auto air = encode_features(s);
  REQUIRE(air[5 * kFeatureDim + kFeatContact] == 0.0f);
}
