// The three training loops (`e2m train vae|text2motion|music2dance`): dataset caches in, a model
// file out, with deterministic seeds, checkpoints and resume, validation loss, CSV log and PNG plot.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "model/config.h"
#include "train/data.h"

namespace e2m::train {

struct TrainOptions {
  model::ModelKind kind = model::ModelKind::Vae;
  std::vector<std::filesystem::path> datasets;  // dataset caches written by `e2m import`
  std::filesystem::path out;                    // the final model file
  // Checkpoint, log.csv and loss.png; empty: "<out without extension>.run" beside the model file.
  std::filesystem::path run_dir;
  model::ModelConfig config;  // sizes; its kind is set from `kind`
  // Pretrained VAE model file: its decoder becomes the generator's decoder (fine-tuned jointly) and
  // its motion statistics are kept, so the decoder sees the space it was trained in. Recommended
  // for text2motion and music2dance; without it the decoder is trained from scratch.
  std::filesystem::path vae;
  // Fine-tuning: start from this model file's weights, statistics and vocabulary (same kind and
  // sizes as `config`), with `config`'s loss weights and a fresh optimiser, schedule and step count.
  std::filesystem::path init;

  int64_t steps = 2000;
  int batch = 32;
  int window = 64;  // frames per VAE training window (multiple of 8); text2motion trains on text.max_frames
  double lr = 3e-4;
  double weight_decay = 0.01;
  double grad_clip = 1.0;
  int64_t warmup = 100;           // linear warm-up steps, then cosine decay to lr / 10
  double decoder_lr_scale = 0.5;  // the pretrained decoder moves slower than the new parts
  double text_dropout = 0.1;      // BPE-dropout on captions (typo robustness)
  // text2motion: fraction of training windows captioned with a short cue form of their caption
  // ("wave", "wave your right hand"; model/cue_caption.h) instead of the sentence. Validation keeps the
  // sentences.
  double cue_rate = 0.5;
  // music: the fraction of steps trained on the model's own rollout (DESIGN.md 4.3): the last chunk
  // of the motion history is the model's own output from one chunk earlier, not the real dance.
  double rollout = 0.5;
  // music: how many of the history's last chunks the model plays itself on a rollout step (1 to
  // motion_window / chunk_frames), one after the other from the real history before them.
  int rollout_chunks = 1;
  // music: the fraction of the other steps' windows whose history is its last frame held still
  // (velocities zeroed): the music and the genre, not the motion so far, must carry the dance on.
  double hold_history = 0.0;
  uint64_t seed = 1;
  int threads = 0;              // torch CPU threads; <= 0 keeps the default
  std::string device = "auto";  // "cpu", "cuda" or "auto" (CUDA when available)
  int64_t checkpoint_every = 500;
  int64_t val_every = 100;
  int64_t log_every = 10;
  int val_batches = 4;  // fixed validation windows: val_batches x batch
  bool resume = false;  // continue from run_dir's checkpoint when there is one
  int64_t stop_at = 0;  // > 0: stop after this step as if interrupted (a checkpoint is written)
  bool progress = true;

  // Data-parallel runs (distributed.h, DESIGN.md 7): `batch` is per rank, so the global batch is
  // batch x world_size. Unset fields (0, -1, empty) come from torchrun's environment variables
  // WORLD_SIZE, RANK, MASTER_ADDR and MASTER_PORT, else 1, 0, 127.0.0.1 and 29500.
  int world_size = 0;
  int rank = -1;
  std::string master_addr;
  int master_port = 0;
  double dist_timeout_s = 60;  // bounds the rendezvous and every collective wait
};

struct TrainResult {
  int64_t start_step = 0;  // > 0 when resumed
  int64_t end_step = 0;
  double first_loss = 0;  // train loss of this run's first step
  double last_loss = 0;   // mean train loss over its last log interval
  std::optional<double> first_val, last_val;
  std::filesystem::path model, checkpoint, log, plot;  // written by rank 0 only
  int rank = 0, world_size = 1;
};

TrainResult run_training(const TrainOptions& options);

// Where run_training keeps its checkpoint/log/plot for these options.
std::filesystem::path run_directory(const TrainOptions& options);

// VAE reconstruction of held-out windows against the mean-pose baseline (the per-dimension train
// mean, i.e. 0 in normalised space): mean squared error of normalised features, and mean joint
// position error (metres, FK of the raw features in each frame's heading frame).
struct ReconstructionScore {
  int windows = 0;
  double vae_feature_mse = 0, mean_feature_mse = 0;
  double vae_position_m = 0, mean_position_m = 0;
};
ReconstructionScore vae_reconstruction(const std::filesystem::path& vae_model, const TrainingData& data,
                                       io::Split split, int windows, int frames, uint64_t seed = 1);

}  // namespace e2m::train
