// `e2m features`: the 30 fps audio features of a file, the demo track, a played file or a capture
// device, written as a NumPy .npy (frames x 39); also writes the demo track as a WAV.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cxxopts.hpp>
#include <string>
#include <vector>

#include "app/commands.h"
#include "audio/audio_file.h"
#include "audio/beat_eval.h"
#include "audio/demo_track.h"
#include "audio/feature_extractor.h"
#include "audio/features.h"
#include "audio/source.h"
#include "io/npy.h"
#include "motion/error.h"

namespace e2m::app {

namespace {

void progress(double done_s, double total_s) {
  if (!isatty(fileno(stderr)) || total_s <= 0) return;
  const int width = 30, filled = std::min(width, int(done_s / total_s * width));
  std::fprintf(stderr, "\r[%s%s] %5.1f / %.1f s", std::string(size_t(filled), '#').c_str(),
               std::string(size_t(width - filled), '.').c_str(), done_s, total_s);
  std::fflush(stderr);
}

}  // namespace

int cmd_features(int argc, char** argv) {
  cxxopts::Options options(
      argv[0],
      "Audio features at 30 fps (onset envelope, 20 MFCC, 12 chroma, onset peak, beat, tempo, beat "
      "confidence,\n"
      "beat phase, time to the next beat: 39 columns) as a NumPy .npy of shape (frames, 39). The same "
      "causal\n"
      "extractor runs live, so these frames are exactly what the live model sees.\n\n"
      "  e2m features song.ogg -o feats.npy\n"
      "  e2m features synth -o demo.npy                  (the built-in demo track, 120 BPM)\n"
      "  e2m features synth --write-wav demo.wav         (write the demo track as a WAV file)\n"
      "  e2m features device:USB --seconds 20 -o live.npy\n"
      "  e2m features --names                            (the column names)\n");
  options.positional_help("[input]");
  options.add_options()("i,input", audio::kInputHelp, cxxopts::value<std::string>())(
      "o,output", "output .npy file", cxxopts::value<std::string>())(
      "start", "file: start time in seconds", cxxopts::value<double>()->default_value("0"))(
      "duration", "file: seconds to analyse (default: to the end)",
      cxxopts::value<double>()->default_value("-1"))(
      "seconds", "device/play/synth: seconds to analyse (device default 10, synth default 32)",
      cxxopts::value<double>())("bpm", "synth: tempo of the demo track",
                                cxxopts::value<double>()->default_value("120"))(
      "write-wav", "write the input audio (mono, as analysed) to this WAV file",
      cxxopts::value<std::string>())("names", "print the 39 column names and exit")(
      "q,quiet", "print nothing but errors")("h,help", "show help");
  options.parse_positional({"input"});
  const auto args = options.parse(argc, argv);
  if (args.count("help")) {
    std::printf("%s\n", options.help().c_str());
    return 0;
  }
  if (args.count("names")) {
    for (size_t i = 0; i < audio::feature_names().size(); ++i)
      std::printf("%2zu %s\n", i, std::string(audio::feature_names()[i]).c_str());
    return 0;
  }
  if (!args.count("input"))
    throw Error("no input given; expected e.g. 'e2m features song.ogg -o feats.npy' (see --help)");
  std::string spec = args["input"].as<std::string>();
  if (spec == "synth" && args["bpm"].as<double>() != audio::kDemoBpm)
    spec += ":" + std::to_string(args["bpm"].as<double>());
  const bool quiet = args.count("quiet") > 0;
  const std::string out_path = args.count("output") ? args["output"].as<std::string>() : "";
  const std::string wav_path = args.count("write-wav") ? args["write-wav"].as<std::string>() : "";
  if (out_path.empty() && wav_path.empty())
    throw Error("nothing to write: give -o FILE.npy and/or --write-wav FILE.wav");

  audio::FeatureFrames frames;
  std::vector<float> analysed;  // mono input, kept only for --write-wav
  int analysed_rate = 0;
  const bool is_file = spec.rfind("file:", 0) == 0 ||
                       (spec.find(':') == std::string::npos && spec != "synth" && spec != "device");
  const auto t0 = std::chrono::steady_clock::now();
  if (is_file && wav_path.empty()) {
    // The offline pass (same extractor, whole file).
    const std::string path = spec.rfind("file:", 0) == 0 ? spec.substr(5) : spec;
    frames = audio::extract_features_file(path, args["start"].as<double>(), args["duration"].as<double>());
  } else {
    audio::SourceOptions opt;
    const bool live = spec.rfind("device", 0) == 0 || spec.rfind("play:", 0) == 0;
    double limit = args.count("seconds") ? args["seconds"].as<double>() : (live ? 10.0 : -1.0);
    if (spec.rfind("synth", 0) == 0 && limit > 0) opt.synth_seconds = limit;
    auto src = audio::open_source(spec, opt);
    if (!quiet) std::fprintf(stderr, "input: %s\n", src->describe().c_str());
    audio::FeatureExtractor fx(src->sample_rate());
    std::vector<float> buf(4096);
    uint64_t total = 0;
    src->start();
    while (!src->finished()) {
      size_t want = buf.size();
      if (limit > 0) {
        const uint64_t left = uint64_t(limit * src->sample_rate()) -
                              std::min<uint64_t>(total, uint64_t(limit * src->sample_rate()));
        if (left == 0) break;
        want = std::min<size_t>(want, size_t(left));
      }
      const size_t n = src->read(buf.data(), want, std::chrono::milliseconds(100));
      if (n == 0) continue;
      fx.push(buf.data(), n, frames.data);
      if (!wav_path.empty()) analysed.insert(analysed.end(), buf.begin(), buf.begin() + long(n));
      total += n;
      if (live && !quiet) progress(double(total) / src->sample_rate(), limit);
    }
    src->stop();
    if (!src->realtime()) fx.finish(frames.data);
    if (live && !quiet && isatty(fileno(stderr))) std::fprintf(stderr, "\n");
    const auto st = src->stats();
    if (src->realtime() && !quiet && (st.frames_dropped > 0 || st.device_errors > 0)) {
      std::fprintf(stderr, "warning: %llu frames dropped in %llu overruns, %llu device over/underflows\n",
                   (unsigned long long)st.frames_dropped, (unsigned long long)st.overruns,
                   (unsigned long long)st.device_errors);
    }
    analysed_rate = src->sample_rate();
    frames.frames = int(frames.data.size() / audio::kAudioFeatureDim);
  }
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!wav_path.empty()) {
    audio::write_wav(wav_path, analysed, analysed_rate);
    if (!quiet)
      std::printf("wrote %s (%.1f s at %d Hz)\n", wav_path.c_str(), double(analysed.size()) / analysed_rate,
                  analysed_rate);
  }
  if (!out_path.empty()) {
    io::write_npy(out_path, {size_t(frames.frames), size_t(audio::kAudioFeatureDim)}, frames.data);
    if (!quiet) {
      const auto beats = audio::beats_from_frames(frames.data);
      const double seconds = frames.frames / audio::kFeatureFps;
      std::printf("wrote %s: %d frames x %d (%.1f s of audio in %.2f s), tempo %.1f BPM, %zu beats\n",
                  out_path.c_str(), frames.frames, audio::kAudioFeatureDim, seconds, took,
                  audio::median_tempo(frames.data, std::min(5.0, seconds / 2)), beats.size());
    }
  }
  return 0;
}

}  // namespace e2m::app
