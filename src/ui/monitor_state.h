// Inside the monitor: the state its panels share, and one function per panel (panels_*.cpp). Only the
// monitor's files include this.
#pragma once
#include <array>
#include <chrono>
#include <string>
#include <vector>

#include "live/command.h"
#include "live/engine.h"
#include "ui/cue_text.h"
#include "ui/destinations.h"
#include "ui/history.h"
#include "ui/monitor.h"
#include "ui/scene_renderer.h"
#include "ui/snapshot_sink.h"
#include "ui/view_math.h"

namespace e2m::ui {

using SteadyClock = std::chrono::steady_clock;

// Screen-coordinate rectangle of one panel (ImGui's units).
struct PanelRect {
  float x = 0, y = 0, width = 0, height = 0;
};

struct Layout {
  PanelRect view, audio, tempo, engine, cues, setup;
};
// Panels down the right and along the bottom; the 3D view takes the rest (top left).
Layout layout_for(float width, float height);

struct Monitor::State {
  State(Window& w, live::Engine& e, MonitorOptions o);

  Window& window;
  live::Engine& engine;
  MonitorOptions options;
  SnapshotSink snapshot;
  Destinations destinations;
  SceneRenderer renderer;

  // What the engine published, as of this frame.
  live::OutputFrame frame{};
  bool have_frame = false;
  live::GeneratorState generator{};
  int models_seen = 0;  // generator.models when options.genres was last taken from the engine

  // 3D view
  OrbitCamera camera;
  bool follow_root = true;
  Layout layout;
  PixelRect view_pixels;

  // Audio history, one entry per feature frame (30 fps): about 6 s.
  static constexpr size_t kFeatureHistory = 180;
  History<float> onset{kFeatureHistory};
  History<decltype(live::AnalysisState::mfcc)> mfcc{kFeatureHistory};
  History<decltype(live::AnalysisState::chroma)> chroma{kFeatureHistory};
  int64_t last_feature_frame = -1;
  int64_t last_beat_count = 0;
  SteadyClock::time_point beat_flash_until{};

  // Engine graphs, one entry per sample period (kGraphPeriod).
  static constexpr size_t kGraphHistory = 150;
  History<float> jitter_ms{kGraphHistory}, chunk_ms{kGraphHistory}, frame_ms{kGraphHistory};
  std::array<uint64_t, live::LatencyHistogram::kBins> jitter_bins{};
  SteadyClock::time_point next_graph_sample{};
  int64_t ticks_at_sample = 0;
  double output_fps = 0;

  // Cues
  std::array<char, live::Command::kTextBytes> cue_text{};
  std::vector<std::string> cue_suggestions;
  CueHistory cue_history;
  bool toggle_root_lock = false;  // Space in an empty cue box, applied after the box is drawn
  std::string cue_status;

  // Setup
  int new_destination_kind = 0;  // 0 VMC, 1 VJ OSC
  std::array<char, 128> new_destination{};
  std::string osc_status;
  std::vector<std::string> midi_ports;
  std::string midi_status;
  std::array<char, 512> preset_path{};
  std::string preset_status;
  float intensity_ui = 1;

  // Monitor's own timing
  live::LatencyHistogram frame_work;
  int64_t frames = 0;
  SteadyClock::time_point next_frame_due{};

  void send(const live::Command& c);
  void send_text(live::CommandKind kind, std::string_view text);
  void fire_cue_line(const std::string& line);  // a typed line: a cue or a /command
  void read_engine();
};

void audio_panel(Monitor::State& s);
void tempo_panel(Monitor::State& s);
void engine_panel(Monitor::State& s);
void cues_panel(Monitor::State& s);
void setup_panel(Monitor::State& s);
void view_overlay(Monitor::State& s);

// ImGui window placement shared by the panels: fixed position and size, no moving or resizing.
bool begin_panel(const char* name, const PanelRect& r);

}  // namespace e2m::ui
