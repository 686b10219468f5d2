// Beat F-measure and tempo summaries used by the tests, the bench and `e2m features --report`.
#include "audio/beat_eval.h"

#include <algorithm>
#include <cmath>

#include "audio/features.h"

namespace e2m::audio {

BeatScore beat_f_measure(const std::vector<double>& reference, const std::vector<double>& estimated,
                         double tolerance_s, double skip_s) {
  std::vector<double> ref, est;
  for (double t : reference)
    if (t >= skip_s) ref.push_back(t);
  for (double t : estimated)
    if (t >= skip_s) est.push_back(t);
  std::sort(ref.begin(), ref.end());
  std::sort(est.begin(), est.end());
  BeatScore s;
  s.reference = int(ref.size());
  s.estimated = int(est.size());
  std::vector<bool> used(est.size(), false);
  for (double r : ref) {
    int best = -1;
    double best_d = tolerance_s;
    for (size_t j = 0; j < est.size(); ++j) {
      const double d = std::abs(est[j] - r);
      if (!used[j] && d <= best_d) {
        best_d = d;
        best = int(j);
      }
    }
    if (best >= 0) {
      used[size_t(best)] = true;
      ++s.matched;
    }
  }
  if (s.reference == 0 && s.estimated == 0) {
    s.f_measure = s.precision = s.recall = 1;
    return s;
  }
  s.precision = s.estimated ? double(s.matched) / s.estimated : 0;
  s.recall = s.reference ? double(s.matched) / s.reference : 0;
  s.f_measure = s.precision + s.recall > 0 ? 2 * s.precision * s.recall / (s.precision + s.recall) : 0;
  return s;
}

std::vector<double> beats_from_frames(const std::vector<float>& frames, double start_s) {
  std::vector<double> t;
  const size_t n = frames.size() / kAudioFeatureDim;
  for (size_t k = 0; k < n; ++k)
    if (frames[k * kAudioFeatureDim + kFeatBeat] > 0.5f)
      t.push_back(start_s + (double(k) + 0.5) / kFeatureFps);
  return t;
}

double median_tempo(const std::vector<float>& frames, double skip_s) {
  std::vector<double> v;
  const size_t n = frames.size() / kAudioFeatureDim;
  for (size_t k = size_t(skip_s * kFeatureFps); k < n; ++k) {
    const float bpm = frames[k * kAudioFeatureDim + kFeatTempo];
    if (bpm > 0) v.push_back(bpm);
  }
  if (v.empty()) return 0;
  std::nth_element(v.begin(), v.begin() + long(v.size() / 2), v.end());
  return v[v.size() / 2];
}

}  // namespace e2m::audio
