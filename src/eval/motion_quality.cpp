// Foot skating, jerk, bone drift and seams; see motion_quality.h.
#include "eval/motion_quality.h"

#include <algorithm>
#include <cmath>

#include "motion/features.h"
#include "motion/skeleton.h"

namespace e2m::eval {

double quantile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double pos = std::clamp(q, 0.0, 1.0) * static_cast<double>(values.size() - 1);
  const size_t i = static_cast<size_t>(pos);
  const double f = pos - static_cast<double>(i);
  return i + 1 < values.size() ? values[i] * (1 - f) + values[i + 1] * f : values[i];
}

FootFloor FootFloor::from_real(const std::vector<Positions>& real) {
  FootFloor floor;
  for (size_t k = 0; k < kFootJoints.size(); ++k) {
    std::vector<double> h;
    for (const auto& clip : real)
      for (const auto& pose : clip) h.push_back(pose[size_t(kFootJoints[k])].y);
    floor.height[k] = h.empty() ? motion::kRestFootHeight : quantile(std::move(h), 0.10);
  }
  return floor;
}

Count foot_skating(const Positions& pos, double fps, const FootFloor& floor) {
  Count c;
  for (size_t t = 1; t < pos.size(); ++t) {
    bool skate = false;
    for (size_t k = 0; k < kFootJoints.size() && !skate; ++k) {
      const motion::Vec3& a = pos[t - 1][size_t(kFootJoints[k])];
      const motion::Vec3& b = pos[t][size_t(kFootJoints[k])];
      const bool contact = std::abs(b.y - floor.height[k]) < kContactBand;
      const double speed = std::hypot(b.x - a.x, b.z - a.z) * fps;
      skate = contact && speed > kSkateSpeed;
    }
    c.hits += skate ? 1 : 0;
    ++c.total;
  }
  return c;
}

double mean_jerk(const Positions& pos, double fps) {
  double sum = 0;
  long count = 0;
  for (size_t t = 3; t < pos.size(); ++t)
    for (int j = 0; j < motion::kNumJoints; ++j) {
      const auto& p0 = pos[t - 3][size_t(j)];
      const auto& p1 = pos[t - 2][size_t(j)];
      const auto& p2 = pos[t - 1][size_t(j)];
      const auto& p3 = pos[t][size_t(j)];
      sum += motion::norm(p3 - p2 * 3.0 + p1 * 3.0 - p0) * fps * fps * fps;
      ++count;
    }
  return count ? sum / static_cast<double>(count) : 0.0;
}

double bone_length_drift(const Positions& pos) {
  double worst = 0;
  for (const auto& pose : pos)
    for (int j = 1; j < motion::kNumJoints; ++j) {
      const double rest = motion::norm(motion::rest_offset(j));
      if (rest <= 0) continue;
      const double len = motion::norm(pose[size_t(j)] - pose[size_t(motion::parent(j))]);
      worst = std::max(worst, std::abs(len - rest) / rest);
    }
  return worst;
}

Positions feature_positions(const float* feats, int frames) {
  Positions out(static_cast<size_t>(std::max(0, frames)));
  for (int t = 0; t < frames; ++t) {
    const float* row = feats + static_cast<size_t>(t) * motion::kFeatureDim;
    out[size_t(t)][0] = {0, 0, 0};
    for (int j = 1; j < motion::kNumJoints; ++j) {
      const float* p = row + motion::kFeatPos + (j - 1) * 3;
      out[size_t(t)][size_t(j)] = {p[0], p[1], p[2]};
    }
  }
  return out;
}

std::vector<double> seam_ratios(const Positions& pos, double fps, int chunk_frames) {
  const int n = static_cast<int>(pos.size());
  std::vector<double> step(static_cast<size_t>(std::max(n, 1)), 0.0);  // step[t]: frame t-1 -> t
  for (int t = 1; t < n; ++t) {
    double s2 = 0;
    for (int j = 0; j < motion::kNumJoints; ++j) {
      const motion::Vec3 d = pos[size_t(t)][size_t(j)] - pos[size_t(t - 1)][size_t(j)];
      s2 += motion::dot(d, d);
    }
    step[size_t(t)] = std::sqrt(s2 / motion::kNumJoints) * fps;
  }
  constexpr double kStillSpeed = 0.01;  // m/s: neighbours this slow give no meaningful ratio
  std::vector<double> ratios;
  if (chunk_frames < 2) return ratios;
  for (int b = chunk_frames; b + chunk_frames <= n; b += chunk_frames) {
    double sum = 0;
    int count = 0;
    for (int t = b - chunk_frames + 1; t < b + chunk_frames; ++t) {
      if (t == b || t < 1) continue;
      sum += step[size_t(t)];
      ++count;
    }
    const double within = count ? sum / count : 0.0;
    if (within > kStillSpeed) ratios.push_back(step[size_t(b)] / within);
  }
  return ratios;
}

}  // namespace e2m::eval
