// Caption generation for datasets labelled only by content/style/genre (Bandai, Tang, AIST++, BVH
// folders): many paraphrases per label, so a text model learns the meaning and not one sentence.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace e2m::io {

// Captions for an action clip: content label ("wave-both-hands"), style label ("active", may be
// empty or "normal"). Returns `count` distinct captions (fewer only if the vocabulary runs out),
// deterministic for a given seed string (use the clip name). Unknown labels fall back to
// captions built from the label words ("walk-zigzag" -> "a person walks zigzag").
std::vector<std::string> action_captions(std::string_view content, std::string_view style,
                                         std::string_view seed, int count = 12);

// Captions for a dance clip of a genre ("waltz", "break", "cha-cha", ...), deterministic per seed.
std::vector<std::string> dance_captions(std::string_view genre, std::string_view seed, int count = 12);

// Whether the generator has hand-written phrases for a content / style label (tests and import
// warnings use this to make sure every Bandai label is covered).
bool has_content_phrases(std::string_view content);
bool has_style_phrases(std::string_view style);

}  // namespace e2m::io
