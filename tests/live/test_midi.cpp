// MIDI control input: the router (pads, controllers, learn, clock, malformed bytes) fed directly,
// and the whole path from a JACK MIDI port through RtMidi's JACK input on a jackd dummy server
// the test starts.
#include <jack/jack.h>
#include <jack/midiport.h>
#include <pthread.h>
#include <readerwriterqueue/readerwriterqueue.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "jack_server.h"
#include "live/midi_input.h"
#include "motion/error.h"
#include "rt_checks.h"
#include "test_support.h"

using namespace e2m::live;
using Clock = std::chrono::steady_clock;
using Queue = moodycamel::ConcurrentQueue<Command>;

namespace {

constexpr double kTickS = 60.0 / (120.0 * MidiClock::kTicksPerBeat);  // 120 BPM

MidiMap test_map() {
  MidiMap map;
  map.name = "test";
  MidiControl intensity;
  intensity.cc = 7;
  intensity.param = MidiParam::kIntensity;
  intensity.min = 0;
  intensity.max = 1;
  MidiControl genre;
  genre.cc = 20;
  genre.param = MidiParam::kGenre;
  genre.genres = {"house", "waltz", "hiphop"};
  MidiControl smoothing;
  smoothing.cc = 22;
  smoothing.param = MidiParam::kSmoothing;
  map.controls = {intensity, genre, smoothing};
  map.pads = {{36, 1}, {37, 3}, {38, 9}};  // slot 9 is not in the bank
  return map;
}

CueBank test_bank() {
  CueBank bank;
  bank.name = "test";
  bank.cues = {{1, "wave", "full", false}, {3, "bow", "upper", false}};
  return bank;
}

std::vector<MidiBinding> test_bindings() {
  MidiBinding root;
  root.cc = 64;
  root.target.kind = MidiTargetKind::kRootLock;
  return {root};
}

std::vector<Command> drain(Queue& q) {
  std::vector<Command> out;
  Command c;
  while (q.try_dequeue(c)) out.push_back(c);
  return out;
}

// Collects commands until `n` have arrived or the deadline passes.
std::vector<Command> wait_commands(Queue& q, std::size_t n, double seconds = 10.0) {
  std::vector<Command> out;
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  Command c;
  while (out.size() < n && Clock::now() < end) {
    if (q.try_dequeue(c)) {
      out.push_back(c);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  return out;
}

template <typename Pred>
bool wait_until(Pred pred, double seconds = 10.0) {
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  while (!pred()) {
    if (Clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

struct Feeder {
  MidiRouter& router;
  Clock::time_point t = Clock::time_point(std::chrono::seconds(1000));
  // An initializer list lives on the stack: sending allocates nothing (the real-time test relies on it).
  void send(std::initializer_list<unsigned char> bytes) { router.handle(bytes.begin(), bytes.size(), t); }
  void send(const std::vector<unsigned char>& bytes) { router.handle(bytes.data(), bytes.size(), t); }
  void tick_at(double seconds_from_origin) {
    t = Clock::time_point(std::chrono::seconds(1000)) +
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds_from_origin));
    send({0xF8});
  }
};

// ---- jackd with the dummy backend, as tests/audio/test_capture.cpp starts it ----

using e2m::test::jack::on_path;
using e2m::test::jack::quiet;
using e2m::test::jack::spawn;
using e2m::test::jack::stop_process;

// Sets an environment variable for the scope and restores what was there.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

jack_client_t* open_probe(const std::string& server) {
  jack_status_t status;
  return jack_client_open("e2mprobe", jack_options_t(JackNoStartServer | JackServerName), &status,
                          server.c_str());
}

// jackd under a name of its own (so parallel tests never share a server); killed when it goes.
struct JackServer {
  std::string name;
  pid_t pid = -1;
  bool start(const std::filesystem::path& dir) {
    name = "e2mmidi" + std::to_string(getpid());
    // 128-frame periods (2.7 ms at 48 kHz): RtMidi stamps JACK events per period, so clock ticks
    // arrive with about a period of jitter. Real-time scheduling at a low priority (-R -P 10) keeps a
    // loaded machine from delaying whole periods; where it is not permitted jackd says so in its log
    // and runs without it. Synchronous mode (-S): each cycle waits for every client, so the input reads
    // the sender's port buffer after the sender has written it, however late a slow (sanitized) client
    // runs; asynchronously it could read a buffer the sender was rewriting (stale values).
    pid = spawn({"jackd", "-S", "-R", "-P", "10", "-n", name, "-d", "dummy", "-r", "48000", "-p", "128"}, {},
                dir / "jackd.log");
    jack_set_error_function(quiet);
    jack_set_info_function(quiet);
    return wait_until(
        [&] {
          jack_client_t* c = open_probe(name);
          if (c) jack_client_close(c);
          return c != nullptr;
        },
        10.0);
  }
  ~JackServer() { stop_process(pid); }
};

// Whether a port has a connection (RtMidi's openPort asks JACK to connect; JACK does it shortly).
bool port_connected(const std::string& server, const std::string& port) {
  jack_client_t* c = open_probe(server);
  if (!c) return false;
  jack_port_t* p = jack_port_by_name(c, port.c_str());
  const bool connected = p && jack_port_connected(p) > 0;
  jack_client_close(c);
  return connected;
}

// The test's controller: a JACK client with one MIDI output port whose process callback writes
// the messages the test queued, each in the next cycle. (RtMidi's own JACK output passes them
// through libjack's ring buffer, which under ThreadSanitizer lost a burst or handed on bytes of an
// earlier message; that is the sender's side, not the input under test.)
class JackMidiSender {
 public:
  JackMidiSender(const std::string& client_name, const std::string& server) {
    // A second jackd starting beside this one (parallel tests) can refuse a client for a moment.
    jack_status_t status{};
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    while (!client_ && Clock::now() < deadline) {
      client_ = jack_client_open(client_name.c_str(), jack_options_t(JackNoStartServer | JackServerName),
                                 &status, server.c_str());
      if (!client_) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!client_)
      throw std::runtime_error("the test's MIDI sender cannot open a JACK client on " + server + " (status " +
                               std::to_string(static_cast<int>(status)) + ")");
    port_ = jack_port_register(client_, "out", JACK_DEFAULT_MIDI_TYPE, JackPortIsOutput, 0);
    if (!port_ || jack_set_process_callback(client_, &JackMidiSender::process, this) != 0 ||
        jack_activate(client_) != 0) {
      jack_client_close(client_);
      throw std::runtime_error("the test's MIDI sender cannot register and activate its port");
    }
  }
  ~JackMidiSender() {
    jack_deactivate(client_);
    jack_client_close(client_);
  }
  JackMidiSender(const JackMidiSender&) = delete;
  JackMidiSender& operator=(const JackMidiSender&) = delete;

  void send(const std::vector<unsigned char>& bytes) {
    Message m;
    m.size = std::min(bytes.size(), sizeof(m.bytes));
    std::copy_n(bytes.begin(), m.size, m.bytes);
    queue_.enqueue(m);
  }

 private:
  struct Message {
    unsigned char bytes[3] = {};
    size_t size = 0;
  };

  static int process(jack_nframes_t frames, void* self_ptr) {
    auto* self = static_cast<JackMidiSender*>(self_ptr);
    void* buffer = jack_port_get_buffer(self->port_, frames);
    jack_midi_clear_buffer(buffer);
    while (const Message* m = self->queue_.peek()) {
      jack_midi_data_t* data = jack_midi_event_reserve(buffer, 0, m->size);
      if (!data) break;  // the port's buffer is full: the rest go out next cycle
      std::copy_n(m->bytes, m->size, data);
      self->queue_.pop();
    }
    return 0;
  }

  jack_client_t* client_ = nullptr;
  jack_port_t* port_ = nullptr;
  moodycamel::ReaderWriterQueue<Message> queue_{1024};
};

// Clock ticks on absolute deadlines from a thread of their own, at a low real-time priority where
// permitted (as a hardware clock source keeps time whatever else the machine does); without the
// permission it runs at normal priority.
void send_ticks(JackMidiSender& out, int n, double period_s) {
  std::thread sender([&] {
    sched_param param{};
    param.sched_priority = 10;
    pthread_setschedparam(pthread_self(), SCHED_FIFO, &param);
    const auto start = Clock::now();
    for (int i = 0; i < n; ++i) {
      std::this_thread::sleep_until(
          start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(i * period_s)));
      out.send({0xF8});
    }
  });
  sender.join();
}

void send(JackMidiSender& out, const std::vector<unsigned char>& bytes) { out.send(bytes); }

}  // namespace

// ---- the router alone ----

TEST_CASE("midi pads queue the cue bank text, and velocity 0 or an unknown pad queue nothing",
          "[live][midi]") {
  Queue q;
  MidiRouter router(test_map(), test_bank(), test_bindings(), q);
  Feeder f{router};
  f.send({0x90, 36, 100});
  f.send({0x90, 36, 0});    // a note-off
  f.send({0x80, 36, 64});   // a note-off
  f.send({0x90, 38, 100});  // pad for slot 9, which the bank lacks
  f.send({0x90, 50, 100});  // no pad
  f.send({0x99, 37, 100});  // channel 10: the map listens on all channels; an upper-body cue
  const auto got = drain(q);
  REQUIRE(got.size() == 2);
  CHECK(got[0].kind == CommandKind::kCue);
  CHECK(got[0].text_view() == "wave");
  CHECK(got[1].kind == CommandKind::kUpper);
  CHECK(got[1].text_view() == "bow");
  CHECK(router.stats().unmapped == 2);
  CHECK(router.stats().messages == 6);
  CHECK(router.stats().commands == 2);
  CHECK(router.stats().malformed == 0);
}

TEST_CASE("midi map on one channel ignores the others", "[live][midi]") {
  Queue q;
  auto map = test_map();
  map.channel = 2;
  MidiRouter router(map, test_bank(), {}, q);
  Feeder f{router};
  f.send({0x90, 36, 100});  // channel 1
  f.send({0x91, 36, 100});  // channel 2
  const auto got = drain(q);
  REQUIRE(got.size() == 1);
  CHECK(got[0].text_view() == "wave");
  CHECK(router.stats().unmapped == 1);
}

TEST_CASE("midi controllers: intensity over its range, genre bands, root lock at 64, smoothing",
          "[live][midi]") {
  Queue q;
  MidiRouter router(test_map(), test_bank(), test_bindings(), q);
  Feeder f{router};
  for (int v = 0; v <= 127; ++v) f.send({0xB0, 7, static_cast<unsigned char>(v)});
  auto got = drain(q);
  REQUIRE(got.size() == 128);
  for (int v = 0; v <= 127; ++v) {
    CHECK(got[v].kind == CommandKind::kIntensity);
    CHECK(got[v].value == Approx(v / 127.0).margin(1e-6));
  }
  // Three genres: 0..42, 43..85, 86..127; a command only when the band changes.
  for (int v : {0, 10, 42, 43, 85, 86, 127}) f.send({0xB0, 20, static_cast<unsigned char>(v)});
  got = drain(q);
  REQUIRE(got.size() == 3);
  CHECK(got[0].text_view() == "house");
  CHECK(got[1].text_view() == "waltz");
  CHECK(got[2].text_view() == "hiphop");
  CHECK(got[2].kind == CommandKind::kGenre);
  for (int v : {0, 63, 64, 127, 10}) f.send({0xB0, 64, static_cast<unsigned char>(v)});
  got = drain(q);
  REQUIRE(got.size() == 3);
  CHECK(got[0].kind == CommandKind::kRootLock);
  CHECK(got[0].flag == 0);
  CHECK(got[1].flag == 1);
  CHECK(got[2].flag == 0);
  CHECK(router.stats().smoothing.load() == -1);
  f.send({0xB0, 22, 127});
  CHECK(router.stats().smoothing.load() == Approx(1.0));
  CHECK(drain(q).empty());
  f.send({0xB0, 123, 0});  // all notes off: a channel mode message, not a parameter
  f.send({0xB0, 30, 5});   // unbound
  CHECK(drain(q).empty());
  CHECK(router.stats().unmapped == 1);
}

TEST_CASE("midi learn binds the next controller to the parameter given", "[live][midi]") {
  Queue q;
  MidiRouter router(test_map(), test_bank(), {}, q);
  Feeder f{router};
  CHECK_FALSE(router.learning());
  CHECK(router.learned_cc() == -1);
  MidiTarget t;
  t.kind = MidiTargetKind::kIntensity;
  t.min = 0;
  t.max = 2;
  router.learn(t);
  CHECK(router.learning());
  f.send({0xB0, 21, 127});
  CHECK_FALSE(router.learning());
  CHECK(router.learned_cc() == 21);
  f.send({0xB0, 21, 0});
  auto got = drain(q);
  REQUIRE(got.size() == 2);
  CHECK(got[0].value == Approx(2.0));
  CHECK(got[1].value == Approx(0.0));
  // Learning over a mapped controller replaces what it drove.
  MidiTarget root;
  root.kind = MidiTargetKind::kRootLock;
  router.learn(root);
  f.send({0xB0, 7, 100});
  got = drain(q);
  REQUIRE(got.size() == 1);
  CHECK(got[0].kind == CommandKind::kRootLock);
  CHECK(got[0].flag == 1);
  // Cancelled: the next controller keeps its binding.
  router.learn(t);
  router.cancel_learn();
  f.send({0xB0, 7, 0});
  got = drain(q);
  REQUIRE(got.size() == 1);
  CHECK(got[0].kind == CommandKind::kRootLock);
  MidiTarget bad;
  bad.kind = MidiTargetKind::kGenre;
  bad.genres = {"waltz", ""};
  CHECK_THROWS_AS(router.learn(bad), e2m::Error);
  // A genre control that names no genres sends where the fader is, once per value, for the engine
  // to pick among the playing model's genres (which a /model switch changes).
  MidiTarget any_genre;
  any_genre.kind = MidiTargetKind::kGenre;
  router.learn(any_genre);
  for (int v : {0, 0, 64, 127}) f.send({0xB0, 9, static_cast<unsigned char>(v)});
  got = drain(q);
  REQUIRE(got.size() == 3);
  for (const auto& c : got) {
    CHECK(c.kind == CommandKind::kGenre);
    CHECK(c.text_view().empty());
  }
  CHECK(got[0].value == Approx(0.0));
  CHECK(got[1].value == Approx(0.5));
  CHECK(got[2].value == Approx(127.0 / 128));
}

TEST_CASE("midi malformed and short messages are counted and ignored", "[live][midi]") {
  Queue q;
  MidiRouter router(test_map(), test_bank(), test_bindings(), q);
  Feeder f{router};
  const std::vector<std::vector<unsigned char>> bad = {
      {0x90},              // status alone
      {0x90, 36},          // note-on without velocity
      {0x90, 36, 100, 5},  // one byte too many
      {0xB0, 0x87, 0x10},  // data byte with bit 7 set
      {0x24, 0x10},        // no status byte (running status is not split into calls)
      {0xF4},              // undefined status
      {0xF7},              // end of sysex on its own
      {0xF8, 0x00},        // real-time message with data
      {0xF2, 0x01},        // song position without its second byte
      {0xF0, 0x7E, 0x01},  // sysex without its end
      {0xC0},              // program change without the program
  };
  for (const auto& m : bad) f.send(m);
  router.handle(nullptr, 3, f.t);
  router.handle(bad[0].data(), 0, f.t);
  CHECK(router.stats().malformed == int64_t(bad.size()) + 2);
  CHECK(router.stats().messages == int64_t(bad.size()) + 2);
  CHECK(drain(q).empty());
  CHECK(router.clock().ticks() == 0);
  // Well-formed messages that drive nothing are not malformed.
  f.send({0xF0, 0x7E, 0x01, 0xF7});
  f.send({0xC0, 5});
  f.send({0xE0, 0, 64});
  f.send({0xFE});
  CHECK(router.stats().malformed == int64_t(bad.size()) + 2);
}

TEST_CASE("midi clock: tempo from 24 ticks, phase from start, song position and extrapolation",
          "[live][midi]") {
  Queue q;
  MidiRouter router(test_map(), test_bank(), {}, q);
  const MidiClock& clock = router.clock();
  Feeder f{router};
  CHECK(clock.tempo_bpm() == 0);
  f.send({0xFA});
  CHECK(clock.running());
  // 24 ticks at 120 BPM with +-2 ms of alternating jitter, as a USB or JACK period gives.
  for (int i = 0; i < 24; ++i) f.tick_at(i * kTickS + (i % 2 ? 0.002 : -0.002));
  CHECK(std::abs(clock.tempo_bpm() / 120.0 - 1.0) < 0.01);
  CHECK(clock.phase() == Approx(23.0 / 24.0));
  CHECK(clock.ticks() == 24);
  // Half a tick after the last: 23.5 ticks into the beat (the last tick was 2 ms late).
  const auto last = f.t;
  const auto half = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(kTickS / 2));
  CHECK(clock.phase_at(last + half) == Approx(23.5 / 24.0).margin(0.005));
  // Never more than a tick ahead: a late clock holds the phase instead of jumping back later.
  CHECK(clock.phase_at(last + std::chrono::seconds(5)) == Approx(0.0).margin(1e-9));
  CHECK(clock.phase_at(last - std::chrono::seconds(1)) == Approx(23.0 / 24.0));
  f.tick_at(24 * kTickS);
  CHECK(clock.phase() == Approx(0.0));
  // Stop holds the phase; song position 2 (2 sixteenths = 12 ticks) and continue: the next tick
  // plays half a beat in.
  f.send({0xFC});
  CHECK_FALSE(clock.running());
  f.tick_at(25 * kTickS);
  CHECK(clock.phase() == Approx(0.0));
  CHECK(clock.phase_at(f.t + half) == Approx(0.0));
  f.send({0xF2, 2, 0});
  f.send({0xFB});
  CHECK(clock.running());
  f.tick_at(26 * kTickS);
  CHECK(clock.phase() == Approx(0.5));
  // A tempo change shows within the window (48 ticks at 140 BPM).
  const double fast = 60.0 / (140.0 * MidiClock::kTicksPerBeat);
  for (int i = 1; i <= MidiClock::kWindowTicks; ++i) f.tick_at(26 * kTickS + i * fast);
  CHECK(clock.tempo_bpm() == Approx(140.0).epsilon(0.001));
  // A pause longer than kMaxTickGapS restarts the window: 6 ticks at 90 BPM give 90 at once.
  const double slow = 60.0 / (90.0 * MidiClock::kTicksPerBeat);
  const double resume_s = 26 * kTickS + 48 * fast + 2.0;
  for (int i = 0; i < MidiClock::kMinTicks; ++i) f.tick_at(resume_s + i * slow);
  CHECK(clock.tempo_bpm() == Approx(90.0).epsilon(0.001));
}

TEST_CASE("midi router handles messages without allocating or locking", "[live][midi][rt]") {
  namespace rt = e2m::test::rt;
  Queue q(1024);
  MidiRouter router(test_map(), test_bank(), test_bindings(), q);
  MidiTarget t;
  t.kind = MidiTargetKind::kGenre;
  t.genres = {"a", "b"};
  router.learn(t);
  Feeder f{router};
  rt::Counters counters;
  {
    rt::WatchScope watch(counters);
    f.send({0x90, 36, 100});
    f.send({0xB0, 90, 127});  // learned here
    for (int v = 0; v < 128; v += 8) f.send({0xB0, 7, static_cast<unsigned char>(v)});
    f.send({0xB0, 20, 127});
    f.send({0xB0, 64, 127});
    f.send({0xFA});
    for (int i = 0; i < 60; ++i) f.tick_at(i * kTickS);
    f.send({0xF2, 4, 0});
    f.send({0xFC});
    f.send({0x90, 36});
    volatile double phase = router.clock().phase_at(f.t);
    (void)phase;
  }
  const auto c = rt::read(counters);
  INFO("heap calls " << c.heap_calls() << ", lock calls " << c.lock_calls());
  CHECK(c.heap_calls() == 0);
  CHECK(c.lock_calls() == 0);
  CHECK(router.learned_cc() == 90);
  CHECK(router.stats().commands == 1 + 1 + 16 + 1 + 1);
  CHECK(router.stats().dropped == 0);
}

TEST_CASE("midi map errors name the control and what was expected", "[live][midi]") {
  Queue q;
  auto map = test_map();
  map.controls[0].cc = 121;
  CHECK_THROWS_WITH(MidiRouter(map, test_bank(), {}, q),
                    Catch::Contains("controls[0]") && Catch::Contains("0..119"));
  map = test_map();
  map.controls[1].genres.clear();
  CHECK_THROWS_WITH(MidiRouter(map, test_bank(), {}, q), Catch::Contains("at least one genre"));
  auto bindings = test_bindings();
  bindings[0].cc = 7;  // the map's intensity controller
  CHECK_THROWS_WITH(MidiRouter(test_map(), test_bank(), bindings, q), Catch::Contains("cc 7 is bound twice"));
  map = test_map();
  map.channel = 17;
  CHECK_THROWS_WITH(MidiRouter(map, test_bank(), {}, q), Catch::Contains("channel"));
  auto bank = test_bank();
  bank.cues[0].text = std::string(200, 'x');
  CHECK_THROWS_WITH(MidiRouter(test_map(), bank, {}, q), Catch::Contains("slot 1"));
}

// ---- the real path: a JACK MIDI port -> RtMidi's JACK input -> MidiInput ----

TEST_CASE("midi input through RtMidi's JACK backend: cues, controllers, learn, clock, malformed bytes",
          "[live][midi][jack]") {
  if (!on_path("jackd")) {
    WARN("SKIPPED: jackd (package jackd2) is not installed");
    return;
  }
  e2m::test::TempDir dir("midi-jack");
  JackServer server;
  REQUIRE(server.start(dir.path()));
  ScopedEnv env_server("JACK_DEFAULT_SERVER", server.name);
  ScopedEnv env_nostart("JACK_NO_START_SERVER", "1");

  JackMidiSender out("e2mtestsrc", server.name);
  const auto ports = list_midi_ports(MidiBackend::kJack);
  CHECK(std::find(ports.begin(), ports.end(), "e2mtestsrc:out") != ports.end());

  Queue q;
  MidiInputOptions opt;
  opt.backend = MidiBackend::kJack;
  opt.port = "E2MTESTSRC";  // part of the name, any case
  opt.follow_clock = true;
  opt.map = test_map();
  opt.cues = test_bank();
  opt.bindings = test_bindings();
  opt.client_name = "e2mmidiin";
  MidiInput in(opt, q);
  CHECK(in.port_name() == "e2mtestsrc:out");
  REQUIRE(wait_until([&] { return port_connected(server.name, "e2mtestsrc:out"); }));
  // The checks start on a connection known to carry messages: program changes (which drive
  // nothing) go out until one arrives, and the counts below are taken from there.
  REQUIRE(wait_until([&] {
    send(out, {0xC0, 0});
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return in.stats().messages > 0;
  }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the last ones in flight land
  const int64_t handshake = in.stats().messages;
  REQUIRE(in.stats().commands == 0);

  SECTION("a pad queues its cue's text") {
    send(out, {0x90, 36, 0});  // note-off first: nothing
    send(out, {0x90, 36, 100});
    const auto got = wait_commands(q, 1);
    REQUIRE(got.size() == 1);
    CHECK(got[0].kind == CommandKind::kCue);
    CHECK(got[0].text_view() == "wave");
    CHECK(in.stats().messages - handshake == 2);
  }
  SECTION("CC 0..127 maps onto intensity 0..1") {
    // All 128 in one go: several land in one JACK cycle.
    for (int v = 0; v <= 127; ++v) send(out, {0xB0, 7, static_cast<unsigned char>(v)});
    const auto got = wait_commands(q, 128);
    REQUIRE(got.size() == 128);
    for (int v = 0; v <= 127; ++v) {
      CHECK(got[v].kind == CommandKind::kIntensity);
      CHECK(got[v].value == Approx(v / 127.0).margin(1e-6));
    }
    CHECK(in.stats().dropped == 0);
  }
  SECTION("MIDI learn binds the next controller") {
    MidiTarget t;
    t.kind = MidiTargetKind::kIntensity;
    t.min = 0;
    t.max = 2;
    in.router().learn(t);
    send(out, {0xB0, 21, 127});
    auto got = wait_commands(q, 1);
    REQUIRE(got.size() == 1);
    CHECK(got[0].value == Approx(2.0));
    CHECK(in.router().learned_cc() == 21);
    send(out, {0xB0, 21, 0});
    got = wait_commands(q, 1);
    REQUIRE(got.size() == 1);
    CHECK(got[0].value == Approx(0.0));
  }
  SECTION("24 clock ticks at 120 BPM give the tempo within 1%, and start/stop/song position the phase") {
    send(out, {0xFA});
    send_ticks(out, 24, kTickS);
    REQUIRE(wait_until([&] { return in.clock().ticks() == 24; }));
    const double tempo = in.clock().tempo_bpm();
    std::printf("midi clock over JACK: 24 ticks at 120 BPM read as %.3f BPM\n", tempo);
    CHECK(std::abs(tempo / 120.0 - 1.0) < 0.01);
    CHECK(in.clock().running());
    CHECK(in.clock().phase() == Approx(23.0 / 24.0));
    send(out, {0xFC});
    REQUIRE(wait_until([&] { return !in.clock().running(); }));
    send(out, {0xF2, 2, 0});
    send(out, {0xFB});
    send(out, {0xF8});
    REQUIRE(wait_until([&] { return in.clock().ticks() == 25; }));
    CHECK(in.clock().running());
    CHECK(in.clock().phase() == Approx(0.5));
  }
  SECTION("malformed bytes are counted and ignored") {
    const std::vector<std::vector<unsigned char>> bad = {
        {0x90, 36}, {0xB0, 0x87, 0x10}, {0x24, 0x10}, {0xF4}, {0xF8, 0x00}};
    for (const auto& m : bad) send(out, m);
    send(out, {0x90, 36, 100});  // a good one after them, so the test knows they all arrived
    const auto got = wait_commands(q, 1);
    REQUIRE(got.size() == 1);
    CHECK(got[0].text_view() == "wave");
    CHECK(in.stats().malformed == int64_t(bad.size()));
    CHECK(in.stats().messages - handshake == int64_t(bad.size()) + 1);
    CHECK(in.clock().ticks() == 0);
  }
  SECTION("a port name that matches nothing is an error that lists the ports") {
    MidiInputOptions wrong = opt;
    wrong.port = "nosuchcontroller";
    wrong.client_name = "e2mmidiwrong";
    CHECK_THROWS_WITH(MidiInput(wrong, q),
                      Catch::Contains("nosuchcontroller") && Catch::Contains("0: 'e2mtestsrc:out'"));
  }
  CHECK(in.stats().errors == 0);
}

TEST_CASE("midi input over JACK without a JACK server fails with a clear message", "[live][midi][jack]") {
  ScopedEnv env_server("JACK_DEFAULT_SERVER", "e2m-none-" + std::to_string(getpid()));
  ScopedEnv env_nostart("JACK_NO_START_SERVER", "1");
  jack_set_error_function(quiet);
  jack_set_info_function(quiet);
  Queue q;
  MidiInputOptions opt;
  opt.backend = MidiBackend::kJack;
  CHECK_THROWS_WITH(MidiInput(opt, q), Catch::Contains("no JACK server is running"));
  CHECK(list_midi_ports(MidiBackend::kJack).empty());
}

TEST_CASE("midi input on ALSA without a sequencer fails with a clear message", "[live][midi]") {
  if (std::filesystem::exists("/dev/snd/seq")) {
    WARN("SKIPPED: this machine has an ALSA sequencer (/dev/snd/seq), so its absence cannot be tested");
    return;
  }
  Queue q;
  MidiInputOptions opt;
  opt.backend = MidiBackend::kAlsa;
  CHECK_THROWS_WITH(MidiInput(opt, q), Catch::Contains("MIDI (ALSA)") && Catch::Contains("JACK"));
  CHECK_THROWS_AS(list_midi_ports(MidiBackend::kAlsa), e2m::Error);
}
