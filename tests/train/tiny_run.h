// Options of a tiny training run for the training tests: the tiny model of `kind` on the CPU, one
// thread, no progress bar. Each test sets the schedule (steps, batch, logging) it needs on top.
#pragma once
#include <filesystem>
#include <vector>

#include "train/trainer.h"

namespace e2m::test {

inline train::TrainOptions tiny_run(model::ModelKind kind, std::vector<std::filesystem::path> data,
                                    const std::filesystem::path& out, const std::filesystem::path& run_dir) {
  train::TrainOptions o;
  o.kind = kind;
  o.config = model::ModelConfig::tiny(kind);
  o.datasets = std::move(data);
  o.out = out;
  o.run_dir = run_dir;
  o.lr = 2e-3;
  o.threads = 1;
  o.device = "cpu";
  o.progress = false;
  return o;
}

}  // namespace e2m::test
