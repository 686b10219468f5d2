// The learned judges on clearly separable synthetic motion: the classifier reaches high accuracy,
// the text evaluator retrieves the right caption, and both survive a save and load.
#include <torch/torch.h>  // before Catch: glog's CHECK must not replace Catch's

#include <random>

#include "eval/learned.h"
#include "eval/retrieval.h"
#include "motion/error.h"
#include "motion/features.h"
#include "test_support.h"

using namespace e2m::eval;

namespace {

constexpr int kDim = e2m::motion::kFeatureDim;

// Class c: noise plus a block of 12 columns at +1 starting at 12 c, moving with a class-specific
// rhythm, so the classes differ in pose and in motion.
std::vector<float> synthetic(int c, int frames, std::mt19937& rng) {
  std::normal_distribution<float> noise(0.0f, 0.3f);
  std::vector<float> f(static_cast<size_t>(frames) * kDim);
  for (int t = 0; t < frames; ++t)
    for (int k = 0; k < kDim; ++k) {
      float v = noise(rng);
      if (k >= 12 * c && k < 12 * c + 12) v += 1.0f + 0.5f * std::sin(0.2f * (c + 1) * t);
      f[static_cast<size_t>(t) * kDim + static_cast<size_t>(k)] = v;
    }
  return f;
}

struct Synthetic {
  std::vector<std::vector<float>> store;
  std::vector<MotionSample> samples;
};

Synthetic make_set(int per_class, uint32_t seed) {
  const std::vector<std::string> words = {"wave", "bow", "kick"};
  std::mt19937 rng(seed);
  Synthetic s;
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < per_class; ++i) s.store.push_back(synthetic(c, 40, rng));
  for (size_t i = 0; i < s.store.size(); ++i) {
    const int c = static_cast<int>(i) / per_class;
    s.samples.push_back({s.store[i], 40, {c}, {"a person does a " + words[size_t(c)], words[size_t(c)]}, c});
  }
  return s;
}

JudgeOptions fast_options() {
  JudgeOptions o;
  o.steps = 80;
  o.batch = 12;
  o.min_frames = 24;
  o.max_frames = 32;
  return o;
}

}  // namespace

TEST_CASE("the motion classifier separates clearly different synthetic classes", "[eval][learned]") {
  torch::set_num_threads(1);
  const Synthetic train = make_set(10, 1), test = make_set(10, 2);
  MotionClassifier cls = MotionClassifier::train({"kind"}, {{"a", "b", "c"}}, train.samples, fast_options());
  int hits = 0;
  for (const auto& s : test.samples) hits += cls.predict(s.feats, s.frames)[0] == s.labels[0] ? 1 : 0;
  CHECK(hits >= 27);  // of 30
  const e2m::test::TempDir dir("eval-classifier");
  cls.info["note"] = "synthetic";
  cls.save(dir.path() / "c.e2mj");
  const MotionClassifier back = MotionClassifier::load(dir.path() / "c.e2mj");
  CHECK(back.info["note"] == "synthetic");
  CHECK(back.labels(0) == std::vector<std::string>{"a", "b", "c"});
  CHECK(back.head("kind") == 0);
  for (const auto& s : test.samples) CHECK(back.predict(s.feats, s.frames) == cls.predict(s.feats, s.frames));
  CHECK_THROWS_AS(TextMotionEvaluator::load(dir.path() / "c.e2mj"), e2m::Error);  // a classifier file
}

TEST_CASE("the contrastive text evaluator ranks the right caption first", "[eval][learned]") {
  torch::set_num_threads(1);
  const Synthetic train = make_set(10, 3), test = make_set(4, 4);
  TextMotionEvaluator ev = TextMotionEvaluator::train(train.samples, fast_options());
  FeatureRows texts, motions;
  std::vector<int> groups;
  for (const auto& s : test.samples) {
    texts.push_back(ev.embed_text(s.captions[0]));
    motions.push_back(ev.embed_motion(s.feats, s.frames));
    groups.push_back(s.group);
  }
  const auto scores = retrieval_scores(texts, motions, distinct_group_pools(groups, 3, 20, 1));
  CHECK(scores.pool_size == 3);
  CHECK(scores.r_precision[0] >= 0.9);
  const e2m::test::TempDir dir("eval-evaluator");
  ev.save(dir.path() / "e.e2mj");
  const TextMotionEvaluator back = TextMotionEvaluator::load(dir.path() / "e.e2mj");
  CHECK(back.embed_text("bow") == ev.embed_text("bow"));
  CHECK(back.embed_motion(test.samples[0].feats, 40) == ev.embed_motion(test.samples[0].feats, 40));
}

TEST_CASE("a judge file that is missing or foreign is one clear error", "[eval][learned]") {
  const e2m::test::TempDir dir("eval-judge-errors");
  CHECK_THROWS_WITH(MotionClassifier::load(dir.path() / "none.e2mj"), Catch::Contains("file not found"));
  std::ofstream(dir.path() / "junk.e2mj") << "not a torch archive";
  CHECK_THROWS_WITH(MotionClassifier::load(dir.path() / "junk.e2mj"),
                    Catch::Contains("not an e2m classifier file"));
}
