// The live engine's output clock during a real run (a file played in real time, the generator, the
// mixer with a cue, VMC sent over UDP): no heap call and no lock or wait on the clock's thread.
#include <atomic>
#include <thread>

#include "audio/audio_file.h"
#include "audio/demo_track.h"
#include "live/engine.h"
#include "live_models.h"
#include "net/live_outputs.h"
#include "rt_checks.h"
#include "rt_watch_sink.h"
#include "test_support.h"

using namespace e2m;

TEST_CASE("live engine: the output clock neither allocates nor locks during a run with a cue", "[live][rt]") {
  E2M_RT_SKIP_UNLESS_COUNTING();
  const test::TempDir dir("engine-rt");
  model::MusicToDance dance;
  model::TextToMotion text;
  test::load_tiny_dance(dance);
  test::load_tiny_text(text);
  live::Engine engine(test::demo_track_options(dir.path(), 6.0), dance, &text);
  test::rt::Counters counters;
  test::rt::WatchSink watch(counters, 30, 320);
  net::VmcOutput vmc("127.0.0.1:9");  // the discard port: sends succeed or fail without blocking
  net::VjOutput vj("127.0.0.1:9");
  engine.add_sink(&watch);
  engine.add_sink(&vmc);
  engine.add_sink(&vj);
  engine.start();
  bool cued = false;
  while (engine.poll()) {
    if (!cued && engine.stats().ticks > 60) {
      live::Command c;
      c.kind = live::CommandKind::kCue;
      c.set_text("a person waves");
      engine.commands().enqueue(c);
      cued = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  engine.stop();
  const auto n = test::rt::read(counters);
  INFO(engine.status_line() << " | watched ticks " << watch.watched << ", heap calls " << n.heap_calls()
                            << ", lock calls " << n.lock_calls());
  CHECK(watch.watched > 250);
  CHECK(engine.stats().cues_started == 1);
  CHECK(n.heap_calls() == 0);
  CHECK(n.lock_calls() == 0);
}
