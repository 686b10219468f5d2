// LinkClock: one clock alone (no network), its real-time read, and real Link sessions between two
// peers inside a network namespace the test creates, so no packet leaves the machine.
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "live/link_clock.h"
#include "motion/error.h"
#include "rt_checks.h"
#include "test_support.h"

using namespace e2m::live;
using Clock = std::chrono::steady_clock;

namespace {

constexpr double kProposed = 130.0;
constexpr double kPeerDeadlineS = 20.0;   // discovery takes well under a second on loopback
constexpr double kPhaseTolerance = 0.01;  // of a 4-beat bar: 18 ms at 130 BPM

template <typename Pred>
bool wait_until(Pred pred, double seconds) {
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  while (!pred()) {
    if (Clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

double circular_distance(double a, double b) {
  const double d = std::abs(a - b);
  return std::min(d, 1.0 - d);
}

// A shell command's exit status and its output (stdout and stderr).
struct Shell {
  int status = -1;
  std::string output;
};

Shell shell(const std::string& cmd) {
  Shell r;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return r;
  std::array<char, 256> buf;
  while (std::fgets(buf.data(), int(buf.size()), p)) r.output += buf.data();
  const int status = pclose(p);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  while (!r.output.empty() && (r.output.back() == '\n' || r.output.back() == ' ')) r.output.pop_back();
  return r;
}

// A network namespace of the test's own with only `lo`, up and multicast-capable: Link's discovery
// multicasts to 224.76.78.75:20808 on every interface that is up, loopback included (it sets
// IP_MULTICAST_LOOP on loopback), so peers in the namespace find each other and nobody else.
class NetNs {
 public:
  NetNs() : name_("e2m-link-" + std::to_string(getpid())) {
    shell("ip netns del " + name_);  // left over from a killed run with the same pid
    const Shell add = shell("ip netns add " + name_);
    if (add.status != 0) {
      error_ =
          "'ip netns add " + name_ + "' failed (status " + std::to_string(add.status) + "): " + add.output;
      return;
    }
    created_ = true;
    for (const char* step : {"link set lo up", "link set lo multicast on"}) {
      const Shell s = shell("ip -n " + name_ + " " + step);
      if (s.status != 0) {
        error_ = "'ip -n " + name_ + " " + step + "' failed: " + s.output;
        return;
      }
    }
  }
  ~NetNs() {
    if (created_) shell("ip netns del " + name_);
  }
  NetNs(const NetNs&) = delete;
  NetNs& operator=(const NetNs&) = delete;

  bool ok() const { return created_ && error_.empty(); }
  const std::string& error() const { return error_; }
  const std::string& name() const { return name_; }

 private:
  std::string name_, error_;
  bool created_ = false;
};

// Runs fn in a child process inside the namespace; the child exits with fn's result (10 when it
// could not enter the namespace).
// Output buffered before the fork is flushed first, so the child (which leaves with _exit and never
// flushes) cannot print it a second time.
pid_t fork_in_netns(const std::string& netns, const std::function<int()>& fn) {
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid != 0) return pid;
  int code = 10;
  const int fd = open(("/var/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0 && setns(fd, CLONE_NEWNET) == 0) code = fn();
  _exit(code);
}

int wait_child(pid_t pid, double seconds) {
  int status = 0;
  const bool done = wait_until([&] { return waitpid(pid, &status, WNOHANG) == pid; }, seconds);
  if (!done) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// What a peer process saw, sent to the test through a pipe.
struct PeerReport {
  int code = -1;  // 0 ok, 2 no peer, 3 tempo not followed, 4 exception
  int peers = 0;
  double tempo = 0;
  double bar_phase = -1;  // at the reference time the test chose
};

// Joins the session, waits for the other peer, proposes (or waits for) the tempo, reports, then
// stays in the session until the test closes `stop_fd`, so the other peer keeps its partner.
int run_peer(bool proposer, Clock::time_point t_ref, int report_fd, int stop_fd) {
  PeerReport r;
  try {
    LinkClock link(proposer ? 120.0 : 100.0, 4.0);
    link.enable(true);
    if (!wait_until([&] { return link.peers() == 1; }, kPeerDeadlineS)) {
      r.code = 2;
    } else {
      if (proposer) link.propose_tempo(kProposed);
      const bool followed =
          wait_until([&] { return std::abs(link.tempo_bpm() - kProposed) < 1e-3; }, kPeerDeadlineS);
      std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the new timeline settles
      r.code = followed ? 0 : 3;
      r.bar_phase = link.read(t_ref).bar_phase;
    }
    r.peers = int(link.peers());
    r.tempo = link.tempo_bpm();
    if (write(report_fd, &r, sizeof r) != ssize_t(sizeof r)) return 5;
    pollfd p{stop_fd, POLLIN, 0};
    poll(&p, 1, 60000);
  } catch (...) {
    r.code = 4;
    if (write(report_fd, &r, sizeof r) != ssize_t(sizeof r)) return 5;
  }
  return r.code;
}

bool read_report(int fd, PeerReport& r, double seconds) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, int(seconds * 1000)) <= 0) return false;
  return read(fd, &r, sizeof r) == ssize_t(sizeof r);
}

// Interfaces that are up, loopback or not: Link announces itself on every one.
std::string interfaces_up(bool loopback) {
  std::string names;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return loopback ? "" : "unknown (getifaddrs failed)";
  for (ifaddrs* i = list; i; i = i->ifa_next) {
    if (!(i->ifa_flags & IFF_UP) || bool(i->ifa_flags & IFF_LOOPBACK) != loopback) continue;
    if (names.find(i->ifa_name) == std::string::npos)
      names += std::string(names.empty() ? "" : ", ") + i->ifa_name;
  }
  freeifaddrs(list);
  return names;
}

// Two clocks in one process: each Link instance has its own node id and filters only its own
// messages, so they are peers of each other. 0: both saw a peer, followed the proposal and agree on
// the bar phase.
int two_clocks_in_one_process() {
  LinkClock a(120.0, 4.0), b(100.0, 4.0);
  a.enable(true);
  b.enable(true);
  if (!wait_until([&] { return a.peers() == 1 && b.peers() == 1; }, kPeerDeadlineS)) return 2;
  a.propose_tempo(kProposed);
  if (!wait_until([&] { return std::abs(b.tempo_bpm() - kProposed) < 1e-3; }, kPeerDeadlineS)) return 3;
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto t = Clock::now();
  if (circular_distance(a.read(t).bar_phase, b.read(t).bar_phase) > kPhaseTolerance) return 6;
  return 0;
}

}  // namespace

TEST_CASE("link clock alone keeps its tempo, reports phases in range and takes a proposed tempo",
          "[live][link]") {
  LinkClock link(120.0, 4.0);
  CHECK_FALSE(link.enabled());
  CHECK(link.peers() == 0);
  const auto t = Clock::now();
  const LinkBeat now = link.read(t);
  CHECK(now.valid);
  CHECK(now.tempo_bpm == Approx(120.0));
  CHECK(now.beat_phase >= 0.0);
  CHECK(now.beat_phase < 1.0);
  CHECK(now.bar_phase >= 0.0);
  CHECK(now.bar_phase < 1.0);
  // Half a second at 120 BPM is one beat; the bar phase is four beats' worth of the beat phase.
  const LinkBeat later = link.read(t + std::chrono::milliseconds(500));
  CHECK(later.beat - now.beat == Approx(1.0).margin(1e-3));
  CHECK(circular_distance(std::fmod(now.bar_phase * 4.0, 1.0), now.beat_phase) < 1e-6);
  link.set_quantum(1.0);
  const LinkBeat beats = link.read(t);
  CHECK(circular_distance(beats.bar_phase, beats.beat_phase) < 1e-6);

  link.propose_tempo(90.0);
  CHECK(link.tempo_bpm() == Approx(90.0));
  // The real-time capture sees an application commit through Link's triple buffer.
  CHECK(wait_until([&] { return std::abs(link.read_rt(Clock::now()).tempo_bpm - 90.0) < 1e-9; }, 5.0));
  const LinkBeat rt = link.read_rt(Clock::now());
  CHECK(rt.valid);
  CHECK(rt.bar_phase < 1.0);
  CHECK(link.rt_collisions() == 0);

  CHECK_THROWS_WITH(LinkClock(10.0), Catch::Contains("20..999"));
  CHECK_THROWS_AS(LinkClock(120.0, 0.0), e2m::Error);
  CHECK_THROWS_WITH(link.propose_tempo(5000.0), Catch::Contains("20..999"));
  CHECK_THROWS_AS(link.set_quantum(-1.0), e2m::Error);
}

TEST_CASE("link clock real-time read neither allocates nor locks", "[live][link][rt]") {
  namespace rt = e2m::test::rt;
  LinkClock link(120.0, 4.0);
  link.propose_tempo(128.0);
  (void)link.read_rt(Clock::now());  // first capture after the commit takes it over
  rt::Counters counters;
  double sum = 0;
  {
    rt::WatchScope watch(counters);
    for (int i = 0; i < 100; ++i) {
      const LinkBeat b = link.read_rt(Clock::now() + std::chrono::milliseconds(i));
      sum += b.bar_phase + b.tempo_bpm + double(link.peers());
    }
  }
  const auto c = rt::read(counters);
  INFO("heap calls " << c.heap_calls() << ", lock calls " << c.lock_calls());
  CHECK(c.heap_calls() == 0);
  CHECK(c.lock_calls() == 0);
  CHECK(sum > 0);
}

TEST_CASE("link: two peer processes in a network namespace find each other and follow a proposed tempo",
          "[live][link][netns]") {
  NetNs ns;
  if (!ns.ok()) {
    WARN("SKIPPED: cannot create a network namespace for the Link peers: " << ns.error());
    return;
  }
  const auto t_ref = Clock::now() + std::chrono::seconds(30);
  int report_a[2], report_b[2], stop[2];
  REQUIRE(pipe(report_a) == 0);
  REQUIRE(pipe(report_b) == 0);
  REQUIRE(pipe(stop) == 0);
  // Each child keeps only its own report's write end and the stop pipe's read end, so a child that
  // dies shows as end of file rather than a wait.
  const auto peer = [&](bool proposer, const int* mine, const int* other) {
    return [=] {
      for (int fd : {stop[1], mine[0], other[0], other[1]}) close(fd);
      return run_peer(proposer, t_ref, mine[1], stop[0]);
    };
  };
  const pid_t follower = fork_in_netns(ns.name(), peer(false, report_a, report_b));
  const pid_t proposer = fork_in_netns(ns.name(), peer(true, report_b, report_a));
  REQUIRE(follower > 0);
  REQUIRE(proposer > 0);
  close(report_a[1]);
  close(report_b[1]);
  close(stop[0]);
  PeerReport a, b;
  const bool got_a = read_report(report_a[0], a, 3 * kPeerDeadlineS);
  const bool got_b = read_report(report_b[0], b, 3 * kPeerDeadlineS);
  close(stop[1]);  // both may leave the session now
  const int code_a = wait_child(follower, 20.0);
  const int code_b = wait_child(proposer, 20.0);
  close(report_a[0]);
  close(report_b[0]);
  std::printf(
      "link peers in netns %s: follower code %d peers %d tempo %.3f bar phase %.4f; proposer code %d "
      "peers %d tempo %.3f bar phase %.4f\n",
      ns.name().c_str(), a.code, a.peers, a.tempo, a.bar_phase, b.code, b.peers, b.tempo, b.bar_phase);
  REQUIRE(got_a);
  REQUIRE(got_b);
  CHECK(a.peers == 1);
  CHECK(b.peers == 1);
  CHECK(a.tempo == Approx(kProposed).margin(1e-3));
  CHECK(b.tempo == Approx(kProposed).margin(1e-3));
  CHECK(circular_distance(a.bar_phase, b.bar_phase) < kPhaseTolerance);
  CHECK(code_a == 0);
  CHECK(code_b == 0);
}

TEST_CASE("link: two clocks in one process see each other over loopback", "[live][link][netns]") {
  NetNs ns;
  if (ns.ok()) {
    const pid_t child = fork_in_netns(ns.name(), two_clocks_in_one_process);
    REQUIRE(child > 0);
    const int code = wait_child(child, 3 * kPeerDeadlineS);
    INFO("child exit code " << code << " (2: no peers, 3: tempo not followed, 6: phases differ)");
    CHECK(code == 0);
    return;
  }
  // Without a namespace, the host's loopback alone would do, but Link announces itself on every
  // interface that is up, and tests may reach no network beyond 127.0.0.1.
  const std::string others = interfaces_up(false);
  if (!others.empty()) {
    WARN("SKIPPED: cannot create a network namespace (" << ns.error() << ") and interfaces other than "
                                                        << "loopback are up (" << others
                                                        << "), where Link would multicast");
    return;
  }
  if (interfaces_up(true).empty()) {
    WARN("SKIPPED: cannot create a network namespace (" << ns.error()
                                                        << ") and the loopback interface is down");
    return;
  }
  std::printf("link: no network namespace (%s); two clocks on the host's loopback, the only interface up\n",
              ns.error().c_str());
  CHECK(two_clocks_in_one_process() == 0);
}
