// The cue box's completion from the text model's words and its history.
// LibTorch first: glog, which it brings in, defines CHECK too, and Catch's must be the one that stands.
// clang-format off
#include "live_models.h"
// clang-format on

#include "test_support.h"
#include "ui/cue_text.h"

using namespace e2m;

namespace {
const std::vector<std::string> kWords = {"bow", "person", "walk", "walks", "wave", "waves"};
}

TEST_CASE("cue text: suggestions are the vocabulary words that extend the word being typed", "[ui]") {
  CHECK(ui::last_word("a person wa") == "wa");
  CHECK(ui::suggestions("a person wa", kWords, 10) ==
        std::vector<std::string>{"walk", "walks", "wave", "waves"});
  CHECK(ui::suggestions("a person wa", kWords, 2).size() == 2);
  CHECK(ui::suggestions("a person ", kWords, 10).empty());  // no word begun
  CHECK(ui::suggestions("bow", kWords, 10).empty());        // already whole
  CHECK(ui::accept_suggestion("a person wa", "waves") == "a person waves ");
}

TEST_CASE("cue text: Tab completes to the longest shared prefix, a single match to the word", "[ui]") {
  CHECK(ui::complete("a person wa", kWords) == "a person wa");  // walk, wave: share "wa" only
  CHECK(ui::complete("a person wal", kWords) == "a person walk");
  CHECK(ui::complete("pe", kWords) == "person ");
  CHECK(ui::complete("xyz", kWords) == "xyz");
  CHECK(ui::complete("", kWords).empty());
}

TEST_CASE("cue text: the vocabulary comes from the text model's tokenizer", "[ui]") {
  model::TextToMotion text;
  test::load_tiny_text(text);
  const auto words = ui::cue_vocabulary(&text);
  REQUIRE(!words.empty());
  CHECK(std::is_sorted(words.begin(), words.end()));
  CHECK(std::find(words.begin(), words.end(), "person") != words.end());
  CHECK(ui::cue_vocabulary(nullptr).empty());
}

TEST_CASE("cue text: Up walks the history from the newest, Down comes back to an empty box", "[ui]") {
  ui::CueHistory h(3);
  h.push("wave");
  h.push("bow");
  h.push("bow");  // a repeat is kept once
  h.push("spin");
  h.push("jump");  // over capacity: "wave" goes
  CHECK(h.entries() == std::vector<std::string>{"bow", "spin", "jump"});
  CHECK(h.older() == "jump");
  CHECK(h.older() == "spin");
  CHECK(h.older() == "bow");
  CHECK(h.older() == "bow");  // stays at the oldest
  CHECK(h.newer() == "spin");
  CHECK(h.newer() == "jump");
  CHECK(h.newer().empty());
  CHECK(h.newer().empty());
}
