// The monitor itself, on a private Xvfb with Mesa's software OpenGL: a file played through the live
// engine with the window open. The screenshot is left in the build folder (tests/ui/monitor.png).
// LibTorch first: glog, which it brings in, defines CHECK too, and Catch's must be the one that stands.
// clang-format off
#include "live_models.h"
// clang-format on

#include <atomic>
#include <cstdlib>
#include <set>

#include "audio/audio_file.h"
#include "audio/demo_track.h"
#include "live/engine.h"
#include "lo_receiver.h"
#include "net/live_outputs.h"
#include "rt_checks.h"
#include "rt_watch_sink.h"
#include "test_support.h"
#include "ui/cue_text.h"
#include "ui/monitor.h"
#include "ui/virtual_display.h"
#include "ui/window.h"
#include "x_keyboard.h"

using namespace e2m;

namespace {

// Xvfb for this test process, made the display; null when Xvfb is not installed.
std::unique_ptr<ui::VirtualDisplay> start_display() {
  if (!ui::VirtualDisplay::available()) return nullptr;
  auto d = std::make_unique<ui::VirtualDisplay>(1280, 800);
  ::setenv("DISPLAY", d->name().c_str(), 1);
  return d;
}

// The middle of the 3D view, below the overlay in its top left corner.
ui::PixelRect middle_of(const ui::PixelRect& v) {
  return {v.x + v.width / 4, v.y + v.height / 5, v.width / 2, v.height * 4 / 5};
}

// Pixels in the character's colours: saturated blue (left side) or orange (right side). Background,
// floor, grid and shadow are all near grey.
int character_pixels(const ui::Capture& img, const ui::PixelRect& r) {
  int n = 0;
  for (int y = r.y; y < r.y + r.height; ++y)
    for (int x = r.x; x < r.x + r.width; ++x) {
      const uint8_t* c = img.at(x, y);
      n += std::abs(int(c[2]) - int(c[0])) > 50;
    }
  return n;
}

int changed_pixels(const ui::Capture& a, const ui::Capture& b, const ui::PixelRect& r) {
  int n = 0;
  for (int y = r.y; y < r.y + r.height; ++y)
    for (int x = r.x; x < r.x + r.width; ++x) {
      const uint8_t *p = a.at(x, y), *q = b.at(x, y);
      n += std::abs(int(p[0]) - int(q[0])) + std::abs(int(p[1]) - int(q[1])) +
               std::abs(int(p[2]) - int(q[2])) >
           60;
    }
  return n;
}

// Cue frames 10..20 each have a streamed LeftUpperArm rotation within 2e-3 rad (text2motion is
// deterministic: the same sentence gives the same clip).
int cue_frames_streamed(const test::LoReceiver& rx, model::TextToMotion& text, const std::string& cue) {
  const motion::Clip clip = text.generate(cue, 30);
  std::vector<motion::Quat> streamed;
  for (const auto* m : rx.with_path("/VMC/Ext/Bone/Pos"))
    if (m->args[0].s == "LeftUpperArm")  // Unity's (x, -y, -z, w) back to ours
      streamed.push_back({m->args[7].f, m->args[4].f, -m->args[5].f, -m->args[6].f});
  int found = 0;
  for (int t = 10; t <= 20; ++t) {
    double nearest = 10;
    for (const auto& q : streamed)
      nearest = std::min(nearest, motion::angle_between(q, clip.q(t, motion::kLeftShoulder)));
    found += nearest < 2e-3;
  }
  return found;
}

// What one monitor run saw.
struct Seen {
  ui::Capture first, second;  // the window at two moments 0.5 s apart, while the cue plays
  ui::PixelRect view;
  std::vector<std::string> windows;
  int64_t frames = 0;
};

// Counts the frames sent with the root locked (the output clock's thread: an atomic, nothing else).
class RootLockProbe : public live::OutputSink {
 public:
  void send(const live::OutputFrame& f) noexcept override { locked += f.root_lock ? 1 : 0; }
  std::atomic<int64_t> locked{0};
};

// The performer's part, on the keyboard: at 1 s type the cue and Enter, then Space in the empty box
// (root lock); capture at 2 s and 2.5 s; Esc at 3.5 s (cancel). Keys are held for a few frames and
// the next one waits a few more: ImGui 1.86 reads key state once a frame, and a loaded machine may
// deliver an X event a frame late, as a person's fingers never are.
void run_monitor(ui::Monitor& monitor, ui::Window& window, live::Engine& engine, Seen& seen) {
  constexpr int kHoldFrames = 4;
  int step = 0, wait = 0;
  GLFWwindow* w = window.handle();
  for (;;) {
    const int64_t ticks = engine.stats().ticks;
    ui::Capture* capture = nullptr;
    if (wait > 0) {
      --wait;
    } else if (step == 0 && ticks >= 60 && monitor.frames() >= 10) {
      // The cue box takes the keyboard a frame after the monitor's first: under a sanitizer the first
      // frames can take longer than the 60 ticks, and keys typed before would be lost.
      test::type_text(w, "a person waves");
      test::send_key(w, "Return", true);
      ++step, wait = kHoldFrames;
    } else if (step == 1) {
      test::send_key(w, "Return", false);
      ++step, wait = kHoldFrames;
    } else if (step == 2) {
      test::type_text(w, " ");
      ++step;
    } else if (step == 3 && ticks >= 120) {
      capture = &seen.first;
      ++step;
    } else if (step == 4 && ticks >= 150) {
      capture = &seen.second;
      ++step;
    } else if (step == 5 && ticks >= 210) {
      test::send_key(w, "Escape", true);
      ++step, wait = kHoldFrames;
    } else if (step == 6) {
      test::send_key(w, "Escape", false);
      ++step;
    }
    if (!monitor.frame(capture)) break;
  }
  seen.view = monitor.view_rect();
  seen.windows = monitor.window_names();
  seen.frames = monitor.frames();
}

}  // namespace

TEST_CASE("monitor: without a display the window says so and points at --headless", "[ui]") {
  ::unsetenv("DISPLAY");
  ::unsetenv("WAYLAND_DISPLAY");
  CHECK_THROWS_WITH(ui::Window(),
                    Catch::Matchers::Contains("no display") && Catch::Matchers::Contains("--headless"));
  ::setenv("DISPLAY", ":9999", 1);  // set, but no server there
  CHECK_THROWS_WITH(ui::Window(),
                    Catch::Matchers::Contains("no display") && Catch::Matchers::Contains("--headless"));
}

TEST_CASE(
    "monitor: on a file under Xvfb it draws the streamed pose and its panels, typed keys reach the stream, "
    "and the output clock neither allocates nor locks",
    "[ui][live][monitor]") {
  const auto display = start_display();
  if (!display) {
    WARN("SKIPPED: Xvfb is not installed (apt install xvfb)");
    return;
  }
  const test::TempDir dir("monitor");
  model::MusicToDance dance;
  model::TextToMotion text;
  test::load_tiny_dance(dance);
  test::load_tiny_text(text);
  live::EngineOptions opt = test::demo_track_options(dir.path(), 5.0);
  opt.filter = {{1e4, 0, 1}, {1e4, 0, 1}};  // the filter passes poses through: the stream is the mix
  test::ListeningReceiver vmc_rx;
  net::VmcOutput vmc(vmc_rx.rx.address());
  live::Engine engine(opt, dance, &text);
  test::rt::Counters counters;
  test::rt::WatchSink watch(counters, 30, 270);  // added first: it watches every sink after it
  RootLockProbe root_lock;
  engine.add_sink(&watch);
  engine.add_sink(&vmc);
  engine.add_sink(&root_lock);
  Seen seen;
  {
    ui::Window window;
    ui::MonitorOptions mo;
    mo.genres = dance.genres();
    mo.vocabulary = ui::cue_vocabulary(&text);
    ui::Monitor monitor(window, engine, mo);
    engine.start();
    run_monitor(monitor, window, engine, seen);
  }  // the monitor stops the engine, then the window closes
  vmc_rx.finish();
  INFO(engine.status_line() << " | " << seen.frames << " monitor frames");
  REQUIRE(seen.first.width > 0);
  REQUIRE(seen.second.width > 0);
  ui::write_png(seen.first, "monitor.png");

  // The skeleton is drawn and moves; the panels are ImGui windows.
  const ui::PixelRect mid = middle_of(seen.view);
  CHECK(character_pixels(seen.first, mid) > 300);
  CHECK(character_pixels(seen.second, mid) > 300);
  CHECK(changed_pixels(seen.first, seen.second, mid) > 50);
  const std::set<std::string> windows(seen.windows.begin(), seen.windows.end());
  for (const char* panel : {"Audio", "Tempo", "Engine", "Cues", "Setup", "View"}) {
    INFO("panel " << panel);
    CHECK(windows.count(panel) == 1);
  }
  CHECK(seen.frames > 50);  // paced to the display: up to 60 a second, fewer on a loaded machine

  // The keys went through the command queue: the typed cue into the stream, Space locked the root,
  // Esc cancelled.
  CHECK(engine.stats().commands == 3);
  CHECK(engine.stats().bad_commands == 0);
  CHECK(root_lock.locked > 60);
  CHECK(engine.stats().cues_requested == 1);
  CHECK(engine.stats().cues_started == 1);
  CHECK(cue_frames_streamed(vmc_rx.rx, text, "a person waves") == 11);

  // Real time held with the window open (counted unless a sanitizer owns malloc and the locks).
  const auto n = test::rt::read(counters);
  INFO("watched ticks " << watch.watched << ", heap calls " << n.heap_calls() << ", lock calls "
                        << n.lock_calls());
  CHECK(watch.watched > 200);
  if (test::rt::malloc_interposed()) {
    CHECK(n.heap_calls() == 0);
    CHECK(n.lock_calls() == 0);
  }
  CHECK(engine.stats().underruns == 0);
}
