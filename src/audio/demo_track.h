// Signals the project makes itself: the demo track (drums, bass, chords) and test click tracks.
#pragma once
#include <vector>

namespace e2m::audio {

inline constexpr double kDemoBpm = 120.0;

// Demo track: 4/4 at `bpm`, kick on 1 and 3, snare on 2 and 4, hi-hat eighths, an eighth-note bass line
// and sustained chords (Am F C G, one bar each), mono. Deterministic: the same call gives the same samples.
// The first beat is at t = 0.
std::vector<float> demo_track(int sample_rate, double seconds, double bpm = kDemoBpm);

// Click track: a short 1 kHz click every 60/bpm s starting at first_beat_s.
std::vector<float> click_track(int sample_rate, double seconds, double bpm, double first_beat_s = 0.5);

// Beat times of click_track() within [0, seconds).
std::vector<double> click_times(double seconds, double bpm, double first_beat_s = 0.5);

// Pure sine tone (amplitude 0.5).
std::vector<float> sine_tone(int sample_rate, double seconds, double hz);

}  // namespace e2m::audio
