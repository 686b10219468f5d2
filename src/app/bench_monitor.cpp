// `e2m bench` monitor section: the live engine with the monitor window open on a private Xvfb
// (Mesa's software OpenGL): the monitor's frame time, and the output clock's lateness with the window
// open against the same run headless, so the cost of the window to the real-time path shows.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <thread>

#include "app/bench.h"
#include "audio/audio_file.h"
#include "audio/demo_track.h"
#include "live/engine.h"
#include "model/inference.h"
#include "net/live_outputs.h"
#include "ui/monitor.h"
#include "ui/virtual_display.h"
#include "ui/window.h"

namespace e2m::app {

namespace {

struct RunFigures {
  double jitter_p50_ms = 0, jitter_p99_ms = 0, frame_p50_ms = 0, frame_p99_ms = 0, monitor_fps = 0;
  int64_t underruns = 0, frames = 0;
  bool realtime = false;
};

// One run of the engine on the file, VMC and VJ OSC going out; with the monitor when window is given.
RunFigures run(const std::filesystem::path& wav, model::MusicToDance& dance, ui::Window* window) {
  live::EngineOptions eo;
  eo.input = "file:" + wav.string();
  live::Engine engine(eo, dance, nullptr);
  net::VmcOutput vmc("127.0.0.1:9");  // the discard port
  net::VjOutput vj("127.0.0.1:9");
  engine.add_sink(&vmc);
  engine.add_sink(&vj);
  std::unique_ptr<ui::Monitor> monitor;
  ui::MonitorOptions mo;
  mo.genres = dance.genres();
  if (window) monitor = std::make_unique<ui::Monitor>(*window, engine, mo);
  const auto t0 = std::chrono::steady_clock::now();
  engine.start();
  while (monitor ? monitor->frame() : engine.poll())
    if (!monitor) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  engine.stop();
  RunFigures f;
  f.jitter_p50_ms = double(engine.output_jitter().percentile_ns(0.5)) / 1e6;
  f.jitter_p99_ms = double(engine.output_jitter().percentile_ns(0.99)) / 1e6;
  f.underruns = engine.stats().underruns;
  f.realtime = engine.output_realtime();
  if (monitor) {
    f.frame_p50_ms = double(monitor->frame_times().percentile_ns(0.5)) / 1e6;
    f.frame_p99_ms = double(monitor->frame_times().percentile_ns(0.99)) / 1e6;
    f.frames = monitor->frames();
    f.monitor_fps = double(f.frames) / wall;
  }
  return f;
}

}  // namespace

void bench_monitor(const BenchOptions& opt, BenchReport& report) {
  // Our own Xvfb when there is one, so the figures do not depend on the desktop; else the display.
  std::unique_ptr<ui::VirtualDisplay> xvfb;
  std::string where = "the current display";
  if (ui::VirtualDisplay::available()) {
    xvfb = std::make_unique<ui::VirtualDisplay>(1280, 800);
    ::setenv("DISPLAY", xvfb->name().c_str(), 1);
    where = "Xvfb 1280x800, Mesa software OpenGL";
  } else if (!ui::missing_display_reason().empty()) {
    report.push_back({"monitor", "skipped", 0, "", "no Xvfb and no display (apt install xvfb)"});
    return;
  }
  const double seconds = opt.quick ? 6.0 : 30.0;
  const auto wav =
      std::filesystem::temp_directory_path() / ("e2m-bench-monitor-" + std::to_string(::getpid()) + ".wav");
  audio::write_wav(wav, audio::click_track(44100, seconds, 120.0), 44100);
  model::configure_cpu_runtime();
  torch::set_num_threads(std::max(1, opt.threads - 1));  // leave the audio and output threads a core
  auto mcfg = model::ModelConfig::defaults(model::ModelKind::Music2Dance);
  model::MusicToDance dance;
  model::ModelMeta meta;
  meta.config = mcfg;
  dance.set_model(model::Music2Dance(mcfg), meta);
  const RunFigures headless = run(wav, dance, nullptr);
  RunFigures shown;
  {
    ui::Window window;
    shown = run(wav, dance, &window);
  }
  std::filesystem::remove(wav);
  const std::string ctx = std::to_string(int(seconds)) +
                          " s click track in real time, paper-size music2dance "
                          "(random weights), VMC + VJ OSC out; " +
                          where;
  report.push_back({"monitor", "frame_time_p50", shown.frame_p50_ms, "ms", ctx});
  report.push_back({"monitor", "frame_time_p99", shown.frame_p99_ms, "ms", "input, panels, 3D view, swap"});
  report.push_back(
      {"monitor", "frames_per_second", shown.monitor_fps, "fps", "paced to the display (60 Hz)"});
  report.push_back(
      {"monitor", "output_jitter_p50_window", shown.jitter_p50_ms, "ms", "output clock lateness"});
  report.push_back({"monitor", "output_jitter_p99_window", shown.jitter_p99_ms, "ms",
                    std::string("target p99 <= 1 ms; ") +
                        (shown.realtime ? "SCHED_FIFO" : "normal priority (no rtprio allowed)")});
  report.push_back(
      {"monitor", "output_jitter_p50_headless", headless.jitter_p50_ms, "ms", "same run, no window"});
  report.push_back({"monitor", "output_jitter_p99_headless", headless.jitter_p99_ms, "ms", ""});
  report.push_back({"monitor", "underruns_window", double(shown.underruns), "count", "target 0"});
  report.push_back({"monitor", "underruns_headless", double(headless.underruns), "count", ""});
}

}  // namespace e2m::app
