// Training run files (training/*.json): which model, which sizes, which data and how long, so a run
// is one reproducible command: `e2m train --run training/text2motion_bandai.json`.
//
//   {
//     "kind": "text2motion",                 vae | text2motion | music2dance
//     "preset": "defaults",                  defaults (paper sizes) | tiny
//     "model": { "qa": { "dim": 128 } },     overrides merged into the preset's config
//     "data": ["bandai.e2md"],               dataset caches (relative to the working directory)
//     "vae": "models/vae_bandai.e2mm",       pretrained VAE (text2motion, music2dance)
//     "init": "out/base.e2mm",               or: fine-tune this model file (same kind and sizes)
//     "out": "models/text2motion_bandai.e2mm",
//     "train": { "steps": 20000, "batch": 32, "window": 64, "lr": 3e-4, "seed": 1, ... }
//   }
// Every "train" key is a TrainOptions field name (checkpoint_every, val_every, ...).
#pragma once
#include <filesystem>
#include <nlohmann/json.hpp>

#include "train/trainer.h"

namespace e2m::train {

// The preset config of a kind with `overrides` merged in (JSON merge patch).
model::ModelConfig config_with_overrides(model::ModelKind kind, const std::string& preset,
                                         const nlohmann::json& overrides);

// Fills options from a run file. Throws e2m::Error naming the file and the field when malformed.
void apply_run_file(const std::filesystem::path& path, TrainOptions& options);
void apply_run_json(const nlohmann::json& j, TrainOptions& options, const std::string& where);

}  // namespace e2m::train
