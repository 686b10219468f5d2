// `e2m train vae|text2motion|music2dance`: train a model from dataset caches into a model file.
#include <cstdio>
#include <cxxopts.hpp>
#include <string>

#include "app/commands.h"
#include "motion/error.h"
#include "train/distributed.h"
#include "train/run_file.h"
#include "train/trainer.h"

namespace e2m::app {

namespace {

std::vector<std::filesystem::path> split_paths(const std::string& list) {
  std::vector<std::filesystem::path> out;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = list.find(',', start);
    const std::string item =
        list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

cxxopts::Options make_options(const char* argv0) {
  cxxopts::Options options(
      argv0,
      "Train a model from dataset caches (e2m import) into a model file (.e2mm): deterministic seeds,\n"
      "checkpoints and --resume, validation loss on the held-out split, <run>/log.csv and <run>/loss.png.\n\n"
      "  e2m train vae --data bandai.e2md --out models/vae.e2mm\n"
      "  e2m train text2motion --data bandai.e2md --vae models/vae.e2mm --out models/t2m.e2mm\n"
      "  e2m train music2dance --data tang.e2md --vae models/vae.e2mm --out models/m2d.e2mm\n"
      "  e2m train --run training/text2motion_bandai.json --resume\n");
  options.positional_help("[vae|text2motion|music2dance]");
  auto add = options.add_options();
  add("kind", "vae | text2motion | music2dance", cxxopts::value<std::string>());
  add("run", "training run file (training/*.json); flags given here override it",
      cxxopts::value<std::string>());
  add("d,data", "dataset cache(s), comma-separated", cxxopts::value<std::string>());
  add("o,out", "output model file", cxxopts::value<std::string>());
  add("vae", "pretrained VAE model file whose decoder is fine-tuned (text2motion, music2dance)",
      cxxopts::value<std::string>());
  add("init",
      "fine-tune: start from this model file's weights (same kind and sizes; fresh optimiser and steps)",
      cxxopts::value<std::string>());
  add("run-dir", "checkpoint/log/plot folder (default <out>.run)", cxxopts::value<std::string>());
  add("tiny", "very small model sizes (smoke runs)");
  add("steps", "optimisation steps", cxxopts::value<int64_t>());
  add("batch", "windows per batch", cxxopts::value<int>());
  add("window", "frames per VAE training window (multiple of 8; text2motion uses the model's max frames)",
      cxxopts::value<int>());
  add("lr", "peak learning rate (AdamW)", cxxopts::value<double>());
  add("weight-decay", "AdamW weight decay", cxxopts::value<double>());
  add("grad-clip", "gradient norm clip (0: off)", cxxopts::value<double>());
  add("rollout", "music2dance: fraction of steps trained on the model's own rolled-out history",
      cxxopts::value<double>());
  add("rollout-chunks", "music2dance: how many of the history's last chunks a rollout step plays itself",
      cxxopts::value<int>());
  add("hold-history",
      "music2dance: fraction of windows whose history is its last frame held still (music and genre carry "
      "on)",
      cxxopts::value<double>());
  add("cue-rate", "text2motion: fraction of windows captioned with a short cue (\"wave your right hand\")",
      cxxopts::value<double>());
  add("warmup", "linear warm-up steps before the cosine decay", cxxopts::value<int64_t>());
  add("seed", "random seed (batches, initialisation, dropout)", cxxopts::value<uint64_t>());
  add("threads", "CPU threads for torch (0: default)", cxxopts::value<int>());
  add("device", "cpu | cuda | auto", cxxopts::value<std::string>());
  add("checkpoint-every", "steps between checkpoints", cxxopts::value<int64_t>());
  add("val-every", "steps between validation losses", cxxopts::value<int64_t>());
  add("log-every", "steps between CSV rows", cxxopts::value<int64_t>());
  add("resume", "continue from the run folder's checkpoint when there is one");
  add("world-size", "data-parallel ranks (default $WORLD_SIZE or 1); --batch is per rank",
      cxxopts::value<int>());
  add("rank", "this process's rank (default $RANK or 0)", cxxopts::value<int>());
  add("master-addr", "rendezvous address, rank 0's machine (default $MASTER_ADDR or 127.0.0.1)",
      cxxopts::value<std::string>());
  add("master-port", "rendezvous port (default $MASTER_PORT or 29500)", cxxopts::value<int>());
  add("dist-timeout", "seconds any rank waits for the others before giving up", cxxopts::value<double>());
  add("no-progress", "no progress bar");
  add("h,help", "show this help");
  options.parse_positional({"kind"});
  return options;
}

// Sets `field` from the flag `name` when it was given.
template <class T>
void take(const cxxopts::ParseResult& args, const char* name, T& field) {
  if (args.count(name)) field = args[name].as<T>();
}
void take_path(const cxxopts::ParseResult& args, const char* name, std::filesystem::path& field) {
  if (args.count(name)) field = args[name].as<std::string>();
}

// The run file (--run) or the kind's defaults, then every flag given over them.
train::TrainOptions train_options(const cxxopts::ParseResult& args, const cxxopts::Options& options) {
  train::TrainOptions o;
  if (args.count("run")) {
    train::apply_run_file(args["run"].as<std::string>(), o);
  } else if (!args.count("kind")) {
    std::fprintf(stderr, "%s\n", options.help().c_str());
    throw Error("train: give the model kind (vae, text2motion or music2dance) or --run <file>");
  }
  if (args.count("kind")) {
    const model::ModelKind kind = model::parse_kind(args["kind"].as<std::string>());
    if (!args.count("run") || kind != o.kind) {
      o.kind = kind;
      o.config = model::ModelConfig::defaults(kind);
    }
  }
  if (args.count("tiny")) o.config = model::ModelConfig::tiny(o.kind);
  if (args.count("data")) o.datasets = split_paths(args["data"].as<std::string>());
  take_path(args, "out", o.out);
  take_path(args, "vae", o.vae);
  take_path(args, "init", o.init);
  take_path(args, "run-dir", o.run_dir);
  take(args, "steps", o.steps);
  take(args, "batch", o.batch);
  take(args, "window", o.window);
  take(args, "lr", o.lr);
  take(args, "weight-decay", o.weight_decay);
  take(args, "grad-clip", o.grad_clip);
  take(args, "rollout", o.rollout);
  take(args, "rollout-chunks", o.rollout_chunks);
  take(args, "hold-history", o.hold_history);
  take(args, "cue-rate", o.cue_rate);
  take(args, "warmup", o.warmup);
  take(args, "seed", o.seed);
  take(args, "threads", o.threads);
  take(args, "device", o.device);
  take(args, "checkpoint-every", o.checkpoint_every);
  take(args, "val-every", o.val_every);
  take(args, "log-every", o.log_every);
  take(args, "world-size", o.world_size);
  take(args, "rank", o.rank);
  take(args, "master-addr", o.master_addr);
  take(args, "master-port", o.master_port);
  take(args, "dist-timeout", o.dist_timeout_s);
  o.resume = args.count("resume") > 0;
  o.progress = args.count("no-progress") == 0;
  if (o.out.empty()) o.out = std::string(model::kind_name(o.kind)) + ".e2mm";
  return o;
}

void report(const train::TrainResult& r) {
  if (r.start_step > 0) std::printf("resumed at step %lld\n", static_cast<long long>(r.start_step));
  std::printf("steps %lld..%lld  train loss %.4g -> %.4g", static_cast<long long>(r.start_step),
              static_cast<long long>(r.end_step), r.first_loss, r.last_loss);
  if (r.last_val)
    std::printf("  validation loss %.4g -> %.4g", r.first_val.value_or(*r.last_val), *r.last_val);
  std::printf("\nlog %s\nplot %s\ncheckpoint %s\n", r.log.string().c_str(), r.plot.string().c_str(),
              r.checkpoint.string().c_str());
  if (!r.model.empty()) std::printf("model %s\n", r.model.string().c_str());
}

}  // namespace

int cmd_train(int argc, char** argv) {
  cxxopts::Options options = make_options(argv[0]);
  const auto args = options.parse(argc, argv);
  if (args.count("help")) {
    std::printf("%s\n", options.help().c_str());
    return 0;
  }
  const train::TrainOptions o = train_options(args, options);
  const train::DistSettings dist = train::dist_settings(o);
  if (dist.rank == 0)
    std::fprintf(stderr, "train %s: %zu dataset(s), %lld steps, batch %d, seed %llu -> %s\n",
                 std::string(model::kind_name(o.kind)).c_str(), o.datasets.size(),
                 static_cast<long long>(o.steps), o.batch, static_cast<unsigned long long>(o.seed),
                 o.out.string().c_str());
  const train::TrainResult r = train::run_training(o);
  if (r.rank == 0) report(r);  // rank 0 reports for the run
  return 0;
}

}  // namespace e2m::app
