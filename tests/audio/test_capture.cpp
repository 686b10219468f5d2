// Real capture through JACK's dummy backend (jackd + jack-play started and stopped here): ring capacity
// in samples, overruns seen by index, timestamps, stats read from another thread, a server that goes away
// and comes back, zero allocations on the audio callback, and a clear error when there is no device.
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
#include "jack_server.h"
#include "motion/error.h"
#include "test_support.h"

// ---- allocation counting: every malloc-family call made while the flag is set on this thread ----
// The sanitizers bring their own allocators, which these replacements would bypass: under them the
// counting is off (the allocation checks then pass trivially and the counter's own test skips).
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define E2M_COUNTING_ALLOCATIONS 0
constexpr bool kCountingAllocations = false;
#else
#define E2M_COUNTING_ALLOCATIONS 1
constexpr bool kCountingAllocations = true;
#endif

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

#if E2M_COUNTING_ALLOCATIONS
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
#endif

using namespace e2m::audio;
using namespace e2m::test::jack;

namespace {

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

// The JACK capture device; on a heavily loaded machine a just-started server can be missed by
// PortAudio's device scan (its client connection times out), so a failed open is retried a few times.
std::unique_ptr<AudioSource> open_jack_capture(const SourceOptions& opt) {
  for (int attempt = 1;; ++attempt) {
    try {
      return open_source("device:system", opt);
    } catch (const e2m::Error& e) {
      if (attempt == 5) throw;
      std::printf("opening the JACK device failed (%s); trying again\n", e.what());
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  }
}

template <class F>
bool wait_until(F done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// What a reader saw over a stretch of reads: samples, and whether each read followed the one before.
struct ReadLog {
  uint64_t samples = 0, reads = 0, end = 0;  // end: stream index after the last sample read
  uint64_t lost = 0, skipped = 0;
  long discontinuous = 0;  // reads whose index did not follow the previous end plus what they reported
  float peak = 0;
  ReadInfo first, last;
};

std::string describe(const SourceStats& s) {
  return "device up " + std::to_string(s.device_up) + ", lost " + std::to_string(s.device_lost) +
         ", reopens " + std::to_string(s.reopens) + ", device errors " + std::to_string(s.device_errors) +
         ", frames written " + std::to_string(s.frames_written) + ", lost " + std::to_string(s.frames_lost) +
         ", skipped " + std::to_string(s.frames_skipped);
}

// Reads for `seconds` (or until `stop` says so), checking each read's index against the previous end.
template <class Stop>
void read_for(AudioSource& src, double seconds, ReadLog& log, Stop stop) {
  std::vector<float> buf(4096);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline && !stop()) {
    const size_t n = src.read(buf.data(), buf.size(), std::chrono::milliseconds(20));
    if (n == 0) continue;
    const ReadInfo info = src.last_read();
    if (log.reads == 0) log.first = info;
    if (info.frames != n || info.index != log.end + info.lost + info.skipped) ++log.discontinuous;
    for (size_t i = 0; i < n; ++i) log.peak = std::max(log.peak, std::abs(buf[i]));
    log.samples += n;
    log.lost += info.lost;
    log.skipped += info.skipped;
    log.end = info.index + n;
    log.last = info;
    ++log.reads;
  }
}
void read_for(AudioSource& src, double seconds, ReadLog& log) {
  read_for(src, seconds, log, [] { return false; });
}
// A log that picks up where `prev` left off.
ReadLog continuing(const ReadLog& prev) {
  ReadLog log;
  log.end = prev.end;
  return log;
}

double age_s(int64_t ns) { return double(steady_ns() - ns) / 1e9; }

}  // namespace

TEST_CASE("the allocation counter counts on a flagged thread only", "[audio][rt]") {
  if (!kCountingAllocations) {
    WARN("SKIPPED: allocations are not counted under ThreadSanitizer");
    return;
  }
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

  auto src = open_jack_capture(counted_callback_options());
  INFO(src->describe());
  REQUIRE(src->sample_rate() == 48000);
  src->start();
  const pid_t player = spawn({"jack-play", "-n", "e2mplay", "-u", "-b", "16384", wav.string()},
                             {{"JACK_PLAY_CONNECT_TO", "e2m:in_%d"}}, dir / "jack-play.log");
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
  std::printf(
      "jack capture: %ld callbacks, %ld allocations on the callback, %llu frames, %llu dropped, "
      "%llu lost, %llu device losses\n",
      calls, allocs, (unsigned long long)stats.frames_written, (unsigned long long)stats.frames_dropped,
      (unsigned long long)stats.frames_lost, (unsigned long long)stats.device_lost);
  CHECK(player_done);
  CHECK(calls > 100);
  CHECK(allocs == 0);
  CHECK(stats.frames_dropped == 0);
  CHECK(stats.frames_lost == 0);

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

TEST_CASE("JACK capture holds ring_seconds of samples whatever the period", "[audio][jack][ring]") {
  if (!programs_installed({"jackd"}, "jackd (jackd2)")) return;
  for (int period : {128, 2048}) {
    CAPTURE(period);
    const auto dir = e2m::test::temp_dir("audio-ring-" + std::to_string(period));
    JackServer server;
    REQUIRE(start_jack(server, "ring" + std::to_string(period), dir, period));
    SourceOptions opt = counted_callback_options();
    opt.ring_seconds = 0.5;
    opt.max_backlog_seconds = 0;  // keep every stored sample: what is stored is what comes out
    auto src = open_jack_capture(opt);
    REQUIRE(src->sample_rate() == 48000);
    const uint64_t capacity = 24000;
    CHECK(src->stats().capacity_frames == capacity);
    src->start();
    // The reader stalls until the callback has had to drop.
    REQUIRE(wait_until([&] { return src->stats().frames_dropped > 0; }, std::chrono::seconds(20)));
    // What was stored before the first drop comes out as one run from index 0, then the gap.
    ReadLog log;
    read_for(*src, 10.0, log, [&] { return log.lost > 0; });
    const uint64_t run = log.last.index - log.lost;
    std::printf("period %d: %llu samples stored of a %llu-sample ring\n", period, (unsigned long long)run,
                (unsigned long long)capacity);
    CHECK(log.first.index == 0);
    CHECK(log.discontinuous == 0);
    REQUIRE(log.lost > 0);
    CHECK(run <= capacity);
    CHECK(run > capacity - uint64_t(period));
    CHECK(run % uint64_t(period) == 0);  // whole blocks
    src.reset();
    CHECK(g_callback_calls.load() > 5);
    CHECK(g_callback_allocs.load() == 0);
  }
}

TEST_CASE("after an overrun the gap is seen by index and the reader jumps to recent audio", "[audio][jack]") {
  if (!programs_installed({"jackd"}, "jackd (jackd2)")) return;
  const auto dir = e2m::test::temp_dir("audio-overrun");
  JackServer server;
  REQUIRE(start_jack(server, "over", dir));
  SourceOptions opt = counted_callback_options();
  opt.ring_seconds = 1.0;
  opt.max_backlog_seconds = 0.25;
  auto src = open_jack_capture(opt);
  src->start();
  ReadLog log;
  read_for(*src, 0.5, log);
  REQUIRE(log.samples > 0);
  CHECK(log.lost + log.skipped == 0);
  // Stall: the ring fills, the callback drops, and what the ring holds grows at least a second old.
  REQUIRE(wait_until([&] { return src->stats().overruns > 0; }, std::chrono::seconds(20)));
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const uint64_t before = log.end;
  ReadLog after = continuing(log);
  read_for(*src, 10.0, after, [&] { return after.samples > 0; });
  REQUIRE(after.samples > 0);
  const ReadInfo& jump = after.first;
  const double age = age_s(jump.adc_ns);
  std::printf("after the stall: index %llu -> %llu (%llu lost, %llu skipped), first sample %.3f s old\n",
              (unsigned long long)before, (unsigned long long)jump.index, (unsigned long long)jump.lost,
              (unsigned long long)jump.skipped, age);
  CHECK(jump.index == before + jump.lost + jump.skipped);
  CHECK(jump.lost > 0);     // dropped by the callback: the gap seen by index
  CHECK(jump.skipped > 0);  // stale audio the reader left behind
  CHECK(age < 1.0);         // without the skip it would be over 2 s old
  // Then it reads on without further gaps.
  read_for(*src, 1.0, after);
  CHECK(after.discontinuous == 0);
  CHECK(after.skipped == jump.skipped);
  const auto stats = src->stats();
  CHECK(stats.overruns > 0);
  CHECK(stats.frames_lost == log.lost + after.lost);
  CHECK(stats.frames_skipped == after.skipped);
  CHECK(log.samples + after.samples + stats.frames_lost + stats.frames_skipped == after.end);
  CHECK(stats.frames_lost <= stats.frames_dropped);
  src.reset();
  CHECK(g_callback_allocs.load() == 0);
}

TEST_CASE("JACK capture timestamps run forward with the index while stats are read from another thread",
          "[audio][jack]") {
  if (!programs_installed({"jackd"}, "jackd (jackd2)")) return;
  const auto dir = e2m::test::temp_dir("audio-stamps");
  JackServer server;
  REQUIRE(start_jack(server, "stamp", dir));
  auto src = open_jack_capture(counted_callback_options());
  src->start();
  std::atomic<bool> done{false};
  long polls = 0, backwards = 0;
  std::thread watcher([&] {
    SourceStats prev;
    while (!done.load()) {
      const SourceStats s = src->stats();
      backwards += s.frames_written < prev.frames_written || s.last_block_write_ns < prev.last_block_write_ns;
      prev = s;
      ++polls;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  std::vector<float> buf(1500);  // not a multiple of the period: reads start inside blocks too
  long bad_order = 0, bad_clock = 0, adc_after_write = 0, gaps = 0, reads = 0, steady = 0;
  double worst_drift = 0, steady_drift = 0;
  ReadInfo first, prev;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (std::chrono::steady_clock::now() < deadline) {
    if (src->read(buf.data(), buf.size(), std::chrono::milliseconds(50)) == 0) continue;
    const ReadInfo info = src->last_read();
    if (reads++ == 0) {
      first = prev = info;
      continue;
    }
    gaps += info.index != prev.index + prev.frames;
    // Our own write stamps must run forward. JACK's converter times come from its delay-locked loop,
    // which re-estimates after a late cycle on a loaded machine (steps back of 20-30 ms were seen):
    // those are held to the steady-step checks below instead.
    const bool backwards_in_time = info.stamp.write_ns < prev.stamp.write_ns;
    if (backwards_in_time) {
      std::printf(
          "  out of order at index %llu (block %llu, previous read %llu in block %llu): ADC %+.3f ms, "
          "write %+.3f ms, host ADC %+.3f ms\n",
          (unsigned long long)info.index, (unsigned long long)info.block_index,
          (unsigned long long)prev.index, (unsigned long long)prev.block_index,
          double(info.adc_ns - prev.adc_ns) / 1e6, double(info.stamp.write_ns - prev.stamp.write_ns) / 1e6,
          (info.stamp.host_adc_time - prev.stamp.host_adc_time) * 1e3);
    }
    bad_order += backwards_in_time;
    bad_clock += info.stamp.write_ns > steady_ns() || info.stamp.host_adc_time <= 0;
    adc_after_write += info.adc_ns > info.stamp.write_ns;  // JACK's estimate, see the xrun note below
    // The ADC times follow the index at the sample rate (the dummy driver runs on the system clock).
    // From one read to the next the ADC time moves on by the frames read, within a JACK period's
    // jitter; where it does not, the dummy driver skipped the cycles it was too late for on a loaded
    // machine (time moved on, the index did not) or JACK's clock re-estimated: steps, not a trend.
    // A rate or unit error would be a trend: every step off by the same amount.
    const double drift =
        double(info.adc_ns - first.adc_ns) / 1e9 - double(info.index - first.index) / 48000.0;
    worst_drift = std::max(worst_drift, std::abs(drift));
    const double step = double(info.adc_ns - prev.adc_ns) / 1e9 - double(info.index - prev.index) / 48000.0;
    if (std::abs(step) < 0.002) {
      ++steady;
      steady_drift += step;
    }
    prev = info;
  }
  done = true;
  watcher.join();
  const uint64_t xruns = src->stats().device_errors;
  std::printf(
      "timestamps: %ld reads, %ld of them steady (ADC time against index drifted %.4f s over those), worst "
      "drift %.4f s counting the driver's skips; %llu xruns; %ld stats polls\n",
      reads, steady, steady_drift, worst_drift, (unsigned long long)xruns, polls);
  CHECK(reads > 50);
  CHECK(gaps == 0);
  CHECK(bad_order == 0);
  CHECK(bad_clock == 0);
  // When the server reported an xrun, its dummy driver skipped cycles it was late for and JACK's clock
  // re-estimated: the ADC times then follow JACK, not this code, and only the checks above apply.
  if (xruns == 0) {
    CHECK(adc_after_write == 0);
    CHECK(steady >= reads * 8 / 10);
    CHECK(std::abs(steady_drift) < 0.01);
    CHECK(worst_drift < 0.25);
  } else {
    WARN(xruns << " xrun(s) on a loaded machine: ADC time against the index not held to the bounds");
  }
  CHECK(polls > 100);
  CHECK(backwards == 0);
  src.reset();
  CHECK(g_callback_allocs.load() == 0);
}

// Takes the server away with `sig` under a running source, checks the source through the outage,
// brings the server back under the same name and checks that audio flows again; `log` reads on.
void outage_and_return(AudioSource& src, JackServer& server, const std::filesystem::path& dir, int sig,
                       ReadLog& log, uint64_t round) {
  const auto gone = std::chrono::steady_clock::now();
  server.kill_now(sig);  // a crash (SIGKILL) or an orderly shutdown (SIGTERM)
  ReadLog outage = continuing(log);
  REQUIRE_NOTHROW(read_for(src, 10.0, outage, [&] { return !src.stats().device_up; }));
  const double noticed = std::chrono::duration<double>(std::chrono::steady_clock::now() - gone).count();
  REQUIRE(!src.stats().device_up);
  CHECK(noticed < 3.0);
  // While it is gone (once what reached the ring before is read), read() returns nothing, never
  // throws, and the source is not finished.
  REQUIRE_NOTHROW(read_for(src, 0.2, outage));
  std::vector<float> buf(4096);
  long returned = 0;
  for (int i = 0; i < 50; ++i) {
    REQUIRE_NOTHROW(returned += long(src.read(buf.data(), buf.size(), std::chrono::milliseconds(20))));
    CHECK_FALSE(src.finished());
  }
  CHECK(returned == 0);
  CHECK(src.stats().device_lost == round);

  REQUIRE(start_jack(server, "", dir));  // the same server name comes back
  const auto back = std::chrono::steady_clock::now();
  ReadLog again = continuing(outage);
  read_for(src, 15.0, again, [&] { return again.samples > 0; });
  const double outage_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - gone).count();
  INFO("signal " << sig << ": " << describe(src.stats()));
  REQUIRE(again.samples > 0);
  std::printf(
      "signal %d: loss noticed after %.2f s; audio again %.2f s after the server came back; "
      "gap of %.2f s in the index (outage %.2f s)\n",
      sig, noticed, std::chrono::duration<double>(std::chrono::steady_clock::now() - back).count(),
      double(again.first.lost) / 48000.0, outage_s);
  std::fflush(stdout);
  CHECK(again.first.index == log.end + outage.samples + again.first.lost + again.first.skipped);
  CHECK(double(again.first.lost) / 48000.0 > 1.0);  // the index kept time through the outage
  CHECK(double(again.first.lost) / 48000.0 < outage_s + 1.0);
  CHECK(again.discontinuous == 0);
  // Audio may flow a moment before the supervisor marks the device up.
  CHECK(wait_until([&] { return src.stats().device_up; }, std::chrono::seconds(5)));
  CHECK(src.stats().reopens == round);
  log = again;
}

TEST_CASE("capture survives its JACK server going away and coming back", "[audio][jack]") {
  if (!programs_installed({"jackd", "jack-play"}, "jackd (jackd2) or jack-play (jack-tools)")) return;
  const auto dir = e2m::test::temp_dir("audio-reopen");
  const HangWatch watch(120);
  JackServer server;
  REQUIRE(start_jack(server, "back", dir));
  SourceOptions opt = counted_callback_options();
  opt.reopen_seconds = 0.5;
  auto src = open_jack_capture(opt);
  src->start();
  ReadLog log;
  read_for(*src, 0.5, log);
  REQUIRE(log.samples > 0);
  CHECK(src->stats().device_up);
  outage_and_return(*src, server, dir, SIGTERM, log, 1);
  outage_and_return(*src, server, dir, SIGKILL, log, 2);
  // Real audio reaches the reopened client's ports, not only the dummy driver's silence.
  const auto wav = write_click_track(dir, 48000, 4.0, 120.0);
  const pid_t player = spawn({"jack-play", "-n", "e2mplay", "-u", wav.string()},
                             {{"JACK_PLAY_CONNECT_TO", "e2m:in_%d"}}, dir / "jack-play.log");
  ReadLog played = continuing(log);
  read_for(*src, 10.0, played, [&] { return played.peak > 0.1f; });
  stop_process(player);
  std::printf("after the reopens: %llu samples, peak %.3f\n", (unsigned long long)played.samples,
              played.peak);
  CHECK(played.peak > 0.1f);
  CHECK(played.discontinuous == 0);
  const auto stats = src->stats();
  CHECK(stats.device_lost == 2);
  CHECK(stats.reopens == 2);
  CHECK(stats.device_errors >= 2);
  src.reset();
  CHECK(g_callback_allocs.load() == 0);
}

TEST_CASE("a device that stops calling back without a word is noticed within about a second and reopened",
          "[audio][jack]") {
  if (!programs_installed({"jackd"}, "jackd (jackd2)")) return;
  const auto dir = e2m::test::temp_dir("audio-stall");
  const HangWatch watch(120);
  JackServer server;
  REQUIRE(start_jack(server, "stall", dir));
  SourceOptions opt = counted_callback_options();
  opt.stall_seconds = 1.0;
  opt.reopen_seconds = 0.5;
  auto src = open_jack_capture(opt);
  src->start();
  ReadLog log;
  read_for(*src, 0.5, log);
  REQUIRE(log.samples > 0);
  // A frozen server: no shutdown notice, the callbacks just stop.
  kill(server.pid, SIGSTOP);
  const auto frozen = std::chrono::steady_clock::now();
  ReadLog stalled = continuing(log);
  REQUIRE_NOTHROW(read_for(*src, 10.0, stalled, [&] { return !src->stats().device_up; }));
  const double noticed = std::chrono::duration<double>(std::chrono::steady_clock::now() - frozen).count();
  std::printf("frozen server: loss noticed after %.2f s\n", noticed);
  CHECK(!src->stats().device_up);
  CHECK(noticed < 3.0);
  CHECK(src->stats().device_lost == 1);
  CHECK_FALSE(src->finished());
  // Closing a client of a frozen server waits for it; once it runs again the source reopens.
  kill(server.pid, SIGCONT);
  ReadLog again = continuing(stalled);
  read_for(*src, 15.0, again, [&] { return src->stats().reopens == 1; });
  REQUIRE(src->stats().reopens == 1);
  read_for(*src, 1.0, again);
  CHECK(again.samples > 48000 / 2);
  CHECK(again.discontinuous == 0);
  CHECK(again.lost > 0);  // the time the device was away
  CHECK(src->stats().device_up);
  src.reset();
  CHECK(g_callback_allocs.load() == 0);
}

TEST_CASE("play: a JACK server that dies mid-play ends the source without hanging its teardown",
          "[audio][jack]") {
  if (!programs_installed({"jackd"}, "jackd (jackd2)")) return;
  const auto dir = e2m::test::temp_dir("audio-play-dies");
  JackServer server;
  REQUIRE(start_jack(server, "pdie", dir));
  const auto wav = write_click_track(dir, 48000, 20.0, 120.0);
  // In a child process: a PortAudio that lost its JACK server stays initialised for good (it can be
  // neither stopped nor terminated), which must not leak into the other tests.
  std::fflush(stdout);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    int code = 1;
    try {
      auto src = open_source("play:" + wav.string());
      std::vector<float> buf(4096);
      const auto t0 = std::chrono::steady_clock::now();
      while (!src->finished() && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(15))
        src->read(buf.data(), buf.size(), std::chrono::milliseconds(20));
      code = src->finished() ? 0 : 2;
      src.reset();  // must return, not wait out PortAudio's 10-minute stop
    } catch (const std::exception& e) {
      std::fprintf(stderr, "play: %s\n", e.what());
      code = 3;
    }
    std::fflush(stdout);
    _exit(code);
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));
  server.stop();
  int status = 0;
  const bool ended =
      wait_until([&] { return waitpid(child, &status, WNOHANG) == child; }, std::chrono::seconds(30));
  if (!ended) {
    kill(child, SIGKILL);
    waitpid(child, &status, 0);
  }
  CHECK(ended);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  // A server that stops under a connected client leaves its shared memory behind; the next server to
  // start reclaims what belongs to dead processes, so one is started and stopped to leave nothing.
  CHECK(start_jack(server, "", dir));
}
