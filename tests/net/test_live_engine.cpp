// The live engine end to end with real components: a file played in real time, the generator, the
// mixer, the 60 Hz output clock, VMC and VJ OSC into a real liblo receiver, and cues over OSC.
// LibTorch first: glog, which it brings in, defines CHECK too, and Catch's must be the one that stands.
// clang-format off
#include "live_models.h"
// clang-format on

#include <arpa/inet.h>
#include <lo/lo.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <csignal>
#include <set>
#include <thread>

#include "audio/audio_file.h"
#include "audio/demo_track.h"
#include "jack_server.h"
#include "jack_show.h"
#include "live/engine.h"
#include "live/tempo_source.h"
#include "lo_receiver.h"
#include "motion/skeleton.h"
#include "net/command_server.h"
#include "net/live_outputs.h"
#include "test_support.h"

using namespace e2m;

namespace {

using Listening = test::ListeningReceiver;

struct Run {
  live::EngineOptions opt;
  model::MusicToDance dance;
  model::TextToMotion text;
  Listening vmc, vj;
  Run(const std::filesystem::path& wav) {
    test::load_tiny_dance(dance);
    test::load_tiny_text(text);
    opt.input = "file:" + wav.string();
    opt.duration_s = 0;
  }
};

std::filesystem::path demo_wav(const test::TempDir& dir, double seconds) {
  const auto p = dir.path() / "demo.wav";
  audio::write_wav(p, audio::demo_track(44100, seconds), 44100);
  return p;
}

}  // namespace

TEST_CASE("live: a 10 s file streams well-formed VMC at 60 Hz and VJ beats to real receivers",
          "[live][net]") {
  const test::TempDir dir("live-engine");
  Run run(demo_wav(dir, 10.0));
  net::VmcOutput vmc(run.vmc.rx.address());
  net::VjOutput vj(run.vj.rx.address());
  live::Engine engine(run.opt, run.dance, &run.text);
  engine.add_sink(&vmc);
  engine.add_sink(&vj);
  engine.start();
  while (engine.poll()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  engine.stop();
  run.vmc.finish();
  run.vj.finish();
  const auto& st = engine.stats();
  INFO(engine.status_line());
  CHECK(st.underruns == 0);
  CHECK(st.chunks > 30);

  // Frame rate from the senders' own timestamps (/VMC/Ext/T): every frame arrives, 60 Hz within 2%.
  const auto times = run.vmc.rx.with_path("/VMC/Ext/T");
  REQUIRE(times.size() > 500);
  const double span = times.back()->args[0].f - times.front()->args[0].f;
  const double rate = double(times.size() - 1) / span;
  INFO("frames " << times.size() << " over " << span << " s: " << rate << " Hz");
  CHECK(std::abs(rate / 60.0 - 1) < 0.02);
  CHECK(run.vmc.rx.with_path("/VMC/Ext/OK").size() == times.size());
  CHECK(run.vmc.rx.with_path("/VMC/Ext/Root/Pos").size() == times.size());

  // Every bone message: "s" + 7 floats, a Unity bone name, a unit quaternion; no joint turns faster
  // than 25 rad/s (0.42 rad between 60 Hz frames).
  std::set<std::string> names;
  for (int j = 0; j < motion::kNumJoints; ++j) names.insert(std::string(motion::skeleton()[j].unity_bone));
  const auto bones = run.vmc.rx.with_path("/VMC/Ext/Bone/Pos");
  REQUIRE(bones.size() == times.size() * motion::kNumJoints);
  double worst = 0;
  for (size_t i = 0; i < bones.size(); ++i) {
    const auto& m = *bones[i];
    REQUIRE(m.types == "sfffffff");
    REQUIRE(names.count(m.args[0].s) == 1);
    const motion::Quat q{m.args[7].f, m.args[4].f, m.args[5].f, m.args[6].f};
    REQUIRE(std::abs(q.w * q.w + q.x * q.x + q.y * q.y + q.z * q.z - 1) < 1e-3);
    if (i >= size_t(motion::kNumJoints)) {
      const auto& p = *bones[i - motion::kNumJoints];
      const motion::Quat r{p.args[7].f, p.args[4].f, p.args[5].f, p.args[6].f};
      worst = std::max(worst, motion::angle_between(q, r));
    }
  }
  INFO("largest joint turn between frames: " << worst << " rad");
  CHECK(worst < 25.0 / 60.0);

  // Beats: the demo track is 120 BPM; /e2m/beat counts up about twice a second of stream time.
  const auto beats = run.vj.rx.with_path("/e2m/beat");
  const auto vj_frames = run.vj.rx.with_path("/e2m/frame");
  CHECK(vj_frames.size() == times.size());
  // /e2m/onset goes out every frame and, at once, for every onset the analysis finds (the demo track
  // has a kick, snare or hat on every eighth note).
  const auto onsets = run.vj.rx.with_path("/e2m/onset");
  CHECK(onsets.size() >= vj_frames.size() + 20);
  CHECK(beats.size() >= 12);
  CHECK(beats.size() <= 22);
}

TEST_CASE("live: a cue sent over OSC mid-run is performed and the dance goes on after it", "[live][net]") {
  const test::TempDir dir("live-cue");
  Run run(demo_wav(dir, 8.0));
  run.opt.cue_frames = 30;
  run.opt.filter = {{1e4, 0, 1}, {1e4, 0, 1}};  // the filter passes poses through: the stream is the mix
  net::VmcOutput vmc(run.vmc.rx.address());
  live::Engine engine(run.opt, run.dance, &run.text);
  engine.add_sink(&vmc);
  net::CommandServerOptions so;
  so.port = 0;
  net::CommandServer server(engine.commands(), so);
  server.start();
  engine.start();
  lo_address to = lo_address_new("127.0.0.1", std::to_string(server.port()).c_str());
  bool sent = false;
  while (engine.poll()) {
    if (!sent && engine.stats().ticks > 120) {
      lo_send(to, "/e2m/cue", "s", "a person waves");
      sent = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  lo_address_free(to);
  engine.stop();
  run.vmc.finish();
  INFO(engine.status_line());
  CHECK(engine.stats().cues_requested == 1);
  CHECK(engine.stats().cues_started == 1);
  CHECK(engine.stats().underruns == 0);
  // The stream never stopped: frames up to the end of the 8 s track.
  const auto times = run.vmc.rx.with_path("/VMC/Ext/T");
  REQUIRE(!times.empty());
  CHECK(times.back()->args[0].f > 7.5f);
  // The cue is in the stream: between its fades the streamed LeftUpperArm rotations are the cue
  // clip's own (text2motion is deterministic: the same sentence gives the same clip).
  const motion::Clip cue = run.text.generate("a person waves", 30);
  std::vector<motion::Quat> streamed;
  for (const auto* m : run.vmc.rx.with_path("/VMC/Ext/Bone/Pos"))
    if (m->args[0].s == "LeftUpperArm")  // Unity's (x, -y, -z, w) back to ours
      streamed.push_back({m->args[7].f, m->args[4].f, -m->args[5].f, -m->args[6].f});
  for (int t = 10; t <= 20; ++t) {
    double nearest = 10;
    for (const auto& q : streamed)
      nearest = std::min(nearest, motion::angle_between(q, cue.q(t, motion::kLeftShoulder)));
    INFO("cue frame " << t << ": nearest streamed rotation " << nearest << " rad away");
    CHECK(nearest < 2e-3);
  }
}

TEST_CASE("live: a generator too slow for real time counts underruns and the clock keeps its rate",
          "[live][net]") {
  const test::TempDir dir("live-slow");
  Run run(demo_wav(dir, 6.0));
  run.opt.slow_generator_ms = 400;  // a chunk is 267 ms of motion
  net::VmcOutput vmc(run.vmc.rx.address());
  live::Engine engine(run.opt, run.dance, nullptr);
  engine.add_sink(&vmc);
  engine.start();
  const auto t0 = std::chrono::steady_clock::now();
  while (engine.poll() && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5))
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  engine.stop();
  run.vmc.finish();
  INFO(engine.status_line());
  CHECK(engine.stats().underruns > 0);
  CHECK(engine.stats().late_chunks > 0);
  // The output went on at its rate: consecutive /VMC/Ext/T values 1/60 s apart.
  REQUIRE(run.vmc.rx.with_path("/VMC/Ext/T").size() > 200);
  CHECK(test::broken_steps(run.vmc.rx) <=
        engine.stats().missed_ticks);  // off-grid steps: counted misses only
}

TEST_CASE("live: with MIDI clock as the tempo source the VJ tempo and beats follow it, not the audio",
          "[live][net][midi]") {
  const test::TempDir dir("live-midi-clock");
  Run run(demo_wav(dir, 5.0));  // the demo track is 120 BPM; the MIDI clock says 100
  live::MidiClock clock;
  live::MidiTempo tempo(clock);
  run.opt.tempo_source = &tempo;
  net::VjOutput vj(run.vj.rx.address());
  live::Engine engine(run.opt, run.dance, nullptr);
  engine.add_sink(&vj);
  std::atomic<bool> done{false};
  std::thread midi([&] {  // 24 clock ticks per beat at 100 BPM, as a DAW sends them
    clock.start();
    auto next = std::chrono::steady_clock::now();
    while (!done) {
      clock.tick(next);
      next += std::chrono::microseconds(25000);
      std::this_thread::sleep_until(next);
    }
  });
  engine.start();
  while (engine.poll()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  engine.stop();
  done = true;
  midi.join();
  run.vj.finish();
  const auto tempos = run.vj.rx.with_path("/e2m/tempo");
  REQUIRE(tempos.size() > 200);
  CHECK(std::abs(tempos.back()->args[0].f - 100.0f) < 1.5f);
  // About 5.4 s of output at 100 BPM: 8 or 9 beats (the audio clock would give 10 or more).
  const auto beats = run.vj.rx.with_path("/e2m/beat");
  INFO("beats " << beats.size());
  CHECK(beats.size() >= 7);
  CHECK(beats.size() <= 10);
}

TEST_CASE("live: a flood of 100,000 junk packets at the command port neither stops nor disturbs the show",
          "[live][net][flood]") {
  const test::TempDir dir("live-flood");
  Run run(demo_wav(dir, 6.0));
  net::VmcOutput vmc(run.vmc.rx.address());
  live::Engine engine(run.opt, run.dance, nullptr);
  engine.add_sink(&vmc);
  net::CommandServerOptions so;
  so.port = 0;
  net::CommandServer server(engine.commands(), so);
  server.start();
  engine.start();
  // Junk of every kind: not OSC, truncated OSC, unknown addresses, wrong types, oversize.
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(uint16_t(server.port()));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const std::string junk[] = {"garbage", std::string("/e2m/cue\0\0\0\0,i\0\0\0\0\0\1", 20),
                              std::string("/e2m/nothing\0\0\0\0,\0\0\0", 20), std::string("/e2m/cue", 8),
                              std::string(6000, 'x')};
  int sent = 0;
  while (sent < 100000 && engine.poll()) {
    for (int k = 0; k < 1000; ++k, ++sent) {
      const auto& j = junk[size_t(sent) % std::size(junk)];
      sendto(fd, j.data(), j.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  close(fd);
  const auto during = engine.stats().ticks.load();
  while (engine.poll()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  engine.stop();
  server.stop();
  run.vmc.finish();
  const auto st = server.stats();
  INFO(engine.status_line() << " | sent " << sent << ", received " << st.packets << ", malformed "
                            << st.malformed << ", oversize " << st.oversize << ", rate-limited "
                            << st.rate_limited);
  CHECK(sent == 100000);
  CHECK(during > 0);
  CHECK(st.commands == 0);
  CHECK(st.packets > 0);
  CHECK(st.malformed + st.oversize + st.rate_limited == st.packets);
  CHECK(engine.stats().underruns == 0);
  CHECK(engine.stats().commands == 0);
  // The output went on at its rate through the flood.
  REQUIRE(run.vmc.rx.with_path("/VMC/Ext/T").size() > 300);
  CHECK(test::broken_steps(run.vmc.rx) <=
        engine.stats().missed_ticks);  // off-grid steps: counted misses only
}

TEST_CASE("live: dancing to a JACK device goes on while its server is stopped and started again",
          "[live][net][jack]") {
  using namespace test::jack;
  if (!programs_installed({"jackd"}, "jackd (jackd2)")) return;
  const test::TempDir dir("live-jack");
  test::JackShow show;
  REQUIRE(show.start("live", dir.path()));
  live::Engine& engine = *show.engine;
  JackServer& server = show.server;
  auto run_for = [&](double seconds) { test::run_for(engine, seconds); };
  run_for(3);
  const int64_t before = engine.stats().audio_frames;
  CHECK(before > 30);
  const auto lost_at = std::chrono::steady_clock::now();
  server.stop();  // the audio device vanishes mid-show
  run_for(2);
  const int64_t during = engine.stats().audio_frames;
  const double outage_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - lost_at).count();
  REQUIRE(start_jack(server, "live", dir.path()));
  run_for(5);
  show.finish();
  INFO(engine.status_line() << " | analysis frames before " << before << ", after the " << outage_s
                            << " s outage " << during);
  CHECK(engine.stats().audio_device_lost >= 1);
  CHECK(engine.stats().audio_reopens >= 1);          // the device came back
  CHECK(engine.stats().audio_frames > during + 30);  // and the analysis went on
  // The outage was silence to the analysis: it went on at 30 frames a second (give or take the
  // 0.15 s the engine waits before it calls the device silent, and a block or two).
  CHECK(double(during - before) >= 30 * (outage_s - 0.5));
  // and so to the dance, not a stop: a stop would starve the output for the whole outage (over 120
  // ticks); the rest is the slack a generator slowed down by ThreadSanitizer on a loaded machine eats.
  CHECK(engine.stats().underruns < 30);
  // The output never paused: every /VMC/Ext/T 1/60 s after the one before, through the outage.
  REQUIRE(show.vmc.rx.with_path("/VMC/Ext/T").size() > 500);
  // A step off the 1/60 s grid is a tick the clock counted as missed (its thread was descheduled
  // past a whole tick, as a loaded machine under TSan does), never a pause for the audio device.
  CHECK(test::broken_steps(show.vmc.rx) <= engine.stats().missed_ticks);
  CHECK(engine.stats().missed_ticks < 30);  // a pause for the device would miss over 120
}

TEST_CASE("live: a JACK device that stalls is silence to the analysis until it delivers again",
          "[live][net][jack]") {
  using namespace test::jack;
  if (!programs_installed({"jackd"}, "jackd (jackd2)")) return;
  const test::TempDir dir("live-stall");
  test::JackShow show;
  REQUIRE(show.start("stall", dir.path()));
  live::Engine& engine = *show.engine;
  REQUIRE(test::run_until(engine, 10, [&] { return engine.stats().audio_frames > 30; }));
  test::run_for(engine, 1);
  // The server stops delivering, but under the source's stall_seconds (1 s): the device is not lost.
  const int64_t before = engine.stats().audio_frames;
  const auto stalled_at = std::chrono::steady_clock::now();
  REQUIRE(kill(show.server.pid, SIGSTOP) == 0);
  test::run_for(engine, 0.6);
  const int64_t during = engine.stats().audio_frames;
  const double stall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - stalled_at).count();
  REQUIRE(kill(show.server.pid, SIGCONT) == 0);
  test::run_for(engine, 2);
  const int64_t after = engine.stats().audio_frames;
  show.finish();
  INFO(engine.status_line() << " | analysis frames " << before << " before the " << stall_s << " s stall, "
                            << during << " at its end, " << after << " 2 s later");
  CHECK(engine.stats().audio_gaps >= 1);
  // Without the silence the analysis would have stood still for the whole stall.
  CHECK(double(during - before) >= 30 * (stall_s - 0.3));
  CHECK(after > during + 30);  // the device delivers again and the analysis goes on
}
