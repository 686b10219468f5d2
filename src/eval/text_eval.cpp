// Text2motion evaluation: retrieval, FID and classifier accuracy for real and generated motion, and
// the cue check; see text_eval.h.
#include "eval/text_eval.h"

#include <algorithm>
#include <random>
#include <set>

#include "eval/motion_quality.h"
#include "motion/error.h"
#include "motion/features.h"

namespace e2m::eval {
namespace {

constexpr int kMotionDim = motion::kFeatureDim;

// One motion to judge: raw rows from its first frame, the caption it is paired with, its labels.
struct Item {
  std::vector<float> feats;
  int frames = 0;
  std::string caption;
  int content = -1, style = -1, group = -1;
};

int index_of(const std::vector<std::string>& list, const std::string& s) {
  const auto it = std::find(list.begin(), list.end(), s);
  return it == list.end() ? -1 : static_cast<int>(it - list.begin());
}

struct Judges {
  MotionClassifier classifier;
  TextMotionEvaluator evaluator;
};

Judges train_judges(const train::TrainingData& data, const TextReport& report, const TextEvalOptions& opt,
                    const StageProgress& progress) {
  std::vector<MotionSample> samples;
  std::vector<std::string> pairs;
  for (const auto& c : data.clips()) {
    if (c.split != io::Split::Train) continue;
    const std::string pair = c.content + "/" + c.style;
    if (index_of(pairs, pair) < 0) pairs.push_back(pair);
    samples.push_back({c.motion,
                       c.frames,
                       {index_of(report.contents, c.content), index_of(report.styles, c.style)},
                       c.captions,
                       index_of(pairs, pair)});
  }
  if (samples.empty()) throw Error("text eval: no training clip with captions");
  Judges j;
  j.classifier = cached_judge<MotionClassifier>(
      opt.classifier_file, judge_fingerprint(data, opt.judge, "content-style"), opt.retrain, [&] {
        return MotionClassifier::train({"content", "style"}, {report.contents, report.styles}, samples,
                                       opt.judge, [&](int s, int n, double) {
                                         if (progress)
                                           progress("training the content/style classifier", s, n);
                                       });
      });
  j.evaluator = cached_judge<TextMotionEvaluator>(
      opt.evaluator_file, judge_fingerprint(data, opt.judge, "text-evaluator"), opt.retrain, [&] {
        return TextMotionEvaluator::train(samples, opt.judge, [&](int s, int n, double) {
          if (progress) progress("training the text evaluator", s, n);
        });
      });
  return j;
}

// Labels, splits and the validation items (first caption of each clip, the first frames).
std::vector<Item> collect(const train::TrainingData& data, const TextEvalOptions& opt, TextReport& report,
                          std::vector<Item>& train_items) {
  std::set<std::string> contents, styles, train_contents, train_styles;
  for (const auto& c : data.clips()) {
    contents.insert(c.content);
    styles.insert(c.style);
    if (c.split == io::Split::Train) train_contents.insert(c.content), train_styles.insert(c.style);
  }
  report.contents.assign(contents.begin(), contents.end());
  report.styles.assign(styles.begin(), styles.end());
  std::vector<Item> val;
  std::vector<std::string> pairs;
  for (const auto& c : data.clips()) {
    const int frames = std::min(c.frames, opt.max_frames);
    Item it{{c.motion.begin(), c.motion.begin() + static_cast<std::ptrdiff_t>(frames) * kMotionDim},
            frames,
            c.captions.empty() ? std::string() : c.captions.front(),
            index_of(report.contents, c.content),
            index_of(report.styles, c.style),
            -1};
    if (c.split == io::Split::Train) {
      report.train_clips.push_back(c.name);
      train_items.push_back(std::move(it));
      continue;
    }
    const std::string pair = c.content + "/" + c.style;
    if (index_of(pairs, pair) < 0) pairs.push_back(pair);
    it.group = index_of(pairs, pair);
    report.validation_clips.push_back(c.name);
    if (!train_contents.count(c.content) && index_of(report.unseen_contents, c.content) < 0)
      report.unseen_contents.push_back(c.content);
    if (!train_styles.count(c.style) && index_of(report.unseen_styles, c.style) < 0)
      report.unseen_styles.push_back(c.style);
    val.push_back(std::move(it));
  }
  report.distinct_pairs = static_cast<int>(pairs.size());
  if (val.size() < 2) throw Error("text eval: fewer than 2 validation clips with captions");
  return val;
}

FeatureRows motion_embeddings(const TextMotionEvaluator& ev, const std::vector<Item>& items) {
  FeatureRows out;
  for (const auto& it : items) out.push_back(ev.embed_motion(it.feats, it.frames));
  return out;
}

TextRow score(const std::string& name, const std::string& note, const std::vector<Item>& items,
              const FeatureRows& texts, const FeatureRows& reference,
              const std::vector<std::vector<int>>& pools, const Judges& j, const TextEvalOptions& opt) {
  TextRow row;
  row.name = name;
  row.note = note;
  row.motions = static_cast<int>(items.size());
  const FeatureRows m = motion_embeddings(j.evaluator, items);
  row.retrieval = retrieval_scores(texts, m, pools);
  row.fid = frechet_bootstrap(m, reference, opt.bootstrap, opt.seed);
  row.diversity = mean_pairwise_distance(m);
  Count content, style;
  for (const auto& it : items) {
    const auto pred = j.classifier.predict(it.feats, it.frames);
    content += Count{pred[0] == it.content ? 1 : 0, 1};
    style += Count{pred[1] == it.style ? 1 : 0, 1};
  }
  row.content_accuracy = content.ratio();
  row.style_accuracy = style.ratio();
  return row;
}

// The motion as played: generated, decoded to rotations and root, encoded again.
Item generated(model::TextToMotion& m, const std::string& text, int frames, uint64_t seed) {
  const motion::Clip clip = m.generate(text, frames, seed);
  return {motion::encode_features(clip), clip.frames(), text, -1, -1, -1};
}

double multimodality(model::TextToMotion& m, const std::vector<Item>& val, const Judges& j,
                     const TextEvalOptions& opt) {
  std::vector<double> per_text;
  const int texts = std::min(opt.multimodality_texts, static_cast<int>(val.size()));
  for (int i = 0; i < texts; ++i) {
    FeatureRows samples;
    for (int s = 1; s <= opt.multimodality_samples; ++s) {
      const Item g = generated(m, val[size_t(i)].caption, val[size_t(i)].frames, static_cast<uint64_t>(s));
      samples.push_back(j.evaluator.embed_motion(g.feats, g.frames));
    }
    per_text.push_back(mean_pairwise_distance(samples));
  }
  double sum = 0;
  for (double x : per_text) sum += x;
  return per_text.empty() ? 0.0 : sum / static_cast<double>(per_text.size());
}

void cue_check(model::TextToMotion& m, const Judges& j, const TextEvalOptions& opt, TextReport& report,
               const StageProgress& progress) {
  const auto& cues = performer_cues();
  const int frames = std::min(opt.cue_frames, m.meta().config.text.max_frames);
  const int total = static_cast<int>(cues.size()) * opt.cue_seeds;
  int done = 0;
  for (const auto& cue : cues) {
    CueCheck c{cue.text, cue.contents, 0, 0, {}};
    for (int s = 1; s <= opt.cue_seeds; ++s) {
      if (progress) progress("cue check", done++, total);
      const Item g = generated(m, cue.text, frames, static_cast<uint64_t>(s));
      const std::string label = report.contents[size_t(j.classifier.predict(g.feats, g.frames)[0])];
      ++c.predicted[label];
      ++c.samples;
      if (std::find(cue.contents.begin(), cue.contents.end(), label) != cue.contents.end()) ++c.hits;
      if (report.sample.frames() == 0) {
        report.sample = m.generate(cue.text, frames, static_cast<uint64_t>(s));
        report.sample_caption = cue.text;
      }
    }
    report.cues.push_back(std::move(c));
  }
  if (progress) progress("cue check", total, total);
}

void model_row(model::TextToMotion& m, const std::vector<Item>& val, const FeatureRows& texts,
               const FeatureRows& reference, const std::vector<std::vector<int>>& pools, const Judges& j,
               const TextEvalOptions& opt, TextReport& report, const StageProgress& progress) {
  std::vector<Item> gen;
  const int cap = m.meta().config.text.max_frames;
  for (size_t i = 0; i < val.size(); ++i) {
    if (progress)
      progress("generating from the validation captions", static_cast<int>(i), static_cast<int>(val.size()));
    Item g = generated(m, val[i].caption, std::min(val[i].frames, cap), 0);
    g.content = val[i].content;
    g.style = val[i].style;
    gen.push_back(std::move(g));
  }
  if (progress) progress("scoring the model motion", 0, 1);
  TextRow row =
      score("model", "one motion per validation caption, seed 0", gen, texts, reference, pools, j, opt);
  row.multimodality = multimodality(m, val, j, opt);
  report.rows.push_back(std::move(row));
}

}  // namespace

const std::vector<Cue>& performer_cues() {
  // The content labels of Bandai (dataset-1 and dataset-2) that carry out each cue; typos keep their
  // word's labels.
  static const std::vector<Cue> kCues = {
      {"wave", {"wave-both-hands", "wave-left-hand", "wave-right-hand"}},
      {"wave your right hand", {"wave-right-hand"}},
      {"bow", {"bow"}},
      {"raise both hands", {"raise-up-both-hands"}},
      {"say bye", {"bye", "byebye"}},
      {"punch", {"punch"}},
      {"kick", {"kick"}},
      {"walk forward", {"walk"}},
      {"run", {"run", "dash"}},
      {"turn left", {"walk-turn-left", "walk-left"}},
      {"wavve", {"wave-both-hands", "wave-left-hand", "wave-right-hand"}},
      {"bwo", {"bow"}},
  };
  return kCues;
}

TextReport evaluate_text(const train::TrainingData& data, model::TextToMotion* model,
                         const TextEvalOptions& opt, const StageProgress& progress) {
  TextReport report;
  report.has_model = model != nullptr;
  report.frames = opt.max_frames;
  std::vector<Item> train_items;
  const std::vector<Item> val = collect(data, opt, report, train_items);
  const Judges j = train_judges(data, report, opt, progress);
  if (progress) progress("scoring the real motion", 0, 1);
  FeatureRows texts;
  std::vector<int> groups;
  for (const auto& it : val) {
    texts.push_back(j.evaluator.embed_text(it.caption));
    groups.push_back(it.group);
  }
  const FeatureRows reference = motion_embeddings(j.evaluator, train_items);
  const auto pools = distinct_group_pools(groups, opt.pool_size, opt.pools, opt.seed);
  report.pool_size = pools.empty() ? 0 : static_cast<int>(pools.front().size());
  report.pools = static_cast<int>(pools.size());
  report.rows.push_back(score("real validation motion", "the recorded clips of the validation captions", val,
                              texts, reference, pools, j, opt));
  report.sample = motion::decode_features(val.front().feats.data(), val.front().frames);
  report.sample_caption = val.front().caption;
  if (model) {
    report.sample_noise = model->meta().config.text.sample_noise;
    report.sample = {};
    cue_check(*model, j, opt, report, progress);
    model_row(*model, val, texts, reference, pools, j, opt, report, progress);
  }
  return report;
}

}  // namespace e2m::eval
