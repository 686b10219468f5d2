// MIDI control input: pads fire cues, faders and knobs set parameters (with MIDI learn), and MIDI
// clock (24 ticks per quarter note) gives tempo and phase, all from a controller's RtMidi port.
//
// Three layers, each usable alone:
// - MidiClock: clock ticks, start/continue/stop and song position -> tempo and beat phase.
// - MidiRouter: one complete MIDI message -> engine Commands (moodycamel ConcurrentQueue) per a
//   MidiMap and CueBank (live/preset.h), MIDI learn, and the clock. No device: tests and other
//   transports feed it bytes directly.
// - MidiInput: an RtMidi input port (ALSA sequencer or JACK) whose callback feeds a MidiRouter.
//
// Real time: RtMidi calls back on its own thread (on JACK, inside JACK's process callback), so
// MidiRouter::handle, MidiClock's updates and every read marked "real-time safe" never allocate,
// lock, log or throw. Commands go through a producer token with try_enqueue, which uses only the
// queue's preallocated blocks; when they are full the command is dropped and counted.
//
// Message rules (MIDI 1.0 Detailed Specification, 4.2, "Summary of MIDI Messages"):
// - Each call carries one whole message (RtMidi splits the byte stream; JACK events are messages).
// - Status byte first (bit 7 set), data bytes below 0x80, length as the status defines (channel
//   voice: 3 bytes, program change and channel pressure 2; F1 and F3: 2; F2: 3; F6 and real-time: 1;
//   F0 sysex: ends with F7). Undefined statuses (F4, F5, F9, FD), a stray F7 and anything else
//   break those rules: counted as malformed and ignored.
// - Note-on with velocity 0 is a note-off (spec 4.2: "Note On with velocity of 0 = Note Off").
// - Controllers 120..127 are channel mode messages, never parameters.
// - Switch controllers read <= 63 as off, >= 64 as on (spec, "Control Change": controllers 64-69),
//   which is the threshold a root-lock binding uses.
#pragma once
#include <concurrentqueue/concurrentqueue.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "live/command.h"
#include "live/preset.h"

class RtMidiIn;

namespace e2m::live {

using SteadyTime = std::chrono::steady_clock::time_point;  // CLOCK_MONOTONIC on Linux (libstdc++)

// ---- MIDI clock ----

// Tempo and phase from MIDI beat clock (spec "System Real Time Messages"): F8 timing clock, 24 per
// quarter note; FA start (position 0), FB continue, FC stop; F2 song position pointer (in MIDI
// beats = 16th notes = 6 clocks). A slave plays the position of the next clock after start,
// continue or a song position, so the first F8 after FA is beat 0, phase 0.
class MidiClock {
 public:
  static constexpr int kTicksPerBeat = 24;
  // Tempo is the least-squares tick period over the last kWindowTicks ticks (jitter of a few ms per
  // tick, as JACK periods and USB polling give, averages out; 48 = two beats, so a tempo change
  // shows within two beats). Reported from kMinTicks ticks (a quarter beat) on; 0 before.
  static constexpr int kWindowTicks = 48;
  static constexpr int kMinTicks = 6;
  // A longer gap between two ticks (below 10 BPM) means the clock stopped: the window restarts.
  static constexpr double kMaxTickGapS = 0.25;

  // Real-time safe, one thread (the MIDI callback). t: when the message arrived.
  void tick(SteadyTime t) noexcept;
  void start() noexcept;
  void resume() noexcept;  // FB continue
  void stop() noexcept;
  void song_position(int sixteenths) noexcept;  // 0..16383

  // Real-time safe, any thread.
  double tempo_bpm() const noexcept { return tempo_bpm_.load(std::memory_order_relaxed); }
  // [0,1) at the last tick played, or at the position a start or song position set.
  double phase() const noexcept { return phase_.load(std::memory_order_relaxed); }
  bool running() const noexcept { return running_.load(std::memory_order_relaxed); }
  int64_t ticks() const noexcept { return ticks_.load(std::memory_order_relaxed); }
  // Beat phase in [0,1) at time t, extrapolated from the last tick at the smoothed tempo (at most one
  // tick ahead, so a late tick never makes the phase jump back). Held while stopped or without tempo.
  double phase_at(SteadyTime t) const noexcept;

 private:
  void publish(int64_t tick_ns, int64_t position, double period_s) noexcept;
  double fit_period() const noexcept;

  // Writer-only state (the callback thread).
  std::array<int64_t, kWindowTicks> times_ns_{};
  int count_ = 0, head_ = 0;   // ticks in the window; next slot
  int64_t next_position_ = 0;  // tick index the next F8 lands on (since start / song position)
  int64_t last_tick_ns_ = 0;
  bool advancing_ = false;  // running and a tick has played since start, continue or song position

  // Published. The snapshot for phase_at is a seqlock (odd seq_: being written), so readers never
  // block and the writer never waits.
  std::atomic<double> tempo_bpm_{0}, phase_{0};
  std::atomic<bool> running_{false};
  std::atomic<int64_t> ticks_{0};
  std::atomic<uint32_t> seq_{0};
  std::atomic<int64_t> snap_tick_ns_{0}, snap_position_{0};
  std::atomic<double> snap_period_s_{0};
  std::atomic<bool> snap_advancing_{false};
};

// ---- routing messages to commands ----

enum class MidiTargetKind { kIntensity, kSmoothing, kGenre, kRootLock };

// What a controller drives. intensity, smoothing: CC 0..127 linearly onto [min, max] (min > max
// reverses the fader). genre: CC range in equal bands, one per name. root lock: >= 64 on.
// Smoothing has no engine command: its value is published in MidiStats::smoothing for the app.
struct MidiTarget {
  MidiTargetKind kind = MidiTargetKind::kIntensity;
  double min = 0, max = 1;
  std::vector<std::string> genres;  // kGenre: none follows the dance model's genres, even after a switch
};

// A binding the preset format has no field for (root lock), or any other, beside the map's.
struct MidiBinding {
  int cc = 64;  // 0..119
  MidiTarget target;
};

// Counters and values, readable from any thread.
struct MidiStats {
  std::atomic<int64_t> messages{0};   // every message handed in, malformed or not
  std::atomic<int64_t> malformed{0};  // broke the message rules above; ignored
  std::atomic<int64_t> commands{0};   // commands queued
  std::atomic<int64_t> dropped{0};    // commands lost: the queue's preallocated blocks were full
  std::atomic<int64_t> unmapped{0};   // note-on or CC with no pad, cue or binding; other channels
  std::atomic<int64_t> errors{0};     // errors the MIDI driver reported after the port opened
  std::atomic<double> smoothing{-1};  // last smoothing value; -1 until a smoothing control moved
};

class MidiRouter {
 public:
  // How many bindings learn() can add in the router's lifetime (targets are never freed while the
  // callback may read them).
  static constexpr int kMaxLearned = 64;

  // Checks and prepares everything the callback needs: every command text is built here. Throws
  // e2m::Error naming the control, pad or cue and what was expected (a CC outside 0..119, a CC bound
  // twice, a genre control without genres, a channel outside 0..16, a cue text over 127 bytes).
  // Pads whose slot the bank lacks are allowed (a smaller bank may be loaded for a set) and counted
  // as unmapped when hit. `commands` must outlive the router.
  MidiRouter(const MidiMap& map, const CueBank& cues, const std::vector<MidiBinding>& bindings,
             moodycamel::ConcurrentQueue<Command>& commands);
  ~MidiRouter();
  MidiRouter(const MidiRouter&) = delete;
  MidiRouter& operator=(const MidiRouter&) = delete;

  // One whole message (see the top of this file). Real-time safe; one thread at a time.
  void handle(const unsigned char* bytes, std::size_t size, SteadyTime arrival) noexcept;

  // MIDI learn: the next control change (0..119, on the map's channel) binds that controller to
  // `target`, replacing what it drove, and is applied at once. Any non-real-time thread. Throws
  // e2m::Error for a target that is not valid (as above) or when kMaxLearned are used up.
  void learn(MidiTarget target);
  void cancel_learn() noexcept;
  bool learning() const noexcept { return pending_learn_.load(std::memory_order_acquire) >= 0; }
  int learned_cc() const noexcept { return learned_cc_.load(std::memory_order_acquire); }  // -1: none yet

  const MidiStats& stats() const noexcept { return stats_; }
  const MidiClock& clock() const noexcept { return clock_; }
  void count_driver_error() noexcept;  // the port's driver reported an error; real-time safe

 private:
  struct Target;
  void add_binding(int cc, const MidiTarget& target, const std::string& where);
  int add_target(const MidiTarget& target, const std::string& where);
  void add_pads(const MidiMap& map, const CueBank& cues);
  bool channel_matches(unsigned char status) const noexcept;
  void on_channel_message(const unsigned char* m) noexcept;
  void on_system_message(const unsigned char* m, SteadyTime arrival) noexcept;
  void on_note_on(int note, int velocity) noexcept;
  void on_control(int cc, int value) noexcept;
  void apply(Target& target, int value) noexcept;
  void push(const Command& command) noexcept;

  moodycamel::ConcurrentQueue<Command>& queue_;
  moodycamel::ProducerToken token_;
  int channel_ = 0;  // 0: all, else 1..16
  std::unique_ptr<Target[]> targets_;
  int capacity_ = 0;
  std::atomic<int> num_targets_{0};
  std::array<std::atomic<int16_t>, 128> cc_target_;  // index into targets_, -1 unbound
  std::array<int16_t, 128> note_pad_;                // index into pad_commands_, -1 none
  std::vector<Command> pad_commands_;
  std::atomic<int> pending_learn_{-1};  // target index the next CC binds to
  std::atomic<int> learned_cc_{-1};
  std::mutex learn_mutex_;  // learn() callers only; never the callback
  MidiStats stats_;
  MidiClock clock_;
};

// ---- an RtMidi port ----

enum class MidiBackend { kAlsa, kJack };  // the ALSA sequencer, or JACK MIDI

struct MidiInputOptions {
  // "virtual": create an input port named "e2m" for other programs to connect to; a number: the
  // index in list_midi_ports(); otherwise a name, or a part of one that matches a single port.
  std::string port = "virtual";
  MidiBackend backend = MidiBackend::kAlsa;
  bool follow_clock = false;  // receive timing messages (F8 and F1); otherwise the driver drops them
  MidiMap map;
  CueBank cues;
  std::vector<MidiBinding> bindings;  // beside map.controls (root lock has no preset field)
  std::string client_name = "e2m";    // ALSA client / JACK client name
};

class MidiInput {
 public:
  // Opens the port and starts receiving. Throws e2m::Error when the backend cannot be opened (no
  // ALSA sequencer, no JACK server), when no port matches (the message lists the ports), or when the
  // map is not valid (see MidiRouter). `commands` must outlive the input.
  MidiInput(const MidiInputOptions& options, moodycamel::ConcurrentQueue<Command>& commands);
  ~MidiInput();  // closes the port: no callback runs after it returns
  MidiInput(const MidiInput&) = delete;
  MidiInput& operator=(const MidiInput&) = delete;

  const std::string& port_name() const noexcept { return port_name_; }  // what was opened or created
  MidiRouter& router() noexcept { return router_; }
  const MidiStats& stats() const noexcept { return router_.stats(); }
  const MidiClock& clock() const noexcept { return router_.clock(); }

 private:
  void open(const MidiInputOptions& options);

  MidiRouter router_;
  std::unique_ptr<RtMidiIn> midi_;  // after router_: closed before the router goes
  std::string port_name_;
};

// Input port names for `e2m devices`. Throws e2m::Error when the backend cannot be opened; an empty
// list when it opens but has no ports (JACK: also when no JACK server runs).
std::vector<std::string> list_midi_ports(MidiBackend backend);
std::string_view midi_backend_name(MidiBackend backend);  // "ALSA" or "JACK"

}  // namespace e2m::live
