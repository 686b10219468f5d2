// Causal beat clock: tempo from a decaying autocorrelation of the onset envelope with a tempo prior
// and an octave check, phase from a comb over past onsets, smoothed by a phase-locked loop.
#pragma once
#include <vector>

namespace e2m::audio {

struct BeatState {
  bool beat = false;       // the clock ticked inside the frame just finished
  double beat_time = 0;    // when it ticked (in hops since the start), valid if beat
  double tempo_bpm = 0;    // 0 until a tempo is known
  double confidence = 0;   // periodicity strength [0,1]; beats are only emitted above a threshold
  double phase = 0;        // [0,1) position inside the current beat
  double next_beat_s = 0;  // seconds from the frame end to the next predicted beat (0 if unknown)
};

class BeatClock {
 public:
  // hop_s: seconds per onset-envelope value.
  explicit BeatClock(double hop_s);

  // Feed one onset-envelope value (for the hop that just finished).
  void push_onset(float value);
  // Called at the end of a feature frame (after its hops were pushed): updates tempo and phase and
  // says whether a beat fell inside the frame.
  BeatState end_frame();

  double hop_s() const { return hop_s_; }

 private:
  double env_at(double idx) const;  // linear interpolation into the history, idx in hops
  void update_tempo();
  double estimate_next_beat() const;

  double hop_s_;
  int lag_min_, lag_max_;  // ACF lags searched (220 .. 40 BPM)
  int hist_len_;
  std::vector<float> hist_;            // rectified envelope, ring indexed by hop count
  long n_ = 0;                         // hops pushed so far
  double mean_ = 0;                    // causal running mean of the raw envelope
  double activity_ = 0;                // recent envelope level (for silence gating)
  double activity_peak_ = 0;           // slowly decaying maximum of activity_
  double strong_level_ = 0;            // decaying maximum of the rectified envelope
  long last_strong_ = -1000000;        // hop of the last onset above a share of strong_level_
  std::vector<double> acf_;            // exponentially decaying autocorrelation per lag
  double acf0_ = 0;                    // ... and its lag-0 energy
  std::vector<double> norm_acf_;       // scratch: acf_ normalised by the weight each lag has seen
  std::vector<double> prior_;          // tempo prior per lag
  std::vector<double> inv_decay_pow_;  // decay^-lag
  double decay_;
  double period_ = 0;          // hops per beat, 0 = unknown
  double pending_period_ = 0;  // candidate of a tempo switch and how long it has persisted
  int pending_count_ = 0;
  double confidence_ = 0;
  double next_beat_ = -1;  // clock: next beat time in hops, < 0 = not running
  double last_emitted_ = -1e9;
};

}  // namespace e2m::audio
