// `e2m launch` on the e2m binary: two ranks of a tiny training write one model file, and a rank
// killed mid-run stops the run with one line naming it.
// LibTorch first: glog, which it brings in, defines CHECK too, and Catch's must be the one that stands.
// clang-format off
#include <torch/torch.h>
// clang-format on
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "io/dataset_cache.h"
#include "motion/rotation.h"
#include "test_support.h"

using namespace e2m;

namespace {

std::filesystem::path write_cache(const std::filesystem::path& dir) {
  io::Dataset ds;
  ds.name = "synthetic";
  for (int v = 0; v < 4; ++v) {
    motion::Clip c = motion::Clip::rest(48);
    for (int f = 0; f < c.frames(); ++f)
      c.q(f, motion::kLeftKnee) = motion::quat_from_axis_angle({1, 0, 0}, 0.5 * std::sin(0.2 * (1 + v) * f));
    c.meta.name = "clip" + std::to_string(v);
    ds.clips.push_back(c);
    ds.split.push_back(v == 3 ? io::Split::Validation : io::Split::Train);
  }
  io::write_dataset(ds, dir / "data.e2md");
  return dir / "data.e2md";
}

struct Launch {
  pid_t pid = -1;
  std::filesystem::path out, err;
};

// `e2m launch -n 2 -- train vae --tiny ...` in dir, stdout and stderr to files there.
Launch start_launch(const std::filesystem::path& dir, int steps) {
  const std::vector<std::string> args = {E2M_BINARY,
                                         "launch",
                                         "-n",
                                         "2",
                                         "--grace",
                                         "5",
                                         "--",
                                         "train",
                                         "vae",
                                         "--tiny",
                                         "--data",
                                         "data.e2md",
                                         "--out",
                                         "vae.e2mm",
                                         "--steps",
                                         std::to_string(steps),
                                         "--batch",
                                         "4",
                                         "--window",
                                         "32",
                                         "--threads",
                                         "1",
                                         "--log-every",
                                         "1",
                                         "--dist-timeout",
                                         "10",
                                         "--no-progress"};
  Launch l{-1, dir / "stdout.txt", dir / "stderr.txt"};
  write_cache(dir);
  std::fflush(stdout);
  l.pid = ::fork();
  if (l.pid == 0) {
    if (::chdir(dir.c_str()) != 0) ::_exit(126);
    FILE* o = std::fopen(l.out.c_str(), "w");
    FILE* e = std::fopen(l.err.c_str(), "w");
    if (!o || !e) ::_exit(126);
    ::dup2(fileno(o), 1);
    ::dup2(fileno(e), 2);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(E2M_BINARY, argv.data());
    ::_exit(127);
  }
  return l;
}

// The exit status, or -1 after killing it when it ran past timeout_s.
int wait_launch(const Launch& l, double timeout_s) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  int status = 0;
  while (::waitpid(l.pid, &status, WNOHANG) != l.pid) {
    if (std::chrono::steady_clock::now() > end) {
      ::kill(l.pid, SIGKILL);
      ::waitpid(l.pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return status;
}

// The launcher's child whose environment says RANK=<rank>, or -1.
pid_t rank_pid(pid_t launcher, int rank) {
  std::ifstream children("/proc/" + std::to_string(launcher) + "/task/" + std::to_string(launcher) +
                         "/children");
  pid_t pid = 0;
  while (children >> pid) {
    const std::string env = test::read_file("/proc/" + std::to_string(pid) + "/environ");
    const std::string entry = std::string("RANK=") + std::to_string(rank) + '\0';
    if (env.rfind(entry, 0) == 0 || env.find('\0' + entry) != std::string::npos) return pid;
  }
  return -1;
}

}  // namespace

TEST_CASE("e2m launch runs two ranks of a tiny training into one model file", "[app][launch]") {
  const test::TempDir dir("launch-ok");
  const Launch l = start_launch(dir.path(), 4);
  const int status = wait_launch(l, 300);
  const std::string out = test::read_file(l.out), err = test::read_file(l.err);
  INFO(out << err);
  REQUIRE(status != -1);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(std::filesystem::exists(dir.path() / "vae.e2mm"));
  CHECK(err.find("2 rank(s) x batch 4 = global batch 8") != std::string::npos);
  // Rank 0 alone reports the run.
  CHECK(out.find("model vae.e2mm") != std::string::npos);
  CHECK(out.find("model vae.e2mm") == out.rfind("model vae.e2mm"));
}

TEST_CASE("e2m launch stops the run and names the rank that was killed", "[app][launch]") {
  const test::TempDir dir("launch-kill");
  const Launch l = start_launch(dir.path(), 100000);
  const auto log = dir.path() / "vae.run/log.csv";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (test::read_file(log).find("\n3,") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const pid_t victim = rank_pid(l.pid, 1);
  REQUIRE(victim > 0);
  ::kill(victim, SIGKILL);
  const int status = wait_launch(l, 60);
  const std::string err = test::read_file(l.err);
  INFO(err);
  REQUIRE(status != -1);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) != 0);
  CHECK(err.find("launch: rank 1 was killed by signal 9") != std::string::npos);
  CHECK(err.find("train: rank 0 lost contact with the other ranks") != std::string::npos);
}
