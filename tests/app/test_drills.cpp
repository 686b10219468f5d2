// Fault drills and the soak on the e2m binary itself: `e2m live` SIGKILLed while recording (the next
// show repairs the file), a malformed preset, a file size limit reached while recording, and two
// minutes of `e2m live --soak`. Models are tiny random-weight files written here.
// LibTorch first: glog, which it brings in, defines CHECK too, and Catch's must be the one that stands.
// clang-format off
#include "live_models.h"
// clang-format on

#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "io/bvh.h"
#include "io/bvh_recorder.h"
#include "model/model_file.h"
#include "test_support.h"

using namespace e2m;

namespace {

struct Child {
  pid_t pid = -1;
  std::filesystem::path out, err;
};

// Starts `e2m live` with args in dir; stdout and stderr to files there. file_limit > 0: RLIMIT_FSIZE
// in bytes.
Child start_live(const std::filesystem::path& dir, const std::vector<std::string>& args,
                 long file_limit = 0) {
  Child c{-1, dir / "stdout.txt", dir / "stderr.txt"};
  std::fflush(stdout);
  c.pid = fork();
  if (c.pid == 0) {
    if (::chdir(dir.c_str()) != 0) _exit(126);
    FILE* o = std::fopen(c.out.c_str(), "w");
    FILE* e = std::fopen(c.err.c_str(), "w");
    FILE* in = std::fopen("/dev/null", "r");
    if (!o || !e || !in) _exit(126);
    dup2(fileno(o), 1);
    dup2(fileno(e), 2);
    dup2(fileno(in), 0);
    if (file_limit > 0) {
      const rlimit lim{rlim_t(file_limit), rlim_t(file_limit)};
      setrlimit(RLIMIT_FSIZE, &lim);
    }
    std::vector<char*> argv{const_cast<char*>(E2M_BINARY), const_cast<char*>("live")};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(E2M_BINARY, argv.data());
    _exit(127);
  }
  return c;
}

// Waits up to timeout_s; kills it after that. The exit code, or -signal, or nullopt on a timeout.
std::optional<int> wait_live(const Child& c, double timeout_s) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  int status = 0;
  while (waitpid(c.pid, &status, WNOHANG) != c.pid) {
    if (std::chrono::steady_clock::now() > end) {
      kill(c.pid, SIGKILL);
      waitpid(c.pid, &status, 0);
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

// "exit 1", "signal 9" or "timed out", with what it printed on stderr.
std::string outcome(const std::optional<int>& rc, const Child& c) {
  const std::string how = !rc       ? "timed out"
                          : *rc < 0 ? "signal " + std::to_string(-*rc)
                                    : "exit " + std::to_string(*rc);
  return how + "; stderr:\n" + test::read_file(c.err);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// Output ticks in the newest `--headless` status line ("  3.0 s | out 180 ticks (60.0/s) ..."); -1: none.
long last_status_ticks(const std::filesystem::path& out) {
  static const std::regex kTicks(R"(\| out (\d+) ticks)");
  long ticks = -1;
  for (const auto& l : lines_of(test::read_file(out))) {
    std::smatch m;
    if (std::regex_search(l, m, kTicks)) ticks = std::stol(m[1]);
  }
  return ticks;
}

std::filesystem::path dance_model(const std::filesystem::path& dir) {
  model::MusicToDance dance;
  test::load_tiny_dance(dance);
  const auto path = dir / "dance.e2mm";
  model::save_model(path, dance.meta(), *model::Music2Dance(dance.meta().config));
  return path;
}

std::filesystem::path text_model(const std::filesystem::path& dir) {
  model::TextToMotion text;
  test::load_tiny_text(text);
  const auto path = dir / "text.e2mm";
  model::save_model(path, text.meta(), *model::Text2Motion(text.meta().config));
  return path;
}

// A UDP port nobody uses at the moment of asking (for --command-port, which takes a number).
int free_udp_port() {
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

// Quiet outputs for the drills: VMC to the discard port, no command port.
const std::vector<std::string> kQuietOutputs = {"--headless", "--vmc", "127.0.0.1:9", "--command-port", "0"};

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

TEST_CASE(
    "drill: e2m live SIGKILLed while recording leaves a BVH that opens, up to the last second, once "
    "the next show has repaired it",
    "[app][drill][record]") {
  const test::TempDir dir("drill-sigkill");
  const auto model = dance_model(dir.path());
  const Child show =
      start_live(dir.path(), kQuietOutputs + std::vector<std::string>{"-m", model.string(), "--record",
                                                                      "show.bvh", "--duration", "60"});
  const auto t0 = std::chrono::steady_clock::now();
  while (last_status_ticks(show.out) < 240 &&
         std::chrono::steady_clock::now() - t0 < std::chrono::seconds(60))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const long ticks = last_status_ticks(show.out);  // printed less than a second before the kill
  kill(show.pid, SIGKILL);
  const auto killed = wait_live(show, 10);
  INFO(outcome(killed, show));
  REQUIRE(killed == -SIGKILL);
  REQUIRE(ticks >= 240);
  // The next show repairs the killed one's file, keeps it, and records beside it.
  const Child next =
      start_live(dir.path(), kQuietOutputs + std::vector<std::string>{"-m", model.string(), "--record",
                                                                      "show.bvh", "--duration", "1", "-q"});
  const auto rc = wait_live(next, 60);
  INFO(outcome(rc, next));
  REQUIRE(rc == 0);
  CHECK(std::filesystem::exists(dir.path() / "show-2.bvh"));
  const io::Bvh bvh = io::read_bvh(dir.path() / "show.bvh");
  std::printf("SIGKILL: the last status line said %ld ticks; the repaired file holds %d frames\n", ticks,
              bvh.frames);
  CHECK(bvh.frames >= ticks - 2);   // every frame up to the last status line (the ring held ~10 ms)
  CHECK(bvh.frames <= ticks + 90);  // and not more than was played before the kill
  CHECK_FALSE(io::repair_bvh(dir.path() / "show.bvh").count_rewritten);  // sound as it is now
}

TEST_CASE("drill: e2m live with a malformed preset stops at one clear line naming file, line and field",
          "[app][drill][preset]") {
  const test::TempDir dir("drill-preset");
  std::ofstream(dir.path() / "bad.json") << "{\n  \"kind\": \"vmc\",\n  \"outputs\": [\n"
                                            "    {\"host\": \"127.0.0.1\", \"port\": 70000}\n  ]\n}\n";
  // The model is missing too: the preset is read first, so its error is the one reported.
  const Child c = start_live(
      dir.path(),
      kQuietOutputs + std::vector<std::string>{"--preset", "bad.json", "-m", "no-such-model.e2mm"});
  const auto rc = wait_live(c, 30);
  INFO(outcome(rc, c));
  REQUIRE(rc == 1);
  const auto err = lines_of(test::read_file(c.err));
  REQUIRE(err.size() == 1);
  CHECK(err[0].find("bad.json:4: field outputs[0].port: expected an integer 1..65535 (got 70000)") !=
        std::string::npos);
  CHECK(test::read_file(c.out).empty());
}

TEST_CASE("drill: e2m live reaching a file size limit while recording stops the recording, not the show",
          "[app][drill][record]") {
  const test::TempDir dir("drill-fsize");
  const auto model = dance_model(dir.path());
  const Child c = start_live(dir.path(),
                             kQuietOutputs + std::vector<std::string>{"-m", model.string(), "--record",
                                                                      "show.bvh", "--duration", "5"},
                             64 * 1024);
  const auto rc = wait_live(c, 60);
  INFO(outcome(rc, c));
  REQUIRE(rc == 0);
  const std::string err = test::read_file(c.err);
  static const std::regex kStopped(R"(recording to show\.bvh stopped after (\d+) frames: File too large)");
  std::smatch m;
  REQUIRE(std::regex_search(err, m, kStopped));
  const long frames = std::stol(m[1]);
  std::printf("file size limit: %s", err.c_str());
  CHECK(last_status_ticks(c.out) >= 270);  // the show went on to its end (5 s at 60 Hz)
  CHECK(frames < 270);
  const io::Bvh bvh = io::read_bvh(dir.path() / "show.bvh");  // opens as it is, cut to whole rows
  CHECK(bvh.frames == frames);
}

TEST_CASE("soak: two minutes of e2m live --soak, cues every 5 s, receivers coming and going, pass its limits",
          "[app][soak]") {
  const test::TempDir dir("soak");
  const Child c = start_live(
      dir.path(),
      {"--soak", "--duration", "120", "--soak-report", "30", "-m", dance_model(dir.path()).string(),
       "--text-model", text_model(dir.path()).string(), "--command-port", std::to_string(free_udp_port())});
  const auto rc = wait_live(c, 240);
  const std::string out = test::read_file(c.out);
  std::printf("%s", out.c_str());
  INFO(test::read_file(c.err));
  REQUIRE(rc.has_value());
  CHECK(*rc == 0);
  const auto lines = lines_of(out);
  REQUIRE(!lines.empty());
  CHECK(lines.back().rfind("soak PASS", 0) == 0);
}
