// `e2m beats`: the beat clock's beat times and tempo for an audio file (to check against a DAW's
// grid), and `--eval`: the clock against the dancers' tempo, annotated audio and click tracks.
#include <cstdio>
#include <cxxopts.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app/commands.h"
#include "audio/audio_file.h"
#include "audio/beat_eval.h"
#include "audio/demo_track.h"
#include "audio/features.h"
#include "eval/beat_reference.h"
#include "motion/error.h"

namespace e2m::app {
namespace {

namespace fs = std::filesystem;

struct Tracked {
  std::vector<double> beats;
  double bpm = 0, confidence = 0, seconds = 0;
};

Tracked track_file(const std::string& spec, double start_s, double duration_s) {
  audio::MonoAudio a;
  if (spec == "synth") {
    a.sample_rate = 44100;
    a.samples = audio::demo_track(a.sample_rate, duration_s > 0 ? duration_s : 32.0);
  } else {
    a = audio::read_audio_file(spec, start_s, duration_s);
  }
  Tracked t;
  const audio::FeatureFrames f = audio::extract_features(a.samples, a.sample_rate, &t.beats);
  t.seconds = double(a.samples.size()) / a.sample_rate;
  const double skip = std::min(5.0, t.seconds / 2);
  t.bpm = audio::median_tempo(f.data, skip);
  std::vector<double> conf;
  for (int k = int(skip * audio::kFeatureFps); k < f.frames; ++k)
    conf.push_back(f.data[size_t(k) * audio::kAudioFeatureDim + audio::kFeatBeatConf]);
  if (!conf.empty()) {
    std::nth_element(conf.begin(), conf.begin() + long(conf.size() / 2), conf.end());
    t.confidence = conf[conf.size() / 2];
  }
  for (double& b : t.beats) b += start_s;
  return t;
}

void print_tang_table(const std::vector<eval::SongBeatRow>& rows) {
  std::printf(
      "| song | genre | s | motion BPM | in range | clock BPM | conf | ratio | F | aubio BPM | ratio | F "
      "|\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  int clock_ok = 0, aubio_ok = 0;
  double clock_f = 0, aubio_f = 0;
  for (const auto& r : rows) {
    std::printf("| %s | %s | %.0f | %.1f | %s | %.1f | %.2f | %s | %.2f | %.1f | %s | %.2f |\n",
                r.name.c_str(), r.genre.c_str(), r.seconds, r.motion_bpm, r.motion_in_standard ? "yes" : "no",
                r.clock_bpm, r.clock_confidence, eval::ratio_name(r.clock_ratio).c_str(), r.clock_f,
                r.aubio_bpm, eval::ratio_name(r.aubio_ratio).c_str(), r.aubio_f);
    clock_ok += r.clock_octave_ok();
    aubio_ok += r.aubio_octave_ok();
    clock_f += r.clock_f;
    aubio_f += r.aubio_f;
  }
  const double n = double(std::max<size_t>(rows.size(), 1));
  std::printf("\nmetrical level right: clock %d of %zu, aubio %d of %zu; mean F: clock %.3f, aubio %.3f\n\n",
              clock_ok, rows.size(), aubio_ok, rows.size(), clock_f / n, aubio_f / n);
}

void print_annotated(const std::vector<eval::AnnotatedRow>& rows) {
  std::printf(
      "| audio | reference BPM | clock BPM | error %% | F | aubio BPM | F "
      "|\n|---|---|---|---|---|---|---|\n");
  for (const auto& r : rows)
    std::printf("| %s | %.1f | %.2f | %.2f | %.2f | %.1f | %.2f |\n", r.name.c_str(), r.reference_bpm,
                r.clock_bpm, 100 * std::abs(r.clock_bpm / r.reference_bpm - 1), r.clock_f, r.aubio_bpm,
                r.aubio_f);
}

int run_eval(const fs::path& data) {
  const fs::path tang = data / "tang-dance";
  if (fs::exists(tang)) {
    auto progress = [](int done, int total, const std::string& item) {
      std::fprintf(stderr, "\r[%d/%d] %-20s", done, total, item.c_str());
      if (done == total) std::fprintf(stderr, "\r%40s\r", "");
    };
    print_tang_table(eval::evaluate_tang_beats(tang, progress));
  } else {
    std::printf("SKIPPED: %s is absent\n", tang.string().c_str());
  }
  std::vector<eval::AnnotatedRow> rows = eval::evaluate_click_tracks({70, 90, 120, 150, 175});
  const fs::path madmom = data / "audio/madmom-sample";
  if (fs::exists(madmom / "sample.wav")) {
    const auto beats = eval::read_beat_annotations(madmom / "sample.beats");
    // 2.8 s of audio: looped 8 times so a tracker has time to settle, scored after 5 s.
    rows.push_back(
        eval::evaluate_annotated("madmom sample.wav (x8)", madmom / "sample.wav", beats, 87.5, 8, 5));
  }
  const fs::path trumpet = data / "audio/librosa-trumpet/sorohanro_-_solo-trumpet-06.ogg";
  if (fs::exists(trumpet)) {
    std::vector<double> grid;
    for (int k = 0; k < 8; ++k) grid.push_back(k * 60.0 / 90.0);
    rows.push_back(eval::evaluate_annotated("trumpet loop (x8)", trumpet, grid, 90, 8, 5));
  }
  print_annotated(rows);
  return 0;
}

}  // namespace

int cmd_beats(int argc, char** argv) {
  cxxopts::Options options(argv[0],
                           "Beat times (one per line, in seconds, as `aubio beat` prints them) and the tempo "
                           "of an audio file,\nfrom the same causal beat clock that feeds the model and the "
                           "live engine.\n\n"
                           "  e2m beats song.ogg                 (beat times on stdout, tempo on stderr)\n"
                           "  e2m beats song.ogg --json          (tempo, confidence and beats as JSON)\n"
                           "  e2m beats synth                    (the built-in 120 BPM demo track)\n"
                           "  e2m beats --eval                   (tables against the dancers' tempo, "
                           "annotations, clicks)\n");
  options.positional_help("[audio]");
  options.add_options()("i,input", "audio file, or 'synth' for the demo track",
                        cxxopts::value<std::string>())("start", "seconds into the file",
                                                       cxxopts::value<double>()->default_value("0"))(
      "duration", "seconds to analyse (default: to the end)", cxxopts::value<double>()->default_value("-1"))(
      "json", "print JSON")("eval", "evaluate the clock on the shared data instead")(
      "data", "data folder for --eval", cxxopts::value<std::string>()->default_value("../shared/data"))(
      "h,help", "show help");
  options.parse_positional({"input"});
  const auto args = options.parse(argc, argv);
  if (args.count("help")) {
    std::printf("%s\n", options.help().c_str());
    return 0;
  }
  if (args.count("eval")) return run_eval(args["data"].as<std::string>());
  if (!args.count("input")) throw Error("no audio given; expected e.g. 'e2m beats song.ogg' (see --help)");
  const Tracked t =
      track_file(args["input"].as<std::string>(), args["start"].as<double>(), args["duration"].as<double>());
  if (args.count("json")) {
    nlohmann::json j = {
        {"tempo_bpm", t.bpm}, {"confidence", t.confidence}, {"seconds", t.seconds}, {"beats", t.beats}};
    std::printf("%s\n", j.dump(1).c_str());
    return 0;
  }
  for (double b : t.beats) std::printf("%.6f\n", b);
  std::fprintf(stderr, "tempo %.2f BPM, confidence %.2f, %zu beats in %.1f s\n", t.bpm, t.confidence,
               t.beats.size(), t.seconds);
  return 0;
}

}  // namespace e2m::app
