// Beat clock on signals with known answers: steady click tracks, a tempo change, noise without a pulse.
#include <cmath>
#include <cstdio>
#include <random>

#include "audio/beat_eval.h"
#include "audio/demo_track.h"
#include "audio/features.h"
#include "test_support.h"

using namespace e2m::audio;

namespace {

constexpr int kRate = 44100;

void add_click(std::vector<float>& x, double t) {
  const size_t start = size_t(t * kRate), len = size_t(0.03 * kRate);
  for (size_t i = 0; i < len && start + i < x.size(); ++i)
    x[start + i] +=
        0.8f * float(std::sin(2 * M_PI * 1000 * double(i) / kRate) * std::exp(-double(i) / (0.005 * kRate)));
}

double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  std::nth_element(v.begin(), v.begin() + long(v.size() / 2), v.end());
  return v[v.size() / 2];
}

std::vector<double> column(const FeatureFrames& f, int c, double from_s, double to_s = 1e9) {
  std::vector<double> v;
  for (int k = int(from_s * kFeatureFps); k < f.frames && k < to_s * kFeatureFps; ++k)
    v.push_back(f.data[size_t(k) * kAudioFeatureDim + size_t(c)]);
  return v;
}

}  // namespace

TEST_CASE("click tracks at 70-175 BPM: tempo within 0.5% and every beat found", "[audio][beat]") {
  for (double bpm : {70.0, 90.0, 120.0, 150.0, 175.0}) {
    std::vector<double> beats;
    const FeatureFrames f = extract_features(click_track(kRate, 30.0, bpm), kRate, &beats);
    const double tempo = median_tempo(f.data);
    const BeatScore s = beat_f_measure(click_times(30.0, bpm), beats);
    std::printf("click %5.1f BPM: tempo %.2f (error %.3f%%), F %.3f (%d of %d, %d estimated)\n", bpm, tempo,
                100 * std::abs(tempo / bpm - 1), s.f_measure, s.matched, s.reference, s.estimated);
    INFO("bpm " << bpm << " tempo " << tempo << " F " << s.f_measure);
    CHECK(std::abs(tempo / bpm - 1) < 0.005);
    CHECK(s.f_measure == 1.0);
  }
}

TEST_CASE("a click track changing from 120 to 140 BPM re-locks within 4 s", "[audio][beat]") {
  constexpr double kChange = 15, kTotal = 30;
  std::vector<double> ref;
  for (double t = 0.5; t < kChange - 1e-9; t += 0.5) ref.push_back(t);
  for (double t = kChange; t < kTotal; t += 60.0 / 140) ref.push_back(t);
  std::vector<float> x(size_t(kTotal * kRate), 0.0f);
  for (double t : ref) add_click(x, t);
  std::vector<double> beats;
  const FeatureFrames f = extract_features(x, kRate, &beats);
  // Locked from t on: every reference beat from t to a second before the end is matched within 70 ms,
  // every clock beat in that span (a tolerance inside it) matches one, and the tempo reads 140 within 0.5%.
  auto matched = [](double b, const std::vector<double>& other) {
    for (double o : other)
      if (std::abs(o - b) <= 0.07) return true;
    return false;
  };
  auto locked_from = [&](double t) {
    const double end = kTotal - 1;
    for (double r : ref)
      if (r >= t && r <= end && !matched(r, beats)) return false;
    for (double b : beats)
      if (b >= t + 0.07 && b <= end - 0.07 && !matched(b, ref)) return false;
    for (double bpm : column(f, kFeatTempo, t, end))
      if (std::abs(bpm / 140 - 1) >= 0.005) return false;
    return true;
  };
  double lock = kTotal;
  for (double t = kTotal - 5; t >= kChange; t -= 0.1)
    if (locked_from(t)) lock = t;
  std::printf("tempo change 120 -> 140 BPM at %.0f s: locked again from %.1f s (%.1f s later)\n", kChange,
              lock, lock - kChange);
  CHECK(lock - kChange <= 4.0);
  CHECK(locked_from(kChange + 4.0));
  // Before the change it was locked to 120.
  CHECK(beat_f_measure(ref, beats, 0.07, 5.0).recall > 0.8);
  CHECK(std::abs(median_of(column(f, kFeatTempo, 5, kChange)) / 120 - 1) < 0.005);
}

TEST_CASE("noise and irregular clicks have no pulse: confidence stays low and beats are rare",
          "[audio][beat]") {
  std::mt19937 rng(7);
  std::normal_distribution<float> gauss(0.0f, 0.2f);
  std::vector<float> noise(size_t(30 * kRate));
  for (float& v : noise) v = gauss(rng);
  std::exponential_distribution<double> gap(2.0);
  std::vector<float> irregular(size_t(30 * kRate), 0.0f);
  for (double t = 0.3; t < 29.9; t += 0.08 + gap(rng)) add_click(irregular, t);
  for (const auto* x : {&noise, &irregular}) {
    std::vector<double> beats;
    const FeatureFrames f = extract_features(*x, kRate, &beats);
    const double conf = median_of(column(f, kFeatBeatConf, 5));
    std::printf("%s: median confidence %.3f, %zu beats in 30 s\n",
                x == &noise ? "white noise" : "irregular clicks", conf, beats.size());
    CHECK(conf < 0.1);
    CHECK(beats.size() <= 5);  // a steady 120 BPM track has 60
  }
  std::vector<double> beats;
  const FeatureFrames steady = extract_features(click_track(kRate, 30.0, 120), kRate, &beats);
  CHECK(median_of(column(steady, kFeatBeatConf, 5)) > 0.9);
}
