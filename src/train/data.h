// Training data: dataset-cache clips as normalised 269-d feature sequences (plus captions or audio
// features) and the random fixed-length windows the training loops batch.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "io/dataset_cache.h"
#include "model/model_file.h"

namespace e2m::train {

struct ClipData {
  std::string name;
  io::Split split = io::Split::Train;
  int frames = 0;
  std::vector<float> motion;          // frames x 269 raw features (motion::encode_features)
  std::vector<std::string> captions;  // text2motion
  std::vector<std::string> cues;      // the captions' short cue forms (model/cue_caption.h)
  std::string content, style;         // action and style labels where known (Bandai)
  std::string genre;                  // music2dance
  std::vector<float> audio;           // frames x 39 raw audio features aligned with motion frames
};

struct DataOptions {
  bool need_captions = false;  // keep only clips with captions
  bool need_audio = false;     // keep only clips with audio; extract audio features
  int min_frames = 8;          // shorter clips are dropped
  // Audio features are slow to compute: they are cached next to the dataset cache in
  // <cache>.audio/<clip>.f32 (a side file per clip, rebuilt when missing or of another size).
  bool cache_audio = true;
};

class TrainingData {
 public:
  // Loads every dataset cache and encodes the features. Throws e2m::Error when nothing usable is left.
  static TrainingData load(const std::vector<std::filesystem::path>& caches, const DataOptions& opt);
  static TrainingData from_datasets(const std::vector<io::Dataset>& datasets, const DataOptions& opt,
                                    const std::vector<std::filesystem::path>& audio_cache_dirs = {});

  const std::vector<ClipData>& clips() const { return clips_; }
  std::vector<int> indices(io::Split split) const;  // clips of one split
  std::vector<std::string> train_captions() const;

  // Per-dimension statistics over all train-split frames (validation clips too when there are
  // no train clips).
  model::Normalization motion_stats() const;
  model::Normalization audio_stats() const;
  // The first motion history a music model starts from when nothing was played yet: the first
  // frame of the first training clip, a real pose (never a T-pose or a mean frame).
  std::vector<float> start_frame() const;

 private:
  std::vector<ClipData> clips_;
};

// One batch, already normalised, on the CPU.
struct Batch {
  torch::Tensor motion;       // (B, T, 269) target window (music: the chunk after "now")
  torch::Tensor prev_motion;  // music: (B, motion_window, 269) frames up to "now"
  torch::Tensor audio;        // music: (B, audio_window, 39) frames up to "now"
  torch::Tensor genre;        // music: (B, genres) one-hot
  torch::Tensor beats;        // music: (B, chunk) 1 at the chunk's frames where the beat clock ticks
  // music, rollout over K chunks: the real motion history K chunks earlier (motion_window frames
  // ending at "now" - K x chunk) and the audio of the K steps from there (audio_window + (K - 1) x
  // chunk frames ending at "now" - chunk). The model makes those K chunks one after the other, and
  // they stand in for the last K chunks of prev_motion.
  torch::Tensor early_audio, early_prev_motion;
  std::vector<std::string> captions;  // text: one caption per row
};

// Samples windows from a fixed set of clips. Windows shorter clips cannot fill are taken from the
// clip's start and padded by repeating its last frame.
class WindowSampler {
 public:
  WindowSampler(const TrainingData& data, std::vector<int> clip_indices, model::Normalization motion_norm,
                model::Normalization audio_norm = {});

  // VAE / text2motion: `batch` random windows of `frames` frames (and a random caption each).
  // from_start: every window starts at its clip's first frame, as text2motion generates from
  // query 0 at the start of the action.
  Batch motion_windows(int batch, int frames, std::mt19937& rng, bool from_start = false) const;
  // music2dance: "now" t random; audio_window and motion_window frames up to t, chunk after it.
  // early_chunks K > 0: also the windows K chunks earlier (Batch::early_*), for rollout training.
  Batch music_windows(int batch, const model::ModelConfig& config, std::mt19937& rng,
                      int early_chunks = 0) const;

  bool empty() const { return clips_.empty(); }
  // text2motion: the fraction of windows whose caption is one of the clip's short cue forms
  // ("wave your right hand") instead of its sentence. 0 (the default) draws no extra random numbers.
  void set_cue_rate(double rate) { cue_rate_ = rate; }
  // music2dance: the fraction of windows (without rollout) whose motion history is its last frame
  // held still (velocities zeroed), so the music and the genre, not the motion so far, have to say
  // how the dance goes on. 0 (the default) draws no extra random numbers.
  void set_hold_history(double rate) { hold_history_ = rate; }

 private:
  const std::string& pick_caption(const ClipData& c, std::mt19937& rng) const;
  const TrainingData* data_;
  std::vector<int> clips_;
  // Sampling weight per clip: its length over the total length of its group (content and style,
  // else genre), so every group is drawn equally often whatever its clips' lengths, and within a
  // group every frame equally often.
  std::vector<double> weights_;
  model::Normalization motion_norm_, audio_norm_;
  double cue_rate_ = 0;
  double hold_history_ = 0;
};

}  // namespace e2m::train
