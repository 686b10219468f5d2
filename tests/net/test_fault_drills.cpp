// Fault drills for the live show, each on real parts: the JACK server killed under the audio input and
// started again, a receiver that quits and comes back on its port, a model file switched to (or
// refused) over OSC mid-show, and a disk that fills up under the recording. Through all of them the
// output clock keeps its 1/60 s steps and the dance goes on.
// LibTorch first: glog, which it brings in, defines CHECK too, and Catch's must be the one that stands.
// clang-format off
#include "live_models.h"
// clang-format on

#include <lo/lo.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <fstream>
#include <mutex>
#include <thread>

#include "audio/audio_file.h"
#include "audio/demo_track.h"
#include "io/bvh.h"
#include "jack_server.h"
#include "jack_show.h"
#include "live/engine.h"
#include "live/recorder_output.h"
#include "lo_receiver.h"
#include "model/model_file.h"
#include "motion/rotation.h"
#include "net/command_server.h"
#include "net/live_outputs.h"
#include "test_support.h"
#include "tmpfs_mount.h"

using namespace e2m;
using Listening = test::ListeningReceiver;

namespace {

std::filesystem::path demo_wav(const std::filesystem::path& dir, double seconds) {
  const auto p = dir / "demo.wav";
  audio::write_wav(p, audio::demo_track(44100, seconds), 44100);
  return p;
}

using test::run_for;
using test::run_until;

// The engine's log lines, collected from whichever thread writes them.
struct Log {
  std::mutex mutex;
  std::vector<std::string> lines;
  std::function<void(const std::string&)> sink() {
    return [this](const std::string& line) {
      std::lock_guard<std::mutex> lock(mutex);
      lines.push_back(line);
    };
  }
  std::string find(const std::string& part) {
    std::lock_guard<std::mutex> lock(mutex);
    for (const auto& l : lines)
      if (l.find(part) != std::string::npos) return l;
    return {};
  }
};

// A tiny music2dance model file. raised_arm: its motion statistics hold the left arm up, so what it
// dances is told apart from the test's in-memory model (whose statistics are the rest pose's).
std::filesystem::path save_dance_model(const std::filesystem::path& path, bool raised_arm,
                                       int chunk_frames = 8) {
  torch::manual_seed(21);
  auto c = model::ModelConfig::tiny(model::ModelKind::Music2Dance);
  c.music.chunk_frames = chunk_frames;
  auto meta = test::live_test_meta(c);
  if (raised_arm) {
    c.music.genres = {"raised-arm", "cha-cha"};  // genres of its own, the running one's first among them
    meta = test::live_test_meta(c);
    meta.motion_norm = test::raised_left_arm_norm();
  }
  model::Music2Dance m(c);
  model::save_model(path, meta, *m);
  return path;
}

// The engine dancing to a demo track file (`seconds` long), logging into `log` and streaming VMC to a
// real receiver; a test adds sinks or a command server before start().
struct FileShow {
  model::MusicToDance dance;
  Log log;
  Listening vmc;
  net::VmcOutput out{vmc.rx.address()};
  std::unique_ptr<live::Engine> engine;
  FileShow(const std::filesystem::path& dir, double seconds, bool pass_through = false) {
    test::load_tiny_dance(dance);
    live::EngineOptions opt;
    opt.input = "file:" + demo_wav(dir, seconds).string();
    if (pass_through) opt.filter = {{1e4, 0, 1}, {1e4, 0, 1}};  // the filter passes poses through
    opt.log = log.sink();
    engine = std::make_unique<live::Engine>(opt, dance, nullptr);
    engine->add_sink(&out);
  }
  void start() { engine->start(); }
  // Runs the track to its end, then stops the engine and takes what the receiver still holds.
  void run_to_end() {
    while (engine->poll()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    engine->stop();
    vmc.finish();
  }
};

// A receiver app that quits mid-show: it listens on its own thread until stop(), keeps what it got,
// and its port closes with it.
struct QuittingReceiver {
  test::LoReceiver rx;
  std::atomic<bool> quit{false};
  std::thread thread;
  QuittingReceiver() {
    thread = std::thread([this] {
      while (!quit) rx.receive(int(rx.sizes.size()) + 1000000, 50);
    });
  }
  ~QuittingReceiver() { stop(); }
  void stop() {
    quit = true;
    if (thread.joinable()) thread.join();
  }
};

// Streamed LeftUpperArm turn away from rest, per VMC frame (Unity's quaternion read back as ours).
std::vector<double> left_arm_angles(const test::LoReceiver& rx) {
  std::vector<double> out;
  for (const auto* m : rx.with_path("/VMC/Ext/Bone/Pos"))
    if (m->args[0].s == "LeftUpperArm")
      out.push_back(
          motion::angle_between({m->args[7].f, m->args[4].f, -m->args[5].f, -m->args[6].f}, motion::Quat{}));
  return out;
}

double mean(const std::vector<double>& v, size_t from, size_t to) {
  double s = 0;
  for (size_t i = from; i < to; ++i) s += v[i];
  return to > from ? s / double(to - from) : 0;
}

}  // namespace

TEST_CASE("drill: the JACK server killed (SIGKILL) mid-show and started again: the dance goes on",
          "[live][drill][jack]") {
  using namespace test::jack;
  if (!programs_installed({"jackd", "jack_lsp"}, "jackd (jackd2)")) return;
  const test::TempDir dir("drill-jack");
  const HangWatch watch(120);
  test::JackShow show;
  REQUIRE(show.start("drill", dir.path()));
  live::Engine& engine = *show.engine;
  JackServer& server = show.server;
  REQUIRE(run_for(engine, 3));
  CHECK(engine.stats().audio_frames > 30);
  server.kill_now(SIGKILL);  // the audio device dies without a word
  REQUIRE(run_until(engine, 5, [&] { return engine.stats().audio_device_lost >= 1; }));
  REQUIRE(run_for(engine, 1));
  const int64_t during = engine.stats().audio_frames;
  REQUIRE(start_jack(server, "drill", dir.path()));
  const int64_t reopens = engine.stats().audio_reopens;
  REQUIRE(run_until(engine, 10, [&] { return engine.stats().audio_reopens > reopens; }));
  REQUIRE(run_for(engine, 2));
  show.finish();
  std::printf("jack killed: %s\n", engine.status_line().c_str());
  INFO(engine.status_line());
  CHECK(engine.stats().audio_device_lost >= 1);
  CHECK(engine.stats().audio_frames > during + 30);  // the analysis goes on from the new server
  // The outage was silence to the dance, not a stop, which would starve the output for the whole
  // outage (over a second: 60 ticks); the rest is the slack a generator slowed down by
  // ThreadSanitizer on a loaded machine eats.
  CHECK(engine.stats().underruns < 30);
  REQUIRE(show.vmc.rx.with_path("/VMC/Ext/T").size() > 400);
  // A step off the 1/60 s grid is a tick the clock counted as missed (its thread was descheduled
  // past a whole tick, as a loaded machine under TSan does), never a pause for the audio device.
  CHECK(test::broken_steps(show.vmc.rx) <= engine.stats().missed_ticks);
  CHECK(engine.stats().missed_ticks < 30);
}

TEST_CASE("drill: a receiver that quits and comes back on its port gets the show again, failed sends counted",
          "[live][drill][net]") {
  const test::TempDir dir("drill-receiver");
  model::MusicToDance dance;
  test::load_tiny_dance(dance);
  live::EngineOptions opt;
  opt.input = "file:" + demo_wav(dir.path(), 7.0).string();
  auto first = std::make_unique<QuittingReceiver>();
  const int port = first->rx.port();
  net::VmcOutput out(first->rx.address());
  live::Engine engine(opt, dance, nullptr);
  engine.add_sink(&out);
  engine.start();
  REQUIRE(run_until(engine, 10, [&] { return engine.stats().ticks > 120; }));
  first->stop();
  const auto before = first->rx.with_path("/VMC/Ext/T").size();
  const int broken_before = test::broken_steps(first->rx);
  first.reset();  // the receiver app quits: its port is closed
  const uint64_t errors_at_close = out.sender().stats().errors;
  REQUIRE(run_for(engine, 1.5));
  const uint64_t errors_while_away = out.sender().stats().errors - errors_at_close;
  Listening second(port);  // and comes back on the same port
  while (engine.poll()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  engine.stop();
  second.finish();
  const auto after = second.rx.with_path("/VMC/Ext/T");
  std::printf("receiver away: %zu frames before, %zu after (from %.2f s), %llu sends refused while away\n",
              before, after.size(), after.empty() ? 0.0 : double(after.front()->args[0].f),
              (unsigned long long)errors_while_away);
  INFO(engine.status_line() << " | frames before " << before << ", after " << after.size()
                            << ", send errors while away " << errors_while_away);
  CHECK(before > 100);
  CHECK(broken_before <= engine.stats().missed_ticks);
  CHECK(errors_while_away > 0);  // the kernel refused them, and the sender counted that
  REQUIRE(after.size() > 200);
  CHECK(test::broken_steps(second.rx) <= engine.stats().missed_ticks);  // off-grid steps: counted misses only
  CHECK(after.front()->args[0].f > 3.0f);  // the clock ran on through the absence
  CHECK(engine.stats().underruns == 0);
  // Every tick was sent: a tick the clock skipped (it woke more than a period late, as a loaded
  // machine under TSan makes it) is counted as missed and sends nothing.
  CHECK(out.sender().stats().frames + uint64_t(engine.stats().missed_ticks.load()) ==
        uint64_t(engine.stats().ticks.load()));
}

TEST_CASE("drill: /e2m/model switches the dance to another model file mid-show without stopping the clock",
          "[live][drill][model]") {
  const test::TempDir dir("drill-model");
  const auto next = save_dance_model(dir.path() / "raised.e2mm", true);
  FileShow show(dir.path(), 8.0, true);
  live::Engine& engine = *show.engine;
  net::CommandServerOptions so;
  so.port = 0;
  net::CommandServer server(engine.commands(), so);
  server.start();
  show.start();
  REQUIRE(run_until(engine, 10, [&] { return engine.stats().ticks > 150; }));
  const int64_t asked_at = engine.stats().ticks;
  lo_address to = lo_address_new("127.0.0.1", std::to_string(server.port()).c_str());
  lo_send(to, "/e2m/model", "s", next.c_str());
  lo_address_free(to);
  REQUIRE(run_until(engine, 10, [&] { return engine.stats().models_loaded == 1; }));
  const int64_t switched_at = engine.stats().ticks;
  show.run_to_end();
  server.stop();
  INFO(engine.status_line() << " | asked at tick " << asked_at << ", switched by tick " << switched_at);
  CHECK(engine.stats().models_refused == 0);
  CHECK(show.log.find("model switched") != "");
  // The genre list follows the switch (the monitor's selector reads it), and the genre danced
  // (cha-cha, the first model's first) is found in it.
  CHECK(engine.genres() == std::vector<std::string>{"raised-arm", "cha-cha"});
  const live::GeneratorState g = engine.generator_state();
  CHECK(g.models == 1);
  CHECK(g.genre == 1);
  CHECK(engine.stats().underruns == 0);
  CHECK(test::broken_steps(show.vmc.rx) <=
        engine.stats().missed_ticks);  // off-grid steps: counted misses only
  // The new model's dance is in the stream: its left arm is up, the first model's is not. The
  // switch plays a chunk plus a margin later than the generator makes it.
  const auto angles = left_arm_angles(show.vmc.rx);
  REQUIRE(angles.size() > size_t(switched_at + 60));
  const double before = mean(angles, 60, size_t(asked_at));
  const double after = mean(angles, size_t(switched_at + 60), angles.size());
  std::printf("model switch: asked at tick %lld, switched by tick %lld; LeftUpperArm %.2f rad -> %.2f rad\n",
              (long long)asked_at, (long long)switched_at, before, after);
  INFO("LeftUpperArm from rest: " << before << " rad before, " << after << " rad after");
  CHECK(after > before + 0.5);
}

TEST_CASE("drill: a genre control that names no genres picks among the playing model's, after /e2m/model too",
          "[live][drill][model]") {
  const test::TempDir dir("drill-genre-position");
  const auto next = save_dance_model(dir.path() / "raised.e2mm", true);
  FileShow show(dir.path(), 8.0);
  live::Engine& engine = *show.engine;
  auto send = [&](live::CommandKind kind, float position, const std::string& text = "") {
    live::Command c;
    c.kind = kind;
    c.value = position;
    REQUIRE(c.set_text(text));
    engine.commands().enqueue(c);
  };
  auto playing = [&](int genre, int models) {
    return run_until(engine, 10, [&] {
      const live::GeneratorState g = engine.generator_state();
      return g.genre == genre && g.models == models;
    });
  };
  const std::vector<std::string> first = engine.genres();
  REQUIRE(first.size() > 2);
  show.start();
  send(live::CommandKind::kGenre, 0.99f);  // the fader at the top: the first model's last genre
  CHECK(playing(int(first.size()) - 1, 0));
  send(live::CommandKind::kGenre, 0.0f);  // at the bottom: its first, cha-cha (the new model has it too)
  CHECK(playing(0, 0));
  send(live::CommandKind::kModel, 0, next.string());
  CHECK(playing(1, 1));                   // cha-cha is the new model's second genre
  send(live::CommandKind::kGenre, 0.0f);  // the bottom now is the new model's first genre
  CHECK(playing(0, 1));
  show.run_to_end();
  INFO(engine.status_line());
  CHECK(engine.genres() == std::vector<std::string>{"raised-arm", "cha-cha"});
  CHECK(show.log.find("genre: " + first.back()) != "");
  CHECK(show.log.find("genre: raised-arm") != "");
  CHECK(show.log.find("genre not changed") == "");
}

TEST_CASE(
    "drill: /e2m/model with a missing, corrupt, text or odd-chunked file is refused and the show goes on",
    "[live][drill][model]") {
  const test::TempDir dir("drill-model-refused");
  const auto corrupt = dir.path() / "replaced.e2mm";
  std::ofstream(corrupt) << "half a model file, cut off by a copy that did not finish";
  const auto text_model = dir.path() / "text.e2mm";
  {
    model::TextToMotion text;
    test::load_tiny_text(text);
    model::save_model(text_model, text.meta(), *model::Text2Motion(text.meta().config));
  }
  const auto odd = save_dance_model(dir.path() / "chunk16.e2mm", false, 16);
  const std::vector<std::pair<std::filesystem::path, std::string>> files = {
      {dir.path() / "missing.e2mm", "model file not found"},
      {corrupt, "not an e2m model file"},
      {text_model, "is a text2motion model"},
      {odd, "its chunks are 16 frames"}};
  FileShow show(dir.path(), 8.0);
  live::Engine& engine = *show.engine;
  show.start();
  for (size_t i = 0; i < files.size(); ++i) {
    live::Command c;
    c.kind = live::CommandKind::kModel;
    REQUIRE(c.set_text(files[i].first.string()));
    engine.commands().enqueue(c);
    REQUIRE(run_until(engine, 10, [&] { return engine.stats().models_refused == int64_t(i + 1); }));
  }
  show.run_to_end();
  INFO(engine.status_line());
  CHECK(engine.stats().models_loaded == 0);
  CHECK(engine.stats().models_refused == 4);
  for (const auto& [file, reason] : files) {
    const std::string line = show.log.find("model " + file.string() + " refused");
    std::printf("%s\n", line.c_str());
    INFO(file << ": " << line);
    CHECK(line.find(reason) != std::string::npos);
  }
  CHECK(engine.stats().underruns == 0);
  CHECK(test::broken_steps(show.vmc.rx) <=
        engine.stats().missed_ticks);                                   // off-grid steps: counted misses only
  CHECK(show.vmc.rx.with_path("/VMC/Ext/T").back()->args[0].f > 7.5f);  // to the end of the track
}

TEST_CASE("drill: the disk fills up under the recording: it stops cleanly and the show goes on",
          "[live][drill][record]") {
  const test::TempDir dir("drill-disk-full");
  test::TmpfsMount disk(dir.path() / "small", "size=128k");
  if (!disk.mounted) {
    WARN("SKIPPED: cannot mount a tmpfs here ("
         << std::strerror(disk.error) << "); the e2m binary drill under a file size limit covers it");
    return;
  }
  FileShow show(dir.path(), 8.0);
  live::Engine& engine = *show.engine;
  live::RecorderOutput recorder(disk.dir / "show.bvh", 60);
  engine.add_sink(&recorder);
  show.start();
  REQUIRE(run_until(engine, 10, [&] { return recorder.stats().write_errors > 0; }));
  const int64_t full_at = engine.stats().ticks;
  show.run_to_end();
  recorder.close();
  const auto st = recorder.stats();
  std::printf("disk full at tick %lld: %llu frames recorded (%s), the show went on to tick %lld\n",
              (long long)full_at, (unsigned long long)st.frames_written, std::strerror(st.last_errno),
              (long long)engine.stats().ticks.load());
  INFO(engine.status_line() << " | disk full at tick " << full_at << ", " << st.frames_written
                            << " frames recorded, " << st.frames_dropped << " dropped");
  CHECK(st.last_errno == ENOSPC);
  CHECK_FALSE(st.recording);
  // The show went on to the end of the track at its rate.
  CHECK(engine.stats().ticks > full_at + 200);
  CHECK(engine.stats().underruns == 0);
  CHECK(test::broken_steps(show.vmc.rx) <=
        engine.stats().missed_ticks);  // off-grid steps: counted misses only
  // The recording holds every frame up to the full disk, and opens as it is (cut back to whole rows).
  const io::Bvh bvh = io::read_bvh(recorder.path());
  CHECK(bvh.frames == int(st.frames_written));
  CHECK(bvh.frames > 60);
}
