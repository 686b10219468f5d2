// Fuzzes the BPE text tokenizer: any text through a small trained vocabulary (cleanup, word split,
// merges, BPE-dropout), and any JSON as a stored vocabulary (what a model file carries).
// The first byte picks the mode and, for text, max_tokens and dropout.
#include <random>

#include "fuzz_support.h"
#include "io/captions.h"
#include "io/json_util.h"
#include "model/text_tokenizer.h"

using namespace e2m;

namespace {

// Trained once per process from generated captions, as training does from a dataset's captions.
const model::TextTokenizer& trained() {
  static const model::TextTokenizer tok = [] {
    std::vector<std::string> captions;
    for (const char* content : {"walk", "wave-both-hands", "bow", "kick", "dash"})
      for (const auto& c : io::action_captions(content, "happy", content, 6)) captions.push_back(c);
    for (const auto& c : io::dance_captions("waltz", "seed", 6)) captions.push_back(c);
    captions.push_back("Ünïcödé naïve café 東京 3.14 don't <|endoftext|>");
    return model::TextTokenizer::train(captions, 160);
  }();
  return tok;
}

void encode(const model::TextTokenizer& tok, const std::string& text, uint8_t knobs) {
  const int max_tokens = 1 + (knobs & 0x3f);
  const auto ids = tok.encode(text, max_tokens);
  E2M_FUZZ_CHECK(!ids.empty() && static_cast<int>(ids.size()) <= max_tokens);
  E2M_FUZZ_CHECK(ids.back() == model::kTextEnd);
  for (int64_t id : ids) E2M_FUZZ_CHECK(id >= model::kTextUnk && id < tok.vocab_size());
  const auto pieces = tok.pieces(text);
  // Every piece is one id, plus the end of text, before truncation.
  E2M_FUZZ_CHECK(ids.size() == std::min(pieces.size() + 1, static_cast<size_t>(max_tokens)));
  if (knobs & 0x40) {
    std::mt19937 rng(knobs);
    const auto dropped = tok.encode(text, max_tokens, 0.3, &rng);
    E2M_FUZZ_CHECK(!dropped.empty() && dropped.back() == model::kTextEnd);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(fuzz::bytes_of(data + 1, size - 1));
  if (!(data[0] & 0x80)) {
    encode(trained(), text, data[0]);
    return 0;
  }
  model::TextTokenizer tok;
  const bool ok =
      fuzz::accepts([&] { tok = model::TextTokenizer::from_json(io::parse_json(text, "vocab")); });
  if (!ok) return 0;
  // A stored vocabulary writes back unchanged and tokenizes anything.
  E2M_FUZZ_CHECK(model::TextTokenizer::from_json(tok.to_json()).to_json() == tok.to_json());
  tok.words();
  encode(tok, "a person walks forward happily, then waves", data[0]);
  encode(tok, text, data[0]);
  return 0;
}
