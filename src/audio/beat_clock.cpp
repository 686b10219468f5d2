// Beat clock implementation. Everything is causal: each update uses only envelope values already pushed.
#include "audio/beat_clock.h"

#include <algorithm>
#include <cmath>

namespace e2m::audio {
namespace {

constexpr double kMinBpm = 40, kMaxBpm = 220;
constexpr double kPriorBpm = 120, kPriorOctaves = 1.0;  // log-Gaussian tempo prior
constexpr double kAcfSeconds = 5.0;                     // memory of the autocorrelation
constexpr double kHalfRatio = 0.8;  // a peak at half the lag this strong means the faster pulse is the beat
constexpr double kMinConfidence = 0.2;
constexpr int kCombBeats = 4;  // past beats compared by the phase comb
constexpr double kCombWeight = 0.7;
constexpr double kPllGain = 0.3;  // share of the phase error corrected per frame
constexpr int kSwitchFrames = 45;           // a new tempo must persist this many frames (1.5 s) to be adopted
constexpr double kFirstTempoSeconds = 2.0;  // history needed before the first tempo
constexpr double kSilentBeats = 2.2;        // no strong onset for this many periods: stop ticking

}  // namespace

BeatClock::BeatClock(double hop_s) : hop_s_(hop_s) {
  lag_min_ = int(std::floor(60.0 / kMaxBpm / hop_s));
  lag_max_ = int(std::ceil(60.0 / kMinBpm / hop_s));
  hist_len_ = (lag_max_ + 2) * (kCombBeats + 2);
  hist_.assign(size_t(hist_len_), 0.0f);
  acf_.assign(size_t(lag_max_ + 2), 0.0);
  decay_ = std::exp(-hop_s / kAcfSeconds);
  prior_.assign(acf_.size(), 0.0);
  inv_decay_pow_.assign(acf_.size(), 1.0);
  for (int lag = 1; lag < int(acf_.size()); ++lag) {
    const double x = std::log2(60.0 / (lag * hop_s) / kPriorBpm) / kPriorOctaves;
    prior_[size_t(lag)] = std::exp(-0.5 * x * x);
    inv_decay_pow_[size_t(lag)] = std::pow(decay_, -double(lag));
  }
  norm_acf_.assign(acf_.size(), 0.0);
}

void BeatClock::push_onset(float value) {
  const double v = std::isfinite(value) ? std::max(0.0f, value) : 0.0;
  mean_ += (v - mean_) * (hop_s_ / 1.0);
  const double e = std::max(0.0, v - mean_);
  activity_ += (v - activity_) * (hop_s_ / 1.5);
  activity_peak_ = std::max(activity_, activity_peak_ * std::exp(-hop_s_ / 30.0));
  hist_[size_t(n_ % hist_len_)] = float(e);
  strong_level_ = std::max(e, strong_level_ * std::exp(-hop_s_ / 10.0));
  if (e > 1e-9 && e > 0.1 * strong_level_) last_strong_ = n_;
  acf0_ = decay_ * acf0_ + e * e;
  for (int lag = lag_min_ - 1; lag <= lag_max_ + 1; ++lag) {
    const double past = n_ - lag >= 0 ? hist_[size_t((n_ - lag) % hist_len_)] : 0.0;
    acf_[size_t(lag)] = decay_ * acf_[size_t(lag)] + e * past;
  }
  ++n_;
}

double BeatClock::env_at(double idx) const {
  if (idx < 0 || idx > double(n_ - 1) || idx < double(n_ - hist_len_ + 1)) return 0.0;
  const long i0 = long(std::floor(idx));
  const double f = idx - double(i0);
  const double a = hist_[size_t(i0 % hist_len_)];
  const double b = i0 + 1 < n_ ? hist_[size_t((i0 + 1) % hist_len_)] : a;
  return a + (b - a) * f;
}

void BeatClock::update_tempo() {
  if (acf0_ <= 1e-12) {
    confidence_ = 0;
    return;
  }
  // Normalise each lag by the weight of the products it has seen, so that early on the long lags
  // (fewer products) are not penalised, and leave out lags without 1.5 periods of history.
  std::vector<double>& a = norm_acf_;
  std::fill(a.begin(), a.end(), 0.0);
  // Weight of lag L after n hops: (1 - decay^(n-L)) / (1 - decay); decay^(n-L) = decay^n * decay^-L.
  const double one = 1.0 / (1.0 - decay_);
  const double dn = std::pow(decay_, double(n_));
  for (int lag = lag_min_ - 1; lag <= lag_max_ + 1; ++lag) {
    if (double(n_) < 1.5 * lag) continue;
    const double w = (1.0 - dn * inv_decay_pow_[size_t(lag)]) * one;
    if (w > 0) a[size_t(lag)] = acf_[size_t(lag)] / w;
  }
  const double a0 = acf0_ / ((1.0 - dn) * one);
  auto peak_near = [&](int lag) {
    int best = std::clamp(lag, lag_min_, lag_max_);
    for (int l = std::max(lag_min_, lag - 1); l <= std::min(lag_max_, lag + 1); ++l)
      if (a[size_t(l)] > a[size_t(best)]) best = l;
    return best;
  };
  int best = -1;
  double best_score = 0;
  for (int lag = lag_min_; lag <= lag_max_; ++lag) {
    const double score = a[size_t(lag)] * prior_[size_t(lag)];
    if (score > best_score) {
      best_score = score;
      best = lag;
    }
  }
  if (best < 0) {
    confidence_ = 0;
    return;
  }
  // Octave check: the prior can prefer the half tempo when every second beat is as strong.
  while (best / 2 >= lag_min_) {
    const int half = peak_near(int(std::lround(best / 2.0)));
    if (a[size_t(half)] >= kHalfRatio * a[size_t(best)])
      best = half;
    else
      break;
  }
  auto refine = [&](int lag) {
    const double l = a[size_t(lag - 1)], m = a[size_t(lag)], r = a[size_t(lag + 1)];
    const double den = l - 2 * m + r;
    return den < 0 ? lag + std::clamp(0.5 * (l - r) / den, -0.5, 0.5) : double(lag);
  };
  double period = refine(best);
  // The peak at twice the lag halves the rounding error of the period.
  if (2 * best + 1 <= lag_max_) {
    const int dbl = peak_near(2 * best);
    if (a[size_t(dbl)] >= 0.5 * a[size_t(best)]) period = 0.5 * (period + 0.5 * refine(dbl));
  }
  confidence_ = std::clamp(a[size_t(best)] / a0, 0.0, 1.0);
  // The first tempo waits for 2 s of history: earlier estimates rest on one or two onsets.
  if (period_ == 0 && (confidence_ < kMinConfidence || double(n_) * hop_s_ < kFirstTempoSeconds)) return;
  if (period_ == 0) {
    period_ = period;
  } else if (std::abs(period / period_ - 1) < 0.06) {
    period_ += 0.25 * (period - period_);
    pending_count_ = 0;
  } else if (pending_count_ > 0 && std::abs(period / pending_period_ - 1) < 0.06) {
    if (++pending_count_ >= kSwitchFrames) {
      period_ = period;
      pending_count_ = 0;
    }
  } else {
    pending_period_ = period;
    pending_count_ = 1;
  }
}

double BeatClock::estimate_next_beat() const {
  const double p = period_;
  const int span = int(std::ceil(p));
  const double newest = double(n_ - 1);
  double best_d = 0, best = -1;
  double scores[512];
  const int count = std::min(span, 512);
  for (int d = 0; d < count; ++d) {
    double s = 0, w = 1;
    for (int k = 0; k < kCombBeats; ++k, w *= kCombWeight) s += w * env_at(newest - d - k * p);
    scores[d] = s;
    if (s > best) {
      best = s;
      best_d = d;
    }
  }
  // Parabolic refinement on the circular score.
  const int d0 = int(best_d);
  const double a = scores[(d0 + count - 1) % count], b = scores[d0], c = scores[(d0 + 1) % count];
  const double den = a - 2 * b + c;
  if (den < 0) best_d += std::clamp(0.5 * (a - c) / den, -0.5, 0.5);
  return newest - best_d + 0.5 + p;
}

BeatState BeatClock::end_frame() {
  BeatState st;
  update_tempo();
  const double t_end = double(n_);
  if (period_ <= 0) return st;
  const double p = period_;
  const double est = estimate_next_beat();
  if (next_beat_ < 0) {
    next_beat_ = est;
  } else {
    double err = est - next_beat_;
    err -= p * std::round(err / p);
    next_beat_ += kPllGain * err;
  }
  const bool active = confidence_ >= kMinConfidence && activity_ > 1e-9 &&
                      activity_ > 0.05 * activity_peak_ && double(n_ - last_strong_) < kSilentBeats * p;
  while (next_beat_ <= t_end) {
    if (active && next_beat_ - last_emitted_ > 0.5 * p) {
      st.beat = true;
      st.beat_time = next_beat_;
      last_emitted_ = next_beat_;
    }
    next_beat_ += p;
  }
  st.tempo_bpm = 60.0 / (p * hop_s_);
  st.confidence = active ? confidence_ : 0.0;
  const double to_next = next_beat_ - t_end;
  st.phase = std::clamp(1.0 - to_next / p, 0.0, std::nextafter(1.0, 0.0));
  st.next_beat_s = to_next * hop_s_;
  return st;
}

}  // namespace e2m::audio
