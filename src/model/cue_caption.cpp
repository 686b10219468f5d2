#include "model/cue_caption.h"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace e2m::model {

namespace {

// Lowercase words: letters, digits and apostrophes; everything else separates.
std::vector<std::string> words_of(const std::string& text) {
  std::string lower;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    lower.push_back(std::isalnum(c) || ch == '\'' ? static_cast<char>(std::tolower(c)) : ' ');
  }
  std::istringstream in(lower);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

std::string join(const std::vector<std::string>& w, size_t from, size_t to) {
  std::string out;
  for (size_t i = from; i < to && i < w.size(); ++i) out += (out.empty() ? "" : " ") + w[i];
  return out;
}

bool vowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; }

// Third person singular -> base form: carries -> carry, dashes -> dash, goes -> go, waves -> wave.
std::string imperative(const std::string& verb) {
  if (verb == "does") return "do";
  if (verb == "has") return "have";
  if (verb == "is") return "be";
  if (verb.size() > 4 && verb.ends_with("ies")) return verb.substr(0, verb.size() - 3) + "y";
  for (const char* tail : {"sses", "shes", "ches", "xes", "zes", "oes"})
    if (verb.size() > 4 && verb.ends_with(tail)) return verb.substr(0, verb.size() - 2);
  if (verb.size() > 2 && verb.ends_with("s") && !verb.ends_with("ss")) return verb.substr(0, verb.size() - 1);
  return verb;
}

// The inverse: wave -> waves, punch -> punches, go -> goes, carry -> carries, say -> says.
std::string third_person(const std::string& verb) {
  if (verb == "be") return "is";
  if (verb == "have") return "has";
  if (verb == "go" || verb == "do") return verb + "es";
  if (verb.size() >= 2 && verb.back() == 'y' && !vowel(verb[verb.size() - 2]))
    return verb.substr(0, verb.size() - 1) + "ies";
  for (const char* tail : {"s", "sh", "ch", "x", "z"})
    if (verb.ends_with(tail)) return verb + "es";
  return verb + "s";
}

// Words of a leading subject in a caption: "a person", "the man", "someone", ... (0: none).
size_t subject_length(const std::vector<std::string>& w) {
  if (!w.empty() && (w[0] == "someone" || w[0] == "person" || w[0] == "somebody")) return 1;
  if (w.size() >= 2 && (w[0] == "a" || w[0] == "the") &&
      (w[1] == "person" || w[1] == "man" || w[1] == "woman" || w[1] == "human" || w[1] == "figure"))
    return 2;
  return 0;
}

// Whether a typed text starts by naming its subject, so it is a sentence rather than a cue.
bool names_subject(const std::string& first) {
  for (const char* w : {"a", "an", "the", "someone", "somebody", "person", "he", "she", "they", "i", "we"})
    if (first == w) return true;
  return false;
}

// Index of the first word of the style tail: an adverb in -ly, "like ...", or "in a ... way".
size_t style_start(const std::vector<std::string>& w) {
  for (size_t i = 1; i < w.size(); ++i) {
    if (w[i] == "like" || (w[i].size() > 4 && w[i].ends_with("ly") && w[i] != "only")) return i;
    if (w[i] == "in" && w.back() == "way") return i;
  }
  return w.size();
}

}  // namespace

std::vector<std::string> cue_forms(const std::string& caption, const std::string& content) {
  std::vector<std::string> w = words_of(caption);
  w.erase(w.begin(), w.begin() + static_cast<std::ptrdiff_t>(subject_length(w)));
  std::vector<std::string> forms;
  if (!w.empty()) {
    w[0] = imperative(w[0]);
    for (size_t i = 0; i + 1 < w.size(); ++i)
      if ((w[i] == "the" || w[i] == "his" || w[i] == "her") && (w[i + 1] == "left" || w[i + 1] == "right"))
        w[i] = "your";
    forms.push_back(w[0]);
    forms.push_back(join(w, 0, style_start(w)));
    forms.push_back(join(w, 0, w.size()));
  }
  forms.push_back(join(words_of(content), 0, std::string::npos));
  std::vector<std::string> out;
  for (auto& f : forms)
    if (!f.empty() && std::find(out.begin(), out.end(), f) == out.end()) out.push_back(std::move(f));
  return out;
}

std::string caption_for_cue(const std::string& text) {
  std::vector<std::string> w = words_of(text);
  if (w.empty() || names_subject(w[0])) return text;
  w[0] = third_person(w[0]);
  for (auto& word : w)
    if (word == "your")
      word = "the";
    else if (word == "yourself")
      word = "itself";
  return "a person " + join(w, 0, w.size());
}

}  // namespace e2m::model
