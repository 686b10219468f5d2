// The cue box's text help, apart from ImGui so it can be tested: word completion from the text
// model's vocabulary and the history of fired cues (Up and Down walk it, as in a shell).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace e2m::model {
class TextToMotion;
}

namespace e2m::ui {

// Whole words the text model's tokenizer learned, sorted and unique; empty when the model has no
// byte-pair vocabulary (or none is loaded).
std::vector<std::string> cue_vocabulary(const model::TextToMotion* text);

// The word being typed: the letters after the last space (lower case is what the vocabulary holds).
std::string_view last_word(std::string_view text);
// Up to `max` vocabulary words that start with the word being typed and are longer than it, in
// vocabulary order; none while no word is being typed.
std::vector<std::string> suggestions(std::string_view text, const std::vector<std::string>& vocabulary,
                                     std::size_t max);
// Tab: the word being typed extended to the longest prefix its matches share (the whole word and a
// space when only one matches); the text unchanged when nothing matches.
std::string complete(std::string_view text, const std::vector<std::string>& vocabulary);
// The text with its last word replaced by `word` and a space.
std::string accept_suggestion(std::string_view text, std::string_view word);

class CueHistory {
 public:
  explicit CueHistory(std::size_t capacity = 64) : capacity_(capacity) {}
  // A fired cue; a repeat of the newest is not stored twice. Walking restarts.
  void push(std::string_view cue);
  // Up: one older than the last shown (the newest first); Down: one newer, empty past the newest.
  // Both return the text to show; Up at the oldest stays there.
  std::string older();
  std::string newer();
  const std::vector<std::string>& entries() const { return entries_; }  // oldest first

 private:
  std::size_t capacity_;
  std::vector<std::string> entries_;
  long pos_ = -1;  // index shown while walking; -1: not walking
};

}  // namespace e2m::ui
