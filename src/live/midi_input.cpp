// MIDI control input: message checks, clock follower, routing to commands, and the RtMidi port.
#include "live/midi_input.h"

#include <RtMidi.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <initializer_list>
#include <string_view>

#include "motion/error.h"

namespace e2m::live {

namespace {

constexpr double kCcMax = 127.0;
constexpr int kSwitchOn = 64;        // MIDI 1.0: switch controllers read 0..63 off, 64..127 on
constexpr int kFirstModeCc = 120;    // 120..127: channel mode messages
constexpr int kSixteenthTicks = 6;   // song position counts MIDI beats of 6 clocks
constexpr int kPhaseReadTries = 16;  // seqlock retries before falling back to the last tick's phase
constexpr const char* kVirtualPort = "e2m";

std::string cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) out += p;
  return out;
}

int64_t to_ns(SteadyTime t) noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// Bytes a message with this status must have; 0: variable (sysex); -1: never valid.
int message_length(unsigned char status) noexcept {
  if (status < 0x80) return -1;
  if (status < 0xF0) return (status & 0xE0) == 0xC0 ? 2 : 3;  // Cx program, Dx pressure: 2
  switch (status) {
    case 0xF0:
      return 0;
    case 0xF1:
    case 0xF3:
      return 2;
    case 0xF2:
      return 3;
    case 0xF6:
    case 0xF8:
    case 0xFA:
    case 0xFB:
    case 0xFC:
    case 0xFE:
    case 0xFF:
      return 1;
    default:
      return -1;  // F4, F5, F9, FD undefined; F7 only ends a sysex
  }
}

bool data_bytes_ok(const unsigned char* bytes, std::size_t from, std::size_t to) noexcept {
  for (std::size_t i = from; i < to; ++i)
    if (bytes[i] & 0x80) return false;
  return true;
}

bool well_formed(const unsigned char* bytes, std::size_t size) noexcept {
  if (bytes == nullptr || size == 0) return false;
  const int length = message_length(bytes[0]);
  if (length < 0) return false;
  if (length == 0) return size >= 2 && bytes[size - 1] == 0xF7 && data_bytes_ok(bytes, 1, size - 1);
  return size == std::size_t(length) && data_bytes_ok(bytes, 1, size);
}

void check_target(const MidiTarget& t, const std::string& where) {
  if (t.kind == MidiTargetKind::kIntensity || t.kind == MidiTargetKind::kSmoothing) {
    if (!std::isfinite(t.min) || !std::isfinite(t.max)) throw Error(where + ": expected finite min and max");
  }
  if (t.kind != MidiTargetKind::kGenre) return;
  if (t.genres.size() > 128) throw Error(where + ": at most 128 genres (one per CC value)");
  for (const auto& g : t.genres) {
    Command c;
    if (g.empty() || !c.set_text(g))
      throw Error(cat({where, ": genre '", g, "': expected 1..127 bytes of text"}));
  }
}

MidiTarget target_of(const MidiControl& control) {
  MidiTarget t;
  t.min = control.min;
  t.max = control.max;
  t.genres = control.genres;
  switch (control.param) {
    case MidiParam::kIntensity:
      t.kind = MidiTargetKind::kIntensity;
      break;
    case MidiParam::kSmoothing:
      t.kind = MidiTargetKind::kSmoothing;
      break;
    case MidiParam::kGenre:
      t.kind = MidiTargetKind::kGenre;
      break;
  }
  return t;
}

}  // namespace

// ---- MidiClock ----

void MidiClock::tick(SteadyTime t) noexcept {
  ticks_.fetch_add(1, std::memory_order_relaxed);
  const int64_t ns = to_ns(t);
  if (count_ > 0 && double(ns - last_tick_ns_) * 1e-9 > kMaxTickGapS) count_ = 0;
  times_ns_[head_] = ns;
  head_ = (head_ + 1) % kWindowTicks;
  count_ = std::min(count_ + 1, kWindowTicks);
  last_tick_ns_ = ns;
  const double period = count_ >= kMinTicks ? fit_period() : 0.0;
  if (period > 0) tempo_bpm_.store(60.0 / (kTicksPerBeat * period), std::memory_order_relaxed);
  if (!running_.load(std::memory_order_relaxed)) {
    publish(ns, snap_position_.load(std::memory_order_relaxed), period);
    return;
  }
  advancing_ = true;
  publish(ns, next_position_++, period);
}

// Least-squares slope of tick time against tick number over the window.
double MidiClock::fit_period() const noexcept {
  const int n = count_;
  const int first = (head_ - n + kWindowTicks) % kWindowTicks;
  const int64_t origin = times_ns_[first];
  const double mean_i = (n - 1) / 2.0;
  double mean_t = 0;
  for (int i = 0; i < n; ++i) mean_t += double(times_ns_[(first + i) % kWindowTicks] - origin);
  mean_t /= n;
  double sxy = 0;
  for (int i = 0; i < n; ++i)
    sxy += (i - mean_i) * (double(times_ns_[(first + i) % kWindowTicks] - origin) - mean_t);
  const double sxx = double(n) * (double(n) * n - 1) / 12.0;
  const double period = sxy / sxx * 1e-9;
  return period > 0 ? period : 0.0;
}

void MidiClock::start() noexcept {
  next_position_ = 0;
  running_.store(true, std::memory_order_relaxed);
  advancing_ = false;
  publish(last_tick_ns_, 0, snap_period_s_.load(std::memory_order_relaxed));
}

void MidiClock::resume() noexcept {
  running_.store(true, std::memory_order_relaxed);
  advancing_ = false;
  publish(last_tick_ns_, next_position_, snap_period_s_.load(std::memory_order_relaxed));
}

void MidiClock::stop() noexcept {
  running_.store(false, std::memory_order_relaxed);
  advancing_ = false;
  publish(last_tick_ns_, snap_position_.load(std::memory_order_relaxed),
          snap_period_s_.load(std::memory_order_relaxed));
}

void MidiClock::song_position(int sixteenths) noexcept {
  next_position_ = int64_t(sixteenths) * kSixteenthTicks;
  advancing_ = false;
  publish(last_tick_ns_, next_position_, snap_period_s_.load(std::memory_order_relaxed));
}

// Seqlock write (H.-J. Boehm, "Can seqlocks get along with programming language memory models?",
// 2012): odd sequence, release fence, the fields, even sequence with release.
void MidiClock::publish(int64_t tick_ns, int64_t position, double period_s) noexcept {
  const uint32_t s = seq_.load(std::memory_order_relaxed);
  seq_.store(s + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  snap_tick_ns_.store(tick_ns, std::memory_order_relaxed);
  snap_position_.store(position, std::memory_order_relaxed);
  snap_period_s_.store(period_s, std::memory_order_relaxed);
  snap_advancing_.store(advancing_, std::memory_order_relaxed);
  seq_.store(s + 2, std::memory_order_release);
  phase_.store(double(position % kTicksPerBeat) / kTicksPerBeat, std::memory_order_relaxed);
}

double MidiClock::phase_at(SteadyTime t) const noexcept {
  for (int i = 0; i < kPhaseReadTries; ++i) {
    const uint32_t s = seq_.load(std::memory_order_acquire);
    if (s & 1u) continue;
    const int64_t tick_ns = snap_tick_ns_.load(std::memory_order_relaxed);
    const int64_t position = snap_position_.load(std::memory_order_relaxed);
    const double period = snap_period_s_.load(std::memory_order_relaxed);
    const bool advancing = snap_advancing_.load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (seq_.load(std::memory_order_relaxed) != s) continue;
    double ticks = double(position % kTicksPerBeat);
    if (advancing && period > 0) ticks += std::clamp(double(to_ns(t) - tick_ns) * 1e-9 / period, 0.0, 1.0);
    const double phase = ticks / kTicksPerBeat;
    return phase >= 1.0 ? phase - 1.0 : phase;
  }
  return phase();
}

// ---- MidiRouter ----

struct MidiRouter::Target {
  MidiTargetKind kind = MidiTargetKind::kIntensity;
  double min = 0, max = 1;
  std::vector<Command> genre_commands;  // built before the callback can see the target
  std::atomic<int> last{-1};            // genre band / root lock state last sent
};

MidiRouter::MidiRouter(const MidiMap& map, const CueBank& cues, const std::vector<MidiBinding>& bindings,
                       moodycamel::ConcurrentQueue<Command>& commands)
    : queue_(commands), token_(commands), channel_(map.channel) {
  if (!token_.valid()) throw Error("MIDI: the command queue could not make a producer token");
  if (channel_ < 0 || channel_ > 16)
    throw Error(cat({"midi map '", map.name, "': channel: expected 0 (all) or 1..16 (got ",
                     std::to_string(channel_), ")"}));
  for (auto& t : cc_target_) t.store(-1, std::memory_order_relaxed);
  capacity_ = int(map.controls.size() + bindings.size()) + kMaxLearned;
  targets_ = std::make_unique<Target[]>(std::size_t(capacity_));
  for (std::size_t i = 0; i < map.controls.size(); ++i) {
    const std::string where = cat({"midi map '", map.name, "': controls[", std::to_string(i), "]"});
    // A map names its genres; only a learned control follows the playing model's.
    if (map.controls[i].param == MidiParam::kGenre && map.controls[i].genres.empty())
      throw Error(where + ": a genre control needs at least one genre name");
    add_binding(map.controls[i].cc, target_of(map.controls[i]), where);
  }
  for (std::size_t i = 0; i < bindings.size(); ++i)
    add_binding(bindings[i].cc, bindings[i].target, cat({"MIDI binding ", std::to_string(i)}));
  add_pads(map, cues);
}

MidiRouter::~MidiRouter() = default;

void MidiRouter::add_binding(int cc, const MidiTarget& target, const std::string& where) {
  if (cc < 0 || cc >= kFirstModeCc)
    throw Error(cat({where, ": cc: expected a controller number 0..119 (got ", std::to_string(cc), ")"}));
  if (cc_target_[std::size_t(cc)].load(std::memory_order_relaxed) >= 0)
    throw Error(cat({where, ": cc ", std::to_string(cc), " is bound twice"}));
  cc_target_[std::size_t(cc)].store(int16_t(add_target(target, where)), std::memory_order_release);
}

int MidiRouter::add_target(const MidiTarget& target, const std::string& where) {
  check_target(target, where);
  const int index = num_targets_.load(std::memory_order_relaxed);
  if (index >= capacity_)
    throw Error(cat({where, ": no room for another binding (", std::to_string(kMaxLearned),
                     " can be learned per MIDI input)"}));
  Target& t = targets_[std::size_t(index)];
  t.kind = target.kind;
  t.min = target.min;
  t.max = target.max;
  for (const auto& g : target.genres) {
    Command c;
    c.kind = CommandKind::kGenre;
    c.set_text(g);
    t.genre_commands.push_back(c);
  }
  num_targets_.store(index + 1, std::memory_order_release);
  return index;
}

// A cue with mask "upper" becomes an upper-body cue (kUpper); "full" and "lower" a plain cue (the
// command set has no lower-body layer).
void MidiRouter::add_pads(const MidiMap& map, const CueBank& cues) {
  note_pad_.fill(-1);
  std::array<int, kMaxCueSlot + 1> slot_command;
  slot_command.fill(-1);
  for (const auto& cue : cues.cues) {
    const std::string where = cat({"cue bank '", cues.name, "': slot ", std::to_string(cue.slot)});
    if (cue.slot < 1 || cue.slot > kMaxCueSlot)
      throw Error(cat({where, ": expected a slot 1..", std::to_string(kMaxCueSlot)}));
    Command c;
    c.kind = cue.mask == "upper" ? CommandKind::kUpper : CommandKind::kCue;
    if (cue.text.empty() || !c.set_text(cue.text)) throw Error(where + ": text: expected 1..127 bytes");
    slot_command[std::size_t(cue.slot)] = int(pad_commands_.size());
    pad_commands_.push_back(c);
  }
  for (const auto& pad : map.pads) {
    const std::string where = cat({"midi map '", map.name, "': pad note ", std::to_string(pad.note)});
    if (pad.note < 0 || pad.note > 127) throw Error(where + ": expected a note 0..127");
    if (pad.slot < 1 || pad.slot > kMaxCueSlot)
      throw Error(cat({where, ": slot: expected 1..", std::to_string(kMaxCueSlot)}));
    if (note_pad_[std::size_t(pad.note)] != -1) throw Error(where + ": note mapped twice");
    // -2: a pad whose slot the bank lacks (hit: unmapped), kept apart from -1 to see duplicates.
    const int command = slot_command[std::size_t(pad.slot)];
    note_pad_[std::size_t(pad.note)] = int16_t(command >= 0 ? command : -2);
  }
}

void MidiRouter::learn(MidiTarget target) {
  std::lock_guard<std::mutex> lock(learn_mutex_);
  const int index = add_target(target, "MIDI learn");
  pending_learn_.store(index, std::memory_order_release);
}

void MidiRouter::cancel_learn() noexcept { pending_learn_.store(-1, std::memory_order_release); }

void MidiRouter::handle(const unsigned char* bytes, std::size_t size, SteadyTime arrival) noexcept {
  stats_.messages.fetch_add(1, std::memory_order_relaxed);
  if (!well_formed(bytes, size)) {
    stats_.malformed.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (bytes[0] >= 0xF0) {
    on_system_message(bytes, arrival);
  } else if (!channel_matches(bytes[0])) {
    stats_.unmapped.fetch_add(1, std::memory_order_relaxed);
  } else {
    on_channel_message(bytes);
  }
}

bool MidiRouter::channel_matches(unsigned char status) const noexcept {
  return channel_ == 0 || (status & 0x0F) + 1 == channel_;
}

void MidiRouter::on_channel_message(const unsigned char* m) noexcept {
  switch (m[0] & 0xF0) {
    case 0x90:
      if (m[2] > 0) on_note_on(m[1], m[2]);  // velocity 0: a note-off
      break;
    case 0xB0:
      if (m[1] < kFirstModeCc) on_control(m[1], m[2]);
      break;
    default:
      break;  // note-off, aftertouch, program change, pitch bend: nothing to drive
  }
}

void MidiRouter::on_system_message(const unsigned char* m, SteadyTime arrival) noexcept {
  switch (m[0]) {
    case 0xF8:
      clock_.tick(arrival);
      break;
    case 0xFA:
      clock_.start();
      break;
    case 0xFB:
      clock_.resume();
      break;
    case 0xFC:
      clock_.stop();
      break;
    case 0xF2:
      clock_.song_position(m[1] | (m[2] << 7));
      break;  // LSB first
    default:
      break;  // sysex, time code, song select, tune request, sensing, reset
  }
}

void MidiRouter::on_note_on(int note, int) noexcept {
  const int pad = note_pad_[std::size_t(note)];
  if (pad < 0) {
    stats_.unmapped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  push(pad_commands_[std::size_t(pad)]);
}

void MidiRouter::on_control(int cc, int value) noexcept {
  int pending = pending_learn_.load(std::memory_order_acquire);
  if (pending >= 0 && pending_learn_.compare_exchange_strong(pending, -1, std::memory_order_acq_rel)) {
    cc_target_[std::size_t(cc)].store(int16_t(pending), std::memory_order_release);
    learned_cc_.store(cc, std::memory_order_release);
  }
  const int index = cc_target_[std::size_t(cc)].load(std::memory_order_acquire);
  if (index < 0) {
    stats_.unmapped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  apply(targets_[std::size_t(index)], value);
}

void MidiRouter::apply(Target& t, int value) noexcept {
  const double linear = t.min + (t.max - t.min) * (value / kCcMax);
  Command c;
  switch (t.kind) {
    case MidiTargetKind::kIntensity:
      c.kind = CommandKind::kIntensity;
      c.value = float(linear);
      push(c);
      break;
    case MidiTargetKind::kSmoothing:
      stats_.smoothing.store(linear, std::memory_order_relaxed);
      break;
    case MidiTargetKind::kGenre: {
      if (t.genre_commands.empty()) {  // the dance model's genres, whichever plays: the engine picks
        if (t.last.exchange(value, std::memory_order_relaxed) == value) break;
        c.kind = CommandKind::kGenre;
        c.value = float(value / 128.0);
        push(c);
        break;
      }
      const int band = value * int(t.genre_commands.size()) / 128;
      if (t.last.exchange(band, std::memory_order_relaxed) != band) push(t.genre_commands[std::size_t(band)]);
      break;
    }
    case MidiTargetKind::kRootLock: {
      const int on = value >= kSwitchOn ? 1 : 0;
      if (t.last.exchange(on, std::memory_order_relaxed) == on) break;
      c.kind = CommandKind::kRootLock;
      c.flag = on;
      push(c);
      break;
    }
  }
}

void MidiRouter::push(const Command& command) noexcept {
  if (queue_.try_enqueue(token_, command)) {
    stats_.commands.fetch_add(1, std::memory_order_relaxed);
  } else {
    stats_.dropped.fetch_add(1, std::memory_order_relaxed);
  }
}

void MidiRouter::count_driver_error() noexcept { stats_.errors.fetch_add(1, std::memory_order_relaxed); }

// ---- RtMidi port ----

namespace {

RtMidi::Api rtmidi_api(MidiBackend backend) {
  return backend == MidiBackend::kJack ? RtMidi::UNIX_JACK : RtMidi::LINUX_ALSA;
}

// Errors RtMidi reports through the callback while a port is being set up (otherwise it prints
// warnings to stderr and carries on).
struct SetupErrors {
  std::string last;
  static void record(RtMidiError::Type type, const std::string& text, void* self) {
    if (type == RtMidiError::DEBUG_WARNING) return;
    static_cast<SetupErrors*>(self)->last = text;
  }
};

std::unique_ptr<RtMidiIn> open_backend(MidiBackend backend, const std::string& client) {
  std::vector<RtMidi::Api> apis;
  RtMidi::getCompiledApi(apis);
  if (std::find(apis.begin(), apis.end(), rtmidi_api(backend)) == apis.end())
    throw Error(
        cat({"MIDI: this RtMidi library was built without ", midi_backend_name(backend), " support"}));
  try {
    return std::make_unique<RtMidiIn>(rtmidi_api(backend), client);
  } catch (const RtMidiError& e) {
    throw Error(cat({"MIDI (", midi_backend_name(backend), "): cannot open the driver: ", e.getMessage(),
                     backend == MidiBackend::kAlsa ? " (no ALSA sequencer: /dev/snd/seq; JACK MIDI needs a "
                                                     "running JACK server instead)"
                                                   : ""}));
  }
}

// Port names, or an e2m::Error when the driver reported that it has no server to ask.
std::vector<std::string> port_names(RtMidiIn& midi, SetupErrors& errors, MidiBackend backend) {
  const unsigned n = midi.getPortCount();
  if (backend == MidiBackend::kJack && !errors.last.empty())
    throw Error(cat({"MIDI (JACK): ", errors.last, " (no JACK server is running; start jackd first)"}));
  std::vector<std::string> names;
  for (unsigned i = 0; i < n; ++i) names.push_back(midi.getPortName(i));
  return names;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = char(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

std::string port_list(const std::vector<std::string>& names, MidiBackend backend) {
  if (names.empty()) return cat({"there are no MIDI input ports (", midi_backend_name(backend), ")"});
  std::string out = cat({"MIDI input ports (", midi_backend_name(backend), "):"});
  for (std::size_t i = 0; i < names.size(); ++i) out += cat({" ", std::to_string(i), ": '", names[i], "'"});
  return out;
}

// An index, an exact name, or a case-insensitive part of exactly one name.
unsigned pick_port(const std::string& spec, const std::vector<std::string>& names, MidiBackend backend) {
  const bool digits = !spec.empty() && spec.size() <= 6 && std::all_of(spec.begin(), spec.end(), [](char ch) {
    return std::isdigit(static_cast<unsigned char>(ch)) != 0;
  });
  if (digits) {
    const unsigned long index = std::stoul(spec);
    if (index < names.size()) return unsigned(index);
    throw Error(cat({"MIDI port ", spec, ": no port with that index; ", port_list(names, backend)}));
  }
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == spec) return unsigned(i);
  std::vector<unsigned> hits;
  for (std::size_t i = 0; i < names.size(); ++i)
    if (lower(names[i]).find(lower(spec)) != std::string::npos) hits.push_back(unsigned(i));
  if (hits.size() == 1) return hits[0];
  if (hits.empty())
    throw Error(cat({"MIDI port '", spec, "': no port name contains it; ", port_list(names, backend)}));
  throw Error(cat({"MIDI port '", spec, "': ", std::to_string(hits.size()),
                   " ports match; give more of the name or the index; ", port_list(names, backend)}));
}

// RtMidi's callback (its own thread; on JACK the process callback). RtMidi's time stamps are deltas
// between deliveries; phase_at wants steady-clock times, and the callback runs as the message is
// delivered.
void on_midi_message(double, std::vector<unsigned char>* message, void* self) noexcept {
  const auto now = std::chrono::steady_clock::now();
  auto& router = static_cast<MidiInput*>(self)->router();
  if (message == nullptr) {
    router.handle(nullptr, 0, now);
    return;
  }
  router.handle(message->data(), message->size(), now);
}

void on_driver_error(RtMidiError::Type, const std::string&, void* self) noexcept {
  static_cast<MidiInput*>(self)->router().count_driver_error();
}

// Opens the port the options name (or creates the virtual one) and returns its name.
std::string open_port(RtMidiIn& midi, const MidiInputOptions& options, SetupErrors& errors, MidiInput* self) {
  const auto names = port_names(midi, errors, options.backend);
  // Before the port opens, so no message is queued inside RtMidi instead of reaching the router.
  midi.ignoreTypes(/*sysex=*/true, /*timing=*/!options.follow_clock, /*sense=*/true);
  midi.setCallback(&on_midi_message, self);
  std::string name;
  if (options.port == "virtual") {
    midi.openVirtualPort(kVirtualPort);
    name = cat({options.client_name, ":", kVirtualPort, " (virtual)"});
  } else {
    const unsigned index = pick_port(options.port, names, options.backend);
    midi.openPort(index, kVirtualPort);
    name = names[index];
  }
  if (!errors.last.empty())
    throw Error(cat({"MIDI (", midi_backend_name(options.backend), "): cannot open port '", options.port,
                     "': ", errors.last}));
  return name;
}

}  // namespace

MidiInput::MidiInput(const MidiInputOptions& options, moodycamel::ConcurrentQueue<Command>& commands)
    : router_(options.map, options.cues, options.bindings, commands) {
  open(options);
}

MidiInput::~MidiInput() {
  if (midi_) midi_->closePort();
}

void MidiInput::open(const MidiInputOptions& options) {
  midi_ = open_backend(options.backend, options.client_name);
  SetupErrors errors;
  midi_->setErrorCallback(&SetupErrors::record, &errors);
  // On failure the port goes before `errors`, which its error callback points to.
  try {
    port_name_ = open_port(*midi_, options, errors, this);
  } catch (const RtMidiError& e) {
    midi_.reset();
    throw Error(cat({"MIDI (", midi_backend_name(options.backend), "): cannot open port '", options.port,
                     "': ", e.getMessage()}));
  } catch (...) {
    midi_.reset();
    throw;
  }
  midi_->setErrorCallback(&on_driver_error, this);
}

std::vector<std::string> list_midi_ports(MidiBackend backend) {
  auto midi = open_backend(backend, "e2m-list");
  SetupErrors errors;
  midi->setErrorCallback(&SetupErrors::record, &errors);
  try {
    return port_names(*midi, errors, backend);
  } catch (const Error&) {
    return {};  // JACK without a server: no ports
  }
}

std::string_view midi_backend_name(MidiBackend backend) {
  return backend == MidiBackend::kJack ? "JACK" : "ALSA";
}

}  // namespace e2m::live
