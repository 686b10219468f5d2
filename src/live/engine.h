// The live engine (DESIGN.md section 2): audio source -> feature thread -> generator thread (causal
// music2dance chunk by chunk, the mixer with cues) -> frame queue -> output clock (60 Hz, absolute
// deadlines, slerp between model frames, One Euro filter) -> outputs. Commands (stdin, OSC, MIDI,
// UI) come through one MPMC queue. Every counter is in EngineStats.
#pragma once
#include <concurrentqueue/concurrentqueue.h>

#include <array>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "live/command.h"
#include "live/latency_histogram.h"
#include "live/one_euro.h"
#include "live/output_sink.h"

namespace e2m::model {
class MusicToDance;
class TextToMotion;
}  // namespace e2m::model

namespace e2m::live {

class TempoSource;

struct EngineOptions {
  std::string input = "synth";   // audio::open_source spec; files are played at real-time speed
  std::string genre;             // empty: the model's first genre
  double rate_hz = 60;           // output clock
  double duration_s = 0;         // > 0: stop after this long; 0: until the input ends or stop()
  int cue_frames = 90;           // length of a cue clip (model frames)
  int blend_frames = 8;          // cue fade in/out (model frames)
  int lead_frames = 3;           // playback runs this many frames behind a chunk's generation
  double slow_generator_ms = 0;  // test/bench: extra time per chunk (a generator too slow for real time)
  PoseFilterParams filter{{1.5, 0.5, 1.0}, {2.0, 0.3, 1.0}};
  bool root_lock = false;
  std::function<void(const std::string&)> log;  // one line per event, from any non-real-time thread
  // Tempo and phase for the outputs from MIDI clock or Link instead of the audio (not owned; null:
  // the audio beat clock). Beats are counted where its phase wraps.
  TempoSource* tempo_source = nullptr;
  // Commands the engine does not handle itself (/learn: the app's MIDI input), on poll()'s thread.
  std::function<void(const Command&)> on_command;
  // Generator thread, after each chunk: its first frame and how many audio frames it had (bench).
  std::function<void(int64_t first_frame, int64_t audio_frames)> on_chunk;
};

// Counters, readable from any thread while the engine runs.
struct EngineStats {
  std::atomic<int64_t> audio_frames{0}, beats{0};
  std::atomic<int64_t> chunks{0}, late_chunks{0}, frames_generated{0}, frames_dropped{0};
  std::atomic<double> chunk_ms_last{0}, chunk_ms_max{0};
  std::atomic<int64_t> ticks{0}, missed_ticks{0}, underruns{0};
  std::atomic<int64_t> commands{0}, bad_commands{0}, cues_requested{0}, cues_started{0}, cues_failed{0};
  std::atomic<int64_t> audio_overruns{0}, audio_frames_lost{0}, audio_device_lost{0}, audio_reopens{0};
  std::atomic<int64_t> audio_gaps{0};  // times a live device delivered nothing and silence stood in
  std::atomic<int64_t> models_loaded{0}, models_refused{0};  // /model: switched to, or refused with a reason
};

// What the generator is playing, for the monitor: published after every chunk and control command.
struct GeneratorState {
  int genre = 0;        // index into the dance model's genres() (Engine::genres())
  int models = 0;       // dance models switched to so far: when it moves on, genres() changed
  float intensity = 1;  // the mixer's, [0, 1]
  bool cue_playing = false;
  int cues_queued = 0;
  std::array<char, Command::kTextBytes> cue{};  // the playing cue's text (cut to fit), NUL-terminated
};

class Engine {
 public:
  // dance: a loaded music2dance model; text: a loaded text2motion model or null (cues are refused).
  // Both are used from the engine's threads only while it runs.
  Engine(EngineOptions options, model::MusicToDance& dance, model::TextToMotion* text);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  void add_sink(OutputSink* sink);             // before start(); not owned
  void set_tempo_source(TempoSource* source);  // before start(); replaces EngineOptions::tempo_source
  void start();                                // opens the audio source; throws e2m::Error when it cannot
  void stop();                                 // idempotent; joins every thread
  bool running() const;                        // false once the input ended, the duration passed or stop()
  // Handle queued commands; call often (the app's main loop, every few ms). Returns false when the
  // engine has stopped. /model PATH loads a music2dance model on a thread of its own while the show
  // goes on; the generator switches to it between two chunks, or the file is refused with a reason
  // in the log (missing, not a music2dance model, another chunk length) and the dance goes on.
  bool poll();

  moodycamel::ConcurrentQueue<Command>& commands() { return commands_; }
  const EngineStats& stats() const { return stats_; }
  AnalysisState analysis() const;
  // The newest GeneratorState. One reader thread only (the monitor's): it takes a triple buffer slot.
  GeneratorState generator_state();
  // The dancing model's genres, which a /model switch may change (GeneratorState::models counts the
  // switches). Any thread but the output clock's: it copies the list under a lock.
  std::vector<std::string> genres() const;
  std::string status_line() const;  // one line for --headless, once a second
  double play_delay_s() const;      // motion reaction time the chunking implies
  // The output clock's wake-up lateness (actual - scheduled) and time spent inside each tick.
  const LatencyHistogram& output_jitter() const;
  const LatencyHistogram& output_work() const;
  bool output_realtime() const;  // the output clock got SCHED_FIFO priority
  // When start() began the audio: stream time t plays at start_time() + t.
  std::chrono::steady_clock::time_point start_time() const;
  // When the output clock started: tick n is due at output_start() + n / rate (what receivers see).
  std::chrono::steady_clock::time_point output_start() const;
  double output_rate() const;  // the output clock's ticks per second (EngineOptions::rate_hz)

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  moodycamel::ConcurrentQueue<Command> commands_;
  EngineStats stats_;
};

}  // namespace e2m::live
