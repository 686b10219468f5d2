// Short cue forms of a caption, so that text2motion learns the words a performer types mid-show
// ("wave", "bow", "raise both hands", "wave your right hand") as well as the dataset's sentences
// ("a person waves the right hand energetically").
#pragma once
#include <string>
#include <vector>

namespace e2m::train {

// The imperative forms of a caption and the clip's content label:
//   "a person waves the right hand energetically", content "wave-right-hand" ->
//   "wave", "wave your right hand", "wave your right hand energetically", "wave right hand".
// The subject ("a person", "someone", ...) is dropped, the first verb is put in the imperative
// ("waves" -> "wave", "dashes" -> "dash", "carries" -> "carry"), "the"/"his"/"her" before
// left/right becomes "your", and the style tail ("energetically", "like a giant", "in a feminine
// way") is cut for the core form. Lowercase, single spaces, no duplicates; empty for an empty caption
// and no content.
std::vector<std::string> cue_forms(const std::string& caption, const std::string& content);

}  // namespace e2m::train
