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

}  // namespace

int cmd_train(int argc, char** argv) {
  cxxopts::Options options(
      argv[0],
      "Train a model from dataset caches (e2m import) into a model file (.e2mm): deterministic seeds,\n"
      "checkpoints and --resume, validation loss on the held-out split, <run>/log.csv and <run>/loss.png.\n\n"
      "  e2m train vae --data bandai.e2md --out models/vae.e2mm\n"
      "  e2m train text2motion --data bandai.e2md --vae models/vae.e2mm --out models/t2m.e2mm\n"
      "  e2m train music2dance --data tang.e2md --vae models/vae.e2mm --out models/m2d.e2mm\n"
      "  e2m train --run training/text2motion_bandai.json --resume\n");
  options.positional_help("[vae|text2motion|music2dance]");
  options.add_options()("kind", "vae | text2motion | music2dance", cxxopts::value<std::string>())(
      "run", "training run file (training/*.json); flags given here override it",
      cxxopts::value<std::string>())("d,data", "dataset cache(s), comma-separated",
                                     cxxopts::value<std::string>())("o,out", "output model file",
                                                                    cxxopts::value<std::string>())(
      "vae", "pretrained VAE model file whose decoder is fine-tuned (text2motion, music2dance)",
      cxxopts::value<std::string>())("run-dir", "checkpoint/log/plot folder (default <out>.run)",
                                     cxxopts::value<std::string>())(
      "tiny", "very small model sizes (smoke runs)")("steps", "optimisation steps",
                                                     cxxopts::value<int64_t>())("batch", "windows per batch",
                                                                                cxxopts::value<int>())(
      "window", "frames per VAE training window (multiple of 8; text2motion uses the model's max frames)",
      cxxopts::value<int>())("lr", "peak learning rate (AdamW)", cxxopts::value<double>())(
      "weight-decay", "AdamW weight decay", cxxopts::value<double>())(
      "grad-clip", "gradient norm clip (0: off)", cxxopts::value<double>())(
      "rollout", "music2dance: fraction of steps trained on the model's own rolled-out history",
      cxxopts::value<double>())("warmup", "linear warm-up steps before the cosine decay",
                                cxxopts::value<int64_t>())(
      "seed", "random seed (batches, initialisation, dropout)", cxxopts::value<uint64_t>())(
      "threads", "CPU threads for torch (0: default)", cxxopts::value<int>())("device", "cpu | cuda | auto",
                                                                              cxxopts::value<std::string>())(
      "checkpoint-every", "steps between checkpoints", cxxopts::value<int64_t>())(
      "val-every", "steps between validation losses", cxxopts::value<int64_t>())(
      "log-every", "steps between CSV rows", cxxopts::value<int64_t>())(
      "resume", "continue from the run folder's checkpoint when there is one")(
      "world-size", "data-parallel ranks (default $WORLD_SIZE or 1); --batch is per rank",
      cxxopts::value<int>())("rank", "this process's rank (default $RANK or 0)", cxxopts::value<int>())(
      "master-addr", "rendezvous address, rank 0's machine (default $MASTER_ADDR or 127.0.0.1)",
      cxxopts::value<std::string>())("master-port", "rendezvous port (default $MASTER_PORT or 29500)",
                                     cxxopts::value<int>())(
      "dist-timeout", "seconds any rank waits for the others before giving up", cxxopts::value<double>())(
      "no-progress", "no progress bar")("h,help", "show this help");
  options.parse_positional({"kind"});
  const auto args = options.parse(argc, argv);
  if (args.count("help")) {
    std::printf("%s\n", options.help().c_str());
    return 0;
  }

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
  if (args.count("out")) o.out = args["out"].as<std::string>();
  if (args.count("vae")) o.vae = args["vae"].as<std::string>();
  if (args.count("run-dir")) o.run_dir = args["run-dir"].as<std::string>();
  if (args.count("steps")) o.steps = args["steps"].as<int64_t>();
  if (args.count("batch")) o.batch = args["batch"].as<int>();
  if (args.count("window")) o.window = args["window"].as<int>();
  if (args.count("lr")) o.lr = args["lr"].as<double>();
  if (args.count("weight-decay")) o.weight_decay = args["weight-decay"].as<double>();
  if (args.count("grad-clip")) o.grad_clip = args["grad-clip"].as<double>();
  if (args.count("rollout")) o.rollout = args["rollout"].as<double>();
  if (args.count("warmup")) o.warmup = args["warmup"].as<int64_t>();
  if (args.count("seed")) o.seed = args["seed"].as<uint64_t>();
  if (args.count("threads")) o.threads = args["threads"].as<int>();
  if (args.count("device")) o.device = args["device"].as<std::string>();
  if (args.count("checkpoint-every")) o.checkpoint_every = args["checkpoint-every"].as<int64_t>();
  if (args.count("val-every")) o.val_every = args["val-every"].as<int64_t>();
  if (args.count("log-every")) o.log_every = args["log-every"].as<int64_t>();
  if (args.count("world-size")) o.world_size = args["world-size"].as<int>();
  if (args.count("rank")) o.rank = args["rank"].as<int>();
  if (args.count("master-addr")) o.master_addr = args["master-addr"].as<std::string>();
  if (args.count("master-port")) o.master_port = args["master-port"].as<int>();
  if (args.count("dist-timeout")) o.dist_timeout_s = args["dist-timeout"].as<double>();
  o.resume = args.count("resume") > 0;
  o.progress = args.count("no-progress") == 0;
  if (o.out.empty()) o.out = std::string(model::kind_name(o.kind)) + ".e2mm";

  const train::DistSettings dist = train::dist_settings(o);
  if (dist.rank == 0)
    std::fprintf(stderr, "train %s: %zu dataset(s), %lld steps, batch %d, seed %llu -> %s\n",
                 std::string(model::kind_name(o.kind)).c_str(), o.datasets.size(),
                 static_cast<long long>(o.steps), o.batch, static_cast<unsigned long long>(o.seed),
                 o.out.string().c_str());
  const train::TrainResult r = train::run_training(o);
  if (r.rank != 0) return 0;  // rank 0 reports for the run
  if (r.start_step > 0) std::printf("resumed at step %lld\n", static_cast<long long>(r.start_step));
  std::printf("steps %lld..%lld  train loss %.4g -> %.4g", static_cast<long long>(r.start_step),
              static_cast<long long>(r.end_step), r.first_loss, r.last_loss);
  if (r.last_val)
    std::printf("  validation loss %.4g -> %.4g", r.first_val.value_or(*r.last_val), *r.last_val);
  std::printf("\nlog %s\nplot %s\ncheckpoint %s\n", r.log.string().c_str(), r.plot.string().c_str(),
              r.checkpoint.string().c_str());
  if (!r.model.empty()) std::printf("model %s\n", r.model.string().c_str());
  return 0;
}

}  // namespace e2m::app
