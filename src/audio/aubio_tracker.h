// aubio's own beat tracker (aubio_tempo, "default" method), run as the `aubio tempo` command does: the
// baseline the beat clock is measured against (DESIGN.md 4.2). Not used by the product's features.
#pragma once
#include <vector>

namespace e2m::audio {

struct AubioBeats {
  double bpm = 0;               // median of 60 / inter-beat interval, as `aubio tempo` prints it
  std::vector<double> beats_s;  // beat times in seconds
};

// mono: samples at `rate`; window 1024, hop 512 (aubio's command-line defaults).
AubioBeats aubio_track_beats(const std::vector<float>& mono, int rate);

}  // namespace e2m::audio
