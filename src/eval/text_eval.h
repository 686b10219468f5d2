// `e2m eval` for text2motion (DESIGN.md 6, after Guo et al. 2022): the real validation motions and the
// model's, judged by an evaluator and a content/style classifier trained on the real training data;
// plus the cue check (does a performer's cue give the intended action).
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "eval/fid.h"
#include "eval/learned.h"
#include "eval/retrieval.h"
#include "model/inference.h"
#include "train/data.h"

namespace e2m::eval {

struct TextEvalOptions {
  int max_frames = 200;  // motions are judged from their first frame, at most this long
  int pool_size = 32;    // R-precision pools (clipped to the distinct (content, style) pairs available)
  int pools = 50;
  int bootstrap = 200;
  uint64_t seed = 1;
  JudgeOptions judge;                                     // classifier and evaluator training
  std::filesystem::path classifier_file, evaluator_file;  // reused when trained on the same data
  bool retrain = false;
  int cue_seeds = 10;  // samples per cue (seeds 1..n)
  int cue_frames = 150;
  int multimodality_texts = 10, multimodality_samples = 10;
};

struct TextRow {
  std::string name, note;
  int motions = 0;
  RetrievalScores retrieval;
  Interval fid;               // evaluator embeddings against the training motions'
  double diversity = 0;       // mean pairwise embedding distance
  double multimodality = -1;  // mean pairwise distance of samples of one text; -1: not applicable
  double content_accuracy = -1, style_accuracy = -1;
};

struct CueCheck {
  std::string cue;
  std::vector<std::string> intended;  // content labels that count as right
  int hits = 0, samples = 0;
  std::map<std::string, int> predicted;  // content label -> samples
};

// A performer's cue and the content labels (Bandai) that carry it out.
struct Cue {
  std::string text;
  std::vector<std::string> contents;
};
const std::vector<Cue>& performer_cues();

struct TextReport {
  std::string dataset;
  std::vector<std::string> train_clips, validation_clips;
  int distinct_pairs = 0, pool_size = 0, pools = 0, frames = 0;
  std::vector<TextRow> rows;
  std::vector<std::string> contents, styles;                // the classifier's labels
  std::vector<std::string> unseen_contents, unseen_styles;  // validation labels no training clip has
  std::vector<CueCheck> cues;
  double sample_noise = 0;  // the model's sampling noise (0: every seed gives the same motion)
  bool has_model = false;
  motion::Clip sample;  // the model's first cue (or the first real validation motion), for the picture
  std::string sample_caption;
};

// model: nullptr evaluates the real data only.
TextReport evaluate_text(const train::TrainingData& data, model::TextToMotion* model,
                         const TextEvalOptions& opt, const StageProgress& progress = {});

}  // namespace e2m::eval
