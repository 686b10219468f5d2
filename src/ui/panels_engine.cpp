// The "Engine" panel: whether the generator and the output clock keep up (rates, chunk time,
// underruns, the output clock's lateness over time) and the monitor's own frame time.
#include <imgui.h>

#include <algorithm>
#include <cstdio>

#include "ui/monitor_state.h"

namespace e2m::ui {

namespace {

constexpr auto kGraphPeriod = std::chrono::milliseconds(100);

// The output clock's worst wake-up lateness since the last sample: the highest histogram bin that
// gained samples (an upper edge, so at most one bin width high).
float jitter_since_last(Monitor::State& s) {
  const live::LatencyHistogram& h = s.engine.output_jitter();
  int top = -1;
  for (int b = 0; b < live::LatencyHistogram::kBins; ++b) {
    const uint64_t n = h.bin_count(b);
    if (n != s.jitter_bins[size_t(b)]) top = b;
    s.jitter_bins[size_t(b)] = n;
  }
  if (top < 0) return 0;
  const int64_t edge = std::min(live::LatencyHistogram::bin_upper_ns(top), h.max_ns());
  return float(double(edge) / 1e6);
}

void sample_graphs(Monitor::State& s) {
  const auto now = SteadyClock::now();
  if (now < s.next_graph_sample) return;
  const bool first = s.next_graph_sample == SteadyClock::time_point{};
  s.next_graph_sample = first ? now + kGraphPeriod : s.next_graph_sample + kGraphPeriod;
  if (s.next_graph_sample < now) s.next_graph_sample = now + kGraphPeriod;
  const int64_t ticks = s.engine.stats().ticks;
  if (!first) s.output_fps = 0.8 * s.output_fps + 0.2 * double(ticks - s.ticks_at_sample) * 10;
  s.ticks_at_sample = ticks;
  s.jitter_ms.push(jitter_since_last(s));
  s.chunk_ms.push(float(s.engine.stats().chunk_ms_last.load()));
}

void graph(const char* id, const char* overlay, const History<float>& h, float floor_top, float height) {
  float values[Monitor::State::kGraphHistory] = {};
  float top = floor_top;
  for (size_t i = 0; i < h.size(); ++i) {
    values[h.capacity() - h.size() + i] = h[i];
    top = std::max(top, h[i]);
  }
  char text[96];
  std::snprintf(text, sizeof text, "%s (top %.2f ms)", overlay, double(top));
  ImGui::PlotLines(id, values, int(h.capacity()), 0, text, 0, top * 1.1f,
                   {ImGui::GetContentRegionAvail().x, height});  // 1.86: no negative width here
}

void counters(const Monitor::State& s) {
  const live::EngineStats& st = s.engine.stats();
  ImGui::Text("output %.1f fps, %lld ticks, %lld underruns, %lld missed", s.output_fps,
              (long long)st.ticks.load(), (long long)st.underruns.load(), (long long)st.missed_ticks.load());
  ImGui::Text("generator %lld chunks, %.1f ms last, %.1f ms max, %lld late", (long long)st.chunks.load(),
              st.chunk_ms_last.load(), st.chunk_ms_max.load(), (long long)st.late_chunks.load());
  const live::LatencyHistogram& j = s.engine.output_jitter();
  ImGui::Text("clock lateness p50 %.2f ms, p99 %.2f ms%s", double(j.percentile_ns(0.5)) / 1e6,
              double(j.percentile_ns(0.99)) / 1e6, s.engine.output_realtime() ? " (SCHED_FIFO)" : "");
  ImGui::Text("motion plays %.0f ms behind the audio", 1000 * s.engine.play_delay_s());
  ImGui::Text("audio frames lost %lld, overruns %lld, device lost %lld",
              (long long)st.audio_frames_lost.load(), (long long)st.audio_overruns.load(),
              (long long)st.audio_device_lost.load());
  ImGui::Text("commands %lld (%lld bad), cues %lld of %lld (%lld failed)", (long long)st.commands.load(),
              (long long)st.bad_commands.load(), (long long)st.cues_started.load(),
              (long long)st.cues_requested.load(), (long long)st.cues_failed.load());
  const live::LatencyHistogram& f = s.frame_work;
  ImGui::Text("monitor frame p50 %.1f ms, p99 %.1f ms", double(f.percentile_ns(0.5)) / 1e6,
              double(f.percentile_ns(0.99)) / 1e6);
}

}  // namespace

void engine_panel(Monitor::State& s) {
  sample_graphs(s);
  if (begin_panel("Engine", s.layout.engine)) {
    counters(s);
    const float h =
        std::max(30.0f, (ImGui::GetContentRegionAvail().y - 3 * ImGui::GetStyle().ItemSpacing.y) / 3);
    graph("##lateness", "output clock lateness", s.jitter_ms, 1.0f, h);
    graph("##chunk", "chunk time", s.chunk_ms, 5.0f, h);
    graph("##frame", "monitor frame", s.frame_ms, 5.0f, h);
  }
  ImGui::End();
}

}  // namespace e2m::ui
