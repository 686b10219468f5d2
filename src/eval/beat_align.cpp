// Motion beats from joint speed and the beat alignment scores; see beat_align.h.
#include "eval/beat_align.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace e2m::eval {

std::vector<double> mean_joint_speed(const Positions& pos, double fps) {
  const int n = static_cast<int>(pos.size());
  std::vector<double> s(static_cast<size_t>(n), 0.0);
  if (n < 2) return s;
  for (int t = 0; t < n; ++t) {
    const int a = std::max(0, t - 1), b = std::min(n - 1, t + 1);
    double sum = 0;
    for (int j = 0; j < motion::kNumJoints; ++j)
      sum += motion::norm(pos[size_t(b)][size_t(j)] - pos[size_t(a)][size_t(j)]);
    s[size_t(t)] = sum / motion::kNumJoints * fps / (b - a);
  }
  return s;
}

std::vector<double> gaussian_smooth(const std::vector<double>& x, double sigma) {
  const long n = static_cast<long>(x.size());
  if (n == 0 || sigma <= 0) return x;
  const int r = static_cast<int>(4.0 * sigma + 0.5);
  std::vector<double> k(size_t(2 * r + 1));
  double wsum = 0;
  for (int i = -r; i <= r; ++i) wsum += k[size_t(i + r)] = std::exp(-0.5 * i * i / (sigma * sigma));
  for (double& w : k) w /= wsum;
  // 'reflect' (d c b a | a b c d | d c b a): index -1 maps to 0, n maps to n - 1.
  auto at = [&](long u) {
    while (u < 0 || u >= n) u = u < 0 ? -u - 1 : 2 * n - u - 1;
    return x[size_t(u)];
  };
  std::vector<double> y(x.size(), 0.0);
  for (long t = 0; t < n; ++t) {
    double s = 0;
    for (int i = -r; i <= r; ++i) s += k[size_t(i + r)] * at(t + i);
    y[size_t(t)] = s;
  }
  return y;
}

std::vector<int> local_minima(const std::vector<double>& x, int order) {
  std::vector<int> out;
  const int n = static_cast<int>(x.size());
  for (int t = 0; t < n; ++t) {
    bool is_min = true;
    for (int d = 1; d <= order && is_min; ++d) {
      // mode 'clip': a neighbour beyond the end is the end sample itself, never strictly greater.
      const double before = x[size_t(std::max(0, t - d))], after = x[size_t(std::min(n - 1, t + d))];
      is_min = x[size_t(t)] < before && x[size_t(t)] < after;
    }
    if (is_min) out.push_back(t);
  }
  return out;
}

double minimum_prominence(const std::vector<double>& x, int t) {
  const int n = static_cast<int>(x.size());
  double left = x[size_t(t)], right = x[size_t(t)];
  for (int s = t - 1; s >= 0 && x[size_t(s)] >= x[size_t(t)]; --s) left = std::max(left, x[size_t(s)]);
  for (int s = t + 1; s < n && x[size_t(s)] >= x[size_t(t)]; ++s) right = std::max(right, x[size_t(s)]);
  return std::min(left, right) - x[size_t(t)];
}

namespace {

std::vector<double> prominent_minima_s(const std::vector<double>& speed, int order, double fps) {
  std::vector<double> beats;
  for (int t : local_minima(speed, order))
    if (minimum_prominence(speed, t) >= kMinBeatProminence) beats.push_back(t / fps);
  return beats;
}

}  // namespace

std::vector<double> motion_beats(const Positions& pos, double fps) {
  return prominent_minima_s(gaussian_smooth(mean_joint_speed(pos, fps), kMotionBeatSmoothS * fps), 1, fps);
}

std::vector<double> motion_beats_mint(const Positions& pos, double fps) {
  // The reference sums the joint speeds; the mean has the same minima, and its prominence is in m/s.
  const int order = std::max(1, static_cast<int>(std::lround(kMintBeatOrderS * fps)));
  return prominent_minima_s(mean_joint_speed(pos, fps), order, fps);
}

double alignment(const std::vector<double>& from, const std::vector<double>& to, double sigma_s) {
  if (from.empty()) return std::numeric_limits<double>::quiet_NaN();
  if (to.empty()) return 0.0;
  double sum = 0;
  for (double a : from) {
    double best = std::numeric_limits<double>::infinity();
    for (double b : to) best = std::min(best, (a - b) * (a - b));
    sum += std::exp(-best / (2 * sigma_s * sigma_s));
  }
  return sum / static_cast<double>(from.size());
}

std::vector<double> beats_in(const std::vector<double>& beats_s, double t0, double t1) {
  std::vector<double> out;
  for (double b : beats_s)
    if (b >= t0 && b < t1) out.push_back(b - t0);
  return out;
}

std::vector<double> beats_from_column(const std::vector<float>& feats, int dim, int column, double fps) {
  std::vector<double> out;
  const size_t frames = feats.size() / static_cast<size_t>(dim);
  for (size_t k = 0; k < frames; ++k)
    if (feats[k * static_cast<size_t>(dim) + static_cast<size_t>(column)] > 0.5f)
      out.push_back((k + 0.5) / fps);
  return out;
}

}  // namespace e2m::eval
