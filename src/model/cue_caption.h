// Typed cues and the captions text2motion is trained on, both ways. The models are trained on
// sentences that start with their subject ("a person waves the right hand energetically"); a
// performer types imperatives ("wave your right hand", "bow").
#pragma once
#include <string>
#include <vector>

namespace e2m::model {

// Training: the imperative forms of a caption and the clip's content label, so the model also
// learns the words a performer types:
//   "a person waves the right hand energetically", content "wave-right-hand" ->
//   "wave", "wave your right hand", "wave your right hand energetically", "wave right hand".
// The subject ("a person", "someone", ...) is dropped, the first verb is put in the imperative
// ("waves" -> "wave", "dashes" -> "dash", "carries" -> "carry"), "the"/"his"/"her" before
// left/right becomes "your", and the style tail ("energetically", "like a giant", "in a feminine
// way") is cut for the core form. Lowercase, single spaces, no duplicates; empty for an empty caption
// and no content.
std::vector<std::string> cue_forms(const std::string& caption, const std::string& content);

// Generation: a cue in the captions' form before it is encoded:
//   "wave your right hand" -> "a person waves the right hand", "bow" -> "a person bows",
//   "say bye" -> "a person says bye", "a person bows" -> unchanged.
// A text that already names its subject (a/an/the/someone/somebody/person/he/she/they first) or
// has no words is returned as it is; otherwise "a person " + the first word in the third person +
// the rest, lowercase without punctuation, with "your" -> "the" and "yourself" -> "itself". Typos
// pass through ("bwo" -> "a person bwos").
std::string caption_for_cue(const std::string& text);

}  // namespace e2m::model
