// The motion classifier and the text-motion evaluator: small conv / embedding networks, their
// training loops and their files; see learned.h.
#include "eval/learned.h"

#include <torch/torch.h>

#include <algorithm>
#include <map>
#include <numbers>
#include <random>

#include "eval/one_thread.h"
#include "model/text_tokenizer.h"
#include "motion/error.h"
#include "motion/features.h"

namespace e2m::eval {
namespace {

constexpr int kHidden = 128;
constexpr int kEmbed = 128;
constexpr int kMaxTokens = 32;
constexpr int kVocab = 600;
constexpr int kMinInputFrames = 8;  // the encoder's two stride-2 convolutions need a few frames
constexpr float kStdFloor = 0.05f;  // m, m/s, 6D units: a near-constant column must not dominate
constexpr double kInputNoise = 0.05;
constexpr int kFileVersion = 1;

// Conv encoder over time, mean-pooled: any length in, one vector out. (B, T, 265) -> (B, out).
class MotionEncoderImpl : public torch::nn::Module {
 public:
  explicit MotionEncoderImpl(int out_dim) {
    using torch::nn::Conv1dOptions;
    conv1_ = register_module(
        "conv1", torch::nn::Conv1d(Conv1dOptions(kJudgeInputDim, kHidden, 4).stride(2).padding(1)));
    conv2_ =
        register_module("conv2", torch::nn::Conv1d(Conv1dOptions(kHidden, kHidden, 4).stride(2).padding(1)));
    conv3_ = register_module("conv3", torch::nn::Conv1d(Conv1dOptions(kHidden, kHidden, 3).padding(1)));
    out_ = register_module("out", torch::nn::Linear(kHidden, out_dim));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    auto h = x.transpose(1, 2);
    h = torch::leaky_relu(conv1_(h), 0.2);
    h = torch::leaky_relu(conv2_(h), 0.2);
    h = torch::leaky_relu(conv3_(h), 0.2);
    return out_(h.mean(2));
  }

 private:
  torch::nn::Conv1d conv1_{nullptr}, conv2_{nullptr}, conv3_{nullptr};
  torch::nn::Linear out_{nullptr};
};
TORCH_MODULE(MotionEncoder);

// Bag of subword embeddings (masked mean) and an MLP: captions here are short phrases, and the
// subwords keep typos close to the words they miss.
class TextEncoderImpl : public torch::nn::Module {
 public:
  explicit TextEncoderImpl(int vocab) {
    emb_ = register_module("emb",
                           torch::nn::Embedding(torch::nn::EmbeddingOptions(vocab, kHidden).padding_idx(0)));
    l1_ = register_module("l1", torch::nn::Linear(kHidden, 2 * kHidden));
    l2_ = register_module("l2", torch::nn::Linear(2 * kHidden, kEmbed));
  }
  torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& pad_mask) {
    auto keep = (~pad_mask).unsqueeze(2).to(torch::kFloat);
    auto h = (emb_(ids) * keep).sum(1) / keep.sum(1).clamp_min(1.0);
    return l2_(torch::relu(l1_(h)));
  }

 private:
  torch::nn::Embedding emb_{nullptr};
  torch::nn::Linear l1_{nullptr}, l2_{nullptr};
};
TORCH_MODULE(TextEncoder);

}  // namespace

struct JudgeNets {
  torch::Tensor mean, std;  // (265) input statistics
  MotionEncoder motion{nullptr};
  torch::nn::ModuleList heads{nullptr};  // classifier: one Linear per head
  TextEncoder text{nullptr};
  model::TextTokenizer tokenizer;
  std::vector<torch::Tensor> parameters() const {
    std::vector<torch::Tensor> p = motion->parameters();
    if (heads)
      for (auto& t : heads->parameters()) p.push_back(t);
    if (text)
      for (auto& t : text->parameters()) p.push_back(t);
    return p;
  }
  void train(bool on) {
    motion->train(on);
    if (heads) heads->train(on);
    if (text) text->train(on);
  }
};

namespace {

// Per-column mean and floored std of the training frames (contacts dropped).
void fit_stats(JudgeNets& nets, const std::vector<MotionSample>& data) {
  std::vector<double> sum(kJudgeInputDim, 0.0), sq(kJudgeInputDim, 0.0);
  double n = 0;
  for (const auto& s : data)
    for (int t = 0; t < s.frames; ++t) {
      const float* row = s.feats.data() + static_cast<size_t>(t) * motion::kFeatureDim;
      for (int k = 0; k < kJudgeInputDim; ++k) {
        sum[size_t(k)] += row[k];
        sq[size_t(k)] += double(row[k]) * row[k];
      }
      n += 1;
    }
  if (n == 0) throw Error("judge training: no frames");
  nets.mean = torch::empty({kJudgeInputDim});
  nets.std = torch::empty({kJudgeInputDim});
  for (int k = 0; k < kJudgeInputDim; ++k) {
    const double m = sum[size_t(k)] / n;
    nets.mean[k] = static_cast<float>(m);
    nets.std[k] =
        std::max(kStdFloor, static_cast<float>(std::sqrt(std::max(0.0, sq[size_t(k)] / n - m * m))));
  }
}

// Frames [start, start + length) of one motion, the last frame repeated past its end, normalised.
torch::Tensor window(const MotionSample& s, int start, int length, const JudgeNets& nets) {
  auto out = torch::empty({length, kJudgeInputDim});
  float* dst = out.data_ptr<float>();
  for (int k = 0; k < length; ++k) {
    const int t = std::clamp(start + k, 0, s.frames - 1);
    std::copy_n(s.feats.data() + static_cast<size_t>(t) * motion::kFeatureDim, kJudgeInputDim,
                dst + static_cast<size_t>(k) * kJudgeInputDim);
  }
  return (out - nets.mean) / nets.std;
}

torch::Tensor whole(std::span<const float> feats, int frames, const JudgeNets& nets) {
  if (frames < 1 || feats.size() < static_cast<size_t>(frames) * motion::kFeatureDim)
    throw Error("judge: a motion needs at least one full 269-d frame");
  MotionSample s;
  s.feats = feats;
  s.frames = frames;
  return window(s, 0, std::max(frames, kMinInputFrames), nets).unsqueeze(0);
}

// Balanced draws: a key (label or group) uniformly, then one of its samples uniformly.
class BalancedPicker {
 public:
  BalancedPicker(const std::vector<int>& key_of_sample) {
    std::map<int, std::vector<int>> by_key;
    for (size_t i = 0; i < key_of_sample.size(); ++i) by_key[key_of_sample[i]].push_back(static_cast<int>(i));
    for (auto& [k, list] : by_key) lists_.push_back(std::move(list));
  }
  int operator()(std::mt19937& rng) const {
    const auto& list = lists_[std::uniform_int_distribution<size_t>(0, lists_.size() - 1)(rng)];
    return list[std::uniform_int_distribution<size_t>(0, list.size() - 1)(rng)];
  }

 private:
  std::vector<std::vector<int>> lists_;
};

// A batch of random windows of one random length, with a little input noise.
torch::Tensor random_windows(const std::vector<MotionSample>& data, const std::vector<int>& picks,
                             const JudgeOptions& opt, const JudgeNets& nets, std::mt19937& rng) {
  const int length =
      std::uniform_int_distribution<int>(opt.min_frames, std::max(opt.min_frames, opt.max_frames))(rng);
  std::vector<torch::Tensor> rows;
  for (int i : picks) {
    const MotionSample& s = data[size_t(i)];
    const int start = s.frames > length ? std::uniform_int_distribution<int>(0, s.frames - length)(rng) : 0;
    rows.push_back(window(s, start, length, nets));
  }
  auto x = torch::stack(rows);
  return x + kInputNoise * torch::randn(x.sizes());
}

template <class Step>
void train_loop(JudgeNets& nets, const JudgeOptions& opt, const JudgeProgress& progress, Step step) {
  const OneThread one;
  torch::manual_seed(opt.seed);
  torch::optim::AdamW optim(nets.parameters(), torch::optim::AdamWOptions(opt.lr).weight_decay(1e-4));
  nets.train(true);
  std::mt19937 rng(static_cast<uint32_t>(opt.seed));
  double smooth = 0;
  for (int s = 0; s < opt.steps; ++s) {
    // Cosine decay: the last steps settle instead of jittering at the full rate.
    const double lr = opt.lr * 0.5 * (1 + std::cos(std::numbers::pi * s / std::max(1, opt.steps)));
    for (auto& g : optim.param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
    optim.zero_grad();
    torch::Tensor loss = step(rng);
    loss.backward();
    optim.step();
    smooth = s == 0 ? loss.item<double>() : 0.95 * smooth + 0.05 * loss.item<double>();
    if (progress) progress(s + 1, opt.steps, smooth);
  }
  nets.train(false);
}

// ---- files: a torch archive holding "meta" (JSON as bytes), "mean", "std" and the modules ----

torch::Tensor json_tensor(const nlohmann::json& j) {
  const std::string s = j.dump();
  auto t = torch::empty({static_cast<int64_t>(s.size())}, torch::kUInt8);
  std::copy(s.begin(), s.end(), t.data_ptr<uint8_t>());
  return t;
}

nlohmann::json tensor_json(const torch::Tensor& t) {
  auto c = t.contiguous();
  const auto* p = c.data_ptr<uint8_t>();
  return nlohmann::json::parse(std::string(p, p + c.numel()));
}

// The judge's file: its kind, the file version and its info beside `fields` as meta, then its nets.
void write_archive(const std::filesystem::path& path, const std::string& kind, nlohmann::json fields,
                   const nlohmann::json& info, const JudgeNets& nets) {
  fields["kind"] = kind;
  fields["version"] = kFileVersion;
  fields["info"] = info;
  torch::serialize::OutputArchive ar;
  ar.write("meta", json_tensor(fields));
  ar.write("mean", nets.mean);
  ar.write("std", nets.std);
  torch::serialize::OutputArchive m;
  nets.motion->save(m);
  ar.write("motion", m);
  if (nets.heads) {
    torch::serialize::OutputArchive h;
    nets.heads->save(h);
    ar.write("heads", h);
  }
  if (nets.text) {
    torch::serialize::OutputArchive t;
    nets.text->save(t);
    ar.write("text", t);
  }
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  ar.save_to(path.string());
}

nlohmann::json read_meta(torch::serialize::InputArchive& ar, const std::filesystem::path& path,
                         const std::string& kind) {
  if (!std::filesystem::exists(path)) throw Error(path.string() + ": file not found");
  torch::Tensor meta;
  try {
    ar.load_from(path.string());
    ar.read("meta", meta);
  } catch (const c10::Error&) {
    throw Error(path.string() + ": not an e2m " + kind + " file");
  }
  nlohmann::json j = tensor_json(meta);
  if (j.value("kind", "") != kind || j.value("version", 0) != kFileVersion)
    throw Error(path.string() + ": not an e2m " + kind + " file of version " + std::to_string(kFileVersion));
  return j;
}

void read_common(torch::serialize::InputArchive& ar, JudgeNets& nets, int out_dim) {
  ar.read("mean", nets.mean);
  ar.read("std", nets.std);
  nets.motion = MotionEncoder(out_dim);
  torch::serialize::InputArchive m;
  ar.read("motion", m);
  nets.motion->load(m);
}

}  // namespace

// ---- MotionClassifier ----

MotionClassifier::MotionClassifier() = default;
MotionClassifier::~MotionClassifier() = default;
MotionClassifier::MotionClassifier(MotionClassifier&&) noexcept = default;
MotionClassifier& MotionClassifier::operator=(MotionClassifier&&) noexcept = default;

int MotionClassifier::head(const std::string& name) const {
  for (size_t h = 0; h < heads_.size(); ++h)
    if (heads_[h] == name) return static_cast<int>(h);
  return -1;
}

MotionClassifier MotionClassifier::train(const std::vector<std::string>& heads,
                                         const std::vector<std::vector<std::string>>& labels,
                                         const std::vector<MotionSample>& data, const JudgeOptions& opt,
                                         const JudgeProgress& progress) {
  if (heads.empty() || heads.size() != labels.size()) throw Error("classifier: one label list per head");
  if (data.empty()) throw Error("classifier: no training motion");
  MotionClassifier c;
  c.heads_ = heads;
  c.labels_ = labels;
  c.nets_ = std::make_unique<JudgeNets>();
  JudgeNets& nets = *c.nets_;
  fit_stats(nets, data);
  nets.motion = MotionEncoder(kHidden);
  nets.heads = torch::nn::ModuleList();
  for (const auto& l : labels)
    nets.heads->push_back(torch::nn::Linear(kHidden, static_cast<int64_t>(l.size())));
  std::vector<int> key;
  for (const auto& s : data) key.push_back(s.labels.at(0));
  const BalancedPicker pick(key);
  train_loop(nets, opt, progress, [&](std::mt19937& rng) {
    std::vector<int> picks;
    for (int b = 0; b < opt.batch; ++b) picks.push_back(pick(rng));
    auto h = torch::relu(nets.motion(random_windows(data, picks, opt, nets, rng)));
    h = torch::dropout(h, 0.2, true);
    torch::Tensor loss = torch::zeros({});
    for (size_t k = 0; k < heads.size(); ++k) {
      auto target = torch::empty({opt.batch}, torch::kLong);
      for (int b = 0; b < opt.batch; ++b) target[b] = data[size_t(picks[size_t(b)])].labels.at(k);
      auto logits = nets.heads[k]->as<torch::nn::Linear>()->forward(h);
      loss = loss + torch::cross_entropy_loss(logits, target);
    }
    return loss;
  });
  return c;
}

std::vector<int> MotionClassifier::predict(std::span<const float> feats, int frames) const {
  if (!nets_) throw Error("classifier: not trained");
  const OneThread one;
  torch::NoGradGuard guard;
  auto h = torch::relu(nets_->motion(whole(feats, frames, *nets_)));
  std::vector<int> out;
  for (size_t k = 0; k < heads_.size(); ++k)
    out.push_back(
        static_cast<int>(nets_->heads[k]->as<torch::nn::Linear>()->forward(h).argmax(1).item<int64_t>()));
  return out;
}

void MotionClassifier::save(const std::filesystem::path& path) const {
  if (!nets_) throw Error("classifier: nothing to save");
  write_archive(path, "classifier", {{"heads", heads_}, {"labels", labels_}}, info, *nets_);
}

MotionClassifier MotionClassifier::load(const std::filesystem::path& path) {
  torch::serialize::InputArchive ar;
  const nlohmann::json meta = read_meta(ar, path, "classifier");
  MotionClassifier c;
  c.heads_ = meta.at("heads").get<std::vector<std::string>>();
  c.labels_ = meta.at("labels").get<std::vector<std::vector<std::string>>>();
  c.info = meta.value("info", nlohmann::json::object());
  c.nets_ = std::make_unique<JudgeNets>();
  read_common(ar, *c.nets_, kHidden);
  c.nets_->heads = torch::nn::ModuleList();
  for (const auto& l : c.labels_)
    c.nets_->heads->push_back(torch::nn::Linear(kHidden, static_cast<int64_t>(l.size())));
  torch::serialize::InputArchive h;
  ar.read("heads", h);
  c.nets_->heads->load(h);
  c.nets_->train(false);
  return c;
}

// ---- TextMotionEvaluator ----

TextMotionEvaluator::TextMotionEvaluator() = default;
TextMotionEvaluator::~TextMotionEvaluator() = default;
TextMotionEvaluator::TextMotionEvaluator(TextMotionEvaluator&&) noexcept = default;
TextMotionEvaluator& TextMotionEvaluator::operator=(TextMotionEvaluator&&) noexcept = default;

namespace {

torch::Tensor encode_texts(JudgeNets& nets, const std::vector<std::string>& texts, double dropout,
                           std::mt19937* rng) {
  std::vector<std::vector<int64_t>> ids;
  for (const auto& t : texts) ids.push_back(nets.tokenizer.encode(t, kMaxTokens, dropout, rng));
  auto in = model::make_text_input(ids, kMaxTokens);
  return nets.text->forward(in.ids, in.pad_mask);
}

// Symmetric InfoNCE; pairs of one group (other than the diagonal) are masked out of the softmax.
torch::Tensor contrastive_loss(const torch::Tensor& m, const torch::Tensor& t, const std::vector<int>& groups,
                               double temperature) {
  const int64_t b = m.size(0);
  auto logits =
      torch::matmul(
          torch::nn::functional::normalize(m, torch::nn::functional::NormalizeFuncOptions().dim(1)),
          torch::nn::functional::normalize(t, torch::nn::functional::NormalizeFuncOptions().dim(1)).t()) /
      temperature;
  auto mask = torch::zeros({b, b}, torch::kBool);
  for (int64_t i = 0; i < b; ++i)
    for (int64_t j = 0; j < b; ++j)
      if (i != j && groups[size_t(i)] == groups[size_t(j)]) mask[i][j] = true;
  logits = logits.masked_fill(mask, -1e9);
  auto target = torch::arange(b, torch::kLong);
  return 0.5 * (torch::cross_entropy_loss(logits, target) + torch::cross_entropy_loss(logits.t(), target));
}

std::vector<double> unit_vector(const torch::Tensor& row) {
  auto v =
      torch::nn::functional::normalize(row, torch::nn::functional::NormalizeFuncOptions().dim(1)).squeeze(0);
  v = v.contiguous().to(torch::kDouble);
  return std::vector<double>(v.data_ptr<double>(), v.data_ptr<double>() + v.numel());
}

}  // namespace

TextMotionEvaluator TextMotionEvaluator::train(const std::vector<MotionSample>& data, const JudgeOptions& opt,
                                               const JudgeProgress& progress) {
  std::vector<std::string> captions;
  std::vector<int> groups;
  for (const auto& s : data) {
    if (s.captions.empty()) throw Error("evaluator: every training motion needs a caption");
    captions.insert(captions.end(), s.captions.begin(), s.captions.end());
    groups.push_back(s.group);
  }
  TextMotionEvaluator e;
  e.nets_ = std::make_unique<JudgeNets>();
  JudgeNets& nets = *e.nets_;
  fit_stats(nets, data);
  nets.tokenizer = model::TextTokenizer::train(captions, kVocab);
  nets.motion = MotionEncoder(kEmbed);
  nets.text = TextEncoder(kVocab);
  const BalancedPicker pick(groups);
  train_loop(nets, opt, progress, [&](std::mt19937& rng) {
    std::vector<int> picks, batch_groups;
    std::vector<std::string> texts;
    for (int b = 0; b < opt.batch; ++b) {
      const int i = pick(rng);
      const auto& caps = data[size_t(i)].captions;
      picks.push_back(i);
      batch_groups.push_back(data[size_t(i)].group);
      texts.push_back(caps[std::uniform_int_distribution<size_t>(0, caps.size() - 1)(rng)]);
    }
    auto m = nets.motion(random_windows(data, picks, opt, nets, rng));
    auto t = encode_texts(nets, texts, 0.1, &rng);
    return contrastive_loss(m, t, batch_groups, opt.temperature);
  });
  return e;
}

std::vector<double> TextMotionEvaluator::embed_motion(std::span<const float> feats, int frames) const {
  if (!nets_) throw Error("evaluator: not trained");
  const OneThread one;
  torch::NoGradGuard guard;
  return unit_vector(nets_->motion(whole(feats, frames, *nets_)));
}

std::vector<double> TextMotionEvaluator::embed_text(const std::string& text) const {
  if (!nets_) throw Error("evaluator: not trained");
  const OneThread one;
  torch::NoGradGuard guard;
  return unit_vector(encode_texts(*nets_, {text}, 0.0, nullptr));
}

void TextMotionEvaluator::save(const std::filesystem::path& path) const {
  if (!nets_) throw Error("evaluator: nothing to save");
  write_archive(path, "text_evaluator", {{"tokenizer", nets_->tokenizer.to_json()}}, info, *nets_);
}

TextMotionEvaluator TextMotionEvaluator::load(const std::filesystem::path& path) {
  torch::serialize::InputArchive ar;
  const nlohmann::json meta = read_meta(ar, path, "text_evaluator");
  TextMotionEvaluator e;
  e.info = meta.value("info", nlohmann::json::object());
  e.nets_ = std::make_unique<JudgeNets>();
  read_common(ar, *e.nets_, kEmbed);
  e.nets_->tokenizer = model::TextTokenizer::from_json(meta.at("tokenizer"));
  e.nets_->text = TextEncoder(kVocab);
  torch::serialize::InputArchive t;
  ar.read("text", t);
  e.nets_->text->load(t);
  e.nets_->train(false);
  return e;
}

std::string judge_fingerprint(const train::TrainingData& data, const JudgeOptions& opt,
                              const std::string& kind) {
  std::string s = kind + "/" + std::to_string(kFileVersion) + "/" + std::to_string(opt.steps) + "/" +
                  std::to_string(opt.batch) + "/" + std::to_string(opt.min_frames) + "/" +
                  std::to_string(opt.max_frames) + "/" + std::to_string(opt.seed);
  for (const auto& c : data.clips())
    s += "|" + c.name + ":" + std::to_string(c.frames) + ":" + std::to_string(static_cast<int>(c.split));
  return std::to_string(io::fnv1a(s));
}

}  // namespace e2m::eval
