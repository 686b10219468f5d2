// Small random-weight models for the live engine tests: the pipeline, not the dance, is under test.
// Include it before Catch (test_support.h): glog, which LibTorch brings in, defines CHECK as well.
#pragma once
#include <filesystem>

#include "audio/audio_file.h"
#include "audio/demo_track.h"
#include "audio/features.h"
#include "live/engine.h"
#include "model/inference.h"
#include "model/text_tokenizer.h"
#include "motion/features.h"
#include "motion/rotation.h"

namespace e2m::test {

inline model::ModelMeta live_test_meta(const model::ModelConfig& c) {
  model::ModelMeta meta;
  meta.config = c;
  auto rest = motion::encode_features(motion::Clip::rest(8));
  meta.motion_norm = model::Normalization::compute(rest.data(), 8, motion::kFeatureDim);
  for (auto& s : meta.motion_norm.std) s += 0.05f;
  meta.audio_norm.mean.assign(audio::kAudioFeatureDim, 0.25f);
  meta.audio_norm.std.assign(audio::kAudioFeatureDim, 2.0f);
  return meta;
}

inline void load_tiny_dance(model::MusicToDance& dance) {
  torch::manual_seed(11);
  const auto c = model::ModelConfig::tiny(model::ModelKind::Music2Dance);
  dance.set_model(model::Music2Dance(c), live_test_meta(c));
}

// Motion statistics of a pose with the left arm raised: a model with them moves nothing like one with
// the rest pose's, so a test can tell its motion in the stream.
inline model::Normalization raised_left_arm_norm() {
  motion::Clip raised = motion::Clip::rest(8);
  for (int t = 0; t < 8; ++t)
    raised.q(t, motion::kLeftShoulder) = motion::quat_from_axis_angle({0, 0, 1}, 1.2);
  const auto rows = motion::encode_features(raised);
  auto norm = model::Normalization::compute(rows.data(), 8, motion::kFeatureDim);
  for (auto& s : norm.std) s += 0.05f;
  return norm;
}

// Its motion statistics are the raised arm's, so its cues look nothing like the dance (whose
// statistics are the rest pose's): a test can tell a cue in the stream.
inline void load_tiny_text(model::TextToMotion& text) {
  torch::manual_seed(12);
  const auto c = model::ModelConfig::tiny(model::ModelKind::Text2Motion);
  auto meta = live_test_meta(c);
  meta.motion_norm = raised_left_arm_norm();
  meta.text_vocab =
      model::TextTokenizer::train({"a person waves", "wave", "bow", "a person bows"}, 40).to_json();
  text.set_model(model::Text2Motion(c), meta);
}

// Engine options that play a demo track of `seconds` (written into `dir`) in real time, with cues of
// 30 frames.
inline live::EngineOptions demo_track_options(const std::filesystem::path& dir, double seconds) {
  const auto wav = dir / "demo.wav";
  audio::write_wav(wav, audio::demo_track(44100, seconds), 44100);
  live::EngineOptions opt;
  opt.input = "file:" + wav.string();
  opt.cue_frames = 30;
  return opt;
}

}  // namespace e2m::test
