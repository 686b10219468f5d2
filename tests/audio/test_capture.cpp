// Real capture through JACK's dummy backend (jackd + jack-play started and stopped here), zero
// allocations on the audio callback, and a clear error when there is no audio device at all.
#include <jack/jack.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <string>
#include <thread>
#include <vector>

#include "audio/audio_file.h"
#include "audio/beat_eval.h"
#include "audio/capture_ring.h"
#include "audio/demo_track.h"
#include "audio/feature_extractor.h"
#include "audio/source.h"
#include "motion/error.h"
#include "test_support.h"

// ---- allocation counting: every malloc-family call made while the flag is set on this thread ----
extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
void __libc_free(void*);
}

namespace {
thread_local bool t_counting = false;
std::atomic<long> g_callback_allocs{0};
std::atomic<long> g_callback_calls{0};
inline void note_alloc() {
  if (t_counting) g_callback_allocs.fetch_add(1, std::memory_order_relaxed);
}
void probe(bool enter) {
  t_counting = enter;
  if (enter) g_callback_calls.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

extern "C" {
void* malloc(size_t n) {
  note_alloc();
  return __libc_malloc(n);
}
void* calloc(size_t a, size_t b) {
  note_alloc();
  return __libc_calloc(a, b);
}
void* realloc(void* p, size_t n) {
  note_alloc();
  return __libc_realloc(p, n);
}
void free(void* p) {
  if (p) note_alloc();
  __libc_free(p);
}
void* memalign(size_t a, size_t n) {
  note_alloc();
  return __libc_memalign(a, n);
}
void* aligned_alloc(size_t a, size_t n) {
  note_alloc();
  return __libc_memalign(a, n);
}
int posix_memalign(void** out, size_t a, size_t n) {
  note_alloc();
  void* p = __libc_memalign(a, n);
  if (!p) return 12;  // ENOMEM
  *out = p;
  return 0;
}
}

using namespace e2m::audio;

namespace {

bool on_path(const char* prog) {
  const std::string cmd = std::string("command -v ") + prog + " >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

// Starts a program with extra environment; its output goes to `log`.
pid_t spawn(const std::vector<std::string>& args, const std::vector<std::pair<std::string, std::string>>& env,
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

void stop_process(pid_t pid) {
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
bool programs_installed(std::initializer_list<const char*> progs, const char* packages) {
  for (const char* prog : progs) {
    if (on_path(prog)) continue;
    WARN("SKIPPED: " << packages << " is not installed");
    return false;
  }
  return true;
}

// A click track at `rate` written to dir/click.wav, for a JACK client to play.
std::filesystem::path write_click_track(const std::filesystem::path& dir, int rate, double seconds,
                                        double bpm) {
  const auto wav = dir / "click.wav";
  write_wav(wav, click_track(rate, seconds, bpm, 0.5), rate);
  return wav;
}

// Options whose callback is counted by probe(), the counters cleared so the test sees only its own stream.
SourceOptions counted_callback_options() {
  SourceOptions opt;
  opt.callback_probe = &probe;
  g_callback_allocs = 0;
  g_callback_calls = 0;
  return opt;
}

void quiet(const char*) {}

bool wait_for_jack(const std::string& server) {
  jack_set_error_function(quiet);
  jack_set_info_function(quiet);
  for (int i = 0; i < 100; ++i) {
    jack_status_t status;
    jack_client_t* c = jack_client_open("e2mprobe", jack_options_t(JackNoStartServer | JackServerName),
                                        &status, server.c_str());
    if (c) {
      jack_client_close(c);
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

struct JackServer {
  std::string name;
  pid_t pid = -1;
  ~JackServer() { stop_process(pid); }
};

// jackd with the dummy backend under a name of its own, so parallel tests never share a server.
bool start_jack(JackServer& server, const std::string& tag, const std::filesystem::path& dir) {
  server.name = "e2m" + tag + std::to_string(getpid());
  server.pid =
      spawn({"jackd", "--no-realtime", "-n", server.name, "-d", "dummy", "-r", "48000", "-p", "1024"}, {},
            dir / "jackd.log");
  if (!wait_for_jack(server.name)) return false;
  setenv("JACK_DEFAULT_SERVER", server.name.c_str(), 1);
  setenv("JACK_NO_START_SERVER", "1", 1);
  return true;
}

}  // namespace

TEST_CASE("the allocation counter counts on a flagged thread only", "[audio][rt]") {
  auto* alloc = &std::malloc;  // through a pointer so the call is not optimised away
  const long before = g_callback_allocs.load();
  void* p = alloc(64);
  std::free(p);
  CHECK(g_callback_allocs.load() == before);
  probe(true);
  p = alloc(64);
  probe(false);
  std::free(p);
  CHECK(g_callback_allocs.load() == before + 1);
  g_callback_allocs = 0;
  g_callback_calls = 0;
}

TEST_CASE("the capture ring hands blocks over without allocating and counts overruns", "[audio][rt]") {
  CaptureRing ring(1024);
  std::vector<float> stereo(2 * 300);
  for (size_t i = 0; i < 300; ++i) {
    stereo[2 * i] = float(i);
    stereo[2 * i + 1] = float(i) + 1.0f;
  }
  g_callback_allocs = 0;
  probe(true);
  ring.write(stereo.data(), 300, 2);
  probe(false);
  CHECK(g_callback_allocs.load() == 0);
  std::vector<float> out(400);
  REQUIRE(ring.read(out.data(), out.size()) == 300);
  CHECK(out[0] == 0.5f);
  CHECK(out[299] == 299.5f);
  // Fill beyond capacity: the surplus is dropped and counted, never blocking.
  for (int i = 0; i < 20; ++i) ring.write(stereo.data(), 300, 2);
  CHECK(ring.frames_dropped() > 0);
  CHECK(ring.overruns() > 0);
  CHECK(ring.frames_written() == 21 * 300);
}

TEST_CASE("with no audio device at all, opening capture fails with a clear message", "[audio][device]") {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // A fresh process pointed at a JACK server that does not exist. (An empty ALSA configuration
    // would hide sound cards too, but PortAudio 19.6 asserts on it.)
    setenv("JACK_DEFAULT_SERVER", ("e2m-none-" + std::to_string(getpid())).c_str(), 1);
    setenv("JACK_NO_START_SERVER", "1", 1);
    int inputs = 0;
    for (const auto& d : list_devices()) inputs += d.max_input_channels > 0;
    if (inputs > 0) _exit(4);  // this machine has a sound card: the situation cannot be made here
    int code = 3;
    try {
      auto src = open_source("device");
      code = 2;
    } catch (const e2m::Error& e) {
      std::fprintf(stderr, "message: %s\n", e.what());
      code = std::strstr(e.what(), "no audio input device") && std::strstr(e.what(), "--input file:PATH") ? 0
                                                                                                          : 1;
    }
    std::fflush(stderr);
    _exit(code);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 4) {
    WARN("SKIPPED: this machine has an audio input device, so 'no device at all' cannot be arranged");
    return;
  }
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("a real capture through JACK's dummy backend delivers a click track's beats", "[audio][jack]") {
  if (!programs_installed({"jackd", "jack-play"}, "jackd (jackd2) or jack-play (jack-tools)")) return;
  const auto dir = e2m::test::temp_dir("audio-jack-" + std::to_string(getpid()));
  JackServer server;
  REQUIRE(start_jack(server, "cap", dir));

  const double bpm = 120.0, seconds = 12.0;
  const auto wav = write_click_track(dir, 48000, seconds, bpm);

  auto src = open_source("device:system", counted_callback_options());
  INFO(src->describe());
  REQUIRE(src->sample_rate() == 48000);
  src->start();
  const pid_t player = spawn({"jack-play", "-n", "e2mplay", "-u", "-b", "16384", wav.string()},
                             {{"JACK_PLAY_CONNECT_TO", "PortAudio:in_%d"}}, dir / "jack-play.log");
  FeatureExtractor fx(src->sample_rate());
  std::vector<float> frames, buf(4096);
  const auto t0 = std::chrono::steady_clock::now();
  bool player_done = false;
  auto player_end = t0;
  for (;;) {
    const size_t n = src->read(buf.data(), buf.size(), std::chrono::milliseconds(20));
    fx.push(buf.data(), n, frames);
    const auto now = std::chrono::steady_clock::now();
    if (!player_done && waitpid(player, nullptr, WNOHANG) == player) {
      player_done = true;
      player_end = now;
    }
    if (player_done && now - player_end > std::chrono::milliseconds(500)) break;
    if (now - t0 > std::chrono::seconds(int(seconds) + 8)) break;
  }
  if (!player_done) stop_process(player);
  src->stop();
  const auto stats = src->stats();
  src.reset();
  const long allocs = g_callback_allocs.load(), calls = g_callback_calls.load();
  std::printf("jack capture: %ld callbacks, %ld allocations on the callback, %llu frames, %llu dropped\n",
              calls, allocs, (unsigned long long)stats.frames_written,
              (unsigned long long)stats.frames_dropped);
  CHECK(player_done);
  CHECK(calls > 100);
  CHECK(allocs == 0);
  CHECK(stats.frames_dropped == 0);

  // The clicks start when jack-play starts and it may stop before the last buffered ones are
  // played: the reference grid runs from the first to the last onset peak captured.
  const size_t nf = frames.size() / kAudioFeatureDim;
  double first = -1, last = -1;
  for (size_t k = 0; k < nf; ++k) {
    if (frames[k * kAudioFeatureDim + kFeatOnsetPeak] < 0.5f) continue;
    last = (double(k) + 0.5) / kFeatureFps;
    if (first < 0) first = last;
  }
  REQUIRE(first >= 0);
  REQUIRE(last - first > 8.0);
  // jack-play is not a real-time client: on a loaded machine it can deliver a click a period late,
  // so the reference is the clicks as they actually arrived (onset peaks), not the file's grid.
  std::vector<double> ref;
  for (size_t k = 0; k < nf; ++k)
    if (frames[k * kAudioFeatureDim + kFeatOnsetPeak] >= 0.5f) ref.push_back((double(k) + 0.5) / kFeatureFps);
  // Scored over the span of the track: the clock's predictions after the last click are not its beats.
  std::vector<double> est;
  for (double t : beats_from_frames(frames))
    if (t <= last + 0.25) est.push_back(t);
  const auto score = beat_f_measure(ref, est, 0.07, first + 3.75);
  const double tempo = median_tempo(frames, first + 3.75);
  std::printf("jack capture of a %.0f BPM click track: tempo %.2f, F %.3f (%d of %d)\n", bpm, tempo,
              score.f_measure, score.matched, score.reference);
  if (score.matched < score.reference) {
    std::printf("  reference from %.3f s every %.3f s; estimated:", first, 60.0 / bpm);
    for (double t : beats_from_frames(frames)) std::printf(" %.3f", t);
    std::printf("\n");
  }
  CHECK(std::abs(tempo / bpm - 1) < 0.02);
  CHECK(score.f_measure >= 0.9);
}

TEST_CASE("play: a file played to JACK's dummy output is analysed as it plays", "[audio][jack]") {
  if (!programs_installed({"jackd"}, "jackd (jackd2)")) return;
  const auto dir = e2m::test::temp_dir("audio-play-" + std::to_string(getpid()));
  JackServer server;
  REQUIRE(start_jack(server, "play", dir));
  const double bpm = 150.0, seconds = 9.0;
  const auto wav = write_click_track(dir, 44100, seconds, bpm);  // resampled to the server's 48 kHz

  auto src = open_source("play:" + wav.string(), counted_callback_options());
  INFO(src->describe());
  CHECK(src->realtime());
  FeatureExtractor fx(src->sample_rate());
  std::vector<float> frames, buf(4096);
  src->start();
  const auto t0 = std::chrono::steady_clock::now();
  while (!src->finished() &&
         std::chrono::steady_clock::now() - t0 < std::chrono::seconds(int(seconds) + 10)) {
    const size_t n = src->read(buf.data(), buf.size(), std::chrono::milliseconds(20));
    fx.push(buf.data(), n, frames);
  }
  CHECK(src->finished());
  // Whatever is still in the ring after the end of playback.
  for (size_t n; (n = src->read(buf.data(), buf.size(), std::chrono::milliseconds(0))) > 0;)
    fx.push(buf.data(), n, frames);
  src->stop();
  const auto stats = src->stats();
  src.reset();
  const long allocs = g_callback_allocs.load(), calls = g_callback_calls.load();
  std::printf("jack play: %ld callbacks, %ld allocations on the callback, %llu frames analysed\n", calls,
              allocs, (unsigned long long)stats.frames_written);
  CHECK(calls > 100);
  CHECK(allocs == 0);
  CHECK(stats.frames_dropped == 0);
  // Playback starts with the stream, so the file's own beat times hold (within a buffer or two).
  const auto score = beat_f_measure(click_times(seconds, bpm, 0.5), beats_from_frames(frames), 0.07, 4.0);
  const double tempo = median_tempo(frames, 4.0);
  std::printf("jack play of a %.0f BPM click track: tempo %.2f, F %.3f (%d of %d)\n", bpm, tempo,
              score.f_measure, score.matched, score.reference);
  CHECK(double(stats.frames_written) / 48000.0 > seconds - 0.5);
  CHECK(std::abs(tempo / bpm - 1) < 0.02);
  CHECK(score.f_measure >= 0.9);
}
