// A jackd with the dummy backend for tests, under a server name of its own so parallel tests never
// share one (JACK_DEFAULT_SERVER is set for the process), plus the process helpers it needs. Tests
// kill and restart it to drill a vanishing audio device.
#pragma once
#include <jack/jack.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "test_support.h"

namespace e2m::test::jack {

inline bool on_path(const char* prog) {
  const std::string cmd = std::string("command -v ") + prog + " >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

// Starts a program with extra environment; its output goes to `log`.
inline pid_t spawn(const std::vector<std::string>& args,
                   const std::vector<std::pair<std::string, std::string>>& env,
                   const std::filesystem::path& log) {
  const pid_t pid = fork();
  if (pid == 0) {
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    FILE* f = std::fopen(log.c_str(), "w");
    if (f) {
      dup2(fileno(f), 1);
      dup2(fileno(f), 2);
    }
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

inline void stop_process(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  for (int i = 0; i < 50; ++i) {
    if (waitpid(pid, nullptr, WNOHANG) == pid) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

// Catch2 v2 has no SKIP: a test without its programs warns with the reason and returns early.
inline bool programs_installed(std::initializer_list<const char*> progs, const char* packages) {
  for (const char* prog : progs) {
    if (on_path(prog)) continue;
    WARN("SKIPPED: " << packages << " is not installed");
    return false;
  }
  return true;
}

inline void quiet(const char*) {}

// A test that drills a dying server can hang inside libjack (a client close that joins a thread which
// never ends). Past `seconds` this prints every thread's stack (gdb, where installed) and aborts, so
// the hang fails the test at once and says where, instead of at CTest's timeout with nothing to read.
class HangWatch {
 public:
  explicit HangWatch(double seconds) {
    prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);  // let gdb, our child, attach to us
    thread_ = std::thread([this, seconds] {
      std::unique_lock<std::mutex> lock(mutex_);
      if (cv_.wait_for(lock, std::chrono::duration<double>(seconds), [this] { return done_; })) return;
      std::fprintf(stderr, "HANG: the test ran past %.0f s; the stacks of its threads:\n", seconds);
      std::fflush(stdout);
      const std::string cmd =
          "gdb -p " + std::to_string(getpid()) + " -batch -nx -ex 'thread apply all bt' 1>&2 2>/dev/null";
      if (on_path("gdb") && std::system(cmd.c_str()) != 0) std::fprintf(stderr, "(gdb failed)\n");
      std::abort();
    });
  }
  ~HangWatch() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

// Up, and its driver's capture ports are there. Asked from a child process (jack_lsp): libjack frees
// the clients of a server that died as soon as any client is opened in the process, so a probe in
// this one would pull a dead client from under the code under test (see portaudio_source.cpp).
inline bool wait_for_jack(const std::string& server, const std::filesystem::path& dir) {
  const auto out = dir / "jack_lsp.out";
  for (int i = 0; i < 100; ++i) {
    const pid_t pid = spawn({"jack_lsp", "-s", server, "system:capture_"}, {}, out);
    int status = 0;
    const bool ran = pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status);
    if (ran && WEXITSTATUS(status) == 0 && read_file(out).find("system:capture_") != std::string::npos)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

struct JackServer {
  std::string name;
  pid_t pid = -1;
  int starts = 0;
  bool reclaiming = false;
  std::filesystem::path dir;
  ~JackServer() {
    stop();
    if (unreclaimed && !dir.empty() && start_jack_again()) stop();
    remove_leftovers();
  }
  void stop();
  bool start_jack_again();
  // Sends `sig` (a crash or an orderly shutdown) and reaps the server at once: unlike stop(), no
  // reclaiming start under the same name, which would briefly bring the device back in the middle of
  // an outage. Its entry in JACK's server table is reclaimed by the next start_jack, or else on
  // destruction.
  void kill_now(int sig) {
    if (pid <= 0) return;
    kill(pid, sig);
    int status = 0;
    waitpid(pid, &status, 0);
    pid = -1;
    unreclaimed = !WIFEXITED(status) || WEXITSTATUS(status) != 0;
  }
  bool unreclaimed = false;
  // A killed server leaves its sockets and semaphores (named after it) in JACK's shm folder.
  void remove_leftovers() const {
    std::error_code ec;
    if (name.empty() || !std::filesystem::is_directory("/dev/shm", ec)) return;
    for (const auto& e : std::filesystem::directory_iterator("/dev/shm", ec)) {
      const std::string f = e.path().filename().string();
      if (f.find("_" + name + "_") != std::string::npos) std::filesystem::remove(e.path(), ec);
    }
  }
};

// jackd with the dummy backend under a name of its own, so parallel tests never share a server. Called
// again on a stopped server, it starts one under the same name (a server that comes back).
inline bool start_jack(JackServer& server, const std::string& tag, const std::filesystem::path& dir,
                       int period = 1024) {
  if (server.name.empty()) server.name = "e2m" + tag + std::to_string(getpid());
  server.dir = dir;
  const auto log = dir / ("jackd-" + std::to_string(++server.starts) + ".log");
  server.pid = spawn({"jackd", "--no-realtime", "-n", server.name, "-d", "dummy", "-r", "48000", "-p",
                      std::to_string(period)},
                     {}, log);
  if (!wait_for_jack(server.name, dir)) {
    std::printf("jackd %s did not come up; its log:\n%s\n", server.name.c_str(),
                e2m::test::read_file(log).c_str());
    return false;
  }
  server.unreclaimed = false;
  setenv("JACK_DEFAULT_SERVER", server.name.c_str(), 1);
  setenv("JACK_NO_START_SERVER", "1", 1);
  return true;
}

inline bool JackServer::start_jack_again() { return start_jack(*this, "", dir); }

// JACK keeps a per-user table of at most 8 running servers, and a server that dies without shutting
// down cleanly (killed, or stopped under a connected client) keeps its entry until a server of the same
// name starts again. So a server that had to be killed is started once more and stopped cleanly.
inline void JackServer::stop() {
  if (pid <= 0) return;
  kill(pid, SIGCONT);  // a test may have frozen it
  kill(pid, SIGTERM);
  int status = 0;
  bool clean = false;
  for (int i = 0; i < 100 && !clean; ++i) {
    clean = waitpid(pid, &status, WNOHANG) == pid;
    if (!clean) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!clean) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  pid = -1;
  const bool unclean = !clean || !WIFEXITED(status) || WEXITSTATUS(status) != 0;
  if (unclean && !reclaiming) {
    reclaiming = true;
    if (start_jack(*this, "", dir)) stop();
    reclaiming = false;
  }
}

}  // namespace e2m::test::jack
