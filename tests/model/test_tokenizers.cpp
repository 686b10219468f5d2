// Tests of the CLIP byte-pair tokenizer port and of the default subword text tokenizer.
#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "model/clip_tokenizer.h"
#include "model/cue_caption.h"
#include "model/text_tokenizer.h"
#include "motion/error.h"
#include "test_support.h"

using namespace e2m::model;

namespace {

std::filesystem::path clip_dir() { return e2m::test::shared_data() / "clip"; }

const ClipTokenizer& shared_clip_tokenizer() {
  static const ClipTokenizer tok(clip_dir() / "bpe_simple_vocab_16e6.txt.gz");
  return tok;
}

const std::vector<std::string> kCaptions = {
    "a person walks forward and then turns around",
    "a person walks slowly in a circle",
    "someone is walking forward happily",
    "a man waves his right hand",
    "a person waves with both hands",
    "the dancer spins twice and bows",
    "a person bows politely",
    "someone jumps up and down",
    "a person jumps forward twice",
    "a person is running in place",
    "the person kicks with the left leg",
    "a man kicks forward with his right leg",
};

}  // namespace

TEST_CASE("clip tokenizer reproduces the published CLIP token ids of every reference text",
          "[tokenizer][clip]") {
  E2M_SKIP_UNLESS_EXISTS(clip_dir() / "tokens.json");
  const auto entries = nlohmann::json::parse(std::ifstream(clip_dir() / "tokens.json"));
  REQUIRE(entries.size() == 38);
  const ClipTokenizer& tok = shared_clip_tokenizer();
  int matched = 0;
  for (const auto& e : entries) {
    const std::string text = e.at("text").get<std::string>();
    const auto want = e.at("ids").get<std::vector<int64_t>>();
    const auto got = tok.encode(text);
    if (got == want)
      ++matched;
    else
      FAIL_CHECK("ids differ for \"" << text << "\"");
  }
  INFO("matched " << matched << " of " << entries.size());
  CHECK(matched == static_cast<int>(entries.size()));
}

TEST_CASE("clip tokenizer pads with 0 to 77 and keeps <|endoftext|> when truncating", "[tokenizer][clip]") {
  E2M_SKIP_UNLESS_EXISTS(clip_dir() / "bpe_simple_vocab_16e6.txt.gz");
  const ClipTokenizer& tok = shared_clip_tokenizer();
  const auto padded = tok.tokenize("a photo of a cat");
  REQUIRE(padded.size() == 77);
  CHECK(std::vector<int64_t>(padded.begin(), padded.begin() + 7) ==
        std::vector<int64_t>{49406, 320, 1125, 539, 320, 2368, 49407});
  CHECK(padded[7] == 0);
  CHECK(padded[76] == 0);
  std::string long_text;
  for (int i = 0; i < 100; ++i) long_text += "cat ";
  const auto cut = tok.tokenize(long_text);
  REQUIRE(cut.size() == 77);
  CHECK(cut.front() == kClipSot);
  CHECK(cut[75] == 2368);
  CHECK(cut.back() == kClipEot);
}

TEST_CASE("clip tokenizer cleans text like ftfy and html.unescape before splitting", "[tokenizer][clip]") {
  E2M_SKIP_UNLESS_EXISTS(clip_dir() / "bpe_simple_vocab_16e6.txt.gz");
  const ClipTokenizer& tok = shared_clip_tokenizer();
  // Decomposed e + combining acute is NFC-composed to the same ids as precomposed "café".
  CHECK(tok.encode("cafe\xCC\x81") == std::vector<int64_t>{49406, 15304, 49407});
  // Entities (also doubly escaped) and curly quotes.
  CHECK(tok.encode("fish &amp; chips") == tok.encode("fish & chips"));
  CHECK(tok.encode("fish &amp;amp; chips") == tok.encode("fish & chips"));
  CHECK(tok.encode("it\xE2\x80\x99s") == tok.encode("it's"));
  CHECK(tok.encode("\xEF\xBC\xA8\xEF\xBD\x85llo") == tok.encode("hello"));  // full-width "He"
  CHECK(ClipTokenizer::clean("  Tabs\tand\nNEW  lines ") == "tabs and new lines");
  CHECK(ClipTokenizer::split_words("don't stop: jump!!") ==
        std::vector<std::string>{"don", "'t", "stop", ":", "jump", "!!"});
  CHECK(ClipTokenizer::split_words("<|startoftext|>hi 42") ==
        std::vector<std::string>{"<|startoftext|>", "hi", "4", "2"});
}

TEST_CASE("clip tokenizer decodes its own ids back to the cleaned text", "[tokenizer][clip]") {
  E2M_SKIP_UNLESS_EXISTS(clip_dir() / "bpe_simple_vocab_16e6.txt.gz");
  const ClipTokenizer& tok = shared_clip_tokenizer();
  CHECK(tok.decode(tok.encode("Someone performs a CARTWHEEL")) == "someone performs a cartwheel");
  CHECK(tok.bpe("cartwheel") == std::vector<std::string>{"cart", "wheel</w>"});
}

TEST_CASE("clip tokenizer reports a missing or broken vocabulary file", "[tokenizer][clip]") {
  const auto dir = e2m::test::temp_dir("clip-tokenizer");
  CHECK_THROWS_AS(ClipTokenizer(dir / "absent.txt.gz"), e2m::Error);
  std::ofstream(dir / "short.txt") << "#version: 0.2\nt h\n";
  CHECK_THROWS_AS(ClipTokenizer(dir / "short.txt"), e2m::Error);
}

TEST_CASE("text tokenizer learns subwords and ends every text with the end id", "[tokenizer][text]") {
  const TextTokenizer tok = TextTokenizer::train(kCaptions, 400);
  CHECK(tok.vocab_size() <= 400);
  CHECK(tok.vocab_size() > 50);
  const auto ids = tok.encode("a person walks forward", 77);
  CHECK(ids.back() == kTextEnd);
  // Frequent words become single pieces.
  CHECK(tok.pieces("a person walks forward") ==
        std::vector<std::string>{"a</w>", "person</w>", "walks</w>", "forward</w>"});
  for (int64_t id : ids) {
    CHECK(id >= kTextEnd);
    CHECK(id < tok.vocab_size());
  }
  // Truncation keeps the end id last.
  const auto cut = tok.encode("a person walks forward and then turns around", 4);
  REQUIRE(cut.size() == 4);
  CHECK(cut.back() == kTextEnd);
  // Empty text still yields one token, so no row of a batch is all padding.
  CHECK(tok.encode("", 77) == std::vector<int64_t>{kTextEnd});
}

TEST_CASE("text tokenizer keeps most pieces of typos and unseen words", "[tokenizer][text]") {
  const TextTokenizer tok = TextTokenizer::train(kCaptions, 400);
  // Share of the typo's characters that fall in pieces the training side produces for the correct
  // word, with the BPE-dropout training uses (so the network has learned those pieces).
  auto share = [&](const std::string& word, const std::string& typo) {
    std::mt19937 rng(11);
    std::set<std::string> seen;
    for (int i = 0; i < 200; ++i)
      for (const auto& p : tok.pieces(word, 0.1, &rng)) seen.insert(p);
    size_t common = 0, total = 0;
    for (const auto& p : tok.pieces(typo)) {
      const size_t len = p.size() - (p.size() >= 4 && p.compare(p.size() - 4, 4, "</w>") == 0 ? 4 : 0);
      total += len;
      if (seen.count(p) && len >= 2) common += len;
    }
    INFO(word << " / " << typo << ": " << common << " of " << total << " characters");
    return static_cast<double>(common) / static_cast<double>(total);
  };
  // A typo splits into known subwords instead of one unknown token.
  CHECK(tok.pieces("walkz").size() >= 2);
  CHECK(share("walking", "walkin") >= 0.5);
  CHECK(share("jumps", "jumpz") >= 0.6);
  CHECK(share("forward", "forwrd") >= 0.4);
  // A character never seen in training maps to the unknown id instead of throwing.
  const auto ids = tok.encode("a person \xE2\x98\x83", 77);
  CHECK(std::count(ids.begin(), ids.end(), kTextUnk) == 1);
}

TEST_CASE("text tokenizer vocabulary round-trips through JSON and rejects malformed JSON",
          "[tokenizer][text]") {
  const TextTokenizer tok = TextTokenizer::train(kCaptions, 300);
  const auto j = tok.to_json();
  const TextTokenizer back = TextTokenizer::from_json(nlohmann::json::parse(j.dump()));
  CHECK(back.vocab_size() == tok.vocab_size());
  for (const auto& c : kCaptions) CHECK(back.encode(c, 77) == tok.encode(c, 77));
  CHECK(back.encode("a persn wlks", 77) == tok.encode("a persn wlks", 77));
  // Training is deterministic.
  CHECK(TextTokenizer::train(kCaptions, 300).to_json() == j);
  CHECK_THROWS_AS(TextTokenizer::from_json(nlohmann::json::array()), e2m::Error);
  auto bad = j;
  bad["merges"][0] = "ab";
  CHECK_THROWS_AS(TextTokenizer::from_json(bad), e2m::Error);
  bad = j;
  bad["version"] = 7;
  CHECK_THROWS_AS(TextTokenizer::from_json(bad), e2m::Error);
}

TEST_CASE("text tokenizer BPE-dropout yields finer segmentations of the same characters",
          "[tokenizer][text]") {
  const TextTokenizer tok = TextTokenizer::train(kCaptions, 400);
  std::mt19937 rng(7);
  const auto plain = tok.encode("a person walks forward", 77);
  size_t longer = 0;
  for (int i = 0; i < 20; ++i) {
    const auto dropped = tok.encode("a person walks forward", 77, 0.3, &rng);
    CHECK(dropped.size() >= plain.size());
    if (dropped.size() > plain.size()) ++longer;
    for (int64_t id : dropped) CHECK(id != kTextUnk);
  }
  CHECK(longer > 0);
}

TEST_CASE("text input batches pad with 0 and mark padding in the mask", "[tokenizer][text]") {
  const TextInput in = make_text_input({{5, 6, kTextEnd}, {kTextEnd}}, 8);
  REQUIRE(in.ids.sizes() == torch::IntArrayRef({2, 8}));
  REQUIRE(in.pad_mask.sizes() == torch::IntArrayRef({2, 8}));
  CHECK(in.ids[0][1].item<int64_t>() == 6);
  CHECK(in.ids[0][3].item<int64_t>() == 0);
  CHECK(in.pad_mask[0].sum().item<int64_t>() == 5);
  CHECK(in.pad_mask[1].sum().item<int64_t>() == 7);
  CHECK_THROWS_AS(make_text_input({{}}, 8), e2m::Error);
}

TEST_CASE("a typed cue is put in the captions' form, a sentence is left alone", "[model][text][cues]") {
  CHECK(caption_for_cue("wave your right hand") == "a person waves the right hand");
  CHECK(caption_for_cue("Bow") == "a person bows");
  CHECK(caption_for_cue("say bye") == "a person says bye");
  CHECK(caption_for_cue("punch") == "a person punches");
  CHECK(caption_for_cue("carry the box") == "a person carries the box");
  CHECK(caption_for_cue("go") == "a person goes");
  CHECK(caption_for_cue("bwo") == "a person bwos");
  CHECK(caption_for_cue("A person waves both hands") == "A person waves both hands");
  CHECK(caption_for_cue("someone runs") == "someone runs");
  CHECK(caption_for_cue("  ") == "  ");
  CHECK(caption_for_cue("Bow!") == "a person bows");
  // The two directions agree: a caption's longest cue form goes back to the caption.
  for (const char* caption : {"a person waves the right hand energetically", "a person bows politely",
                              "a person carries the box", "a person punches forward"}) {
    const auto forms = cue_forms(caption, "");
    REQUIRE_FALSE(forms.empty());
    const auto longest = std::max_element(forms.begin(), forms.end(),
                                          [](const auto& a, const auto& b) { return a.size() < b.size(); });
    CHECK(caption_for_cue(*longest) == caption);
  }
}
