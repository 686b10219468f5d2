// Small learned judges trained on the real data (DESIGN.md 6): a motion classifier (content and style
// for Bandai, genre for Tang) and a text-motion evaluator (Guo et al. 2022's role, trained with a
// contrastive loss). Each is a few hundred thousand parameters, trained in a minute or two on a CPU
// and kept in a file (< 5 MB) so reports compare against the same judge.
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "train/data.h"

namespace e2m::eval {

// One real motion: raw 269-d feature rows (motion::encode_features), its labels (one per classifier
// head) and, for the evaluator, its captions and group (the (content, style) pair: clips of one
// group are never each other's negatives).
struct MotionSample {
  std::span<const float> feats;
  int frames = 0;
  std::vector<int> labels;
  std::vector<std::string> captions;
  int group = 0;
};

// The networks see the 269-d rows without the 4 foot-contact columns (Guo's evaluator drops them
// too: they are labels derived from the positions), normalised by the training set's statistics.
inline constexpr int kJudgeInputDim = 265;

struct JudgeOptions {
  int steps = 1500;
  int batch = 32;
  // Training windows: random start inside the clip, length drawn per batch from [min_frames,
  // max_frames]; a shorter clip is padded with its last frame (standing still after it ends).
  int min_frames = 60;
  int max_frames = 200;
  double lr = 1e-3;
  uint64_t seed = 1;
  double temperature = 0.1;  // evaluator: softmax temperature of the contrastive loss
};

using JudgeProgress = std::function<void(int step, int total, double loss)>;
// Long evaluation work reports here: stage name, units done, units in the stage.
using StageProgress = std::function<void(const std::string& stage, int done, int total)>;

struct JudgeNets;  // the LibTorch modules, hidden from the users of this header

class MotionClassifier {
 public:
  MotionClassifier();
  ~MotionClassifier();
  MotionClassifier(MotionClassifier&&) noexcept;
  MotionClassifier& operator=(MotionClassifier&&) noexcept;

  // heads: names ("content", "style"); labels[h]: the label names of head h. Samples of the rarer
  // labels of head 0 are drawn as often as the common ones (balanced batches).
  static MotionClassifier train(const std::vector<std::string>& heads,
                                const std::vector<std::vector<std::string>>& labels,
                                const std::vector<MotionSample>& data, const JudgeOptions& opt,
                                const JudgeProgress& progress = {});
  // Most likely label index per head for one motion (raw rows, any length >= 1).
  std::vector<int> predict(std::span<const float> feats, int frames) const;

  const std::vector<std::string>& heads() const { return heads_; }
  const std::vector<std::string>& labels(int head) const { return labels_[size_t(head)]; }
  int head(const std::string& name) const;  // -1 when absent
  bool trained() const { return static_cast<bool>(nets_); }

  // Free-form facts stored with the weights (what it was trained on, its validation accuracy).
  nlohmann::json info;
  void save(const std::filesystem::path& path) const;
  // Throws e2m::Error naming the file when it is not a classifier file.
  static MotionClassifier load(const std::filesystem::path& path);

 private:
  std::unique_ptr<JudgeNets> nets_;
  std::vector<std::string> heads_;
  std::vector<std::vector<std::string>> labels_;
};

class TextMotionEvaluator {
 public:
  TextMotionEvaluator();
  ~TextMotionEvaluator();
  TextMotionEvaluator(TextMotionEvaluator&&) noexcept;
  TextMotionEvaluator& operator=(TextMotionEvaluator&&) noexcept;

  // Motion and text encoders into one 128-d space (unit length), trained with a symmetric InfoNCE
  // loss (CLIP's) over the batch, pairs of one group excluded as negatives. The text tokenizer is the
  // project's BPE (model/text_tokenizer.h) learned from the training captions.
  static TextMotionEvaluator train(const std::vector<MotionSample>& data, const JudgeOptions& opt,
                                   const JudgeProgress& progress = {});
  std::vector<double> embed_motion(std::span<const float> feats, int frames) const;
  std::vector<double> embed_text(const std::string& text) const;
  bool trained() const { return static_cast<bool>(nets_); }

  nlohmann::json info;
  void save(const std::filesystem::path& path) const;
  static TextMotionEvaluator load(const std::filesystem::path& path);

 private:
  std::unique_ptr<JudgeNets> nets_;
};

// What a judge was trained on (clip names, lengths and splits, the options, its kind) as a short
// hash, stored in its file: a file whose fingerprint differs is retrained rather than trusted.
std::string judge_fingerprint(const train::TrainingData& data, const JudgeOptions& opt,
                              const std::string& kind);

// The judge in `file` when it exists, carries `fingerprint` and `retrain` is false; otherwise
// train() and, when a file is named, save it there.
template <class Judge, class TrainFn>
Judge cached_judge(const std::filesystem::path& file, const std::string& fingerprint, bool retrain,
                   TrainFn train) {
  if (!retrain && !file.empty() && std::filesystem::exists(file)) {
    Judge j = Judge::load(file);
    if (j.info.value("fingerprint", "") == fingerprint) return j;
  }
  Judge j = train();
  j.info["fingerprint"] = fingerprint;
  if (!file.empty()) j.save(file);
  return j;
}

}  // namespace e2m::eval
