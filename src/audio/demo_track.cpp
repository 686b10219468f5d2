// Synthesises the demo track and click tracks sample by sample; no third-party audio involved.
#include "audio/demo_track.h"

#include <cmath>
#include <cstdint>

namespace e2m::audio {
namespace {

constexpr double kPi = 3.14159265358979323846;

// xorshift noise: deterministic across platforms, unlike std::normal_distribution.
struct Noise {
  uint32_t s = 0x9e3779b9u;
  float next() {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    return float(s) / 2147483648.0f - 1.0f;
  }
};

double midi_hz(int note) { return 440.0 * std::pow(2.0, (note - 69) / 12.0); }

// Band-limited-ish saw from a few harmonics (keeps the chords soft).
double saw(double phase, int harmonics) {
  double v = 0;
  for (int h = 1; h <= harmonics; ++h) v += std::sin(2 * kPi * h * phase) / h;
  return v * 0.6;
}

}  // namespace

std::vector<float> demo_track(int sample_rate, double seconds, double bpm) {
  const size_t n = size_t(seconds * sample_rate);
  std::vector<float> out(n, 0.0f);
  const double beat = 60.0 / bpm;
  const double sr = sample_rate;
  // Am F C G: roots (bass, octave 2) and triads (octave 4).
  const int roots[4] = {45, 41, 48, 43};
  const int chords[4][3] = {{69, 72, 76}, {65, 69, 72}, {67, 72, 76}, {67, 71, 74}};
  Noise noise;
  double hat_lp = 0, bass_lp = 0;
  for (size_t i = 0; i < n; ++i) {
    const double t = i / sr;
    const double beats = t / beat;
    const int beat_idx = int(std::floor(beats));
    const double tb = (beats - beat_idx) * beat;             // seconds since the beat
    const double t8 = std::fmod(beats * 2, 1.0) * beat / 2;  // seconds since the eighth
    const int bar = beat_idx / 4;
    const int in_bar = beat_idx % 4;
    const int chord = bar % 4;
    double v = 0;
    // Kick on 1 and 3: falling sine with a fast decay.
    if (in_bar == 0 || in_bar == 2) {
      // Frequency 50 + 100 e^(-30 t) Hz, integrated to a phase.
      double ph = 50 * tb + 100 * (1 - std::exp(-tb * 30)) / 30;
      v += 0.9 * std::sin(2 * kPi * ph) * std::exp(-tb * 9);
    }
    const float w = noise.next();
    // Snare on 2 and 4: noise burst plus a 190 Hz body.
    if (in_bar == 1 || in_bar == 3) {
      v += (0.45 * w + 0.3 * std::sin(2 * kPi * 190 * tb)) * std::exp(-tb * 22);
    }
    // Closed hi-hat on every eighth: high-passed noise, very short.
    hat_lp += 0.3 * (w - hat_lp);
    v += 0.22 * (w - hat_lp) * std::exp(-t8 * 70);
    // Bass: eighth notes on the root, octave jump on the off-beats.
    {
      const int note = roots[chord] + ((int(std::floor(beats * 2)) % 2) ? 12 : 0);
      const double ph = t * midi_hz(note);
      double b = saw(ph - std::floor(ph), 6) * std::exp(-t8 * 6);
      bass_lp += 0.15 * (b - bass_lp);
      v += 0.5 * bass_lp;
    }
    // Chords: sustained triad per bar with a soft attack.
    {
      const double tbar = beats - bar * 4.0;
      const double env = std::min(1.0, tbar * 8) * (0.7 + 0.3 * std::exp(-tbar));
      double c = 0;
      for (int k = 0; k < 3; ++k) {
        const double ph = t * midi_hz(chords[chord][k]);
        c += saw(ph - std::floor(ph), 4);
      }
      v += 0.09 * env * c;
    }
    out[i] = float(std::tanh(v * 0.8) * 0.8);
  }
  return out;
}

std::vector<double> click_times(double seconds, double bpm, double first_beat_s) {
  std::vector<double> t;
  for (double b = first_beat_s; b < seconds; b += 60.0 / bpm) t.push_back(b);
  return t;
}

std::vector<float> click_track(int sample_rate, double seconds, double bpm, double first_beat_s) {
  std::vector<float> out(size_t(seconds * sample_rate), 0.0f);
  const size_t click_len = size_t(0.03 * sample_rate);
  for (double b : click_times(seconds, bpm, first_beat_s)) {
    const size_t s0 = size_t(std::llround(b * sample_rate));
    for (size_t j = 0; j < click_len && s0 + j < out.size(); ++j) {
      const double t = double(j) / sample_rate;
      out[s0 + j] += float(0.8 * std::sin(2 * kPi * 1000 * t) * std::exp(-t * 150));
    }
  }
  return out;
}

std::vector<float> sine_tone(int sample_rate, double seconds, double hz) {
  std::vector<float> out(size_t(seconds * sample_rate));
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = float(0.5 * std::sin(2 * kPi * hz * double(i) / sample_rate));
  return out;
}

}  // namespace e2m::audio
