// `e2m dance`: generate a dance BVH from an audio file (or the built-in demo track) with a music2dance model.
#include <cstdio>
#include <cxxopts.hpp>

#include "app/commands.h"
#include "app/default_models.h"
#include "audio/demo_track.h"
#include "audio/feature_extractor.h"
#include "audio/features.h"
#include "io/bvh.h"
#include "model/inference.h"
#include "motion/error.h"

namespace e2m::app {

namespace {

// "synth" or "synth:BPM": the demo track through the same streaming extractor as a file.
audio::FeatureFrames synth_features(const std::string& spec, double seconds) {
  double bpm = audio::kDemoBpm;
  if (spec.size() > 6) {
    try {
      bpm = std::stod(spec.substr(6));
    } catch (const std::exception&) {
      throw Error("--input " + spec + ": expected synth or synth:BPM");
    }
    if (bpm < 30 || bpm > 300) throw Error("--input " + spec + ": BPM must be between 30 and 300");
  }
  const auto samples = audio::demo_track(audio::kAnalysisRate, seconds, bpm);
  audio::FeatureExtractor fx(audio::kAnalysisRate);
  audio::FeatureFrames out;
  fx.push(samples.data(), samples.size(), out.data);
  fx.finish(out.data);
  out.frames = static_cast<int>(out.data.size() / audio::kAudioFeatureDim);
  return out;
}

}  // namespace

int cmd_dance(int argc, char** argv) {
  cxxopts::Options options(
      argv[0],
      "Generate a dance from music with a music2dance model and write it as BVH. The model\n"
      "runs causally, chunk after chunk, exactly as it does live.\n\n"
      "  e2m dance song.wav --genre waltz -o waltz.bvh\n"
      "  e2m dance --input synth:120 -m my_model.e2mm -o demo.bvh --seconds 20\n");
  options.positional_help("<audio file>");
  options.add_options()(
      "m,model", "music2dance model file (.e2mm; default " + default_model_help(kDefaultMusicModel) + ")",
      cxxopts::value<std::string>())(
      "o,output", "output BVH file (default: <audio name>_dance.bvh, synth_dance.bvh for the demo track)",
      cxxopts::value<std::string>())(
      "input", "synth[:BPM] for the built-in demo track (the default when no audio file is given)",
      cxxopts::value<std::string>())("genre", "dance genre (one of the model's genres; default: its first)",
                                     cxxopts::value<std::string>())(
      "start", "start time in the audio file (s)", cxxopts::value<double>()->default_value("0"))(
      "seconds", "length to generate (s); default: the whole file, 20 s for synth", cxxopts::value<double>())(
      "threads", "CPU threads", cxxopts::value<int>()->default_value("2"))("h,help", "show this help")(
      "audio", "audio file", cxxopts::value<std::string>());
  options.parse_positional({"audio"});
  auto args = options.parse(argc, argv);
  if (args.count("help")) {
    std::printf("%s\n", options.help().c_str());
    return 0;
  }
  if (args.count("audio") && args.count("input")) {
    std::fprintf(stderr, "e2m dance: give an audio file or --input synth[:BPM], not both\n");
    return 2;
  }
  const double seconds = args.count("seconds") ? args["seconds"].as<double>() : -1;
  if (args.count("seconds") && seconds <= 0) throw Error("--seconds must be positive");

  // Load the model first: a wrong path should fail before a long audio analysis.
  model::MusicToDance m2d;
  m2d.load(args.count("model") ? std::filesystem::path(args["model"].as<std::string>())
                               : default_model(kDefaultMusicModel),
           args["threads"].as<int>());
  const std::string genre = args.count("genre") ? args["genre"].as<std::string>() : m2d.genres().front();
  m2d.reset(genre);  // validates the genre

  audio::FeatureFrames feats;
  std::string source;
  if (!args.count("audio")) {
    source = args.count("input") ? args["input"].as<std::string>() : "synth";
    if (source.rfind("synth", 0) != 0) throw Error("--input " + source + ": expected synth or synth:BPM");
    feats = synth_features(source, seconds > 0 ? seconds : 20.0);
  } else {
    source = args["audio"].as<std::string>();
    if (!std::filesystem::exists(source)) throw Error(source + ": audio file not found");
    std::fprintf(stderr, "analysing %s...\n", source.c_str());
    feats = audio::extract_features_file(source, args["start"].as<double>(), seconds);
  }
  if (feats.frames == 0) throw Error(source + ": no audio frames to dance to");
  std::fprintf(stderr, "dancing %d frames (%.1f s) as %s...\n", feats.frames, feats.frames / 30.0,
               genre.c_str());
  motion::Clip clip = m2d.dance(feats, genre);
  clip.meta.audio = source;
  const std::string out = args.count("output")  ? args["output"].as<std::string>()
                          : args.count("audio") ? std::filesystem::path(source).stem().string() + "_dance.bvh"
                                                : "synth_dance.bvh";
  io::write_bvh(io::clip_to_bvh(clip), out);
  std::printf("wrote %s: %d frames (%.1f s), genre %s\n", out.c_str(), clip.frames(), clip.duration(),
              genre.c_str());
  return 0;
}

}  // namespace e2m::app
