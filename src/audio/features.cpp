// The feature names table and the offline pass (the streaming extractor fed a whole file).
#include "audio/features.h"

#include "audio/audio_file.h"
#include "audio/feature_extractor.h"

namespace e2m::audio {

const std::array<std::string_view, kAudioFeatureDim>& feature_names() {
  static const std::array<std::string_view, kAudioFeatureDim> names = {
      "onset_env", "mfcc_0",          "mfcc_1",     "mfcc_2",      "mfcc_3",   "mfcc_4",     "mfcc_5",
      "mfcc_6",    "mfcc_7",          "mfcc_8",     "mfcc_9",      "mfcc_10",  "mfcc_11",    "mfcc_12",
      "mfcc_13",   "mfcc_14",         "mfcc_15",    "mfcc_16",     "mfcc_17",  "mfcc_18",    "mfcc_19",
      "chroma_C",  "chroma_Cs",       "chroma_D",   "chroma_Ds",   "chroma_E", "chroma_F",   "chroma_Fs",
      "chroma_G",  "chroma_Gs",       "chroma_A",   "chroma_As",   "chroma_B", "onset_peak", "beat",
      "tempo_bpm", "beat_confidence", "beat_phase", "next_beat_s",
  };
  return names;
}

FeatureFrames extract_features_file(const std::filesystem::path& audio, double start_s, double duration_s) {
  const MonoAudio in = read_audio_file(audio, start_s, duration_s);
  return extract_features(in.samples, in.sample_rate);
}

FeatureFrames extract_features(const std::vector<float>& mono, int sample_rate,
                               std::vector<double>* beat_times) {
  FeatureExtractor fx(sample_rate);
  fx.record_beats(beat_times != nullptr);
  FeatureFrames out;
  out.data.reserve(size_t(double(mono.size()) / sample_rate * kFeatureFps + 2) * kAudioFeatureDim);
  fx.push(mono.data(), mono.size(), out.data);
  fx.finish(out.data);
  out.frames = int(out.data.size() / kAudioFeatureDim);
  if (beat_times) *beat_times = fx.beat_times();
  return out;
}

}  // namespace e2m::audio
