// How well the beat clock finds the tempo people dance to: per-song rows against the dancers' own
// tempo (Tang et al. motion), annotated recordings and click tracks. Used by `e2m beats --eval` and
// the tests, so both report the same figures.
#pragma once
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace e2m::eval {

// Metrical relation between an estimated and a reference tempo: the ratio among 1/3, 1/2, 2/3, 1, 3/2,
// 2, 3 nearest to est/ref in log terms. "octave-correct" means the nearest is 1.
double nearest_metrical_ratio(double est_bpm, double ref_bpm);
std::string ratio_name(double ratio);  // "1", "2", "1/2", "3/2", ...

struct SongBeatRow {
  std::string name, genre;
  double seconds = 0;     // audio analysed (the part the dance covers)
  double motion_bpm = 0;  // the dancers' tempo (eval::dance_tempo)
  bool motion_in_standard = false;
  double clock_bpm = 0;             // median tempo of the beat clock after its first 5 s
  double clock_confidence = 0;      // median confidence after 5 s
  double aubio_bpm = 0;             // aubio's own tracker on the same audio
  double clock_f = 0, aubio_f = 0;  // beat F-measure (+-70 ms, first 5 s skipped) vs the motion's beats
  double clock_ratio = 0, aubio_ratio = 0;  // nearest metrical ratio to the motion tempo
  bool clock_octave_ok() const { return clock_ratio == 1.0; }
  bool aubio_octave_ok() const { return aubio_ratio == 1.0; }
};

using EvalProgress = std::function<void(int done, int total, const std::string& item)>;

// Every complete DANCE_* clip of a Tang et al. folder: imports it (as `e2m import` aligns audio and
// motion), measures the motion's tempo and beats, runs the beat clock and aubio on the audio the
// dance covers. Throws e2m::Error when the folder holds no usable clip.
std::vector<SongBeatRow> evaluate_tang_beats(const std::filesystem::path& tang_folder,
                                             const EvalProgress& progress = {});

struct AnnotatedRow {
  std::string name;
  double reference_bpm = 0, clock_bpm = 0, aubio_bpm = 0;
  double clock_f = 0, aubio_f = 0;  // vs the reference beats (+-70 ms, from skip_s)
  double skip_s = 0;
  int reference_beats = 0;
};

// A recording with known beat times (a madmom annotation file, or a stated grid). `loops` > 1 plays
// the audio that many times end to end (for loops made to repeat, like the trumpet loop) and repeats
// the grid with it; scoring starts at skip_s.
AnnotatedRow evaluate_annotated(const std::string& name, const std::filesystem::path& audio,
                                const std::vector<double>& beats_s, double reference_bpm, int loops = 1,
                                double skip_s = 0);

// The click tracks of the tests (30 s each at 44.1 kHz).
std::vector<AnnotatedRow> evaluate_click_tracks(const std::vector<double>& bpms);

// Beat times from an annotation file: first number of each line, '#' lines skipped. Throws
// e2m::Error naming the file and line when a line is not a number.
std::vector<double> read_beat_annotations(const std::filesystem::path& path);

}  // namespace e2m::eval
