// The default text tokenizer: byte-pair subwords learned from the training captions, stored in the
// model file. Unseen words and typos fall apart into known subwords and characters instead of one
// "unknown" id, so they keep most of their pieces (robust to typos, DESIGN.md 4.1).
//
// Pre-tokenization is CLIP's (ClipTokenizer::clean + split_words: cleanup, lowercase, letter runs,
// single digits, punctuation runs). Each word is split into characters with an end-of-word marker
// on the last one ("walk" -> w a l k</w>), then the learned merges are applied in rank order, as in
// Sennrich et al. 2016. BPE-dropout (Provilkov et al. 2020) skips merges at random during training,
// so the network also sees the finer segmentations a typo produces.
//
// Ids: 0 = padding, 1 = unknown symbol (a character never seen in training), 2 = end of text
// (every encoded text ends with it, so no row is all padding), then the symbols.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/modules.h"

namespace e2m::model {

inline constexpr int64_t kTextPad = 0;
inline constexpr int64_t kTextUnk = 1;
inline constexpr int64_t kTextEnd = 2;
inline constexpr int64_t kTextFirstSymbol = 3;

class TextTokenizer {
 public:
  TextTokenizer() = default;

  // Learns merges from the captions until the vocabulary holds max_vocab ids (including the three
  // reserved ones) or no pair occurs at least min_pair_count times. Deterministic.
  static TextTokenizer train(const std::vector<std::string>& captions, int max_vocab, int min_pair_count = 2);

  // Ids of one text, ending with kTextEnd, truncated to max_tokens (kTextEnd kept last) and not
  // padded. dropout > 0 (training only) skips each applicable merge with that probability.
  std::vector<int64_t> encode(const std::string& text, int max_tokens, double dropout = 0,
                              std::mt19937* rng = nullptr) const;
  // The subword pieces of a text (no ids), for inspection and tests.
  std::vector<std::string> pieces(const std::string& text, double dropout = 0,
                                  std::mt19937* rng = nullptr) const;

  // Number of ids in use (reserved + symbols); must not exceed TextConfig::vocab_size.
  int vocab_size() const { return static_cast<int>(kTextFirstSymbol + symbols_.size()); }
  bool empty() const { return symbols_.empty(); }
  // Whole words the merges learned (symbols ending a word), for suggesting a known word to a typo.
  std::vector<std::string> words() const;

  // Stored in the model file: {"type": "bpe", "version": 1, "symbols": [...], "merges": [[a, b], ...]}.
  nlohmann::json to_json() const;
  // Throws e2m::Error naming the field when the JSON is not a tokenizer written by to_json.
  static TextTokenizer from_json(const nlohmann::json& j);

 private:
  std::vector<std::string> word_symbols(const std::string& word, double dropout, std::mt19937* rng) const;
  void index();

  std::vector<std::string> symbols_;                         // id - kTextFirstSymbol -> symbol
  std::vector<std::pair<std::string, std::string>> merges_;  // in rank order
  std::unordered_map<std::string, int64_t> ids_;
  std::unordered_map<std::string, int> ranks_;  // key: a + '\x01' + b
};

// Pads a batch of encoded texts with kTextPad to max_tokens: ids (B, max_tokens) int64 and
// pad_mask (B, max_tokens) bool, true at padding; the adapter's TextInput.
TextInput make_text_input(const std::vector<std::vector<int64_t>>& batch, int max_tokens);

}  // namespace e2m::model
