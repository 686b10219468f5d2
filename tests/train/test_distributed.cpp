// Tests of data-parallel training (train/distributed.h) with real ranks: this test binary runs
// itself as each rank (a hidden test case) over loopback Gloo, so every rank is a fresh process.
// LibTorch first: glog, which it brings in, defines CHECK too, and Catch's must be the one that stands.
// clang-format off
#include "train/trainer.h"
// clang-format on

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <thread>

#include "io/dataset_cache.h"
#include "model/model_file.h"
#include "motion/error.h"
#include "motion/rotation.h"
#include "test_support.h"
#include "tiny_run.h"
#include "train/distributed.h"
#include "train/log.h"

using namespace e2m;

namespace {

constexpr const char* kRankTag = "[dist_rank]";

// Two captioned actions, three variants each; variant 2 is held out.
std::filesystem::path tiny_text_cache(const std::filesystem::path& dir) {
  io::Dataset ds;
  ds.name = "synthetic";
  for (const std::string action : {"wave", "bow"}) {
    for (int v = 0; v < 3; ++v) {
      motion::Clip c = motion::Clip::rest(56);
      const int joint = action == "wave" ? motion::kRightElbow : motion::kSpine1;
      for (int f = 0; f < c.frames(); ++f)
        c.q(f, joint) = motion::quat_from_axis_angle({1, 0, 0}, 0.5 * std::sin(0.2 * (1 + v) * f));
      c.meta.name = action + std::to_string(v);
      c.meta.captions = {"a person does a " + action,
                         "someone does a " + action + " number " + std::to_string(v)};
      ds.clips.push_back(c);
      ds.split.push_back(v == 2 ? io::Split::Validation : io::Split::Train);
    }
  }
  io::write_dataset(ds, dir / "data.e2md");
  return dir / "data.e2md";
}

// Tiny text2motion: no dropout layers and no noise, so its rows are independent and a 2-rank run
// must match a 1-rank run with the doubled batch (BPE-dropout stays on: it is drawn for the
// global batch). `batch` is per rank.
train::TrainOptions options(const std::filesystem::path& dir, const std::string& name, int batch) {
  train::TrainOptions o = test::tiny_run(model::ModelKind::Text2Motion, {dir / "data.e2md"},
                                         dir / (name + ".e2mm"), dir / (name + ".run"));
  o.steps = 20;
  o.batch = batch;
  o.warmup = 5;
  o.seed = 3;
  o.checkpoint_every = 10;
  o.val_every = 10;
  o.log_every = 1;
  o.val_batches = 1;
  o.dist_timeout_s = 10;
  return o;
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// One rank: this test binary running the hidden rank test case, its output in <dir>/rank<r>.txt.
struct Rank {
  pid_t pid = -1;
  std::filesystem::path output;
};

// Starts `n` ranks training options(dir, name, batch) with stop_at (0: to the end).
std::vector<Rank> start_ranks(const std::filesystem::path& dir, const std::string& name, int n, int batch,
                              int64_t steps, int64_t stop_at = 0, double timeout_s = 10) {
  const int port = free_port();
  std::vector<Rank> ranks;
  for (int r = 0; r < n; ++r) {
    Rank rank;
    rank.output = dir / (name + "-rank" + std::to_string(r) + ".txt");
    rank.pid = ::fork();
    REQUIRE(rank.pid >= 0);
    if (rank.pid == 0) {
      const int fd = ::open(rank.output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::setenv("RANK", std::to_string(r).c_str(), 1);
      ::setenv("WORLD_SIZE", std::to_string(n).c_str(), 1);
      ::setenv("MASTER_ADDR", "127.0.0.1", 1);
      ::setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
      ::setenv("E2M_DIST_DIR", dir.c_str(), 1);
      ::setenv("E2M_DIST_NAME", name.c_str(), 1);
      ::setenv("E2M_DIST_BATCH", std::to_string(batch).c_str(), 1);
      ::setenv("E2M_DIST_STEPS", std::to_string(steps).c_str(), 1);
      ::setenv("E2M_DIST_STOP_AT", std::to_string(stop_at).c_str(), 1);
      ::setenv("E2M_DIST_TIMEOUT", std::to_string(timeout_s).c_str(), 1);
      ::execl("/proc/self/exe", "test_train", kRankTag, static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ranks.push_back(rank);
  }
  return ranks;
}

// Waits up to `limit` for a rank; returns its wait status, or -1 (and kills it) when it overran.
int wait_rank(const Rank& rank, std::chrono::seconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (::waitpid(rank.pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > end) {
      ::kill(rank.pid, SIGKILL);
      ::waitpid(rank.pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return status;
}

void require_success(const std::vector<Rank>& ranks) {
  for (const auto& r : ranks) {
    const int status = wait_rank(r, std::chrono::seconds(300));
    INFO(test::read_file(r.output));
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
  }
}

void require_same_parameters(const std::filesystem::path& a, const std::filesystem::path& b) {
  model::Text2Motion ma = model::load_text2motion(a), mb = model::load_text2motion(b);
  const auto pa = ma->named_parameters(), pb = mb->named_parameters();
  REQUIRE(pa.size() == pb.size());
  double worst = 0;
  for (const auto& p : pa) worst = std::max(worst, (p.value() - pb[p.key()]).abs().max().item<double>());
  INFO("largest parameter difference " << worst);
  CHECK(worst < 1e-5);
}

// Mid-run: once rank 0 has logged `steps` steps.
void wait_for_steps(const std::filesystem::path& log, size_t steps) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!(std::filesystem::exists(log) && train::read_log(log).size() >= steps) &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

int env_int(const char* name) { return std::atoi(std::getenv(name)); }

}  // namespace

// A rank of the tests below (hidden: run only by them, with the E2M_DIST_* environment).
TEST_CASE("one rank of a distributed test run", "[.][dist_rank]") {
  const char* dir = std::getenv("E2M_DIST_DIR");
  REQUIRE(dir);
  train::TrainOptions o = options(dir, std::getenv("E2M_DIST_NAME"), env_int("E2M_DIST_BATCH"));
  o.steps = env_int("E2M_DIST_STEPS");
  o.stop_at = env_int("E2M_DIST_STOP_AT");
  o.dist_timeout_s = std::atof(std::getenv("E2M_DIST_TIMEOUT"));
  try {
    train::run_training(o);  // rank, world size and rendezvous from the environment
  } catch (const Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    std::fflush(stderr);
    std::_Exit(3);
  }
}

TEST_CASE("two ranks train the same parameters as one rank with twice the batch", "[train][distributed]") {
  const test::TempDir dir("dist-same");
  tiny_text_cache(dir.path());
  train::TrainOptions one = options(dir.path(), "one", 8);
  one.world_size = 1;
  train::run_training(one);
  require_success(start_ranks(dir.path(), "two", 2, 4, 20));
  require_same_parameters(one.out, dir.path() / "two.e2mm");
  // Rank 0 alone wrote the log, with the global mean loss.
  const auto a = train::read_log(one.run_dir / "log.csv"),
             b = train::read_log(dir.path() / "two.run/log.csv");
  REQUIRE(a.size() == b.size());
  CHECK(b.front().train_loss == Approx(a.front().train_loss).epsilon(1e-5));
}

TEST_CASE("a rank killed mid-run makes the other exit with a clear error within the timeout",
          "[train][distributed]") {
  const test::TempDir dir("dist-kill");
  tiny_text_cache(dir.path());
  std::vector<Rank> ranks = start_ranks(dir.path(), "kill", 2, 4, 100000);
  wait_for_steps(dir.path() / "kill.run/log.csv", 3);
  ::kill(ranks[1].pid, SIGKILL);
  ::waitpid(ranks[1].pid, nullptr, 0);
  const auto killed = std::chrono::steady_clock::now();
  const int status = wait_rank(ranks[0], std::chrono::seconds(30));  // timeout 10 s, plus margin
  const std::string out = test::read_file(ranks[0].output);
  INFO(out);
  REQUIRE(status != -1);
  CHECK(std::chrono::steady_clock::now() - killed < std::chrono::seconds(15));
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) != 0);
  CHECK(out.find("train: rank 0 lost contact with the other ranks") != std::string::npos);
}

// A peer that hangs (stopped, or its network gone) closes nothing: the timeout must end the wait.
TEST_CASE("a rank that stops answering makes the other exit with a clear error after the timeout",
          "[train][distributed]") {
  const test::TempDir dir("dist-stop");
  tiny_text_cache(dir.path());
  std::vector<Rank> ranks = start_ranks(dir.path(), "stop", 2, 4, 100000, 0, 3);
  wait_for_steps(dir.path() / "stop.run/log.csv", 3);
  ::kill(ranks[1].pid, SIGSTOP);
  const auto stopped = std::chrono::steady_clock::now();
  const int status = wait_rank(ranks[0], std::chrono::seconds(30));
  const auto waited = std::chrono::steady_clock::now() - stopped;
  ::kill(ranks[1].pid, SIGKILL);
  ::waitpid(ranks[1].pid, nullptr, 0);
  const std::string out = test::read_file(ranks[0].output);
  INFO(out);
  REQUIRE(status != -1);
  CHECK(waited < std::chrono::seconds(10));  // timeout 3 s, plus margin for a busy machine
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) != 0);
  CHECK(out.find("train: rank 0 lost contact with the other ranks") != std::string::npos);
}

TEST_CASE("a two-rank checkpoint resumes on one rank at its step", "[train][distributed][resume]") {
  const test::TempDir dir("dist-resume");
  tiny_text_cache(dir.path());
  require_success(start_ranks(dir.path(), "part", 2, 4, 20, 10));
  CHECK_FALSE(std::filesystem::exists(dir.path() / "part.e2mm"));
  train::TrainOptions part = options(dir.path(), "part", 8);  // the same global batch on one rank
  part.world_size = 1;
  part.resume = true;
  const train::TrainResult r = train::run_training(part);
  CHECK(r.start_step == 10);
  CHECK(r.end_step == 20);
  const auto rows = train::read_log(part.run_dir / "log.csv");
  REQUIRE(rows.size() == 20);
  CHECK(rows.back().step == 20);
  // ... and ends where an uninterrupted one-rank run does.
  train::TrainOptions whole = options(dir.path(), "whole", 8);
  whole.world_size = 1;
  train::run_training(whole);
  require_same_parameters(whole.out, part.out);
}

TEST_CASE("distributed settings come from the options, else torchrun's environment", "[train][distributed]") {
  train::TrainOptions o;
  CHECK(train::dist_settings(o).world_size == 1);
  ::setenv("WORLD_SIZE", "3", 1);
  ::setenv("RANK", "2", 1);
  ::setenv("MASTER_ADDR", "10.1.2.3", 1);
  ::setenv("MASTER_PORT", "1234", 1);
  const train::DistSettings env = train::dist_settings(o);
  CHECK(env.world_size == 3);
  CHECK(env.rank == 2);
  CHECK(env.master_addr == "10.1.2.3");
  CHECK(env.master_port == 1234);
  o.world_size = 2;
  o.rank = 1;
  o.master_port = 4321;
  const train::DistSettings given = train::dist_settings(o);
  CHECK(given.world_size == 2);
  CHECK(given.rank == 1);
  CHECK(given.master_port == 4321);
  o.rank = 2;
  CHECK_THROWS_WITH(train::dist_settings(o), Catch::Contains("rank 2 is outside 0..1"));
  ::setenv("RANK", "two", 1);
  o.rank = -1;
  CHECK_THROWS_WITH(train::dist_settings(o), Catch::Contains("RANK='two' is not a valid number"));
  for (const char* name : {"WORLD_SIZE", "RANK", "MASTER_ADDR", "MASTER_PORT"}) ::unsetenv(name);
}

TEST_CASE("a rank whose rendezvous never comes up gives up after the timeout", "[train][distributed]") {
  train::DistSettings s;
  s.world_size = 2;
  s.rank = 1;
  s.master_port = free_port();  // nobody serves it
  s.timeout_s = 2;
  const auto t0 = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH(train::Distributed(s),
                    Catch::Contains("train: rank 1 could not join the 2-rank rendezvous at 127.0.0.1:" +
                                    std::to_string(s.master_port)));
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(20));
}
