// A performer's cue in the captions' own form. The text2motion models are trained on sentences that
// start with their subject ("a person waves the right hand"); typed cues are imperatives ("wave your
// right hand", "bow"). caption_for_cue puts a cue into that form before it is encoded:
//   "wave your right hand" -> "a person waves the right hand", "bow" -> "a person bows",
//   "say bye" -> "a person says bye", "a person bows" -> unchanged.
// A text that already names its subject (a/an/the/someone/somebody/person/he/she/they first) or is
// empty is returned as it is; otherwise "a person " + the first word in the third person + the rest,
// with "your" -> "the" and "yourself" -> "itself". Typos pass through ("bwo" -> "a person bwos").
#pragma once
#include <string>

namespace e2m::model {

std::string caption_for_cue(const std::string& text);

}  // namespace e2m::model
