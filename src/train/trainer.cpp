// Training loops for the VAE, text2motion and music2dance; see trainer.h.
#include "train/trainer.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <set>

#include "model/inference.h"
#include "model/losses.h"
#include "model/model_file.h"
#include "model/modules.h"
#include "model/text_tokenizer.h"
#include "motion/error.h"
#include "train/distributed.h"
#include "train/log.h"
#include "train/progress.h"

namespace e2m::train {
namespace {

namespace fs = std::filesystem;
using model::ModelKind;
using TokenRows = std::vector<std::vector<int64_t>>;

torch::Device pick_device(const std::string& name) {
  if (name == "cpu") return torch::kCPU;
  if (name == "cuda") {
    if (!torch::cuda::is_available()) throw Error("train: --device cuda, but no CUDA device is available");
    return torch::kCUDA;
  }
  if (name == "auto" || name.empty()) return torch::cuda::is_available() ? torch::kCUDA : torch::kCPU;
  throw Error("train: unknown device '" + name + "' (expected cpu, cuda or auto)");
}

// Linear warm-up, then cosine decay from lr to lr / 10 at the last step.
double lr_at(const TrainOptions& o, int64_t step) {
  if (o.warmup > 0 && step <= o.warmup)
    return o.lr * static_cast<double>(step) / static_cast<double>(o.warmup);
  const double span = static_cast<double>(std::max<int64_t>(1, o.steps - o.warmup));
  const double t = std::clamp(static_cast<double>(step - o.warmup) / span, 0.0, 1.0);
  return o.lr * (0.1 + 0.9 * 0.5 * (1.0 + std::cos(M_PI * t)));
}

// Every step draws from generators seeded by (seed, step), so a resumed run sees exactly the
// batches, dropout masks and noise an uninterrupted run would have seen.
std::mt19937 step_rng(uint64_t seed, int64_t step, uint32_t stream) {
  std::seed_seq seq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
                    static_cast<uint32_t>(step), static_cast<uint32_t>(step >> 32), stream};
  return std::mt19937(seq);
}

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.4g", v);
  return buf;
}

// Everything one run holds, built in stages by the functions below (not movable: the samplers
// point into the data, the optimizer into the module's parameters).
struct Run {
  explicit Run(const TrainOptions& options) : o(options) {}
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;

  const TrainOptions& o;
  torch::Device device = torch::kCPU;
  std::unique_ptr<Distributed> dist;  // world size 1: every collective is a no-op
  fs::path dir, ckpt, optim_path;
  bool resuming = false;

  // Configuration, statistics, vocabulary.
  model::ModelMeta meta;
  int64_t start_step = 0;
  double prior_seconds = 0;
  model::MotionVae pretrained{nullptr};
  bool pretrained_decoder = false;
  int frames = 0;  // frames per training window
  model::TextTokenizer tokenizer;
  std::unique_ptr<TrainingData> data;
  std::unique_ptr<WindowSampler> train_set, val_set;

  // Model and optimiser.
  model::MotionVae vae{nullptr};
  model::Text2Motion t2m{nullptr};
  model::Music2Dance m2d{nullptr};
  std::shared_ptr<torch::nn::Module> module;
  model::MotionVaeDecoder* decoder = nullptr;
  model::MotionVaeEncoder teacher{nullptr};  // loss.latent's target encoder
  double dec_scale = 1.0;                    // the decoder's learning rate over the rest's
  std::unique_ptr<torch::optim::AdamW> optimizer;
  std::vector<torch::Tensor> all_params;

  const model::ModelConfig& cfg() const { return meta.config; }
  // Rank 0 alone writes checkpoints, the log, the plot, the progress bar and the model.
  bool writer() const { return dist->rank() == 0; }
};

// ---- options, configuration, data ----

void check_options(const TrainOptions& o) {
  if (o.datasets.empty()) throw Error("train: no dataset cache given (--data)");
  if (o.out.empty()) throw Error("train: no output model file given (--out)");
  if (o.steps < 1) throw Error("train: --steps must be at least 1");
  if (o.batch < 1) throw Error("train: --batch must be at least 1");
  if (o.kind == ModelKind::Music2Dance &&
      (o.rollout_chunks < 1 || o.rollout_chunks * o.config.music.chunk_frames > o.config.music.motion_window))
    throw Error("train: --rollout-chunks must lie in [1, motion_window / chunk_frames] (got " +
                std::to_string(o.rollout_chunks) + ")");
  if (o.hold_history < 0 || o.hold_history > 1)
    throw Error("train: --hold-history must lie in [0, 1] (got " + std::to_string(o.hold_history) + ")");
  if (o.kind != ModelKind::Music2Dance && (o.window < 8 || o.window % 8 != 0))
    throw Error("train: --window must be a positive multiple of 8 frames (got " + std::to_string(o.window) +
                ")");
}

void prepare_paths(Run& r) {
  r.dir = run_directory(r.o);
  if (r.writer()) fs::create_directories(r.dir);  // another machine's rank may have no use for it
  r.ckpt = r.dir / "checkpoint.e2mm";
  r.optim_path = r.dir / "checkpoint.optim.pt";
  r.resuming = r.o.resume && fs::exists(r.ckpt) && fs::exists(r.optim_path);
}

// Fine-tuning: the statistics, vocabulary and sizes of the model file it starts from, the loss
// weights of the run. Sizes that differ from the run's would not load, so they are an error.
void init_meta(Run& r) {
  const model::ModelMeta from = model::read_model_meta(r.o.init);
  if (from.config.kind != r.o.kind)
    throw Error(r.o.init.string() + ": --init is a " + std::string(model::kind_name(from.config.kind)) +
                " model, not " + std::string(model::kind_name(r.o.kind)));
  model::ModelConfig sizes = r.meta.config;
  sizes.loss = from.config.loss;
  if (model::config_to_json(sizes) != model::config_to_json(from.config))
    throw Error(r.o.init.string() + ": --init has other model sizes than the run's configuration");
  const model::LossConfig loss = r.meta.config.loss;
  r.meta = from;
  r.meta.config.loss = loss;
  r.pretrained_decoder = true;
}

// The configuration and what comes with it: from the checkpoint when resuming, else from the
// options and (generators) the pretrained VAE's statistics.
void prepare_meta(Run& r) {
  const TrainOptions& o = r.o;
  r.meta.config = o.config;
  r.meta.config.kind = o.kind;
  if (r.resuming) {
    r.meta = model::read_model_meta(r.ckpt);
    if (r.meta.config.kind != o.kind)
      throw Error(r.ckpt.string() + ": the checkpoint is a " +
                  std::string(model::kind_name(r.meta.config.kind)) + " model, not " +
                  std::string(model::kind_name(o.kind)));
    r.start_step = r.meta.extra.value("step", int64_t{0});
    r.prior_seconds = r.meta.extra.value("seconds", 0.0);
    r.pretrained_decoder = r.meta.extra.value("pretrained_decoder", false);
  } else if (!o.init.empty()) {
    init_meta(r);
  } else if (!o.vae.empty() && o.kind != ModelKind::Vae) {
    model::ModelMeta vae_meta;
    r.pretrained = model::load_vae(o.vae, &vae_meta);
    r.meta.config.vae = vae_meta.config.vae;
    r.meta.motion_norm = vae_meta.motion_norm;
    r.pretrained_decoder = true;
  }
  r.meta.config.validate();
  if (o.kind == ModelKind::Text2Motion && r.cfg().text.encoder != "own")
    throw Error("train: text2motion training supports text.encoder \"own\" (got \"" + r.cfg().text.encoder +
                "\")");
  // Text2motion trains on exactly what `e2m text` makes: max_frames from the clip's first frame, so
  // every output query gets a gradient and query 0 means the start of the action.
  r.frames = o.kind == ModelKind::Text2Motion ? r.cfg().text.max_frames / 8 * 8 : o.window;
}

// Loads the dataset caches; a fresh run takes its statistics and vocabulary from them.
void prepare_data(Run& r) {
  const TrainOptions& o = r.o;
  DataOptions dopt;
  dopt.need_captions = o.kind == ModelKind::Text2Motion;
  dopt.need_audio = o.kind == ModelKind::Music2Dance;
  r.data = std::make_unique<TrainingData>(TrainingData::load(o.datasets, dopt));
  if (!r.resuming && r.o.init.empty()) {
    if (r.meta.motion_norm.empty()) r.meta.motion_norm = r.data->motion_stats();
    if (o.kind == ModelKind::Music2Dance) {
      r.meta.audio_norm = r.data->audio_stats();
      r.meta.start_frame = r.data->start_frame();
    }
    if (o.kind == ModelKind::Text2Motion) {
      r.tokenizer = model::TextTokenizer::train(r.data->train_captions(), r.cfg().text.vocab_size);
      r.meta.text_vocab = r.tokenizer.to_json();
    }
  } else if (o.kind == ModelKind::Text2Motion) {
    r.tokenizer = model::TextTokenizer::from_json(r.meta.text_vocab);
  }
  const std::vector<int> train_idx = r.data->indices(io::Split::Train);
  if (train_idx.empty()) throw Error("train: the dataset cache(s) have no clips in the train split");
  r.train_set = std::make_unique<WindowSampler>(*r.data, train_idx, r.meta.motion_norm, r.meta.audio_norm);
  if (o.cue_rate < 0 || o.cue_rate > 1) throw Error("train: --cue-rate must lie in [0, 1]");
  if (o.kind == ModelKind::Text2Motion) r.train_set->set_cue_rate(o.cue_rate);
  if (o.kind == ModelKind::Music2Dance) r.train_set->set_hold_history(o.hold_history);
  r.val_set = std::make_unique<WindowSampler>(*r.data, r.data->indices(io::Split::Validation),
                                              r.meta.motion_norm, r.meta.audio_norm);
}

// ---- model and optimiser ----

void build_model(Run& r) {
  torch::manual_seed(r.o.seed);  // initial weights
  switch (r.o.kind) {
    case ModelKind::Vae:
      r.vae = model::MotionVae(r.cfg());
      r.module = r.vae.ptr();
      break;
    case ModelKind::Text2Motion:
      r.t2m = model::Text2Motion(r.cfg());
      r.module = r.t2m.ptr();
      r.decoder = &r.t2m->decoder;
      break;
    case ModelKind::Music2Dance:
      r.m2d = model::Music2Dance(r.cfg());
      r.module = r.m2d.ptr();
      r.decoder = &r.m2d->decoder;
      break;
  }
  if (r.resuming)
    model::load_weights(r.ckpt, r.o.kind, *r.module);
  else if (!r.o.init.empty())
    model::load_weights(r.o.init, r.o.kind, *r.module);
  else if (r.pretrained && r.decoder)
    model::copy_decoder(r.pretrained->decoder, *r.decoder);
  r.module->to(r.device);
}

// loss.latent: the generator's latent codes are also pulled towards the pretrained VAE encoder's
// mean for the target window, so the output adapter learns the decoder's own latent language.
void build_teacher(Run& r) {
  if (r.o.kind != ModelKind::Vae && r.cfg().loss.latent > 0) {
    if (!r.pretrained && !r.o.vae.empty()) r.pretrained = model::load_vae(r.o.vae);
    if (!r.pretrained)
      throw Error("train: loss.latent > 0 needs the pretrained VAE (--vae), also when resuming");
    r.teacher = r.pretrained->encoder;
    r.teacher->eval();
    for (auto& p : r.teacher->parameters()) p.set_requires_grad(false);
    r.teacher->to(r.device);
  }
  r.pretrained = nullptr;
}

// AdamW with two groups: the decoder (slower when pretrained) and everything else.
void build_optimizer(Run& r) {
  const TrainOptions& o = r.o;
  std::set<const void*> decoder_params;
  std::vector<torch::Tensor> dec_params, main_params;
  if (r.decoder)
    for (const auto& p : (*r.decoder)->parameters()) {
      decoder_params.insert(p.unsafeGetTensorImpl());
      dec_params.push_back(p);
    }
  for (const auto& p : r.module->parameters())
    if (!decoder_params.count(p.unsafeGetTensorImpl())) main_params.push_back(p);
  r.dec_scale = r.pretrained_decoder ? o.decoder_lr_scale : 1.0;
  auto adamw = [&](double lr) {
    return std::make_unique<torch::optim::AdamWOptions>(
        torch::optim::AdamWOptions(lr).weight_decay(o.weight_decay));
  };
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(main_params, adamw(o.lr));
  if (!dec_params.empty()) groups.emplace_back(dec_params, adamw(o.lr * r.dec_scale));
  r.optimizer = std::make_unique<torch::optim::AdamW>(
      std::move(groups), torch::optim::AdamWOptions(o.lr).weight_decay(o.weight_decay));
  if (r.resuming) {
    try {
      torch::load(*r.optimizer, r.optim_path.string());
    } catch (const std::exception& e) {
      std::string why = e.what();
      throw Error(r.optim_path.string() + ": cannot read the optimizer state (" +
                  why.substr(0, why.find('\n')) + ")");
    }
  }
  r.all_params = r.module->parameters();
}

// ---- loss of one batch ----

// Generators: motion loss of the decoded latent, plus the optional latent term.
torch::Tensor generator_loss(Run& r, const torch::Tensor& latent, const torch::Tensor& target,
                             torch::Tensor* pred_out = nullptr) {
  const torch::Tensor pred = (*r.decoder)(latent).slice(1, 0, target.size(1));
  if (pred_out) *pred_out = pred;
  torch::Tensor loss = model::motion_loss(pred, target, r.meta.motion_norm, r.cfg().loss, r.cfg().fps).total;
  if (r.teacher) {
    torch::Tensor mu;
    {
      torch::NoGradGuard no_grad;
      mu = r.teacher(target).first;
    }
    loss = loss + r.cfg().loss.latent * (latent - mu).pow(2).mean();
  }
  return loss;
}

// Rollout: the model plays the last rollout_chunks chunks of the history itself, one after the other
// from the real history before them (without gradient), as live, where the history is what was played.
torch::Tensor rolled_out_history(Run& r, const Batch& b, const torch::Tensor& genre) {
  torch::NoGradGuard no_grad;
  const int64_t mw = b.prev_motion.size(1), aw = r.cfg().music.audio_window,
                chunk = r.cfg().music.chunk_frames, k = r.o.rollout_chunks;
  const torch::Tensor audio = b.early_audio.to(r.device);
  torch::Tensor hist = b.early_prev_motion.to(r.device);
  for (int64_t i = 0; i < k; ++i) {
    const torch::Tensor played =
        r.m2d->forward(audio.slice(1, i * chunk, i * chunk + aw), genre, hist.slice(1, hist.size(1) - mw));
    hist = torch::cat({hist, played}, 1);
  }
  return hist.slice(1, hist.size(1) - mw);
}

// Music: on rollout steps the last chunks of the history are the model's own (above), plus the seam
// term into the chunk.
torch::Tensor music_loss(Run& r, const Batch& b, bool rollout) {
  const torch::Tensor genre = b.genre.to(r.device);
  const torch::Tensor prev = rollout ? rolled_out_history(r, b, genre) : b.prev_motion.to(r.device);
  const torch::Tensor target = b.motion.to(r.device);
  // With context codes the decoded window starts with the last played frames: they are the target
  // there (the codes that decode them are the chunk's left context), the real chunk after them.
  const int64_t context = int64_t{r.cfg().music.context_codes} * model::kTemporalDownsample;
  const torch::Tensor window =
      context > 0 ? torch::cat({prev.slice(1, prev.size(1) - context), target}, 1) : target;
  torch::Tensor pred;
  torch::Tensor loss = generator_loss(r, r.m2d->latent(b.audio.to(r.device), genre, prev), window, &pred);
  pred = pred.slice(1, context);
  if (r.cfg().loss.seam > 0) {
    auto raw = [&](const torch::Tensor& x, int64_t at) {
      return r.meta.motion_norm.denormalize(x.slice(1, at, at + 1));
    };
    const int64_t last = prev.size(1) - 1;
    loss = loss + r.cfg().loss.seam * model::seam_loss(raw(pred, 0), raw(prev, last), raw(target, 0),
                                                       raw(b.prev_motion.to(r.device), last));
  }
  if (r.cfg().loss.beat > 0) {
    const int64_t h = std::min<int64_t>(prev.size(1), r.cfg().music.chunk_frames);
    const auto played = torch::cat({prev.slice(1, prev.size(1) - h), pred}, 1);
    loss = loss + r.cfg().loss.beat * model::beat_dip_loss(r.meta.motion_norm.denormalize(played),
                                                           b.beats.to(r.device), r.cfg().fps);
  }
  return loss;
}

// Text2motion: the captions' token rows (BPE-dropout drawn from rng when given).
TokenRows encode_captions(const Run& r, const Batch& b, std::mt19937* rng, double text_dropout) {
  TokenRows rows;
  if (r.o.kind != ModelKind::Text2Motion) return rows;
  for (const auto& c : b.captions)
    rows.push_back(r.tokenizer.encode(c, r.cfg().text.max_tokens, text_dropout, rng));
  return rows;
}

torch::Tensor loss_of(Run& r, const Batch& b, const TokenRows& tokens, bool rollout = false) {
  const torch::Tensor target = b.motion.to(r.device);
  switch (r.o.kind) {
    case ModelKind::Vae:
      return model::vae_loss(r.vae->forward(target), target, r.cfg().loss.kl).total;
    case ModelKind::Text2Motion: {
      model::TextInput in = model::make_text_input(tokens, r.cfg().text.max_tokens);
      in.ids = in.ids.to(r.device);
      in.pad_mask = in.pad_mask.to(r.device);
      return generator_loss(r, r.t2m->latent(in, r.frames), target);
    }
    case ModelKind::Music2Dance:
      return music_loss(r, b, rollout);
  }
  throw Error("train: unknown model kind");
}

Batch sample(const Run& r, const WindowSampler& s, int batch, std::mt19937& rng, bool with_early = false) {
  return r.o.kind == ModelKind::Music2Dance
             ? s.music_windows(batch, r.cfg(), rng, with_early ? r.o.rollout_chunks : 0)
             : s.motion_windows(batch, r.frames, rng, r.o.kind == ModelKind::Text2Motion);
}

// ---- validation and checkpoints ----

// Fixed validation windows, the same in every run with this seed.
std::vector<Batch> validation_batches(const Run& r) {
  std::vector<Batch> out;
  if (r.val_set->empty()) return out;
  std::mt19937 rng = step_rng(r.o.seed, -1, 7);
  for (int k = 0; k < r.o.val_batches; ++k) out.push_back(sample(r, *r.val_set, r.o.batch, rng));
  return out;
}

double validate(Run& r, const std::vector<Batch>& batches) {
  torch::NoGradGuard no_grad;
  r.module->eval();
  // Evaluation noise (the VAE's sampling is off in eval mode) is seeded too.
  torch::manual_seed(r.o.seed ^ 0x5eedULL);
  double sum = 0;
  for (const auto& b : batches) sum += loss_of(r, b, encode_captions(r, b, nullptr, 0)).item<double>();
  r.module->train();
  return sum / static_cast<double>(batches.size());
}

void save_checkpoint(Run& r, int64_t step, double seconds) {
  model::ModelMeta m = r.meta;
  m.extra = {{"step", step},
             {"seconds", seconds},
             {"seed", r.o.seed},
             {"pretrained_decoder", r.pretrained_decoder},
             {"world_size", r.dist->world_size()},
             {"global_batch", r.o.batch * r.dist->world_size()}};
  r.module->to(torch::kCPU);
  model::save_model(r.ckpt, m, *r.module);
  r.module->to(r.device);
  const fs::path tmp = r.optim_path.string() + ".tmp";
  torch::save(*r.optimizer, tmp.string());
  fs::rename(tmp, r.optim_path);
}

void save_final_model(Run& r, const TrainResult& result, double seconds) {
  model::ModelMeta m = r.meta;
  nlohmann::json datasets = nlohmann::json::array();
  for (const auto& d : r.o.datasets) datasets.push_back(d.filename().string());
  m.extra = {{"steps", r.o.steps},
             {"seed", r.o.seed},
             {"datasets", datasets},
             {"train_loss", result.last_loss},
             {"pretrained_decoder", r.pretrained_decoder},
             {"seconds", seconds}};
  if (result.last_val) m.extra["val_loss"] = *result.last_val;
  if (!r.o.init.empty()) m.extra["init"] = r.o.init.filename().string();
  r.module->to(torch::kCPU);
  model::save_model(r.o.out, m, *r.module);
}

// ---- the loop ----

// Rows [from, to) of a batch.
Batch batch_rows(const Batch& b, int64_t from, int64_t to) {
  auto rows = [&](const torch::Tensor& t) { return t.defined() ? t.slice(0, from, to) : t; };
  Batch out;
  out.motion = rows(b.motion);
  out.prev_motion = rows(b.prev_motion);
  out.audio = rows(b.audio);
  out.genre = rows(b.genre);
  out.early_audio = rows(b.early_audio);
  out.early_prev_motion = rows(b.early_prev_motion);
  if (!b.captions.empty()) out.captions.assign(b.captions.begin() + from, b.captions.begin() + to);
  return out;
}

// A step's batch on this rank. Every rank draws the whole global batch (batch x world size
// windows, with their captions' token rows) exactly as a one-process run with that batch would,
// and keeps rows [rank x batch, (rank + 1) x batch): deterministic sharding without communication.
// The sampling is repeated on every rank, which is cheap next to the model's forward and backward.
struct StepBatch {
  Batch batch;
  TokenRows tokens;
};
StepBatch step_batch(const Run& r, int64_t step, bool rollout) {
  std::mt19937 rng = step_rng(r.o.seed, step, 1);
  std::mt19937 text_rng = step_rng(r.o.seed, step, 2);
  const int ranks = r.dist->world_size();
  StepBatch global;
  global.batch = sample(r, *r.train_set, r.o.batch * ranks, rng, rollout);
  global.tokens = encode_captions(r, global.batch, &text_rng, r.o.text_dropout);
  if (ranks == 1) return global;
  const int64_t from = static_cast<int64_t>(r.dist->rank()) * r.o.batch, to = from + r.o.batch;
  StepBatch mine;
  mine.batch = batch_rows(global.batch, from, to);
  if (!global.tokens.empty()) mine.tokens.assign(global.tokens.begin() + from, global.tokens.begin() + to);
  return mine;
}

// Torch's generator (the VAE's sampling noise, dropout) per step, and per rank: rank 0 keeps the
// one-process seed; other ranks must not draw the same noise for their rows.
void seed_torch(const Run& r, int64_t step) {
  constexpr uint64_t kRankStride = 0x9E3779B97F4A7C15ULL;
  torch::manual_seed(r.o.seed * 1000003ULL + static_cast<uint64_t>(step) +
                     static_cast<uint64_t>(r.dist->rank()) * kRankStride);
}

// One optimiser step; returns its train loss.
double train_step(Run& r, int64_t step) {
  const TrainOptions& o = r.o;
  seed_torch(r, step);
  std::mt19937 rollout_rng = step_rng(o.seed, step, 3);
  const bool rollout = o.kind == ModelKind::Music2Dance && o.rollout > 0 &&
                       std::bernoulli_distribution(o.rollout)(rollout_rng);
  const StepBatch b = step_batch(r, step, rollout);
  const double lr = lr_at(o, step);
  auto& groups = r.optimizer->param_groups();
  for (size_t g = 0; g < groups.size(); ++g)
    static_cast<torch::optim::AdamWOptions&>(groups[g].options()).lr(g == 0 ? lr : lr * r.dec_scale);
  r.optimizer->zero_grad();
  torch::Tensor loss = loss_of(r, b.batch, b.tokens, rollout);
  loss.backward();
  // Each rank's loss is the mean over its rows, so the mean of the ranks' gradients is the
  // gradient of the global batch's mean loss; clipping and the step then see what one process would.
  r.dist->average_gradients(r.all_params);
  if (o.grad_clip > 0) torch::nn::utils::clip_grad_norm_(r.all_params, o.grad_clip);
  r.optimizer->step();
  const double l = r.dist->average(loss.item<double>());  // the same on every rank
  if (!std::isfinite(l))
    throw Error("train: the loss became " + fmt(l) + " at step " + std::to_string(step) +
                " (try a lower --lr)");
  return l;
}

// The step loop's bookkeeping: the mean train loss since the last log row, the CSV log, the bar.
class LoopLog {
 public:
  LoopLog(Run& r, TrainResult& result, int64_t last)
      : r_(r),
        result_(result),
        last_(last),
        val_batches_(r.writer() ? validation_batches(r) : std::vector<Batch>{}),
        bar_(r.o.steps, r.start_step, r.o.progress && r.writer()),
        t0_(std::chrono::steady_clock::now()) {
    if (r.writer()) log_.emplace(result.log, r.resuming, r.start_step);
  }

  double seconds() const {
    return r_.prior_seconds + std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  }

  void after_step(int64_t step, double loss) {
    const TrainOptions& o = r_.o;
    if (step == r_.start_step + 1) result_.first_loss = loss;
    if (!log_) return;
    acc_ += loss;
    ++acc_n_;
    const bool do_val =
        !val_batches_.empty() && ((o.val_every > 0 && step % o.val_every == 0) || step == o.steps);
    const bool do_log = (o.log_every > 0 && step % o.log_every == 0) || do_val || step == last_;
    if (do_log) write_row(step, do_val);
    bar_.update(step, status_);
  }

  void finish() { bar_.finish(); }

 private:
  // Validation runs on rank 0 only; the others meanwhile wait in the next step's all-reduce, a
  // wait the distributed timeout bounds and a validation pass stays far below.
  void write_row(int64_t step, bool do_val) {
    LogRow row;
    row.step = step;
    row.train_loss = acc_ / acc_n_;
    if (do_val) row.val_loss = validate(r_, val_batches_);
    row.lr = lr_at(r_.o, step);
    row.seconds = seconds();
    log_->write(row);
    result_.last_loss = row.train_loss;
    if (row.val_loss) {
      if (!result_.first_val) result_.first_val = row.val_loss;
      result_.last_val = row.val_loss;
    }
    status_ = "loss " + fmt(row.train_loss) + (result_.last_val ? " val " + fmt(*result_.last_val) : "");
    acc_ = 0;
    acc_n_ = 0;
  }

  Run& r_;
  TrainResult& result_;
  int64_t last_;
  std::vector<Batch> val_batches_;
  std::optional<CsvLog> log_;  // rank 0 only
  ProgressBar bar_;
  std::chrono::steady_clock::time_point t0_;
  double acc_ = 0;
  int acc_n_ = 0;
  std::string status_ = "loss -";
};

// Every rank starts from rank 0's step and weights. Resuming therefore needs the run folder (a
// shared file system) on every rank; the checkpoint holds no per-rank state, so any world size
// can resume it, but the global batch (batch x world size) changes with the world size.
void start_together(Run& r) {
  const int64_t step0 = r.dist->broadcast(r.start_step);
  if (step0 != r.start_step)
    throw Error("train: rank " + std::to_string(r.dist->rank()) + " would start at step " +
                std::to_string(r.start_step) + " but rank 0 at step " + std::to_string(step0) +
                " (every rank needs the run folder's checkpoint to resume)");
  r.dist->broadcast_parameters(r.all_params);
  const int ranks = r.dist->world_size();
  const int before = r.resuming ? r.meta.extra.value("world_size", 1) : ranks;
  if (!r.writer() || (ranks == 1 && before == 1)) return;
  std::string note;
  if (before != ranks)
    note = " (the checkpoint was made with " + std::to_string(before) +
           " rank(s): the global batch changes with the world size)";
  std::fprintf(stderr, "train: %d rank(s) x batch %d = global batch %d%s\n", ranks, r.o.batch,
               ranks * r.o.batch, note.c_str());
}

void prepare_run(Run& r) {
  model::configure_cpu_runtime();
  check_options(r.o);
  if (r.o.threads > 0) torch::set_num_threads(r.o.threads);
  r.device = pick_device(r.o.device);
  r.dist = std::make_unique<Distributed>(dist_settings(r.o));
  prepare_paths(r);
  prepare_meta(r);
  prepare_data(r);
  build_model(r);
  build_teacher(r);
  build_optimizer(r);
  start_together(r);
}

}  // namespace

fs::path run_directory(const TrainOptions& o) {
  if (!o.run_dir.empty()) return o.run_dir;
  fs::path p = o.out;
  p.replace_extension(".run");
  return p;
}

TrainResult run_training(const TrainOptions& o) {
  Run r(o);
  prepare_run(r);
  TrainResult result;
  result.start_step = r.start_step;
  result.checkpoint = r.ckpt;
  result.log = r.dir / "log.csv";
  result.plot = r.dir / "loss.png";
  const int64_t last = o.stop_at > 0 ? std::min(o.steps, o.stop_at) : o.steps;
  LoopLog log(r, result, last);
  r.module->train();
  for (int64_t step = r.start_step + 1; step <= last; ++step) {
    log.after_step(step, train_step(r, step));
    const bool checkpoint = (o.checkpoint_every > 0 && step % o.checkpoint_every == 0) || step == last;
    if (checkpoint && r.writer()) save_checkpoint(r, step, log.seconds());
  }
  log.finish();
  result.end_step = std::max(r.start_step, last);
  result.rank = r.dist->rank();
  result.world_size = r.dist->world_size();
  if (r.writer()) {
    write_loss_plot(read_log(result.log), result.plot);
    if (last == o.steps && r.start_step < o.steps) {
      save_final_model(r, result, log.seconds());
      result.model = o.out;
    }
  }
  r.dist->barrier();  // every rank returns once rank 0's files are written
  return result;
}

ReconstructionScore vae_reconstruction(const fs::path& vae_model, const TrainingData& data, io::Split split,
                                       int windows, int frames, uint64_t seed) {
  model::ModelMeta meta;
  model::MotionVae vae = model::load_vae(vae_model, &meta);
  vae->to(torch::kCPU);
  vae->eval();
  const std::vector<int> idx = data.indices(split);
  if (idx.empty()) throw Error("vae reconstruction: no clips in the requested split");
  WindowSampler sampler(data, idx, meta.motion_norm);
  std::mt19937 rng(static_cast<uint32_t>(seed));
  const Batch b = sampler.motion_windows(windows, frames, rng);
  torch::NoGradGuard no_grad;
  const torch::Tensor recon = vae->forward(b.motion).recon;
  ReconstructionScore s;
  s.windows = windows;
  s.vae_feature_mse = (recon - b.motion).pow(2).mean().item<double>();
  s.mean_feature_mse = b.motion.pow(2).mean().item<double>();
  const torch::Tensor pos_t = model::fk_positions(meta.motion_norm.denormalize(b.motion));
  const torch::Tensor pos_r = model::fk_positions(meta.motion_norm.denormalize(recon));
  const torch::Tensor pos_m = model::fk_positions(meta.motion_norm.denormalize(torch::zeros_like(b.motion)));
  s.vae_position_m = (pos_r - pos_t).norm(2, -1).mean().item<double>();
  s.mean_position_m = (pos_m - pos_t).norm(2, -1).mean().item<double>();
  return s;
}

}  // namespace e2m::train
