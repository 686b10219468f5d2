// The monitor's frame: input, snapshots in, panels, the 3D view, present (see monitor.h).
#include "ui/monitor.h"

#include <imgui.h>
#include <imgui_internal.h>

#include <algorithm>
#include <thread>

#include "ui/gl.h"
#include "ui/monitor_state.h"

namespace e2m::ui {

namespace {

// The camera follows the character over the ground (its height stays at the chest).
void update_camera(Monitor::State& s) {
  const ImGuiIO& io = ImGui::GetIO();
  const PanelRect& v = s.layout.view;
  const bool over_view = !io.WantCaptureMouse && io.MousePos.x >= v.x && io.MousePos.x < v.x + v.width &&
                         io.MousePos.y >= v.y && io.MousePos.y < v.y + v.height;
  if (over_view) {
    if (ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) s.camera.reset();
    if (ImGui::IsMouseDragging(ImGuiMouseButton_Left)) s.camera.orbit(io.MouseDelta.x, io.MouseDelta.y);
    if (io.MouseWheel != 0) s.camera.zoom(io.MouseWheel);
  }
  const motion::Vec3 root = s.have_frame && !s.frame.root_lock ? s.frame.pose.root : motion::Vec3{};
  s.camera.target = s.follow_root ? motion::Vec3{root.x, 0.9, root.z} : motion::Vec3{0, 0.9, 0};
}

void handle_keys(Monitor::State& s) {
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape), false)) {
    live::Command c;
    c.kind = live::CommandKind::kCancel;
    s.send(c);
    s.cue_text.fill('\0');
  }
}

// The 3D view in framebuffer pixels, from its rectangle in screen coordinates.
PixelRect to_pixels(const PanelRect& r) {
  const ImVec2 scale = ImGui::GetIO().DisplayFramebufferScale;
  return {int(r.x * scale.x), int(r.y * scale.y), int(r.width * scale.x), int(r.height * scale.y)};
}

void draw_scene(Monitor::State& s) {
  int fb_w = 0, fb_h = 0;
  s.window.framebuffer_size(fb_w, fb_h);
  glViewport(0, 0, fb_w, fb_h);
  glClearColor(0.06f, 0.06f, 0.07f, 1);
  glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT | GL_STENCIL_BUFFER_BIT);
  s.view_pixels = to_pixels(s.layout.view);
  const PixelRect& p = s.view_pixels;
  const Viewport vp{p.x, fb_h - (p.y + p.height), p.width, p.height};
  const live::OutputFrame& f = s.frame;
  motion::PoseFrame rest{};
  rest.root = {0, motion::rest_pelvis_height(), 0};
  s.renderer.draw(vp, s.camera, drawn_joints(s.have_frame ? f.pose : rest, f.root_lock));
}

void read_pixels(const Window& window, Capture& image) {
  int w = 0, h = 0;
  window.framebuffer_size(w, h);
  image.width = w;
  image.height = h;
  image.rgb.resize(size_t(w) * size_t(h) * 3);
  std::vector<uint8_t> rows(size_t(w) * size_t(h) * 3);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadPixels(0, 0, w, h, GL_RGB, GL_UNSIGNED_BYTE, rows.data());
  for (int y = 0; y < h; ++y)  // GL's rows start at the bottom
    std::copy_n(rows.begin() + long(y) * w * 3, size_t(w) * 3, image.rgb.begin() + long(h - 1 - y) * w * 3);
}

}  // namespace

Layout layout_for(float width, float height) {
  const float right = std::clamp(width * 0.32f, 340.0f, 460.0f);
  const float bottom = std::clamp(height * 0.38f, 250.0f, 340.0f);
  const float left = width - right;
  Layout l;
  l.view = {0, 0, left, height - bottom};
  l.audio = {left, 0, right, height * 0.36f};
  l.tempo = {left, l.audio.height, right, height * 0.26f};
  l.engine = {left, l.tempo.y + l.tempo.height, right, height - (l.tempo.y + l.tempo.height)};
  l.cues = {0, height - bottom, left * 0.5f, bottom};
  l.setup = {left * 0.5f, height - bottom, left * 0.5f, bottom};
  return l;
}

bool begin_panel(const char* name, const PanelRect& r) {
  ImGui::SetNextWindowPos({r.x, r.y}, ImGuiCond_Always);
  ImGui::SetNextWindowSize({r.width, r.height}, ImGuiCond_Always);
  return ImGui::Begin(name, nullptr,
                      ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse |
                          ImGuiWindowFlags_NoSavedSettings);
}

Monitor::State::State(Window& w, live::Engine& e, MonitorOptions o)
    : window(w), engine(e), options(std::move(o)) {}

void Monitor::State::send(const live::Command& c) { engine.commands().enqueue(c); }

void Monitor::State::send_text(live::CommandKind kind, std::string_view text) {
  live::Command c;
  c.kind = kind;
  if (c.set_text(text)) send(c);
}

void Monitor::State::read_engine() {
  have_frame = snapshot.latest(frame) || have_frame;
  generator = engine.generator_state();
  if (generator.models != models_seen) {  // a /model switch: its genres replace the first model's
    options.genres = engine.genres();
    models_seen = generator.models;
  }
}

Monitor::Monitor(Window& window, live::Engine& engine, MonitorOptions options)
    : state_(std::make_unique<State>(window, engine, std::move(options))) {
  engine.add_sink(&state_->snapshot);
  engine.add_sink(&state_->destinations);
  state_->next_frame_due = SteadyClock::now();
}

Monitor::~Monitor() { state_->engine.stop(); }

bool Monitor::frame(Capture* capture) {
  State& s = *state_;
  const auto start = SteadyClock::now();
  s.window.begin_frame();
  const bool running = s.engine.poll();
  s.read_engine();
  int w = 0, h = 0;
  s.window.window_size(w, h);
  s.layout = layout_for(float(w), float(h));
  handle_keys(s);
  update_camera(s);
  audio_panel(s);
  tempo_panel(s);
  engine_panel(s);
  cues_panel(s);
  setup_panel(s);
  view_overlay(s);
  ImGui::Render();
  draw_scene(s);
  s.window.render_ui();
  if (capture) read_pixels(s.window, *capture);
  s.window.present();
  const auto end = SteadyClock::now();
  s.frame_work.record(std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count());
  s.frame_ms.push(float(std::chrono::duration<double, std::milli>(end - start).count()));
  ++s.frames;
  // Without vsync (a virtual display) the swap returns at once: pace to the display's rate.
  const auto period = std::chrono::duration_cast<SteadyClock::duration>(
      std::chrono::duration<double>(1.0 / s.window.refresh_hz()));
  s.next_frame_due = std::max(s.next_frame_due + period, end - period);
  std::this_thread::sleep_until(s.next_frame_due);
  return running && !s.window.close_requested();
}

PixelRect Monitor::view_rect() const { return state_->view_pixels; }

std::vector<std::string> Monitor::window_names() const {
  std::vector<std::string> names;
  for (const ImGuiWindow* w : ImGui::GetCurrentContext()->Windows)
    if (w->WasActive && !w->Hidden && !(w->Flags & ImGuiWindowFlags_Tooltip)) names.emplace_back(w->Name);
  return names;
}

const live::LatencyHistogram& Monitor::frame_times() const { return state_->frame_work; }
int64_t Monitor::frames() const { return state_->frames; }

}  // namespace e2m::ui
