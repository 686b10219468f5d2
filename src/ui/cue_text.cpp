// Completion and history for the cue box (see cue_text.h).
#include "ui/cue_text.h"

#include <algorithm>

#include "model/inference.h"
#include "model/text_tokenizer.h"

namespace e2m::ui {

std::vector<std::string> cue_vocabulary(const model::TextToMotion* text) {
  if (!text || !text->loaded()) return {};
  const auto& vocab = text->meta().text_vocab;
  if (!vocab.is_object() || vocab.value("type", "") != "bpe") return {};
  std::vector<std::string> words = model::TextTokenizer::from_json(vocab).words();
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  return words;
}

std::string_view last_word(std::string_view text) {
  const size_t space = text.find_last_of(' ');
  return space == std::string_view::npos ? text : text.substr(space + 1);
}

std::vector<std::string> suggestions(std::string_view text, const std::vector<std::string>& vocabulary,
                                     std::size_t max) {
  const std::string_view w = last_word(text);
  std::vector<std::string> out;
  if (w.empty()) return out;
  for (const auto& v : vocabulary) {
    if (out.size() >= max) break;
    if (v.size() > w.size() && v.compare(0, w.size(), w) == 0) out.push_back(v);
  }
  return out;
}

std::string complete(std::string_view text, const std::vector<std::string>& vocabulary) {
  const std::string_view w = last_word(text);
  if (w.empty()) return std::string(text);
  std::string common;
  int matches = 0;
  for (const auto& v : vocabulary) {
    if (v.compare(0, w.size(), w) != 0) continue;
    if (matches++ == 0) {
      common = v;
      continue;
    }
    size_t n = 0;
    while (n < common.size() && n < v.size() && common[n] == v[n]) ++n;
    common.resize(n);
  }
  if (matches == 0) return std::string(text);
  const std::string head(text.substr(0, text.size() - w.size()));
  return matches == 1 ? head + common + " " : head + common;
}

std::string accept_suggestion(std::string_view text, std::string_view word) {
  return std::string(text.substr(0, text.size() - last_word(text).size())) + std::string(word) + " ";
}

void CueHistory::push(std::string_view cue) {
  pos_ = -1;
  if (cue.empty() || (!entries_.empty() && entries_.back() == cue)) return;
  entries_.emplace_back(cue);
  if (entries_.size() > capacity_) entries_.erase(entries_.begin());
}

std::string CueHistory::older() {
  if (entries_.empty()) return "";
  pos_ = pos_ < 0 ? long(entries_.size()) - 1 : std::max(0L, pos_ - 1);
  return entries_[size_t(pos_)];
}

std::string CueHistory::newer() {
  if (pos_ < 0) return "";
  if (++pos_ >= long(entries_.size())) {
    pos_ = -1;
    return "";
  }
  return entries_[size_t(pos_)];
}

}  // namespace e2m::ui
