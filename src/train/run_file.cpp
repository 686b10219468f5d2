// Training run files; see run_file.h.
#include "train/run_file.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>

#include "motion/error.h"

namespace e2m::train {

model::ModelConfig config_with_overrides(model::ModelKind kind, const std::string& preset,
                                         const nlohmann::json& overrides) {
  model::ModelConfig base;
  if (preset == "defaults" || preset.empty())
    base = model::ModelConfig::defaults(kind);
  else if (preset == "tiny")
    base = model::ModelConfig::tiny(kind);
  else
    throw Error("run file: \"preset\" must be \"defaults\" or \"tiny\" (got \"" + preset + "\")");
  if (overrides.is_null()) return base;
  if (!overrides.is_object()) throw Error("run file: \"model\" must be an object of config overrides");
  nlohmann::json j = model::config_to_json(base);
  j.merge_patch(overrides);
  model::ModelConfig c = model::config_from_json(j);
  c.kind = kind;
  return c;
}

void apply_run_json(const nlohmann::json& j, TrainOptions& o, const std::string& where) {
  if (!j.is_object()) throw Error(where + ": expected a JSON object");
  auto field = [&](const nlohmann::json& obj, const char* key, auto& target, const std::string& prefix) {
    if (!obj.contains(key)) return;
    using T = std::decay_t<decltype(target)>;
    const nlohmann::json& v = obj.at(key);
    bool ok = true;
    // nlohmann casts a float to an integer type unchecked (undefined out of range): only whole
    // numbers the type holds ("steps": 2e4 still means 20000).
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      if (v.is_number_float()) {
        const double d = v.get<double>(), top = std::ldexp(1.0, std::numeric_limits<T>::digits);
        ok = d == std::floor(d) && d < top && d >= (std::is_signed_v<T> ? -top : 0.0);
      }
    }
    try {
      if (ok) target = v.get<T>();
    } catch (const nlohmann::json::exception&) {
      ok = false;
    }
    if (!ok) throw Error(where + ": field \"" + prefix + key + "\" has the wrong type");
  };
  std::string kind = std::string(model::kind_name(o.kind)), preset = "defaults";
  field(j, "kind", kind, "");
  field(j, "preset", preset, "");
  o.kind = model::parse_kind(kind);
  o.config = config_with_overrides(o.kind, preset, j.value("model", nlohmann::json()));
  if (j.contains("data")) {
    std::vector<std::string> data;
    field(j, "data", data, "");
    o.datasets.assign(data.begin(), data.end());
  }
  std::string vae, init, out, run_dir;
  field(j, "vae", vae, "");
  field(j, "init", init, "");
  field(j, "out", out, "");
  field(j, "run_dir", run_dir, "");
  if (!vae.empty()) o.vae = vae;
  if (!init.empty()) o.init = init;
  if (!out.empty()) o.out = out;
  if (!run_dir.empty()) o.run_dir = run_dir;
  if (j.contains("train")) {
    const auto& t = j.at("train");
    if (!t.is_object()) throw Error(where + ": \"train\" must be an object");
    static const char* const kKnown[] = {
        "steps",       "batch",   "window",           "lr",           "weight_decay",
        "grad_clip",   "warmup",  "decoder_lr_scale", "text_dropout", "seed",
        "threads",     "device",  "checkpoint_every", "val_every",    "log_every",
        "val_batches", "rollout", "rollout_chunks",   "cue_rate",     "hold_history"};
    for (const auto& [key, value] : t.items()) {
      if (std::find(std::begin(kKnown), std::end(kKnown), key) == std::end(kKnown))
        throw Error(where + ": unknown field \"train." + key + "\"");
    }
    field(t, "steps", o.steps, "train.");
    field(t, "batch", o.batch, "train.");
    field(t, "window", o.window, "train.");
    field(t, "lr", o.lr, "train.");
    field(t, "weight_decay", o.weight_decay, "train.");
    field(t, "grad_clip", o.grad_clip, "train.");
    field(t, "warmup", o.warmup, "train.");
    field(t, "decoder_lr_scale", o.decoder_lr_scale, "train.");
    field(t, "text_dropout", o.text_dropout, "train.");
    field(t, "rollout", o.rollout, "train.");
    field(t, "rollout_chunks", o.rollout_chunks, "train.");
    field(t, "hold_history", o.hold_history, "train.");
    field(t, "cue_rate", o.cue_rate, "train.");
    field(t, "seed", o.seed, "train.");
    field(t, "threads", o.threads, "train.");
    field(t, "device", o.device, "train.");
    field(t, "checkpoint_every", o.checkpoint_every, "train.");
    field(t, "val_every", o.val_every, "train.");
    field(t, "log_every", o.log_every, "train.");
    field(t, "val_batches", o.val_batches, "train.");
  }
}

void apply_run_file(const std::filesystem::path& path, TrainOptions& o) {
  std::ifstream in(path);
  if (!in) throw Error(path.string() + ": cannot open the training run file");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for a number like 1e999
    throw Error(path.string() + ": not valid JSON (" + e.what() + ")");
  }
  apply_run_json(j, o, path.string());
}

}  // namespace e2m::train
