// The "Cues" panel: the cue box (Enter fires, Tab completes from the text model's words, Up and
// Down walk the history, Space in an empty box toggles root lock), what is playing, the history and
// the cue bank grid (click, or the MIDI pad mapped to the slot).
#include <imgui.h>
#include <imgui_internal.h>

#include <cstdio>

#include "motion/error.h"
#include "ui/monitor_state.h"

namespace e2m::ui {

namespace {

constexpr size_t kMaxSuggestions = 6;
constexpr int kBankColumns = 4;

void replace_text(ImGuiInputTextCallbackData* d, const std::string& text) {
  d->DeleteChars(0, d->BufTextLen);
  d->InsertChars(0, text.c_str());
}

int cue_box_callback(ImGuiInputTextCallbackData* d) {
  auto& s = *static_cast<Monitor::State*>(d->UserData);
  switch (d->EventFlag) {
    case ImGuiInputTextFlags_CallbackCharFilter:
      // The widget's own length: the user buffer is written back only at the end of the frame.
      if (d->EventChar == ' ' && ImGui::GetCurrentContext()->InputTextState.CurLenW == 0) {
        s.toggle_root_lock = !s.toggle_root_lock;
        return 1;
      }
      return 0;
    case ImGuiInputTextFlags_CallbackCompletion:
      replace_text(d, complete({d->Buf, size_t(d->BufTextLen)}, s.options.vocabulary));
      return 0;
    case ImGuiInputTextFlags_CallbackHistory:
      replace_text(d, d->EventKey == ImGuiKey_UpArrow ? s.cue_history.older() : s.cue_history.newer());
      return 0;
    default:
      return 0;
  }
}

void cue_box(Monitor::State& s) {
  // Typing goes to the cue box unless another field is being edited or a menu is open.
  if (!ImGui::IsAnyItemActive() &&
      !ImGui::IsPopupOpen(nullptr, ImGuiPopupFlags_AnyPopupId | ImGuiPopupFlags_AnyPopupLevel))
    ImGui::SetKeyboardFocusHere();
  ImGui::SetNextItemWidth(-1);
  const ImGuiInputTextFlags flags =
      ImGuiInputTextFlags_EnterReturnsTrue | ImGuiInputTextFlags_CallbackCharFilter |
      ImGuiInputTextFlags_CallbackCompletion | ImGuiInputTextFlags_CallbackHistory;
  const char* hint = s.options.cues_enabled ? "type a cue, Enter (Tab completes, Esc cancels)"
                                            : "no text2motion model loaded: cues are off";
  const bool escaped = ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape), false);
  if (ImGui::InputTextWithHint("##cue", hint, s.cue_text.data(), s.cue_text.size(), flags, cue_box_callback,
                               &s)) {
    s.fire_cue_line(s.cue_text.data());
    s.cue_text.fill('\0');
    ImGui::SetKeyboardFocusHere(-1);  // Enter let go of the box: take it back, for the next cue
  } else if (escaped && ImGui::IsItemDeactivated()) {
    ImGui::SetKeyboardFocusHere(-1);  // so did Esc
  }
  if (s.toggle_root_lock) {
    s.toggle_root_lock = false;
    live::Command c;
    c.kind = live::CommandKind::kRootLock;
    c.flag = s.frame.root_lock ? 0 : 1;
    s.send(c);
  }
  s.cue_suggestions = suggestions(s.cue_text.data(), s.options.vocabulary, kMaxSuggestions);
  for (const auto& word : s.cue_suggestions) {
    if (ImGui::SmallButton(word.c_str())) {
      const std::string t = accept_suggestion(s.cue_text.data(), word);
      std::snprintf(s.cue_text.data(), s.cue_text.size(), "%s", t.c_str());
    }
    ImGui::SameLine();
  }
  ImGui::NewLine();
}

void now_playing(Monitor::State& s) {
  const live::GeneratorState& g = s.generator;
  // The generator's mixer runs a chunk ahead of playback (Engine::play_delay_s): "mixing" says so.
  if (g.cue_playing)
    ImGui::Text("mixing cue: %s (%d queued)", g.cue.data(), g.cues_queued);
  else
    ImGui::TextDisabled("mixing: the dance alone");
  ImGui::SameLine();
  if (ImGui::SmallButton("cancel (Esc)")) {
    live::Command c;
    c.kind = live::CommandKind::kCancel;
    s.send(c);
  }
  if (!s.cue_status.empty()) ImGui::TextColored({1, 0.6f, 0.4f, 1}, "%s", s.cue_status.c_str());
}

void history_list(Monitor::State& s, float height) {
  ImGui::BeginChild("history", {ImGui::GetContentRegionAvail().x * 0.4f, height}, true);
  const auto& e = s.cue_history.entries();
  for (size_t i = e.size(); i-- > 0;) {
    ImGui::PushID(int(i));
    if (ImGui::Selectable(e[i].c_str())) s.fire_cue_line(e[i]);
    ImGui::PopID();
  }
  ImGui::EndChild();
}

int pad_note_for(const Monitor::State& s, int slot) {
  for (const auto& p : s.options.midi_map.pads)
    if (p.slot == slot) return p.note;
  return -1;
}

void bank_grid(Monitor::State& s, float height) {
  ImGui::BeginChild("bank", {0, height}, true);
  const float w = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x * (kBankColumns - 1)) /
                  kBankColumns;
  int column = 0;
  for (const auto& cue : s.options.cue_bank.cues) {
    char label[200];
    const int note = pad_note_for(s, cue.slot);
    std::snprintf(label, sizeof label, "%d%s%s\n%.40s##slot%d", cue.slot, note >= 0 ? " pad " : "",
                  note >= 0 ? std::to_string(note).c_str() : "", cue.text.c_str(), cue.slot);
    if (column++ % kBankColumns) ImGui::SameLine();
    if (ImGui::Button(label, {w, 40}))
      s.send_text(cue.mask == "upper" ? live::CommandKind::kUpper : live::CommandKind::kCue, cue.text);
  }
  if (s.options.cue_bank.cues.empty())
    ImGui::TextDisabled("no cue bank: load a \"cues\" preset (Setup > Presets)");
  ImGui::EndChild();
}

}  // namespace

void Monitor::State::fire_cue_line(const std::string& line) {
  try {
    const auto c = live::parse_command_line(line);
    if (!c) return;
    send(*c);
    cue_history.push(line);
    cue_status.clear();
  } catch (const Error& e) {
    cue_status = e.what();
  }
}

void cues_panel(Monitor::State& s) {
  if (begin_panel("Cues", s.layout.cues)) {
    cue_box(s);
    now_playing(s);
    const float h = ImGui::GetContentRegionAvail().y;
    history_list(s, h);
    ImGui::SameLine();
    bank_grid(s, h);
  }
  ImGui::End();
}

}  // namespace e2m::ui
