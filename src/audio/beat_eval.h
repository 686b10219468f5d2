// Beat tracking scores (as mir_eval): F-measure within a tolerance window and tempo error.
#pragma once
#include <vector>

namespace e2m::audio {

struct BeatScore {
  double f_measure = 0, precision = 0, recall = 0;
  int matched = 0, reference = 0, estimated = 0;
};

// Greedy one-to-one matching within +-tolerance_s; beats before skip_s are ignored on both sides
// (mir_eval trims the first 5 s by default, while trackers settle).
BeatScore beat_f_measure(const std::vector<double>& reference, const std::vector<double>& estimated,
                         double tolerance_s = 0.07, double skip_s = 5.0);

// Beat times from feature frames: the middle of each frame whose beat column is 1.
std::vector<double> beats_from_frames(const std::vector<float>& frames, double start_s = 0);

// Median of the tempo column over frames at or after skip_s (0 when there are none).
double median_tempo(const std::vector<float>& frames, double skip_s = 5.0);

}  // namespace e2m::audio
