// Causal beat clock: tempo from a decaying autocorrelation of the onset envelope, phase from a comb
// over past onsets, smoothed by a phase-locked loop.
//
// The metrical level (the tempo people dance to, not its double or half) is chosen in three steps:
// - each period is scored by its autocorrelation plus half that of its bar-level multiple (2 or 3
//   periods: the multi-level "pulse train" idea of Percival & Tzanetakis, "Streamlined tempo
//   estimation based on autocorrelation and cross-correlation with pulses", IEEE/ACM TASLP 2014),
//   times a log-Gaussian tempo prior (Ellis, "Beat tracking by dynamic programming", JNMR 2007)
//   centred on the dancers' tempi of the Tang et al. songs;
// - the double tempo replaces it only when its autocorrelation peak is nearly as strong AND the
//   onsets half a period off the strongest phase are nearly as strong as those on it (equal pulses,
//   as in a click track); accented beats with weaker off-beats (a waltz's eighths) keep the slower level;
// - a new tempo must persist 1.5 s before the clock switches, then the phase re-locks through the PLL.
// Everything is sized in the constructor; push_onset and end_frame never allocate.
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

// An exponentially decaying autocorrelation of the clock's envelope history, per lag in hops.
struct DecayingAcf {
  double decay = 0;
  double acf0 = 0;                    // lag-0 energy
  std::vector<double> acf;            // per lag
  std::vector<double> inv_decay_pow;  // decay^-lag
  void init(double memory_s, double hop_s, int lags);
  // e: the newest envelope value, already stored at hist[n % size].
  void push(double e, const std::vector<float>& hist, long n, int lo, int hi);
  // Adds weight x the normalised autocorrelation of lags lo..hi to out; returns weight x lag-0 energy.
  double add_normalised(long n, int lo, int hi, double weight, std::vector<double>& out) const;
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
  struct Estimate {
    double period = 0;  // hops per beat, 0 = none
    double confidence = 0;
  };
  // A candidate period that must persist for a number of frames before it is adopted.
  struct Pending {
    double period = 0;
    int count = 0;
    bool persists(double candidate, int frames);
  };
  Estimate estimate_period(const DecayingAcf& acf);
  void update_tempo();
  double estimate_next_beat() const;
  double offbeat_ratio(int lag) const;  // envelope half a period off the strongest phase / at it

  double hop_s_;
  int lag_min_, lag_max_;  // ACF lags searched for the tempo (220 .. 40 BPM)
  int lag_acf_;            // longest lag kept (20 BPM): bar-level periods for the metre checks
  int hist_len_;
  std::vector<float> hist_;              // rectified envelope, ring indexed by hop count
  long n_ = 0;                           // hops pushed so far
  double mean_ = 0;                      // causal running mean of the raw envelope
  double activity_ = 0;                  // recent envelope level (for silence gating)
  double activity_peak_ = 0;             // slowly decaying maximum of activity_
  double strong_level_ = 0;              // decaying maximum of the rectified envelope
  long last_strong_ = -1000000;          // hop of the last onset above a share of strong_level_
  DecayingAcf slow_, fast_;              // long and short memory autocorrelations
  std::vector<double> norm_acf_;         // scratch: their normalised mean per lag
  std::vector<double> prior_;            // tempo prior per lag
  double period_ = 0;                    // hops per beat, 0 = unknown
  Pending slow_pending_, fast_pending_;  // candidate level changes and tempo changes
  double confidence_ = 0;
  double next_beat_ = -1;  // clock: next beat time in hops, < 0 = not running
  double last_emitted_ = -1e9;
};

}  // namespace e2m::audio
