// `e2m launch -n N -- train ...`: runs N copies of this e2m binary on this machine as the ranks of
// one data-parallel run (torchrun's environment: RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT) and
// stops them all when one fails.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <cxxopts.hpp>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "app/commands.h"
#include "motion/error.h"

namespace e2m::app {

namespace {

volatile std::sig_atomic_t g_stop_signal = 0;  // SIGINT/SIGTERM to the launcher: passed on

void on_stop_signal(int sig) { g_stop_signal = sig; }

// A TCP port free on loopback now (the kernel's pick); rank 0 binds it a moment later.
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw Error("launch: cannot open a socket to find a free port");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  ::close(fd);
  if (!ok) throw Error("launch: cannot find a free port on 127.0.0.1 (give --port)");
  return ntohs(addr.sin_port);
}

pid_t spawn_rank(int rank, int n, int port, std::vector<std::string> args) {
  const pid_t pid = ::fork();
  if (pid < 0) throw Error("launch: cannot start rank " + std::to_string(rank) + " (fork failed)");
  if (pid > 0) return pid;
  ::setenv("RANK", std::to_string(rank).c_str(), 1);
  ::setenv("LOCAL_RANK", std::to_string(rank).c_str(), 1);
  ::setenv("WORLD_SIZE", std::to_string(n).c_str(), 1);
  ::setenv("MASTER_ADDR", "127.0.0.1", 1);
  ::setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
  std::vector<char*> argv = {const_cast<char*>("e2m")};
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execv("/proc/self/exe", argv.data());
  std::fprintf(stderr, "e2m launch: rank %d: cannot run /proc/self/exe: %s\n", rank, std::strerror(errno));
  ::_exit(127);
}

std::string describe(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    return "was killed by signal " + std::to_string(sig) + " (" + strsignal(sig) + ")";
  }
  return "exited with status " + std::to_string(WEXITSTATUS(status));
}

void signal_all(const std::map<pid_t, int>& running, int sig) {
  for (const auto& [pid, rank] : running) ::kill(pid, sig);
}

// Reaps ranks until none is left. After the first failure the others get `grace` to notice (they
// exit on their own when a peer is gone), then SIGTERM, and SIGKILL another `grace` later.
// Returns the first failure's description, empty when all succeeded.
std::string wait_ranks(std::map<pid_t, int> running, std::chrono::milliseconds grace) {
  using Clock = std::chrono::steady_clock;
  std::string failure;
  Clock::time_point deadline = Clock::time_point::max();
  int escalation = 0;  // 0: waiting, 1: SIGTERM sent, 2: SIGKILL sent
  while (!running.empty()) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid > 0 && running.count(pid)) {
      const int rank = running[pid];
      running.erase(pid);
      const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
      if (!ok && failure.empty()) {
        failure = "rank " + std::to_string(rank) + " " + describe(status);
        deadline = Clock::now() + grace;
      }
      continue;
    }
    if (g_stop_signal && failure.empty()) {
      failure = std::string("stopped by ") + strsignal(g_stop_signal);
      deadline = Clock::now();
    }
    if (Clock::now() >= deadline && escalation < 2) {
      signal_all(running, escalation == 0 ? SIGTERM : SIGKILL);
      ++escalation;
      deadline = Clock::now() + grace;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return failure;
}

}  // namespace

int cmd_launch(int argc, char** argv) {
  // Everything after "--" is the e2m command each rank runs.
  int split = 1;
  while (split < argc && std::strcmp(argv[split], "--") != 0) ++split;
  const std::vector<std::string> command(argv + std::min(split + 1, argc), argv + argc);

  cxxopts::Options options(
      argv[0],
      "Run N copies of an e2m command on this machine as the ranks of one data-parallel run: each gets\n"
      "RANK, WORLD_SIZE, MASTER_ADDR=127.0.0.1 and MASTER_PORT in its environment (as torchrun sets\n"
      "them). Waits for all; when one fails, the others are stopped and launch exits non-zero.\n\n"
      "  e2m launch -n 2 -- train vae --data bandai.e2md --out models/vae.e2mm\n");
  options.positional_help("-- <e2m command and its options>");
  options.add_options()("n,nproc", "number of processes (ranks)", cxxopts::value<int>())(
      "port", "rendezvous port on 127.0.0.1 (default: a free one)", cxxopts::value<int>())(
      "grace", "seconds the other ranks get to exit on their own after one fails",
      cxxopts::value<double>()->default_value("10"))("h,help", "show this help");
  const auto args = options.parse(split, argv);
  if (args.count("help")) {
    std::printf("%s\n", options.help().c_str());
    return 0;
  }
  if (!args.count("nproc")) throw Error("launch: give the number of processes (-n N)");
  if (command.empty()) throw Error("launch: give the e2m command after '--' (e.g. -- train vae ...)");
  const int n = args["nproc"].as<int>();
  if (n < 1) throw Error("launch: -n must be at least 1");
  const int port = args.count("port") ? args["port"].as<int>() : free_port();
  const auto grace = std::chrono::milliseconds(static_cast<int64_t>(args["grace"].as<double>() * 1000));

  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  std::map<pid_t, int> running;
  for (int rank = 0; rank < n; ++rank) running[spawn_rank(rank, n, port, command)] = rank;
  const std::string failure = wait_ranks(std::move(running), grace);
  if (!failure.empty()) throw Error("launch: " + failure);
  return 0;
}

}  // namespace e2m::app
