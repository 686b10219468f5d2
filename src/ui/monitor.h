// The monitor of `e2m live`: a 3D view of exactly the pose the output clock sends and panels for what
// the analysis hears, whether the engine keeps up, cues, OSC destinations, MIDI and presets.
//
// Threads: everything here runs on the thread that owns the Window. It reads the engine through
// snapshots (SnapshotSink: the output clock's frame; the generator's state; atomic stats) and acts on
// it only through the command queue; the real-time threads see two more OutputSinks (the snapshot and
// the performer's OSC destinations) whose calls neither allocate nor lock.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "live/engine.h"
#include "live/latency_histogram.h"
#include "live/preset.h"
#include "ui/capture.h"
#include "ui/window.h"

namespace e2m::live {
class MidiInput;
}
namespace e2m::net {
class Sender;
}

namespace e2m::ui {

struct MonitorOptions {
  std::vector<std::string> genres;      // the dance model's, for the genre selector
  std::vector<std::string> vocabulary;  // words the text model knows (cue_vocabulary), for completion
  bool cues_enabled = true;             // false: no text model loaded (the cue box says so)
  live::CueBank cue_bank;               // the grid's cues (a "cues" preset)
  live::MidiMap midi_map;               // which pad fires which slot, shown on the grid
  std::string tempo_source = "audio";   // "audio", "MIDI clock" or "Link"
  live::MidiInput* midi = nullptr;      // the open MIDI input, if any (not owned)
  // Destinations the app opened from the command line and presets: label, sender and the gate that
  // stops and resumes them (shown with their counters; not owned, they outlive the monitor).
  struct AppOutput {
    std::string label;
    const net::Sender* sender = nullptr;
    live::GatedSink* gate = nullptr;
  };
  std::vector<AppOutput> app_outputs;
};

// A rectangle of the window in framebuffer pixels, origin at the top left (as a capture's rows).
struct PixelRect {
  int x = 0, y = 0, width = 0, height = 0;
};

class Monitor {
 public:
  // Adds its sinks to the engine: construct before engine.start(). The window and engine must
  // outlive the monitor.
  Monitor(Window& window, live::Engine& engine, MonitorOptions options);
  // Stops the engine first (its clock calls the monitor's sinks): window and engine end together.
  ~Monitor();
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  // One display frame: input, engine.poll(), panels, the 3D view, present, then waits for the next
  // refresh when the swap did not. False once the window was closed or the engine stopped. When
  // `capture` is given, the finished frame is read back into it (RGB, top row first) before it is shown.
  bool frame(Capture* capture = nullptr);

  // The 3D view's rectangle in the last frame.
  PixelRect view_rect() const;
  // Names of the ImGui windows drawn in the last frame (the panels), from ImGui's own list.
  std::vector<std::string> window_names() const;
  // Time each frame took, from its start to the buffer swap (not the wait for the next refresh).
  const live::LatencyHistogram& frame_times() const;
  int64_t frames() const;

  struct State;  // the panels' state (monitor_state.h)

 private:
  std::unique_ptr<State> state_;
};

}  // namespace e2m::ui
