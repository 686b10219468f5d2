// The "Setup" panel: OSC destinations (add, remove, send a test frame), MIDI (ports, counters,
// learn) and presets (load, save); and the overlay on the 3D view (camera).
#include <imgui.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "live/midi_input.h"
#include "motion/error.h"
#include "net/sender.h"
#include "ui/monitor_state.h"

namespace e2m::ui {

namespace {

void stats_line(const char* label, const net::SenderStats& st) {
  ImGui::Text("%s: %llu frames, %llu errors", label, (unsigned long long)st.frames,
              (unsigned long long)st.errors);
}

void add_destination_row(Monitor::State& s) {
  static constexpr const char* kKinds[] = {"VMC", "VJ OSC"};
  ImGui::SetNextItemWidth(80);
  ImGui::Combo("##kind", &s.new_destination_kind, kKinds, 2);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x - 60);
  ImGui::InputTextWithHint("##to", "HOST:PORT", s.new_destination.data(), s.new_destination.size());
  ImGui::SameLine();
  if (ImGui::Button("add")) {
    DestinationSpec d;
    d.kind = s.new_destination_kind == 0 ? DestinationKind::kVmc : DestinationKind::kVj;
    d.host_port = s.new_destination.data();
    try {
      s.destinations.add(d);
      s.osc_status = "sending to " + describe(d);
    } catch (const Error& e) {
      s.osc_status = e.what();
    }
  }
}

void osc_tab(Monitor::State& s) {
  for (size_t i = 0; i < s.options.app_outputs.size(); ++i) {
    const MonitorOptions::AppOutput& o = s.options.app_outputs[i];
    ImGui::PushID(int(1000 + i));
    stats_line(o.label.c_str(), o.sender->stats());
    if (o.gate) {
      const bool on = o.gate->on.load(std::memory_order_relaxed);
      ImGui::SameLine();
      if (ImGui::SmallButton(on ? "stop" : "resume")) o.gate->on.store(!on, std::memory_order_release);
      if (!on) {
        ImGui::SameLine();
        ImGui::TextDisabled("(stopped)");
      }
    }
    ImGui::PopID();
  }
  for (const DestinationInfo& d : s.destinations.list()) {
    ImGui::PushID(d.slot);
    stats_line(describe(d.spec).c_str(), d.stats);
    ImGui::SameLine();
    if (ImGui::SmallButton("test"))
      s.osc_status = s.destinations.send_test_frame(d.slot, s.frame)
                         ? "test frame sent to " + describe(d.spec)
                         : "test frame to " + describe(d.spec) + " failed";
    ImGui::SameLine();
    if (ImGui::SmallButton("remove")) s.destinations.remove(d.slot);
    ImGui::PopID();
  }
  add_destination_row(s);
  if (!s.osc_status.empty()) ImGui::TextWrapped("%s", s.osc_status.c_str());
}

void learn_buttons(Monitor::State& s) {
  ImGui::Text("learn: move a control after clicking");
  for (const char* what : {"intensity", "smoothing", "genre", "rootlock"}) {
    ImGui::SameLine();
    if (ImGui::SmallButton(what)) s.send_text(live::CommandKind::kLearn, what);
  }
}

void midi_tab(Monitor::State& s) {
  if (live::MidiInput* midi = s.options.midi) {
    const live::MidiStats& st = midi->stats();
    ImGui::Text("input: %s", midi->port_name().c_str());
    ImGui::Text("%lld messages, %lld commands, %lld dropped, %lld malformed", (long long)st.messages.load(),
                (long long)st.commands.load(), (long long)st.dropped.load(), (long long)st.malformed.load());
    const live::MidiClock& clock = midi->clock();
    ImGui::Text("clock: %s, %.1f BPM", clock.running() ? "running" : "stopped", clock.tempo_bpm());
    learn_buttons(s);
    if (midi->router().learning())
      ImGui::TextColored({1, 0.8f, 0.3f, 1}, "waiting for a control to move...");
    else if (midi->router().learned_cc() >= 0)
      ImGui::Text("last learned: CC %d", midi->router().learned_cc());
  } else {
    ImGui::TextDisabled("no MIDI input: start with --midi PORT (or 'virtual')");
  }
  if (ImGui::Button("list ALSA MIDI ports")) {
    try {
      s.midi_ports = live::list_midi_ports(live::MidiBackend::kAlsa);
      s.midi_status = s.midi_ports.empty() ? "no ports" : "";
    } catch (const Error& e) {
      s.midi_status = e.what();
    }
  }
  for (size_t i = 0; i < s.midi_ports.size(); ++i) ImGui::BulletText("%zu: %s", i, s.midi_ports[i].c_str());
  if (!s.midi_status.empty()) ImGui::TextWrapped("%s", s.midi_status.c_str());
}

void load_preset(Monitor::State& s, const std::filesystem::path& path) {
  const live::Preset p = live::load_preset(path);
  int added = 0;
  for (const auto& d : destinations_of(p)) {
    s.destinations.add(d);
    ++added;
  }
  if (const auto* bank = std::get_if<live::CueBank>(&p)) s.options.cue_bank = *bank;
  s.preset_status = path.string() + ": " + std::string(live::preset_kind(p)) + " preset loaded";
  if (added) s.preset_status += ", " + std::to_string(added) + " destination(s) added";
  if (std::holds_alternative<live::MidiMap>(p))
    s.preset_status += " (a MIDI map applies when given at start: --preset)";
}

// The grid's cues, then every typed cue the grid does not hold, in free slots.
live::CueBank bank_with_history(const Monitor::State& s) {
  live::CueBank bank = s.options.cue_bank;
  if (bank.name.empty()) bank.name = "cues";
  const auto has = [&bank](auto match) { return std::any_of(bank.cues.begin(), bank.cues.end(), match); };
  int slot = 1;
  for (const auto& text : s.cue_history.entries()) {
    if (text.empty() || text[0] == '/' || has([&](const live::Cue& c) { return c.text == text; })) continue;
    while (slot <= live::kMaxCueSlot && has([&](const live::Cue& c) { return c.slot == slot; })) ++slot;
    if (slot > live::kMaxCueSlot) break;
    bank.cues.push_back({slot, text, "full", false});
  }
  return bank;
}

void presets_tab(Monitor::State& s) {
  ImGui::SetNextItemWidth(-1);
  ImGui::InputTextWithHint("##preset", "preset file (.json)", s.preset_path.data(), s.preset_path.size());
  const std::filesystem::path path = s.preset_path.data();
  try {
    if (ImGui::Button("load")) load_preset(s, path);
    ImGui::SameLine();
    if (ImGui::Button("save VMC destinations")) {
      live::save_preset(vmc_preset_of(s.destinations.list(), path.stem().string()), path);
      s.preset_status = "saved " + path.string();
    }
    ImGui::SameLine();
    if (ImGui::Button("save cue bank + typed cues")) {
      live::save_preset(bank_with_history(s), path);
      s.preset_status = "saved " + path.string();
    }
  } catch (const Error& e) {
    s.preset_status = e.what();
  }
  if (!s.preset_status.empty()) ImGui::TextWrapped("%s", s.preset_status.c_str());
}

}  // namespace

void setup_panel(Monitor::State& s) {
  if (begin_panel("Setup", s.layout.setup) && ImGui::BeginTabBar("setup")) {
    if (ImGui::BeginTabItem("OSC")) {
      osc_tab(s);
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("MIDI")) {
      midi_tab(s);
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("Presets")) {
      presets_tab(s);
      ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
  }
  ImGui::End();
}

void view_overlay(Monitor::State& s) {
  ImGui::SetNextWindowPos({s.layout.view.x + 8, s.layout.view.y + 8}, ImGuiCond_Always);
  ImGui::SetNextWindowBgAlpha(0.45f);
  const ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_AlwaysAutoResize |
                                 ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoFocusOnAppearing |
                                 ImGuiWindowFlags_NoMove;
  if (ImGui::Begin("View", nullptr, flags)) {
    ImGui::Checkbox("follow root", &s.follow_root);
    ImGui::SameLine();
    if (ImGui::SmallButton("reset camera")) s.camera.reset();
    ImGui::TextDisabled("drag: orbit, wheel: zoom, double-click: reset");
    const live::OutputFrame& f = s.frame;
    ImGui::Text("t %.2f s, tick %lld%s", f.time_s, (long long)f.tick, f.root_lock ? ", root locked" : "");
  }
  ImGui::End();
}

}  // namespace e2m::ui
