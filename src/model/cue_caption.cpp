#include "model/cue_caption.h"

#include <cctype>
#include <sstream>
#include <vector>

namespace e2m::model {

namespace {

bool vowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; }

// wave -> waves, punch -> punches, go -> goes, carry -> carries, say -> says, do -> does.
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

bool names_subject(const std::string& first) {
  for (const char* w : {"a", "an", "the", "someone", "somebody", "person", "he", "she", "they", "i", "we"})
    if (first == w) return true;
  return false;
}

}  // namespace

std::string caption_for_cue(const std::string& text) {
  std::string lower;
  for (char ch : text) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
  std::istringstream in(lower);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  if (words.empty() || names_subject(words[0])) return text;
  std::string out = "a person " + third_person(words[0]);
  for (size_t i = 1; i < words.size(); ++i) {
    const std::string& w = words[i];
    out += " " + (w == "your" ? std::string("the") : w == "yourself" ? std::string("itself") : w);
  }
  return out;
}

}  // namespace e2m::model
