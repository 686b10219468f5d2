// Beat clock implementation. Everything is causal: each update uses only envelope values already pushed.
#include "audio/beat_clock.h"

#include <algorithm>
#include <cmath>

namespace e2m::audio {
namespace {

constexpr double kMinBpm = 40, kMaxBpm = 220;  // tempo search range
constexpr double kMetreMinBpm = 15;            // the autocorrelation reaches this far for the metre checks
// Log-Gaussian tempo prior. Its centre is the middle of the dancers' own tempi on the Tang et al.
// songs (79..139 BPM measured from their motion, eval::dance_tempo); half an octave wide, so that a
// 174 BPM reading of an 87 BPM waltz costs a factor 2.5 before the octave check below.
constexpr double kPriorBpm = 105, kPriorOctaves = 0.5;
constexpr double kAcfSeconds = 5.0;      // memory of the autocorrelation
constexpr double kFastAcfSeconds = 2.0;  // ... and of its short-memory twin
constexpr double kHalfRatio = 0.8;       // a peak at half the lag this strong may be the beat ...
constexpr double kOffbeatRatio = 0.8;    // ... if the off-beats carry this share of the on-beats' onsets
constexpr int kAccentBeats = 8;          // periods the accent comb sums over
constexpr double kMetreWeight = 0.5;     // weight of the bar-level multiple in the tempo score
constexpr double kMinConfidence = 0.2;   // below it the clock keeps time but emits no beats
constexpr int kCombBeats = 4;            // past beats compared by the phase comb
constexpr double kCombWeight = 0.7;
constexpr double kPllGain = 0.3;       // share of the phase error corrected per frame
constexpr int kSwitchFrames = 45;      // a new metrical level must persist this many frames (1.5 s)
constexpr int kFastSwitchFrames = 15;  // a new tempo seen by the short memory: 0.5 s
constexpr double kSameTempo = 0.06;    // periods this close (relative) are the same tempo
constexpr double kMetricalTolerance = 0.04;
constexpr double kFirstTempoSeconds = 2.0;  // history needed before the first tempo
constexpr double kSilentBeats = 2.2;        // no strong onset for this many periods: stop ticking

}  // namespace

void DecayingAcf::init(double memory_s, double hop_s, int lags) {
  decay = std::exp(-hop_s / memory_s);
  acf.assign(size_t(lags), 0.0);
  inv_decay_pow.assign(size_t(lags), 1.0);
  for (int lag = 1; lag < lags; ++lag) inv_decay_pow[size_t(lag)] = std::pow(decay, -double(lag));
}

void DecayingAcf::push(double e, const std::vector<float>& hist, long n, int lo, int hi) {
  const long len = long(hist.size());
  acf0 = decay * acf0 + e * e;
  for (int lag = lo; lag <= hi; ++lag) {
    const double past = n - lag >= 0 ? hist[size_t((n - lag) % len)] : 0.0;
    acf[size_t(lag)] = decay * acf[size_t(lag)] + e * past;
  }
}

double DecayingAcf::add_normalised(long n, int lo, int hi, double weight, std::vector<double>& out) const {
  // Each lag is divided by the weight of the products it has seen, so that early on the long lags
  // (fewer products) are not penalised; lags without 1.5 periods of history are left out. Weight of
  // lag L after n hops: (1 - decay^(n-L)) / (1 - decay), and decay^(n-L) = decay^n * decay^-L.
  const double one = 1.0 / (1.0 - decay);
  const double dn = std::pow(decay, double(n));
  for (int lag = lo; lag <= hi; ++lag) {
    if (double(n) < 1.5 * lag) continue;
    const double w = (1.0 - dn * inv_decay_pow[size_t(lag)]) * one;
    if (w > 0) out[size_t(lag)] += weight * acf[size_t(lag)] / w;
  }
  return weight * acf0 / ((1.0 - dn) * one);
}

BeatClock::BeatClock(double hop_s) : hop_s_(hop_s) {
  lag_min_ = int(std::floor(60.0 / kMaxBpm / hop_s));
  lag_max_ = int(std::ceil(60.0 / kMinBpm / hop_s));
  lag_acf_ = int(std::ceil(60.0 / kMetreMinBpm / hop_s));
  hist_len_ = (lag_acf_ + 2) * (kCombBeats + 2);
  hist_.assign(size_t(hist_len_), 0.0f);
  slow_.init(kAcfSeconds, hop_s, lag_acf_ + 2);
  fast_.init(kFastAcfSeconds, hop_s, lag_acf_ + 2);
  prior_.assign(size_t(lag_acf_ + 2), 0.0);
  for (int lag = 1; lag < int(prior_.size()); ++lag) {
    const double x = std::log2(60.0 / (lag * hop_s) / kPriorBpm) / kPriorOctaves;
    prior_[size_t(lag)] = std::exp(-0.5 * x * x);
  }
  norm_acf_.assign(prior_.size(), 0.0);
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
  slow_.push(e, hist_, n_, lag_min_ - 1, lag_acf_ + 1);
  fast_.push(e, hist_, n_, lag_min_ - 1, lag_acf_ + 1);
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

BeatClock::Estimate BeatClock::estimate_period(const DecayingAcf& acf) {
  Estimate est;
  if (acf.acf0 <= 1e-12) return est;
  std::vector<double>& a = norm_acf_;
  std::fill(a.begin(), a.end(), 0.0);
  const double a0 = acf.add_normalised(n_, lag_min_ - 1, lag_acf_ + 1, 1.0, a);
  auto peak_near = [&](int lag) {
    int best = std::clamp(lag, lag_min_, lag_acf_);
    for (int l = std::max(lag_min_, lag - 1); l <= std::min(lag_acf_, lag + 1); ++l)
      if (a[size_t(l)] > a[size_t(best)]) best = l;
    return best;
  };
  // A beat period is supported by its bar-level multiples (two beats in 2/4 and 4/4, three in 3/4);
  // a syncopated period such as Latin music's three sixteenths (4/3 of the tempo) is less so.
  auto at = [&](int lag) { return lag <= lag_acf_ ? a[size_t(peak_near(lag))] : 0.0; };
  int best = -1;
  double best_score = 0;
  for (int lag = lag_min_; lag <= lag_max_; ++lag) {
    const double support = a[size_t(lag)] + kMetreWeight * std::max(at(2 * lag), at(3 * lag));
    const double score = support * prior_[size_t(lag)];
    if (score > best_score) {
      best_score = score;
      best = lag;
    }
  }
  if (best < 0) return est;
  // Octave check: the prior can prefer the half tempo when every second beat is as strong. The
  // autocorrelation barely sees accents (off-beats 30% weaker still give 94% of its peak), so the
  // faster level must also pass the accent test on the phase-aligned envelope.
  while (best / 2 >= lag_min_) {
    const int half = peak_near(int(std::lround(best / 2.0)));
    if (a[size_t(half)] >= kHalfRatio * a[size_t(best)] && offbeat_ratio(best) >= kOffbeatRatio)
      best = half;
    else
      break;
  }
  auto refine = [&](int lag) {
    const double l = a[size_t(lag - 1)], m = a[size_t(lag)], r = a[size_t(lag + 1)];
    const double den = l - 2 * m + r;
    return den < 0 ? lag + std::clamp(0.5 * (l - r) / den, -0.5, 0.5) : double(lag);
  };
  est.period = refine(best);
  // The peak at twice the lag halves the rounding error of the period.
  if (2 * best + 1 <= lag_acf_) {
    const int dbl = peak_near(2 * best);
    if (a[size_t(dbl)] >= 0.5 * a[size_t(best)]) est.period = 0.5 * (est.period + 0.5 * refine(dbl));
  }
  // Confidence: the peak's height above the autocorrelation's floor (the envelope's mean squared,
  // which noise has at every lag), as a share of the lag-0 energy above that floor.
  double floor = 0;
  for (int lag = lag_min_; lag <= lag_max_; ++lag) floor += a[size_t(lag)];
  floor /= double(lag_max_ - lag_min_ + 1);
  est.confidence = a0 > floor ? std::clamp((a[size_t(best)] - floor) / (a0 - floor), 0.0, 1.0) : 0.0;
  return est;
}

namespace {

bool near(double a, double b, double tolerance) { return std::abs(a / b - 1) < tolerance; }

// A tempo change to a metrical relative (double, half, 3/2 ...) is a change of level, which the
// slow memory decides; any other ratio is the music changing tempo.
bool metrical_relative(double p, double q) {
  for (double r : {0.5, 2.0 / 3, 0.75, 4.0 / 3, 1.5, 2.0, 1.0 / 3, 3.0})
    if (near(p, q * r, kMetricalTolerance)) return true;
  return false;
}

}  // namespace

void BeatClock::update_tempo() {
  const Estimate slow = estimate_period(slow_);
  const Estimate fast = estimate_period(fast_);
  confidence_ = slow.confidence;
  if (slow.period <= 0) return;
  // The first tempo waits for 2 s of history: earlier estimates rest on one or two onsets.
  if (period_ == 0) {
    if (confidence_ >= kMinConfidence && double(n_) * hop_s_ >= kFirstTempoSeconds) period_ = slow.period;
    return;
  }
  if (near(slow.period, period_, kSameTempo)) {
    period_ += 0.25 * (slow.period - period_);
    slow_pending_.count = 0;
  } else if (fast.period > 0 && near(fast.period, slow.period, kSameTempo)) {
    // A change of level needs both memories to agree for kSwitchFrames.
    if (slow_pending_.persists(slow.period, kSwitchFrames)) period_ = slow.period;
  }
  // The short memory follows a real tempo change within about 2 s.
  if (fast.period > 0 && !near(fast.period, period_, kSameTempo) &&
      !metrical_relative(fast.period, period_)) {
    if (fast_pending_.persists(fast.period, kFastSwitchFrames)) period_ = fast.period;
  } else {
    fast_pending_.count = 0;
  }
}

bool BeatClock::Pending::persists(double candidate, int frames) {
  if (count > 0 && near(candidate, period, kSameTempo)) {
    if (++count < frames) return false;
    count = 0;
    return true;
  }
  period = candidate;
  count = 1;
  return false;
}

double BeatClock::offbeat_ratio(int lag) const {
  const double newest = double(n_ - 1);
  // Only whole periods of history, so that the on- and off-beat combs sum the same number of beats.
  const int beats = std::min<long>(kAccentBeats, std::min<long>(n_, hist_len_) / lag - 1);
  if (beats < 2) return 1.0;
  double best = -1, best_d = 0;
  for (int d = 0; d < lag; ++d) {
    double s = 0;
    for (int k = 0; k < beats; ++k) s += env_at(newest - d - double(k) * lag);
    if (s > best) {
      best = s;
      best_d = d;
    }
  }
  if (best <= 0) return 1.0;
  double off = 0;
  for (int k = 0; k < beats; ++k) off += env_at(newest - best_d - 0.5 * lag - double(k) * lag);
  return off / best;
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
