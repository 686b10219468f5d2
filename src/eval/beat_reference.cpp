// Beat clock evaluation against the dancers' tempo (Tang et al.), annotated audio and click tracks.
#include "eval/beat_reference.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <sstream>

#include "audio/aubio_tracker.h"
#include "audio/audio_file.h"
#include "audio/beat_eval.h"
#include "audio/demo_track.h"
#include "audio/features.h"
#include "eval/dance_tempo.h"
#include "io/importers.h"
#include "motion/error.h"

namespace e2m::eval {
namespace {

constexpr double kSkipS = 5.0;        // the clock settles (mir_eval trims 5 s too)
constexpr double kToleranceS = 0.07;  // beat F-measure window
constexpr std::array<double, 7> kRatios = {1.0 / 3, 0.5, 2.0 / 3, 1.0, 1.5, 2.0, 3.0};

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::nth_element(v.begin(), v.begin() + long(v.size() / 2), v.end());
  return v[v.size() / 2];
}

double median_column(const audio::FeatureFrames& f, int column, double skip_s) {
  std::vector<double> v;
  for (int k = int(skip_s * audio::kFeatureFps); k < f.frames; ++k) {
    const float x = f.data[size_t(k) * audio::kAudioFeatureDim + size_t(column)];
    if (column != audio::kFeatTempo || x > 0) v.push_back(x);
  }
  return median(std::move(v));
}

struct ClockRun {
  double bpm = 0, confidence = 0;
  std::vector<double> beats;
};

ClockRun run_clock(const std::vector<float>& mono, int rate, double skip_s) {
  ClockRun r;
  const audio::FeatureFrames f = audio::extract_features(mono, rate, &r.beats);
  r.bpm = median_column(f, audio::kFeatTempo, skip_s);
  r.confidence = median_column(f, audio::kFeatBeatConf, skip_s);
  return r;
}

}  // namespace

double nearest_metrical_ratio(double est_bpm, double ref_bpm) {
  if (est_bpm <= 0 || ref_bpm <= 0) return 0;
  double best = 1, best_d = 1e9;
  for (double r : kRatios) {
    const double d = std::abs(std::log(est_bpm / ref_bpm / r));
    if (d < best_d) {
      best_d = d;
      best = r;
    }
  }
  return best;
}

std::string ratio_name(double ratio) {
  if (ratio <= 0) return "-";
  const std::array<const char*, 7> names = {"1/3", "1/2", "2/3", "1", "3/2", "2", "3"};
  for (size_t i = 0; i < kRatios.size(); ++i)
    if (std::abs(ratio - kRatios[i]) < 1e-9) return names[i];
  return "?";
}

std::vector<SongBeatRow> evaluate_tang_beats(const std::filesystem::path& tang_folder,
                                             const EvalProgress& progress) {
  io::ImportResult imported = io::import_tang(tang_folder);
  std::vector<motion::Clip>& clips = imported.dataset.clips;
  if (clips.empty()) throw Error(tang_folder.string() + ": no complete Tang et al. DANCE_* clip");
  std::vector<SongBeatRow> rows;
  for (size_t i = 0; i < clips.size(); ++i) {
    const motion::Clip& clip = clips[i];
    if (progress) progress(int(i), int(clips.size()), clip.meta.name);
    SongBeatRow row;
    row.name = clip.meta.name;
    row.genre = clip.meta.genre;
    const DanceTempo dance = dance_tempo(clip);
    row.motion_bpm = dance.bpm;
    row.motion_in_standard = dance.in_standard;
    const audio::MonoAudio a =
        audio::read_audio_file(clip.meta.audio, clip.meta.audio_offset, clip.duration());
    row.seconds = double(a.samples.size()) / a.sample_rate;
    const ClockRun clock = run_clock(a.samples, a.sample_rate, kSkipS);
    row.clock_bpm = clock.bpm;
    row.clock_confidence = clock.confidence;
    const audio::AubioBeats aubio = audio::aubio_track_beats(a.samples, a.sample_rate);
    row.aubio_bpm = aubio.bpm;
    row.clock_f = audio::beat_f_measure(dance.beats_s, clock.beats, kToleranceS, kSkipS).f_measure;
    row.aubio_f = audio::beat_f_measure(dance.beats_s, aubio.beats_s, kToleranceS, kSkipS).f_measure;
    row.clock_ratio = nearest_metrical_ratio(row.clock_bpm, row.motion_bpm);
    row.aubio_ratio = nearest_metrical_ratio(row.aubio_bpm, row.motion_bpm);
    rows.push_back(row);
  }
  if (progress) progress(int(clips.size()), int(clips.size()), "");
  return rows;
}

AnnotatedRow evaluate_annotated(const std::string& name, const std::filesystem::path& audio_path,
                                const std::vector<double>& beats_s, double reference_bpm, int loops,
                                double skip_s) {
  const audio::MonoAudio one = audio::read_audio_file(audio_path);
  const double len = double(one.samples.size()) / one.sample_rate;
  std::vector<float> mono;
  std::vector<double> ref;
  for (int k = 0; k < std::max(1, loops); ++k) {
    mono.insert(mono.end(), one.samples.begin(), one.samples.end());
    for (double b : beats_s) ref.push_back(b + k * len);
  }
  AnnotatedRow row;
  row.name = name;
  row.reference_bpm = reference_bpm;
  row.skip_s = skip_s;
  row.reference_beats = int(std::count_if(ref.begin(), ref.end(), [&](double t) { return t >= skip_s; }));
  const ClockRun clock = run_clock(mono, one.sample_rate, skip_s);
  row.clock_bpm = clock.bpm;
  row.clock_f = audio::beat_f_measure(ref, clock.beats, kToleranceS, skip_s).f_measure;
  const audio::AubioBeats aubio = audio::aubio_track_beats(mono, one.sample_rate);
  row.aubio_bpm = aubio.bpm;
  row.aubio_f = audio::beat_f_measure(ref, aubio.beats_s, kToleranceS, skip_s).f_measure;
  return row;
}

std::vector<AnnotatedRow> evaluate_click_tracks(const std::vector<double>& bpms) {
  constexpr int kRate = 44100;
  constexpr double kSeconds = 30;
  std::vector<AnnotatedRow> rows;
  for (double bpm : bpms) {
    const std::vector<float> mono = audio::click_track(kRate, kSeconds, bpm);
    const std::vector<double> ref = audio::click_times(kSeconds, bpm);
    AnnotatedRow row;
    std::ostringstream name;
    name << "click " << bpm << " BPM";
    row.name = name.str();
    row.reference_bpm = bpm;
    row.skip_s = kSkipS;
    row.reference_beats = int(std::count_if(ref.begin(), ref.end(), [](double t) { return t >= kSkipS; }));
    const ClockRun clock = run_clock(mono, kRate, kSkipS);
    row.clock_bpm = clock.bpm;
    row.clock_f = audio::beat_f_measure(ref, clock.beats, kToleranceS, kSkipS).f_measure;
    const audio::AubioBeats aubio = audio::aubio_track_beats(mono, kRate);
    row.aubio_bpm = aubio.bpm;
    row.aubio_f = audio::beat_f_measure(ref, aubio.beats_s, kToleranceS, kSkipS).f_measure;
    rows.push_back(row);
  }
  return rows;
}

std::vector<double> read_beat_annotations(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw Error(path.string() + ": cannot open the beat annotation file");
  std::vector<double> beats;
  int lineno = 0;
  for (std::string line; std::getline(in, line);) {
    ++lineno;
    const size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    std::istringstream ss(line);
    double t = 0;
    if (!(ss >> t) || !std::isfinite(t))
      throw Error(path.string() + ":" + std::to_string(lineno) + ": expected a beat time in seconds");
    beats.push_back(t);
  }
  return beats;
}

}  // namespace e2m::eval
