// `e2m bench` live section: the live engine on a click track played in real time with paper-size
// models (random weights), VMC and VJ OSC going out, a cue every 10 s: output jitter, underruns,
// chunk time, the motion reaction time the chunking implies, and the engine's CPU use.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include "app/bench.h"
#include "audio/audio_file.h"
#include "audio/demo_track.h"
#include "audio/features.h"
#include "live/engine.h"
#include "model/inference.h"
#include "net/live_outputs.h"

namespace e2m::app {

namespace {

double process_cpu_s() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

struct TempWav {
  std::filesystem::path path;
  TempWav(double seconds) {
    path =
        std::filesystem::temp_directory_path() / ("e2m-bench-clicks-" + std::to_string(::getpid()) + ".wav");
    audio::write_wav(path, audio::click_track(44100, seconds, 120.0), 44100);
  }
  ~TempWav() { std::filesystem::remove(path); }
};

using Clock = std::chrono::steady_clock;

// Records when each onset left for the VJ receivers (it runs right after the VJ output's send).
class OnsetProbe : public live::OutputSink {
 public:
  OnsetProbe() { events.reserve(1 << 16); }
  void send(const live::OutputFrame&) noexcept override {}
  void onset(float, double stream_time_s) noexcept override {
    if (events.size() < events.capacity()) events.push_back({Clock::now(), stream_time_s});
  }
  struct Event {
    Clock::time_point wall;
    double stream_s;
  };
  std::vector<Event> events;
};

struct ChunkEvent {
  Clock::time_point wall;
  int64_t audio_frames;
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(p * double(v.size() - 1) + 0.5))];
}

// Per click: the first onset found within 100 ms of it, and the first chunk made from audio that
// holds it; both as wall time after the click was played.
void click_latencies(const std::vector<double>& clicks, Clock::time_point start, const OnsetProbe& probe,
                     const std::vector<ChunkEvent>& chunks, std::vector<double>& onset_ms,
                     std::vector<double>& motion_ms) {
  auto since = [&](Clock::time_point t, double c) {
    return std::chrono::duration<double, std::milli>(t - start).count() - 1000 * c;
  };
  for (double c : clicks) {
    for (const auto& e : probe.events)
      if (e.stream_s > c - 0.03 && e.stream_s < c + 0.1) {
        onset_ms.push_back(since(e.wall, c));
        break;
      }
    const int64_t frame = int64_t(c * audio::kFeatureFps);
    for (const auto& e : chunks)
      if (e.audio_frames > frame) {
        motion_ms.push_back(since(e.wall, c));
        break;
      }
  }
}

}  // namespace

void bench_live(const BenchOptions& opt, BenchReport& report) {
  const double seconds = opt.quick ? 8.0 : 60.0;
  const TempWav wav(seconds);
  model::configure_cpu_runtime();
  torch::set_num_threads(std::max(1, opt.threads - 1));  // leave the audio and output threads a core
  auto mcfg = model::ModelConfig::defaults(model::ModelKind::Music2Dance);
  model::MusicToDance dance;
  dance.set_model(model::Music2Dance(mcfg), model::bare_meta(mcfg));
  live::EngineOptions eo;
  eo.input = "file:" + wav.path.string();
  std::vector<ChunkEvent> chunks;
  chunks.reserve(size_t(seconds * 30));
  eo.on_chunk = [&chunks](int64_t, int64_t audio_frames) { chunks.push_back({Clock::now(), audio_frames}); };
  live::Engine engine(eo, dance, nullptr);
  net::VmcOutput vmc("127.0.0.1:9");
  net::VjOutput vj("127.0.0.1:9");
  OnsetProbe probe;
  engine.add_sink(&vmc);
  engine.add_sink(&vj);
  engine.add_sink(&probe);
  const double cpu0 = process_cpu_s();
  const auto t0 = std::chrono::steady_clock::now();
  engine.start();
  while (engine.poll()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  engine.stop();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = process_cpu_s() - cpu0;
  const auto& st = engine.stats();
  const std::string ctx = std::to_string(int(seconds)) +
                          " s click track at 120 BPM played in real time, "
                          "paper-size music2dance (random weights), VMC + VJ OSC out";
  std::vector<double> onset_ms, motion_ms;
  click_latencies(audio::click_times(seconds, 120.0), engine.start_time(), probe, chunks, onset_ms,
                  motion_ms);
  report.push_back(
      {"live", "onset_to_osc_p50", percentile(onset_ms, 0.5), "ms",
       "click played -> /e2m/onset sent (" + std::to_string(onset_ms.size()) + " clicks found)"});
  report.push_back({"live", "onset_to_osc_p99", percentile(onset_ms, 0.99), "ms", "target p99 <= 25 ms"});
  report.push_back({"live", "onset_to_motion_generated_p50", percentile(motion_ms, 0.5), "ms",
                    "click played -> first chunk made from audio holding it"});
  report.push_back({"live", "onset_to_motion_generated_p99", percentile(motion_ms, 0.99), "ms", ""});
  report.push_back({"live", "output_jitter_p50", engine.output_jitter().percentile_ns(0.5) / 1e6, "ms", ctx});
  report.push_back({"live", "output_jitter_p99", engine.output_jitter().percentile_ns(0.99) / 1e6, "ms",
                    std::string("output clock wake-up lateness; target p99 <= 1 ms; ") +
                        (engine.output_realtime() ? "SCHED_FIFO" : "normal priority (no rtprio allowed)")});
  report.push_back({"live", "output_tick_work_p99", engine.output_work().percentile_ns(0.99) / 1e6, "ms",
                    "time inside one 60 Hz tick (sample, filter, encode, send)"});
  report.push_back({"live", "underruns", double(st.underruns), "count", "target 0 at 60 Hz"});
  report.push_back({"live", "late_chunks", double(st.late_chunks), "count", ""});
  report.push_back({"live", "chunk_ms_max", st.chunk_ms_max, "ms", "one 8-frame chunk (267 ms of motion)"});
  report.push_back({"live", "motion_reaction_time", 1000 * engine.play_delay_s(), "ms",
                    "playback runs a chunk plus a margin behind the audio it follows"});
  report.push_back({"live", "engine_cpu", 100 * cpu / wall, "% of one core",
                    "all engine threads; target <= 15% with the paper-size model"});
}

}  // namespace e2m::app
