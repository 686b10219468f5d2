// The "Audio" panel (input level, onset, MFCC and chroma history) and the "Tempo" panel (beat, tempo,
// phase and where they come from; genre, intensity and root lock).
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "ui/monitor_state.h"

namespace e2m::ui {

namespace {

constexpr auto kBeatFlash = std::chrono::milliseconds(120);

// Dark blue through magenta and orange to pale yellow, for v in [0, 1].
ImU32 heat_color(float v) {
  static constexpr float kStops[][3] = {
      {0.05f, 0.05f, 0.15f}, {0.45f, 0.10f, 0.50f}, {0.90f, 0.35f, 0.20f}, {1.00f, 0.90f, 0.55f}};
  v = std::clamp(v, 0.0f, 1.0f) * 3;
  const int i = std::min(int(v), 2);
  const float t = v - float(i);
  float c[3];
  for (int k = 0; k < 3; ++k) c[k] = kStops[i][k] + (kStops[i + 1][k] - kStops[i][k]) * t;
  return ImGui::GetColorU32(ImVec4(c[0], c[1], c[2], 1));
}

// The feature frames published since the last display frame; a frame the monitor missed repeats
// the newest, so the history's time axis stays one column per feature frame.
void take_features(Monitor::State& s) {
  const live::AnalysisState& a = s.frame.analysis;
  if (!s.have_frame || a.frame <= s.last_feature_frame) return;
  const int64_t n = std::min<int64_t>(a.frame - s.last_feature_frame, int64_t(s.onset.capacity()));
  for (int64_t k = 0; k < n; ++k) {
    s.onset.push(a.onset);
    s.mfcc.push(a.mfcc);
    s.chroma.push(a.chroma);
  }
  s.last_feature_frame = a.frame;
}

// Rows x columns of cells, oldest column on the left; row 0 at the bottom. normalise_rows: each row
// scaled to its own range over the history (MFCCs differ by orders of magnitude between rows).
template <class Row>
void heatmap(const char* label, const History<Row>& h, float height, bool normalise_rows) {
  ImGui::TextUnformatted(label);
  const ImVec2 p = ImGui::GetCursorScreenPos();
  const float width = ImGui::GetContentRegionAvail().x;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(p, {p.x + width, p.y + height}, heat_color(0));
  const int rows = int(std::tuple_size_v<Row>);
  const float cw = width / float(h.capacity()), rh = height / float(rows);
  const float x0 = p.x + width - cw * float(h.size());
  for (int r = 0; r < rows; ++r) {
    float lo = 0, hi = 1;
    if (normalise_rows && !h.empty()) {
      lo = hi = h[0][size_t(r)];
      for (size_t i = 1; i < h.size(); ++i) {
        lo = std::min(lo, h[i][size_t(r)]);
        hi = std::max(hi, h[i][size_t(r)]);
      }
    }
    const float scale = hi > lo ? 1.0f / (hi - lo) : 0.0f;
    const float y1 = p.y + height - rh * float(r);
    for (size_t i = 0; i < h.size(); ++i) {
      const float x = x0 + cw * float(i);
      dl->AddRectFilled({x, y1 - rh}, {x + cw + 0.5f, y1}, heat_color((h[i][size_t(r)] - lo) * scale));
    }
  }
  ImGui::Dummy({width, height});
}

void level_meter(float rms) {
  const float db = rms > 1e-6f ? 20 * std::log10(rms) : -120.0f;
  char text[32];
  std::snprintf(text, sizeof text, "%.1f dBFS", double(db));
  ImGui::PushStyleColor(ImGuiCol_PlotHistogram,
                        db > -3 ? ImVec4(0.9f, 0.25f, 0.2f, 1) : ImVec4(0.3f, 0.75f, 0.4f, 1));
  ImGui::ProgressBar(std::clamp((db + 60) / 60, 0.0f, 1.0f), {-1, 0}, text);
  ImGui::PopStyleColor();
}

void onset_plot(const History<float>& onset) {
  float values[Monitor::State::kFeatureHistory] = {};
  for (size_t i = 0; i < onset.size(); ++i) values[onset.capacity() - onset.size() + i] = onset[i];
  float top = 1e-3f;
  for (float v : values) top = std::max(top, v);
  // ImGui 1.86's plots take no negative "fill the row" width: give the width itself.
  ImGui::PlotLines("##onset", values, int(onset.capacity()), 0, "onset", 0, top,
                   {ImGui::GetContentRegionAvail().x, 50});
}

}  // namespace

void audio_panel(Monitor::State& s) {
  take_features(s);
  if (begin_panel("Audio", s.layout.audio)) {
    ImGui::Text("input level");
    level_meter(s.frame.analysis.level);
    onset_plot(s.onset);
    const float rest = ImGui::GetContentRegionAvail().y - 2 * ImGui::GetTextLineHeightWithSpacing() - 8;
    heatmap("MFCC 0-19", s.mfcc, std::max(30.0f, rest * 0.55f), true);
    heatmap("chroma C-B", s.chroma, std::max(20.0f, rest * 0.45f), false);
  }
  ImGui::End();
}

namespace {

void beat_display(Monitor::State& s) {
  const live::AnalysisState& a = s.frame.analysis;
  const auto now = SteadyClock::now();
  if (a.beat_count > s.last_beat_count) s.beat_flash_until = now + kBeatFlash;
  s.last_beat_count = a.beat_count;
  const bool lit = now < s.beat_flash_until;
  const ImVec2 p = ImGui::GetCursorScreenPos();
  const float r = 14;
  ImGui::GetWindowDrawList()->AddCircleFilled({p.x + r, p.y + r}, r,
                                              lit ? IM_COL32(255, 210, 70, 255) : IM_COL32(70, 60, 40, 255));
  ImGui::Dummy({2 * r + 8, 2 * r});
  ImGui::SameLine();
  ImGui::BeginGroup();
  ImGui::Text("%.1f BPM  (confidence %.2f)", double(a.tempo_bpm), double(a.confidence));
  ImGui::Text("beat %lld, from %s", (long long)a.beat_count, s.options.tempo_source.c_str());
  ImGui::EndGroup();
  ImGui::ProgressBar(a.phase, {-1, 0}, "phase");
}

void genre_and_intensity(Monitor::State& s) {
  const auto& genres = s.options.genres;
  const int current = s.generator.genre;
  const char* shown = current >= 0 && current < int(genres.size()) ? genres[size_t(current)].c_str() : "?";
  if (ImGui::BeginCombo("genre", shown)) {
    for (int g = 0; g < int(genres.size()); ++g)
      if (ImGui::Selectable(genres[size_t(g)].c_str(), g == current))
        s.send_text(live::CommandKind::kGenre, genres[size_t(g)]);
    ImGui::EndCombo();
  }
  if (ImGui::SliderFloat("intensity", &s.intensity_ui, 0, 1, "%.2f")) {
    live::Command c;
    c.kind = live::CommandKind::kIntensity;
    c.value = s.intensity_ui;
    s.send(c);
  }
  if (!ImGui::IsItemActive()) s.intensity_ui = s.generator.intensity;  // follow MIDI and OSC too
  bool lock = s.frame.root_lock;
  if (ImGui::Checkbox("root lock (Space)", &lock)) {
    live::Command c;
    c.kind = live::CommandKind::kRootLock;
    c.flag = lock ? 1 : 0;
    s.send(c);
  }
}

}  // namespace

void tempo_panel(Monitor::State& s) {
  if (begin_panel("Tempo", s.layout.tempo)) {
    beat_display(s);
    ImGui::Separator();
    genre_and_intensity(s);
  }
  ImGui::End();
}

}  // namespace e2m::ui
