// Training loops for the VAE, text2motion and music2dance; see trainer.h.
#include "train/trainer.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <set>

#include "model/inference.h"
#include "model/losses.h"
#include "model/model_file.h"
#include "model/modules.h"
#include "model/text_tokenizer.h"
#include "motion/error.h"
#include "train/log.h"
#include "train/progress.h"

namespace e2m::train {
namespace {

namespace fs = std::filesystem;
using model::ModelKind;

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

}  // namespace

fs::path run_directory(const TrainOptions& o) {
  if (!o.run_dir.empty()) return o.run_dir;
  fs::path p = o.out;
  p.replace_extension(".run");
  return p;
}

TrainResult run_training(const TrainOptions& o) {
  model::configure_cpu_runtime();
  if (o.datasets.empty()) throw Error("train: no dataset cache given (--data)");
  if (o.out.empty()) throw Error("train: no output model file given (--out)");
  if (o.steps < 1) throw Error("train: --steps must be at least 1");
  if (o.batch < 1) throw Error("train: --batch must be at least 1");
  if (o.kind != ModelKind::Music2Dance && (o.window < 8 || o.window % 8 != 0))
    throw Error("train: --window must be a positive multiple of 8 frames (got " + std::to_string(o.window) +
                ")");
  if (o.threads > 0) torch::set_num_threads(o.threads);
  const torch::Device device = pick_device(o.device);

  const fs::path run_dir = run_directory(o);
  fs::create_directories(run_dir);
  const fs::path ckpt = run_dir / "checkpoint.e2mm";
  const fs::path optim_path = run_dir / "checkpoint.optim.pt";
  const bool resuming = o.resume && fs::exists(ckpt) && fs::exists(optim_path);

  // ---- configuration, statistics, vocabulary ----
  model::ModelMeta meta;
  meta.config = o.config;
  meta.config.kind = o.kind;
  int64_t start_step = 0;
  double prior_seconds = 0;
  model::MotionVae pretrained{nullptr};
  bool pretrained_decoder = false;
  if (resuming) {
    meta = model::read_model_meta(ckpt);
    if (meta.config.kind != o.kind)
      throw Error(ckpt.string() + ": the checkpoint is a " + std::string(model::kind_name(meta.config.kind)) +
                  " model, not " + std::string(model::kind_name(o.kind)));
    start_step = meta.extra.value("step", int64_t{0});
    prior_seconds = meta.extra.value("seconds", 0.0);
    pretrained_decoder = meta.extra.value("pretrained_decoder", false);
  } else if (!o.vae.empty() && o.kind != ModelKind::Vae) {
    model::ModelMeta vae_meta;
    pretrained = model::load_vae(o.vae, &vae_meta);
    meta.config.vae = vae_meta.config.vae;
    meta.motion_norm = vae_meta.motion_norm;
    pretrained_decoder = true;
  }
  meta.config.validate();
  const model::ModelConfig& cfg = meta.config;
  if (o.kind == ModelKind::Text2Motion && cfg.text.encoder != "own")
    throw Error("train: text2motion training supports text.encoder \"own\" (got \"" + cfg.text.encoder +
                "\")");
  // Text2motion trains on exactly what `e2m text` makes: max_frames from the clip's first frame, so
  // every output query gets a gradient and query 0 means the start of the action.
  const int frames = o.kind == ModelKind::Text2Motion ? cfg.text.max_frames / 8 * 8 : o.window;

  DataOptions dopt;
  dopt.need_captions = o.kind == ModelKind::Text2Motion;
  dopt.need_audio = o.kind == ModelKind::Music2Dance;
  const TrainingData data = TrainingData::load(o.datasets, dopt);
  model::TextTokenizer tokenizer;
  if (!resuming) {
    if (meta.motion_norm.empty()) meta.motion_norm = data.motion_stats();
    if (o.kind == ModelKind::Music2Dance) {
      meta.audio_norm = data.audio_stats();
      meta.start_frame = data.start_frame();
    }
    if (o.kind == ModelKind::Text2Motion) {
      tokenizer = model::TextTokenizer::train(data.train_captions(), cfg.text.vocab_size);
      meta.text_vocab = tokenizer.to_json();
    }
  } else if (o.kind == ModelKind::Text2Motion) {
    tokenizer = model::TextTokenizer::from_json(meta.text_vocab);
  }
  const std::vector<int> train_idx = data.indices(io::Split::Train);
  const std::vector<int> val_idx = data.indices(io::Split::Validation);
  if (train_idx.empty()) throw Error("train: the dataset cache(s) have no clips in the train split");
  const WindowSampler train_set(data, train_idx, meta.motion_norm, meta.audio_norm);
  const WindowSampler val_set(data, val_idx, meta.motion_norm, meta.audio_norm);

  // ---- model and optimiser ----
  model::MotionVae vae{nullptr};
  model::Text2Motion t2m{nullptr};
  model::Music2Dance m2d{nullptr};
  std::shared_ptr<torch::nn::Module> module;
  model::MotionVaeDecoder* decoder = nullptr;
  torch::manual_seed(o.seed);  // initial weights
  switch (o.kind) {
    case ModelKind::Vae:
      vae = model::MotionVae(cfg);
      module = vae.ptr();
      break;
    case ModelKind::Text2Motion:
      t2m = model::Text2Motion(cfg);
      module = t2m.ptr();
      decoder = &t2m->decoder;
      break;
    case ModelKind::Music2Dance:
      m2d = model::Music2Dance(cfg);
      module = m2d.ptr();
      decoder = &m2d->decoder;
      break;
  }
  if (resuming)
    model::load_weights(ckpt, o.kind, *module);
  else if (pretrained && decoder)
    model::copy_decoder(pretrained->decoder, *decoder);
  // loss.latent: the generator's latent codes are also pulled towards the pretrained VAE encoder's
  // mean for the target window, so the output adapter learns the decoder's own latent language.
  model::MotionVaeEncoder teacher{nullptr};
  if (o.kind != ModelKind::Vae && cfg.loss.latent > 0) {
    if (!pretrained && !o.vae.empty()) pretrained = model::load_vae(o.vae);
    if (!pretrained)
      throw Error("train: loss.latent > 0 needs the pretrained VAE (--vae), also when resuming");
    teacher = pretrained->encoder;
    teacher->eval();
    for (auto& p : teacher->parameters()) p.set_requires_grad(false);
    teacher->to(device);
  }
  pretrained = nullptr;
  module->to(device);

  std::set<const void*> decoder_params;
  std::vector<torch::Tensor> dec_params, main_params;
  if (decoder)
    for (const auto& p : (*decoder)->parameters()) {
      decoder_params.insert(p.unsafeGetTensorImpl());
      dec_params.push_back(p);
    }
  for (const auto& p : module->parameters())
    if (!decoder_params.count(p.unsafeGetTensorImpl())) main_params.push_back(p);
  const double dec_scale = pretrained_decoder ? o.decoder_lr_scale : 1.0;
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(main_params, std::make_unique<torch::optim::AdamWOptions>(
                                       torch::optim::AdamWOptions(o.lr).weight_decay(o.weight_decay)));
  if (!dec_params.empty())
    groups.emplace_back(dec_params,
                        std::make_unique<torch::optim::AdamWOptions>(
                            torch::optim::AdamWOptions(o.lr * dec_scale).weight_decay(o.weight_decay)));
  torch::optim::AdamW optimizer(std::move(groups),
                                torch::optim::AdamWOptions(o.lr).weight_decay(o.weight_decay));
  if (resuming) {
    try {
      torch::load(optimizer, optim_path.string());
    } catch (const std::exception& e) {
      std::string why = e.what();
      throw Error(optim_path.string() + ": cannot read the optimizer state (" +
                  why.substr(0, why.find('\n')) + ")");
    }
  }
  std::vector<torch::Tensor> all_params = module->parameters();

  // ---- loss of one batch ----
  // Generators: motion loss of the decoded latent, plus the optional latent term.
  auto generator_loss = [&](const torch::Tensor& latent, const torch::Tensor& target,
                            torch::Tensor* pred_out = nullptr) {
    const torch::Tensor pred = (*decoder)(latent).slice(1, 0, target.size(1));
    if (pred_out) *pred_out = pred;
    torch::Tensor loss = model::motion_loss(pred, target, meta.motion_norm, cfg.loss, cfg.fps).total;
    if (teacher) {
      torch::Tensor mu;
      {
        torch::NoGradGuard no_grad;
        mu = teacher(target).first;
      }
      loss = loss + cfg.loss.latent * (latent - mu).pow(2).mean();
    }
    return loss;
  };
  // Music: on rollout steps the last chunk of the history is the model's own output from one chunk
  // earlier (as live, where the history is what was played), plus the seam term into the chunk.
  auto music_loss = [&](const Batch& b, bool rollout) {
    torch::Tensor prev = b.prev_motion.to(device);
    const torch::Tensor genre = b.genre.to(device);
    if (rollout) {
      torch::Tensor early;
      {
        torch::NoGradGuard no_grad;
        early = m2d->forward(b.early_audio.to(device), genre, b.early_prev_motion.to(device));
      }
      prev = torch::cat({prev.slice(1, 0, prev.size(1) - early.size(1)), early}, 1);
    }
    const torch::Tensor target = b.motion.to(device);
    torch::Tensor pred;
    torch::Tensor loss = generator_loss(m2d->latent(b.audio.to(device), genre, prev), target, &pred);
    if (cfg.loss.seam > 0) {
      auto raw = [&](const torch::Tensor& x, int64_t at) {
        return meta.motion_norm.denormalize(x.slice(1, at, at + 1));
      };
      const int64_t last = prev.size(1) - 1;
      loss = loss + cfg.loss.seam * model::seam_loss(raw(pred, 0), raw(prev, last), raw(target, 0),
                                                     raw(b.prev_motion.to(device), last));
    }
    return loss;
  };
  auto loss_of = [&](const Batch& b, std::mt19937* text_rng, double text_dropout,
                     bool rollout = false) -> torch::Tensor {
    const torch::Tensor target = b.motion.to(device);
    switch (o.kind) {
      case ModelKind::Vae:
        return model::vae_loss(vae->forward(target), target, cfg.loss.kl).total;
      case ModelKind::Text2Motion: {
        std::vector<std::vector<int64_t>> rows;
        for (const auto& c : b.captions)
          rows.push_back(tokenizer.encode(c, cfg.text.max_tokens, text_dropout, text_rng));
        model::TextInput in = model::make_text_input(rows, cfg.text.max_tokens);
        in.ids = in.ids.to(device);
        in.pad_mask = in.pad_mask.to(device);
        return generator_loss(t2m->latent(in, frames), target);
      }
      case ModelKind::Music2Dance:
        return music_loss(b, rollout);
    }
    throw Error("train: unknown model kind");
  };
  auto sample = [&](const WindowSampler& s, std::mt19937& rng, bool with_early = false) {
    return o.kind == ModelKind::Music2Dance
               ? s.music_windows(o.batch, cfg, rng, with_early)
               : s.motion_windows(o.batch, frames, rng, o.kind == ModelKind::Text2Motion);
  };

  // Fixed validation windows, the same in every run with this seed.
  std::vector<Batch> val_batches;
  if (!val_set.empty()) {
    std::mt19937 rng = step_rng(o.seed, -1, 7);
    for (int k = 0; k < o.val_batches; ++k) val_batches.push_back(sample(val_set, rng));
  }
  auto validate = [&]() -> std::optional<double> {
    if (val_batches.empty()) return std::nullopt;
    torch::NoGradGuard no_grad;
    module->eval();
    // Evaluation noise (the VAE's sampling is off in eval mode) is seeded too.
    torch::manual_seed(o.seed ^ 0x5eedULL);
    double sum = 0;
    for (const auto& b : val_batches) sum += loss_of(b, nullptr, 0).item<double>();
    module->train();
    return sum / static_cast<double>(val_batches.size());
  };

  auto save_checkpoint = [&](int64_t step, double seconds) {
    model::ModelMeta m = meta;
    m.extra = {
        {"step", step}, {"seconds", seconds}, {"seed", o.seed}, {"pretrained_decoder", pretrained_decoder}};
    module->to(torch::kCPU);
    model::save_model(ckpt, m, *module);
    module->to(device);
    const fs::path tmp = optim_path.string() + ".tmp";
    torch::save(optimizer, tmp.string());
    fs::rename(tmp, optim_path);
  };

  // ---- the loop ----
  TrainResult result;
  result.start_step = start_step;
  result.checkpoint = ckpt;
  result.log = run_dir / "log.csv";
  result.plot = run_dir / "loss.png";
  CsvLog log(result.log, resuming, start_step);
  const int64_t last = o.stop_at > 0 ? std::min(o.steps, o.stop_at) : o.steps;
  ProgressBar bar(o.steps, start_step, o.progress);
  const auto t0 = std::chrono::steady_clock::now();
  auto seconds = [&] {
    return prior_seconds + std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  module->train();
  double acc = 0;
  int acc_n = 0;
  std::string status = "loss -";
  for (int64_t step = start_step + 1; step <= last; ++step) {
    std::mt19937 rng = step_rng(o.seed, step, 1);
    std::mt19937 text_rng = step_rng(o.seed, step, 2);
    torch::manual_seed(o.seed * 1000003ULL + static_cast<uint64_t>(step));
    std::mt19937 rollout_rng = step_rng(o.seed, step, 3);
    const bool rollout = o.kind == ModelKind::Music2Dance && o.rollout > 0 &&
                         std::bernoulli_distribution(o.rollout)(rollout_rng);
    const Batch b = sample(train_set, rng, rollout);
    const double lr = lr_at(o, step);
    for (size_t g = 0; g < optimizer.param_groups().size(); ++g)
      static_cast<torch::optim::AdamWOptions&>(optimizer.param_groups()[g].options())
          .lr(g == 0 ? lr : lr * dec_scale);
    optimizer.zero_grad();
    torch::Tensor loss = loss_of(b, &text_rng, o.text_dropout, rollout);
    loss.backward();
    if (o.grad_clip > 0) torch::nn::utils::clip_grad_norm_(all_params, o.grad_clip);
    optimizer.step();
    const double l = loss.item<double>();
    if (!std::isfinite(l))
      throw Error("train: the loss became " + fmt(l) + " at step " + std::to_string(step) +
                  " (try a lower --lr)");
    if (step == start_step + 1) result.first_loss = l;
    acc += l;
    ++acc_n;

    const bool do_val =
        !val_batches.empty() && ((o.val_every > 0 && step % o.val_every == 0) || step == o.steps);
    const bool do_log = (o.log_every > 0 && step % o.log_every == 0) || do_val || step == last;
    if (do_log) {
      LogRow row;
      row.step = step;
      row.train_loss = acc / acc_n;
      if (do_val) row.val_loss = validate();
      row.lr = lr;
      row.seconds = seconds();
      log.write(row);
      result.last_loss = row.train_loss;
      if (row.val_loss) {
        if (!result.first_val) result.first_val = row.val_loss;
        result.last_val = row.val_loss;
      }
      status = "loss " + fmt(row.train_loss) + (result.last_val ? " val " + fmt(*result.last_val) : "");
      acc = 0;
      acc_n = 0;
    }
    if ((o.checkpoint_every > 0 && step % o.checkpoint_every == 0) || step == last)
      save_checkpoint(step, seconds());
    bar.update(step, status);
  }
  bar.finish();
  result.end_step = std::max(start_step, last);

  write_loss_plot(read_log(result.log), result.plot);
  if (last == o.steps && start_step < o.steps) {
    model::ModelMeta m = meta;
    nlohmann::json datasets = nlohmann::json::array();
    for (const auto& d : o.datasets) datasets.push_back(d.filename().string());
    m.extra = {{"steps", o.steps},
               {"seed", o.seed},
               {"datasets", datasets},
               {"train_loss", result.last_loss},
               {"pretrained_decoder", pretrained_decoder},
               {"seconds", seconds()}};
    if (result.last_val) m.extra["val_loss"] = *result.last_val;
    module->to(torch::kCPU);
    model::save_model(o.out, m, *module);
    result.model = o.out;
  }
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
