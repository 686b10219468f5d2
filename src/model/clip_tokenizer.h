// OpenAI CLIP's byte-pair tokenizer (clip/simple_tokenizer.py) ported to C++: text -> CLIP token ids.
//
// Matches simple_tokenizer.py exactly except for the ftfy.fix_text step, which is approximated by
// the parts of ftfy that apply to well-formed text: HTML entity unescaping, curly quotes to straight
// ones, Latin ligatures and full-width forms to ASCII, control characters removed, NFC (ICU).
// ftfy's mojibake repair (text that was decoded with the wrong codec) is not ported: such input
// tokenizes as it stands. Unicode classes (\p{L}, \p{N}, \s) and lowercasing come from ICU.
#pragma once
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace e2m::model {

inline constexpr int kClipContextLength = 77;
inline constexpr int64_t kClipSot = 49406;  // <|startoftext|>
inline constexpr int64_t kClipEot = 49407;  // <|endoftext|>
inline constexpr int64_t kClipVocabSize = 49408;

class ClipTokenizer {
 public:
  // bpe_simple_vocab_16e6.txt.gz from openai/CLIP. Throws e2m::Error when it is missing or malformed.
  explicit ClipTokenizer(const std::filesystem::path& bpe_vocab_gz);

  // Ids with <|startoftext|> first and <|endoftext|> last, unpadded (simple_tokenizer's encode
  // plus the two markers).
  std::vector<int64_t> encode(const std::string& utf8_text) const;
  // clip.tokenize(): encode, then truncate (keeping <|endoftext|> last) or pad with 0 to `context`.
  std::vector<int64_t> tokenize(const std::string& utf8_text, int context = kClipContextLength) const;
  // Inverse of encode for the ids it produces (markers dropped, '</w>' becomes a space).
  std::string decode(const std::vector<int64_t>& ids) const;

  // The BPE pieces of one pre-tokenized word (already byte-encoded), e.g. "cartwheel" ->
  // {"cart", "wheel</w>"}; exposed for tests and inspection.
  std::vector<std::string> bpe(const std::string& byte_encoded_word) const;

  // ftfy/html/whitespace cleanup and lowercasing as in simple_tokenizer.encode.
  static std::string clean(const std::string& utf8_text);
  // The regex pre-tokenizer over cleaned text.
  static std::vector<std::string> split_words(const std::string& cleaned_utf8);

 private:
  std::unordered_map<std::string, int64_t> encoder_;
  std::vector<std::string> decoder_;
  std::unordered_map<std::string, int> bpe_ranks_;  // key: first + '\x01' + second
  std::string byte_encoder_[256];                     // byte -> UTF-8 of its stand-in code point
  std::unordered_map<std::string, uint8_t> byte_decoder_;
  // BPE results by word, as in simple_tokenizer; guarded so one tokenizer can serve several threads.
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<std::string>> cache_;
};

}  // namespace e2m::model
