// `e2m bench --only train-scaling`: data-parallel training throughput on this machine: samples/s
// of a tiny text2motion run on 1 and on 2 processes (e2m launch, loopback Gloo, one thread each)
// and the scaling efficiency. Only on request: it trains for a while and uses every core.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "app/bench.h"
#include "io/dataset_cache.h"
#include "motion/error.h"
#include "motion/rotation.h"
#include "train/log.h"

namespace e2m::app {

namespace {

namespace fs = std::filesystem;

constexpr int kBatchPerProcess = 32;

// Four captioned actions, four variants each, of 72 frames.
fs::path write_dataset(const fs::path& dir) {
  io::Dataset ds;
  ds.name = "bench";
  const int joints[] = {motion::kRightElbow, motion::kSpine1, motion::kLeftKnee, motion::kNeck};
  const char* actions[] = {"waves", "bows", "kicks", "nods"};
  for (int a = 0; a < 4; ++a) {
    for (int v = 0; v < 4; ++v) {
      motion::Clip c = motion::Clip::rest(72);
      for (int f = 0; f < c.frames(); ++f)
        c.q(f, joints[a]) = motion::quat_from_axis_angle({1, 0, 0}, 0.6 * std::sin(0.15 * (1 + v) * f));
      c.meta.name = std::string(actions[a]) + std::to_string(v);
      c.meta.captions = {std::string("a person ") + actions[a],
                         std::string("someone ") + actions[a] + " again"};
      ds.clips.push_back(c);
      ds.split.push_back(v == 3 ? io::Split::Validation : io::Split::Train);
    }
  }
  io::write_dataset(ds, dir / "bench.e2md");
  return dir / "bench.e2md";
}

// CPU seconds (user + system) of this process's reaped descendants so far.
double children_cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_CHILDREN, &u);
  auto s = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + 1e-6 * static_cast<double>(t.tv_usec);
  };
  return s(u.ru_utime) + s(u.ru_stime);
}

// `e2m launch -n <n> -- train ...` on this binary; output into <dir>/<n>proc.txt.
void run_launch(const fs::path& dir, const fs::path& data, int n, int steps) {
  const fs::path out = dir / (std::to_string(n) + "proc.txt");
  std::vector<std::string> args = {"e2m",
                                   "launch",
                                   "-n",
                                   std::to_string(n),
                                   "--",
                                   "train",
                                   "text2motion",
                                   "--tiny",
                                   "--data",
                                   data.string(),
                                   "--out",
                                   (dir / (std::to_string(n) + "proc.e2mm")).string(),
                                   "--steps",
                                   std::to_string(steps),
                                   "--batch",
                                   std::to_string(kBatchPerProcess),
                                   "--threads",
                                   "1",
                                   "--log-every",
                                   "1",
                                   "--val-every",
                                   "0",
                                   "--checkpoint-every",
                                   "0",
                                   "--no-progress"};
  const pid_t pid = ::fork();
  if (pid < 0) throw Error("bench train-scaling: fork failed");
  if (pid == 0) {
    const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv("/proc/self/exe", argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw Error("bench train-scaling: the " + std::to_string(n) + "-process run failed (see " + out.string() +
                ")");
}

// Samples per second between the second and the second-to-last logged step: the first step's
// warm-up and the last step's validation, checkpoint and model file stay out.
double samples_per_second(const fs::path& log, int processes) {
  const auto rows = train::read_log(log);
  if (rows.size() < 4) throw Error("bench train-scaling: " + log.string() + " has too few rows");
  const auto& a = rows[1];
  const auto& b = rows[rows.size() - 2];
  return static_cast<double>((b.step - a.step) * kBatchPerProcess * processes) / (b.seconds - a.seconds);
}

}  // namespace

void bench_train(const BenchOptions& opt, BenchReport& report) {
  if (opt.only != "train-scaling") return;
  const fs::path dir = fs::temp_directory_path() / ("e2m-bench-train-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path data = write_dataset(dir);
  const int steps = opt.quick ? 12 : 60;
  std::fprintf(
      stderr, "bench train-scaling: tiny text2motion, batch %d per process, %d steps, 1 and 2 processes...\n",
      kBatchPerProcess, steps);
  double sps[3] = {}, cpu_ms[3] = {};
  for (int n : {1, 2}) {
    const double cpu0 = children_cpu_seconds();
    run_launch(dir, data, n, steps);
    sps[n] = samples_per_second(dir / (std::to_string(n) + "proc.run") / "log.csv", n);
    cpu_ms[n] = 1000.0 * (children_cpu_seconds() - cpu0) / (steps * kBatchPerProcess * n);
  }
  fs::remove_all(dir);
  const std::string ctx = "tiny text2motion, batch " + std::to_string(kBatchPerProcess) +
                          " per process, 1 thread each, loopback Gloo";
  report.push_back({"train", "train_samples_per_s_1_process", sps[1], "1/s", ctx});
  report.push_back({"train", "train_samples_per_s_2_processes", sps[2], "1/s", ctx + " (e2m launch -n 2)"});
  report.push_back({"train", "train_scaling_efficiency", 100.0 * sps[2] / (2.0 * sps[1]), "%",
                    "2-process samples/s over twice the 1-process figure (needs 2 idle cores)"});
  // CPU time per sample does not depend on what else the machine runs: its ratio is the cost of
  // the communication alone (whole runs, start-up included).
  report.push_back(
      {"train", "train_cpu_ms_per_sample_1_process", cpu_ms[1], "ms", "whole run, start-up included"});
  report.push_back(
      {"train", "train_cpu_ms_per_sample_2_processes", cpu_ms[2], "ms", "whole run, start-up included"});
  report.push_back({"train", "train_cpu_efficiency", 100.0 * cpu_ms[1] / cpu_ms[2], "%",
                    "1-process CPU per sample over the 2-process one"});
}

}  // namespace e2m::app
