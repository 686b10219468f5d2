// Model files (.e2mm, DESIGN.md 4.4): one versioned file per model with config, normalisation
// statistics, text vocabulary and weights.
//
// Layout (little-endian):
//   "E2MM"                     4 bytes magic
//   uint32 format version      kModelFileVersion
//   uint64 json length, JSON   {"kind", "config", "motion_norm": {"mean": [...], "std": [...]},
//                               "audio_norm": {...}, "text_vocab": <tokenizer-defined JSON>,
//                               "extra": <free JSON: training run info>, "tensors": {name: shape}}
//   uint64 blob length, blob   torch::serialize::OutputArchive of the module's parameters and
//                              buffers (flat names, '.' written as '/')
// Every problem (missing file, bad magic, newer version, truncation, wrong kind, a tensor missing
// or of another shape than the config builds) throws one e2m::Error naming the file.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/config.h"
#include "model/modules.h"

namespace e2m::model {

inline constexpr char kModelFileMagic[4] = {'E', '2', 'M', 'M'};
inline constexpr uint32_t kModelFileVersion = 1;

// Per-dimension statistics; empty vectors mean identity (mean 0, std 1).
struct Normalization {
  std::vector<float> mean;
  std::vector<float> std;

  bool empty() const { return mean.empty(); }
  // (dim) float tensors; identity when empty.
  torch::Tensor mean_tensor(int dim) const;
  torch::Tensor std_tensor(int dim) const;
  // x: (..., dim). std values below 1e-6 count as 1 (constant dimensions such as contacts at rest).
  torch::Tensor normalize(const torch::Tensor& x) const;
  torch::Tensor denormalize(const torch::Tensor& x) const;
  // Mean/std over rows of a (rows x dim) row-major array. `groups` are [begin, end) column ranges
  // of one kind (all 6D rotations, all joint velocities ...): a column's std is floored at
  // kGroupStdFloor times its group's mean std, so a near-constant column (a joint that hardly
  // moves) cannot dominate a normalised L2 loss with its noise. Columns outside every group are
  // only floored absolutely.
  static Normalization compute(const float* rows, int64_t count, int dim,
                               const std::vector<std::pair<int, int>>& groups = {});
  static constexpr float kGroupStdFloor = 0.1f;
};

// A Normalization's tensors built once, for per-chunk inference (Normalization::normalize builds
// them on every call). Identity when the statistics are empty.
struct NormalizationTensors {
  torch::Tensor mean, std;
  NormalizationTensors() = default;
  NormalizationTensors(const Normalization& n, int dim);
  torch::Tensor normalize(const torch::Tensor& x) const { return mean.defined() ? (x - mean) / std : x; }
  torch::Tensor denormalize(const torch::Tensor& x) const { return mean.defined() ? x * std + mean : x; }
};

struct ModelMeta {
  ModelConfig config;
  Normalization motion_norm;
  Normalization audio_norm;
  nlohmann::json text_vocab;  // owned by the tokenizer (text_tokenizer.h); null when none
  // Music: the raw feature row of a real pose from the training data that training, offline and
  // live all start their motion history from; empty in older files (then a standing mean pose).
  std::vector<float> start_frame;
  nlohmann::json extra;  // training run info (steps, dataset, losses); free-form
};

// A meta with only a config (benches and tests of untrained models).
inline ModelMeta bare_meta(const ModelConfig& config) {
  ModelMeta m;
  m.config = config;
  return m;
}

// Writes atomically (temp file + rename). The module must be the one built from meta.config.
void save_model(const std::filesystem::path& path, const ModelMeta& meta, const torch::nn::Module& module);

// Reads the header only (config, stats, vocabulary), validates magic / version / lengths.
ModelMeta read_model_meta(const std::filesystem::path& path);

// Loads the weights into `module`, which must have been built from the file's config; checks the
// kind, that every parameter/buffer is present with the same shape, and no extra tensors.
void load_weights(const std::filesystem::path& path, ModelKind expected_kind, torch::nn::Module& module);

// Convenience: read meta, build the module from its config, load weights; eval mode.
MotionVae load_vae(const std::filesystem::path& path, ModelMeta* meta = nullptr);
Text2Motion load_text2motion(const std::filesystem::path& path, ModelMeta* meta = nullptr);
Music2Dance load_music2dance(const std::filesystem::path& path, ModelMeta* meta = nullptr);

// Flat names of every parameter and buffer ("qa.latent_query", ...), as stored in the file.
std::vector<std::pair<std::string, torch::Tensor>> named_tensors(const torch::nn::Module& module);

}  // namespace e2m::model
