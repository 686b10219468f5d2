// Xvfb as a child process (see virtual_display.h).
#include "ui/virtual_display.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "motion/error.h"

namespace e2m::ui {

namespace {

constexpr int kStartTimeoutMs = 15000;  // Xvfb compiles its keymap at start: a few seconds on a busy CI

std::string find_xvfb() {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  for (size_t start = 0; start <= dirs.size();) {
    const size_t end = std::min(dirs.find(':', start), dirs.size());
    const auto candidate = std::filesystem::path(dirs.substr(start, end - start)) / "Xvfb";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    start = end + 1;
  }
  return "";
}

// Reads the display number Xvfb writes to -displayfd once it is ready; empty on timeout or exit.
std::string read_display_number(int fd) {
  std::string number;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kStartTimeoutMs);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char c;
    if (::read(fd, &c, 1) != 1) return "";
    if (c == '\n') return number;
    number += c;
  }
  return "";
}

}  // namespace

bool VirtualDisplay::available() { return !find_xvfb().empty(); }

VirtualDisplay::VirtualDisplay(int width, int height) {
  const std::string xvfb = find_xvfb();
  if (xvfb.empty()) throw Error("Xvfb is not installed (Debian: apt install xvfb)");
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw Error("Xvfb: cannot create a pipe");
  // Everything the child needs is built before fork: after it only async-signal-safe calls.
  const std::string fd_arg = std::to_string(fds[1]);
  const std::string screen = std::to_string(width) + "x" + std::to_string(height) + "x24";
  std::vector<const char*> argv = {"Xvfb",         "-displayfd", fd_arg.c_str(), "-screen",  "0",
                                   screen.c_str(), "-nolisten",  "tcp",          "-noreset", nullptr};
  pid_ = ::fork();
  if (pid_ == 0) {
    ::fcntl(fds[1], F_SETFD, 0);  // the one descriptor Xvfb inherits
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDOUT_FILENO);
    ::dup2(null, STDERR_FILENO);
    ::execv(xvfb.c_str(), const_cast<char* const*>(argv.data()));
    ::_exit(127);
  }
  ::close(fds[1]);
  const std::string number = pid_ > 0 ? read_display_number(fds[0]) : "";
  ::close(fds[0]);
  if (number.empty()) {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    throw Error("Xvfb (" + xvfb + ") did not start within " + std::to_string(kStartTimeoutMs / 1000) + " s");
  }
  name_ = ":" + number;
}

VirtualDisplay::~VirtualDisplay() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  ::waitpid(pid_, nullptr, 0);
}

}  // namespace e2m::ui
