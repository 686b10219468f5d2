// Kinetic and manual dance features (AIST++ API) on the canonical skeleton; see dance_features.h.
#include "eval/dance_features.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "motion/skeleton.h"

namespace e2m::eval {
namespace {

using motion::Vec3;
namespace J = motion;

// ---- kinetic.py ----

// Mean frame step over the window around step i (steps i+j = p[i+j] - p[i+j-1]), divided by dt.
Vec3 window_velocity(const Positions& p, int i, int joint, int w, double dt) {
  Vec3 sum{};
  int count = 0;
  const int n = static_cast<int>(p.size());
  for (int j = -w; j <= w; ++j) {
    if (i + j - 1 < 0 || i + j >= n) continue;
    sum = sum + (p[size_t(i + j)][size_t(joint)] - p[size_t(i + j - 1)][size_t(joint)]);
    ++count;
  }
  return count ? sum * (1.0 / (count * dt)) : Vec3{};
}

double window_acceleration(const Positions& p, int i, int joint, int w, double dt, bool bug) {
  Vec3 sum{};
  int count = 0;
  const int n = static_cast<int>(p.size());
  for (int j = -w; j <= w; ++j) {
    if (i + j - 1 < 0 || i + j + 1 >= n) continue;
    const Vec3& a = p[size_t(i + j - 1)][size_t(joint)];
    const Vec3& b = p[size_t(i + j)][size_t(joint)];
    const Vec3& c = p[size_t(i + j + 1)][size_t(joint)];
    const Vec3 v2 = (c - b) * (1.0 / dt);
    const Vec3 v1 = bug ? b - a * (1.0 / dt) : (b - a) * (1.0 / dt);
    sum = sum + (v2 - v1) * (1.0 / dt);
    ++count;
  }
  return count ? motion::norm(sum * (1.0 / count)) : 0.0;
}

// ---- manual.py ----

// Geometric predicates of the AIST++ API's features/utils.py.
bool above_plane(const Vec3& a, const Vec3& b, const Vec3& c, const Vec3& p, double threshold) {
  const Vec3 n = motion::cross(c - a, b - a);
  const double len = motion::norm(n);
  return len > 0 && motion::dot(n, p - a) / len > threshold;
}

bool above_normal_plane(const Vec3& n1, const Vec3& n2, const Vec3& a, const Vec3& p, double threshold) {
  const Vec3 n = n2 - n1;
  const double len = motion::norm(n);
  return len > 0 && motion::dot(n, p - a) / len > threshold;
}

bool angle_within(const Vec3& j1, const Vec3& j2, const Vec3& k1, const Vec3& k2, double lo_deg,
                  double hi_deg) {
  const Vec3 j = j2 - j1, k = k2 - k1;
  const double den = motion::norm(j) * motion::norm(k);
  if (den <= 0) return false;
  const double deg = std::acos(std::clamp(motion::dot(j, k) / den, -1.0, 1.0)) * 180.0 / std::numbers::pi;
  return deg > lo_deg && deg < hi_deg;
}

// One frame of the predicates: positions now and one frame before, the true frame step in seconds.
class Predicates {
 public:
  Predicates(const motion::Pose& cur, const motion::Pose& prev, double dt) : cur_(cur), prev_(prev), dt_(dt) {
    y_min_ = cur[0].y;
    for (const Vec3& p : cur) y_min_ = std::min(y_min_, p.y);
  }
  const Vec3& at(int j) const { return cur_[size_t(j)]; }
  Vec3 y_min() const { return {0, y_min_, 0}; }

  // Velocity of p relative to j1 along the direction j1 -> j2 above the threshold (m/s). The
  // reference passes its third joint as p (its fourth is unused), kept here.
  bool move(int j1, int j2, int p, double threshold) const {
    const Vec3 v = (at(p) - at(j1)) - (prev_[size_t(p)] - prev_[size_t(j1)]);
    const Vec3 dir = at(j2) - at(j1);
    const double len = motion::norm(dir);
    return len > 0 && motion::dot(v, dir) / len / dt_ > threshold;
  }
  // Velocity of p relative to j1 along the normal of the plane (j1, j2, j3).
  bool nmove(int j1, int j2, int j3, int p, double threshold) const {
    const Vec3 v = (at(p) - at(j1)) - (prev_[size_t(p)] - prev_[size_t(j1)]);
    const Vec3 dir = motion::cross(at(j3) - at(j1), at(j2) - at(j1));
    const double len = motion::norm(dir);
    return len > 0 && motion::dot(v, dir) / len / dt_ > threshold;
  }
  bool fast(int j, double threshold) const {
    return motion::norm(at(j) - prev_[size_t(j)]) / dt_ > threshold;
  }

 private:
  const motion::Pose& cur_;
  const motion::Pose& prev_;
  double dt_;
  double y_min_ = 0;
};

// The 32 predicates of manual.py's extract_manual_features, in its order. Speeds: threshold / 2
// (the reference's 1/120 s frame step on 60 fps motion, see the header).
std::vector<bool> manual_frame(const Predicates& f, const BodyScale& s) {
  const double hl = s.humerus, sw = s.shoulder_width, hw = s.hip_width;
  const double v = 0.5;  // speed threshold scale: reference units -> true m/s
  const Vec3 zero{}, y_unit{0, 1, 0}, minus_y{0, -1, 0};
  const Vec3 ymin = f.y_min();
  return {
      f.nmove(J::kNeck, J::kRightHip, J::kLeftHip, J::kRightWrist, 1.8 * hl * v),
      f.nmove(J::kNeck, J::kLeftHip, J::kRightHip, J::kLeftWrist, 1.8 * hl * v),
      above_normal_plane(f.at(J::kSpine3), f.at(J::kNeck), f.at(J::kNeck), f.at(J::kRightWrist), 0.2 * hl),
      above_normal_plane(f.at(J::kSpine3), f.at(J::kNeck), f.at(J::kNeck), f.at(J::kLeftWrist), 0.2 * hl),
      f.move(J::kSpine1, J::kSpine3, J::kSpine3, 1.8 * hl * v),
      f.move(J::kSpine1, J::kSpine3, J::kSpine3, 1.8 * hl * v),
      angle_within(f.at(J::kRightElbow), f.at(J::kRightShoulder), f.at(J::kRightElbow), f.at(J::kRightWrist),
                   0, 110),
      angle_within(f.at(J::kLeftElbow), f.at(J::kLeftShoulder), f.at(J::kLeftElbow), f.at(J::kLeftWrist), 0,
                   110),
      above_normal_plane(f.at(J::kLeftShoulder), f.at(J::kRightShoulder), f.at(J::kLeftWrist),
                         f.at(J::kRightWrist), 2.5 * sw),
      f.move(J::kLeftWrist, J::kRightWrist, J::kRightWrist, 1.4 * hl * v),
      f.move(J::kRightWrist, J::kPelvis, J::kLeftWrist, 1.4 * hl * v),
      f.move(J::kLeftWrist, J::kPelvis, J::kRightWrist, 1.4 * hl * v),
      f.fast(J::kRightWrist, 2.5 * hl * v),
      f.fast(J::kLeftWrist, 2.5 * hl * v),
      above_plane(f.at(J::kPelvis), f.at(J::kLeftHip), f.at(J::kLeftFoot), f.at(J::kRightAnkle), 0.38 * hl),
      above_plane(f.at(J::kPelvis), f.at(J::kRightHip), f.at(J::kRightFoot), f.at(J::kLeftAnkle), 0.38 * hl),
      above_normal_plane(zero, y_unit, ymin, f.at(J::kRightAnkle), 1.2 * hl),
      above_normal_plane(zero, y_unit, ymin, f.at(J::kLeftAnkle), 1.2 * hl),
      above_normal_plane(f.at(J::kLeftHip), f.at(J::kRightHip), f.at(J::kLeftAnkle), f.at(J::kRightAnkle),
                         2.1 * hw),
      angle_within(f.at(J::kRightKnee), f.at(J::kRightHip), f.at(J::kRightKnee), f.at(J::kRightAnkle), 0,
                   110),
      angle_within(f.at(J::kLeftKnee), f.at(J::kLeftHip), f.at(J::kLeftKnee), f.at(J::kLeftAnkle), 0, 110),
      f.fast(J::kRightAnkle, 2.5 * hl * v),
      f.fast(J::kLeftAnkle, 2.5 * hl * v),
      angle_within(f.at(J::kNeck), f.at(J::kPelvis), f.at(J::kRightShoulder), f.at(J::kRightElbow), 25, 180),
      angle_within(f.at(J::kNeck), f.at(J::kPelvis), f.at(J::kLeftShoulder), f.at(J::kLeftElbow), 25, 180),
      angle_within(f.at(J::kNeck), f.at(J::kPelvis), f.at(J::kRightHip), f.at(J::kRightKnee), 50, 180),
      angle_within(f.at(J::kNeck), f.at(J::kPelvis), f.at(J::kLeftHip), f.at(J::kLeftKnee), 50, 180),
      above_plane(f.at(J::kRightAnkle), f.at(J::kNeck), f.at(J::kLeftAnkle), f.at(J::kPelvis), 0.5 * hl),
      angle_within(f.at(J::kNeck), f.at(J::kPelvis), zero, y_unit, 70, 110),
      above_normal_plane(zero, minus_y, ymin, f.at(J::kRightWrist), -1.2 * hl),
      above_normal_plane(zero, minus_y, ymin, f.at(J::kLeftWrist), -1.2 * hl),
      f.fast(J::kPelvis, 2.3 * hl * v),
  };
}

}  // namespace

BodyScale body_scale() {
  const auto rest = motion::rest_positions();
  BodyScale s;
  s.humerus = motion::norm(rest[J::kLeftElbow] - rest[J::kLeftShoulder]);
  s.shoulder_width = motion::norm(rest[J::kLeftShoulder] - rest[J::kRightShoulder]);
  s.hip_width = motion::norm(rest[J::kLeftHip] - rest[J::kRightHip]);
  return s;
}

std::vector<double> kinetic_features(const Positions& pos, double fps, bool reference_bug) {
  std::vector<double> out(kKineticDim, 0.0);
  const int n = static_cast<int>(pos.size());
  if (n < 2) return out;
  const Vec3 origin = pos[0][J::kPelvis];
  Positions p(pos);
  for (auto& pose : p)
    for (auto& q : pose) q = q - origin;
  const double dt = 1.0 / fps;
  const int w = std::max(1, static_cast<int>(std::lround(2.0 * fps / 60.0)));
  for (int joint = 0; joint < motion::kNumJoints; ++joint) {
    double h = 0, v = 0, e = 0;
    for (int i = 1; i < n; ++i) {
      const Vec3 vel = window_velocity(p, i, joint, w, dt);
      h += vel.x * vel.x + vel.z * vel.z;
      v += vel.y * vel.y;
      e += window_acceleration(p, i, joint, w, dt, reference_bug);
    }
    out[size_t(joint * 3)] = h / (n - 1);
    out[size_t(joint * 3 + 1)] = v / (n - 1);
    out[size_t(joint * 3 + 2)] = e / (n - 1);
  }
  return out;
}

std::vector<double> manual_features(const Positions& pos, double fps) {
  std::vector<double> out(kManualDim, 0.0);
  const int n = static_cast<int>(pos.size());
  if (n < 2) return out;
  const BodyScale scale = body_scale();
  for (int t = 1; t < n; ++t) {
    const auto bits = manual_frame(Predicates(pos[size_t(t)], pos[size_t(t - 1)], 1.0 / fps), scale);
    for (int k = 0; k < kManualDim; ++k) out[size_t(k)] += bits[size_t(k)] ? 1.0 : 0.0;
  }
  for (double& x : out) x /= (n - 1);
  return out;
}

}  // namespace e2m::eval
