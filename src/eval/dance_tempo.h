// The dancers' own tempo and beats, measured from a dance's motion: the reference the beat clock is
// judged by on real music (DESIGN.md 4.2), independent of any audio analysis.
#pragma once
#include <string_view>
#include <vector>

#include "motion/clip.h"

namespace e2m::eval {

// Standard competition tempo of a ballroom genre in BPM (DESIGN.md 4.2: waltz 84-90, rumba 96-108,
// cha-cha 120-128, tango 124-132); {0, 0} for a genre without one.
struct TempoRange {
  double lo_bpm = 0, hi_bpm = 0;
  bool known() const { return hi_bpm > 0; }
  bool contains(double bpm) const { return bpm >= lo_bpm && bpm <= hi_bpm; }
};
TempoRange standard_tempo(std::string_view genre);

struct DanceTempo {
  double bpm = 0;               // the dancers' beat tempo; 0 when the motion shows no periodicity
  double strength = 0;          // harmonic spectral sum at bpm over its mean in the search band (>= 1)
  bool in_standard = false;     // bpm lies inside standard_tempo(genre)
  std::vector<double> beats_s;  // beat times in seconds from the clip's first frame
};

// Tempo: the foot joints' mean speed (ankles and toes, world space) is a periodic signal whose
// spectrum has peaks at the step rate and at the rates of the step pattern (every second step, the
// bar). The tempo is the frequency f in the genre's search band (the standard range widened 20%
// down for slow social recordings and 10% up) that maximises S(f) + S(f/2) + S(f/m), m = 3 for a
// 3/4 genre (waltz), 4 otherwise; unknown genres search 60..180 BPM with m = 4. The spectrum is a
// Hann-windowed DFT evaluated on a 0.05 BPM grid, so the tempo is not limited by the clip's length.
// Beats: dynamic programming (Ellis, "Beat tracking by dynamic programming", JNMR 2007) over the
// negated, 80 ms-smoothed foot speed (feet come to rest on the beat), with that tempo. Offline
// (whole clip, non-causal): it is a reference, not a tracker.
DanceTempo dance_tempo(const motion::Clip& clip);

// Ellis's dynamic programming beat tracker over any novelty signal sampled at rate_hz, with a fixed
// period: returns beat times in seconds. tightness as in the paper (100 = beats rarely deviate from
// the period by more than a few percent).
std::vector<double> track_beats_dp(const std::vector<double>& novelty, double rate_hz, double period_s,
                                   double tightness = 100.0);

}  // namespace e2m::eval
