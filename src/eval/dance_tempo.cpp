// Dance tempo and beats from motion: foot-speed spectrum with a harmonic sum, beats by dynamic programming.
#include "eval/dance_tempo.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "motion/fk.h"
#include "motion/skeleton.h"

namespace e2m::eval {
namespace {

constexpr double kBandDown = 0.8, kBandUp = 1.1;  // search band around the standard range
constexpr double kGridBpm = 0.05;                 // spectrum grid step
constexpr double kSmoothS = 0.08;                 // foot speed smoothing for the beat novelty

// Mean world speed of the four foot joints per frame (m/s); frame 0 repeats frame 1.
std::vector<double> foot_speed(const motion::Clip& clip) {
  const std::vector<motion::Pose> pos = motion::fk_all(clip);
  const int feet[] = {motion::kLeftAnkle, motion::kRightAnkle, motion::kLeftFoot, motion::kRightFoot};
  std::vector<double> s(pos.size(), 0.0);
  for (size_t t = 1; t < pos.size(); ++t) {
    double sum = 0;
    for (int j : feet) sum += motion::norm(pos[t][size_t(j)] - pos[t - 1][size_t(j)]);
    s[t] = sum / 4 * clip.fps;
  }
  if (s.size() > 1) s[0] = s[1];
  return s;
}

// Power of the mean-removed, Hann-windowed signal at `bpm` (a single DFT bin at any frequency).
double power_at(const std::vector<double>& x, double mean, double fps, double bpm) {
  const double w = 2 * std::numbers::pi * bpm / 60.0 / fps;
  const double n = double(x.size());
  double re = 0, im = 0;
  for (size_t t = 0; t < x.size(); ++t) {
    const double hann = 0.5 - 0.5 * std::cos(2 * std::numbers::pi * double(t) / (n - 1));
    const double v = (x[t] - mean) * hann;
    re += v * std::cos(w * double(t));
    im -= v * std::sin(w * double(t));
  }
  return re * re + im * im;
}

std::vector<double> gaussian_smooth(const std::vector<double>& x, double sigma) {
  const int r = int(std::ceil(3 * sigma));
  std::vector<double> k(size_t(2 * r + 1));
  for (int i = -r; i <= r; ++i) k[size_t(i + r)] = std::exp(-0.5 * i * i / (sigma * sigma));
  std::vector<double> y(x.size(), 0.0);
  for (size_t t = 0; t < x.size(); ++t) {
    double s = 0, w = 0;
    for (int i = -r; i <= r; ++i) {
      const long u = long(t) + i;
      if (u < 0 || u >= long(x.size())) continue;
      s += k[size_t(i + r)] * x[size_t(u)];
      w += k[size_t(i + r)];
    }
    y[t] = s / w;
  }
  return y;
}

}  // namespace

TempoRange standard_tempo(std::string_view genre) {
  if (genre == "waltz") return {84, 90};
  if (genre == "rumba") return {96, 108};
  if (genre == "cha-cha") return {120, 128};
  if (genre == "tango") return {124, 132};
  return {};
}

DanceTempo dance_tempo(const motion::Clip& clip) {
  DanceTempo out;
  if (clip.frames() < int(4 * clip.fps)) return out;
  const std::vector<double> speed = foot_speed(clip);
  double mean = 0;
  for (double v : speed) mean += v;
  mean /= double(speed.size());
  const TempoRange std_range = standard_tempo(clip.meta.genre);
  const double lo = std_range.known() ? std_range.lo_bpm * kBandDown : 60.0;
  const double hi = std_range.known() ? std_range.hi_bpm * kBandUp : 180.0;
  const double metre = clip.meta.genre == "waltz" ? 3.0 : 4.0;
  std::vector<double> score;
  double best = -1, best_bpm = 0;
  for (double bpm = lo; bpm <= hi; bpm += kGridBpm) {
    const double h = power_at(speed, mean, clip.fps, bpm) + power_at(speed, mean, clip.fps, bpm / 2) +
                     power_at(speed, mean, clip.fps, bpm / metre);
    score.push_back(h);
    if (h > best) {
      best = h;
      best_bpm = bpm;
    }
  }
  if (best <= 0) return out;
  double sum = 0;
  for (double h : score) sum += h;
  out.bpm = best_bpm;
  out.strength = best / (sum / double(score.size()));
  out.in_standard = std_range.known() && std_range.contains(best_bpm);
  std::vector<double> novelty = gaussian_smooth(speed, kSmoothS * clip.fps);
  for (double& v : novelty) v = -v;
  out.beats_s = track_beats_dp(novelty, clip.fps, 60.0 / best_bpm);
  return out;
}

std::vector<double> track_beats_dp(const std::vector<double>& novelty, double rate_hz, double period_s,
                                   double tightness) {
  const size_t n = novelty.size();
  if (n == 0 || period_s <= 0) return {};
  // Normalise the novelty to zero mean, unit std so `tightness` means the same for any signal.
  double mean = 0, var = 0;
  for (double v : novelty) mean += v;
  mean /= double(n);
  for (double v : novelty) var += (v - mean) * (v - mean);
  const double sd = std::sqrt(var / double(n)) + 1e-12;
  std::vector<double> o(n), score(n), from(n, -1);
  for (size_t t = 0; t < n; ++t) o[t] = (novelty[t] - mean) / sd;
  const double p = period_s * rate_hz;
  for (size_t t = 0; t < n; ++t) {
    double best = 0;
    long arg = -1;
    for (long u = long(t) - long(std::ceil(2 * p)); u <= long(t) - long(std::floor(p / 2)); ++u) {
      if (u < 0) continue;
      const double d = std::log(double(long(t) - u) / p);
      const double s = score[size_t(u)] - tightness * d * d;
      if (arg < 0 || s > best) {
        best = s;
        arg = u;
      }
    }
    score[t] = o[t] + (arg >= 0 ? best : 0.0);
    from[t] = double(arg);
  }
  // Backtrack from the best-scoring time in the last period.
  size_t end = n - 1;
  for (size_t t = n > size_t(p) ? n - size_t(p) : 0; t < n; ++t)
    if (score[t] > score[end]) end = t;
  std::vector<double> beats;
  for (long t = long(end); t >= 0; t = long(from[size_t(t)])) beats.push_back(double(t) / rate_hz);
  std::reverse(beats.begin(), beats.end());
  return beats;
}

}  // namespace e2m::eval
