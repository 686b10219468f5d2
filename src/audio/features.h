// The 39-d audio feature frame at 30 fps (DESIGN.md 4.2): one definition for training and live.
#pragma once
#include <array>
#include <filesystem>
#include <string_view>
#include <utility>
#include <vector>

namespace e2m::audio {

inline constexpr int kAudioFeatureDim = 39;  // DESIGN.md 4.2
inline constexpr double kFeatureFps = 30.0;

// Column layout of a feature frame; feature_names() names every column in this order.
inline constexpr int kFeatOnsetEnv = 0;    // onset novelty envelope (1)
inline constexpr int kFeatMfcc = 1;        // MFCC 0..19 (20)
inline constexpr int kFeatChroma = 21;     // chroma C..B (12), normalised to max 1
inline constexpr int kFeatOnsetPeak = 33;  // 1 when an onset peak falls in this frame
inline constexpr int kFeatBeat = 34;       // 1 when the beat clock ticks in this frame
inline constexpr int kFeatTempo = 35;      // tempo in BPM (0 until known)
inline constexpr int kFeatBeatConf = 36;   // beat clock confidence [0,1]
inline constexpr int kFeatBeatPhase = 37;  // beat phase [0,1)
inline constexpr int kFeatNextBeat = 38;   // seconds to the next predicted beat
// Columns of one kind, for the per-group std floor of the normalisation (MFCC, chroma; the single
// columns stand alone).
inline constexpr std::pair<int, int> kAudioFeatureGroups[] = {{kFeatMfcc, kFeatChroma},
                                                              {kFeatChroma, kFeatOnsetPeak}};

const std::array<std::string_view, kAudioFeatureDim>& feature_names();

struct FeatureFrames {
  int frames = 0;
  std::vector<float> data;  // frames x kAudioFeatureDim, row-major
};

// Offline pass over an audio file (any format libsndfile reads, resampled to the analysis rate):
// frame k describes time start_s + k/30 s. duration_s < 0 reads to the end. The pass is the causal
// streaming extractor fed the whole file, so its frames equal what the live path computes.
FeatureFrames extract_features_file(const std::filesystem::path& audio, double start_s = 0,
                                    double duration_s = -1);

// The same pass over samples in memory (any rate). beat_times, when given, receives the clock's exact
// beat times in seconds from the first sample (the beat column only says which frame a beat fell in).
FeatureFrames extract_features(const std::vector<float>& mono, int sample_rate,
                               std::vector<double>* beat_times = nullptr);

}  // namespace e2m::audio
