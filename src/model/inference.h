// The inference API everything else uses: text -> clip, music features + previous motion -> next
// chunk. Loads a model file, warms up at load (one dummy forward) so the first real call is not
// slow, runs under torch::InferenceMode and keeps no growing state (memory is flat over calls).
// One object per thread: calls on one object must not overlap.
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "audio/features.h"
#include "model/config.h"
#include "model/frame_cache.h"
#include "model/model_file.h"
#include "model/modules.h"
#include "motion/clip.h"

namespace e2m::model {

// Turns a sentence into the adapter's input: token ids (own encoder) or CLIP token features,
// batch of 1. Built by the tokenizer code from the model file's vocabulary and config.
using TextFrontend = std::function<TextInput(const std::string& text)>;

// CPU runtime settings every entry point (training, inference, bench) applies once:
// - LibTorch 1.13's oneDNN (MKLDNN) CPU kernels gave run-to-run different results in training here
//   (same seed and inputs, one thread), with occasional inf gradients and NaN losses in music2dance;
//   the native kernels are deterministic.
// - glibc serves blocks above its mmap threshold (128 KiB to start) with fresh mmap'd pages and
//   hands them back on free, so every tensor of a few hundred KiB (a 256 x 256 attention map is
//   1 MiB) paid ~256 page faults per call: the music2dance latent encoder ran 5x slower than its
//   arithmetic. Freed memory now stays in the heap for reuse (threshold 32 MiB, trim 256 MiB).
void configure_cpu_runtime();

class TextToMotion {
 public:
  // threads <= 0 keeps torch's current setting. Throws e2m::Error for a missing/bad file.
  void load(const std::filesystem::path& path, int threads = 0);
  // Use a model already in memory (tests, bench); it is put in eval mode.
  void set_model(Text2Motion model, ModelMeta meta);
  // Required before generate(text): the tokenizer / text encoder for this model.
  void set_frontend(TextFrontend frontend) { frontend_ = std::move(frontend); }
  bool loaded() const { return static_cast<bool>(model_); }

  // frames in [1, text.max_frames]. seed != 0 adds text.sample_noise Gaussian noise to the latent
  // (seed 0: deterministic). A typed cue ("wave your right hand") is put in the captions' form first
  // (cue_caption.h); a sentence with its subject is encoded as it is.
  motion::Clip generate(const std::string& text, int frames, uint64_t seed = 0);
  motion::Clip generate(const TextInput& input, int frames, uint64_t seed = 0);
  // Raw (denormalised) features, frames x 269 row-major.
  std::vector<float> generate_features(const TextInput& input, int frames, uint64_t seed = 0);

  const ModelMeta& meta() const { return meta_; }
  int64_t parameter_count() const;

 private:
  void warm_up();
  Text2Motion model_{nullptr};
  ModelMeta meta_;
  TextFrontend frontend_;
};

class MusicToDance {
 public:
  void load(const std::filesystem::path& path, int threads = 0);
  void set_model(Music2Dance model, ModelMeta meta);
  bool loaded() const { return static_cast<bool>(model_); }

  int chunk_frames() const { return meta_.config.music.chunk_frames; }
  int audio_window() const { return meta_.config.music.audio_window; }
  int motion_window() const { return meta_.config.music.motion_window; }
  const std::vector<std::string>& genres() const { return meta_.config.music.genres; }

  // Select the genre (throws e2m::Error for an unknown one) and the starting pose: the last
  // motion_window frames of `initial` (start_features when null; a short one is padded at the front
  // with its first frame, as training pads its windows).
  // Resets the internal history used by next_chunk(audio) and dance().
  void reset(const std::string& genre, const motion::Clip* initial = nullptr);

  // One chunk. audio_feats: audio_window x 39 raw feature rows ending at "now"; prev_motion:
  // motion_window x 269 raw feature rows of what was actually played, ending at "now".
  // Returns chunk_frames x 269 raw features for the frames after "now".
  std::vector<float> next_chunk(const float* audio_feats, const float* prev_motion);
  // Same, writing into out (chunk_frames x 269).
  void next_chunk(const float* audio_feats, const float* prev_motion, float* out);
  // The live engine's call: sized spans, checked in one place (e2m::Error naming the argument and the
  // size expected), so a caller's wrong buffer is an error, not an out-of-bounds read.
  void next_chunk(std::span<const float> audio_feats, std::span<const float> prev_motion,
                  std::span<float> out);
  // Change the genre mid-show without touching the motion history (the dance goes on).
  void set_genre(const std::string& genre);
  // Same, with the model's own output as previous motion (internal fixed-size history).
  std::vector<float> next_chunk(const float* audio_feats);

  // Offline: the whole feature sequence, chunk after chunk with the same causal model (audio
  // before the first frame is taken as the first frame repeated). Returns frames == feats.frames.
  motion::Clip dance(const audio::FeatureFrames& feats, const std::string& genre,
                     const motion::Clip* initial = nullptr);
  std::vector<float> dance_features(const audio::FeatureFrames& feats, const std::string& genre,
                                    const motion::Clip* initial = nullptr);

  // The first motion history when none is given: the model file's start frame (a real pose from
  // the training data, standing still, as training pads before a clip's first frame); in older
  // files without one, the training data's mean frame standing still
  // (never a T-pose), `frames` times.
  std::vector<float> start_features(int frames) const;

  const ModelMeta& meta() const { return meta_; }
  int64_t parameter_count() const;
  // Streaming models: feature frames the adapters computed so far (each once; a window that is not
  // the previous one shifted is computed whole).
  int64_t audio_frames_computed() const { return audio_cache_.computed(); }
  int64_t motion_frames_computed() const { return motion_cache_.computed(); }

 private:
  // The network's halves from raw rows, through the frame caches when the model streams.
  torch::Tensor encoded_audio(const float* audio_feats);
  torch::Tensor output_query(const float* prev_motion);
  void push_history(const float* chunk);  // append chunk_frames rows to the motion history
  // Offline: the audio windows (count, audio_window, 39) of chunks first .. first + count - 1.
  torch::Tensor audio_windows(const audio::FeatureFrames& feats, int first, int count) const;
  static constexpr int kEncodeSlice = 32;  // chunks encoded per batch offline (bounds memory)
  void warm_up();
  Music2Dance model_{nullptr};
  ModelMeta meta_;
  torch::Tensor genre_;         // (1, genres)
  std::vector<float> history_;  // motion_window x 269 raw rows
  FrameCache audio_cache_, motion_cache_;
  NormalizationTensors audio_norm_, motion_norm_;  // meta_'s, built once
};

// Raw features of `frames` frames of the rest pose (the default starting motion).
std::vector<float> rest_features(int frames);

}  // namespace e2m::model
