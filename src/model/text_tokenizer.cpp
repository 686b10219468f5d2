// Byte-pair subword tokenizer learned from training captions; see text_tokenizer.h.
#include "model/text_tokenizer.h"

#include <unicode/utf8.h>

#include <algorithm>
#include <climits>
#include <map>
#include <set>

#include "model/clip_tokenizer.h"
#include "motion/error.h"

namespace e2m::model {
namespace {

constexpr const char* kEndOfWord = "</w>";

std::string pair_key(const std::string& a, const std::string& b) { return a + '\x01' + b; }

std::vector<std::string> words_of(const std::string& text) {
  return ClipTokenizer::split_words(ClipTokenizer::clean(text));
}

// Code points of a word as UTF-8 strings, the last one marked as the end of the word.
std::vector<std::string> characters(const std::string& word) {
  std::vector<std::string> out;
  const auto* p = reinterpret_cast<const uint8_t*>(word.data());
  const int32_t n = static_cast<int32_t>(word.size());
  for (int32_t i = 0; i < n;) {
    const int32_t start = i;
    U8_FWD_1(p, i, n);
    out.emplace_back(word.substr(static_cast<size_t>(start), static_cast<size_t>(i - start)));
  }
  if (!out.empty()) out.back() += kEndOfWord;
  return out;
}

}  // namespace

void TextTokenizer::index() {
  ids_.clear();
  ranks_.clear();
  for (size_t k = 0; k < symbols_.size(); ++k) ids_[symbols_[k]] = kTextFirstSymbol + static_cast<int64_t>(k);
  for (size_t r = 0; r < merges_.size(); ++r)
    ranks_[pair_key(merges_[r].first, merges_[r].second)] = static_cast<int>(r);
}

TextTokenizer TextTokenizer::train(const std::vector<std::string>& captions, int max_vocab,
                                   int min_pair_count) {
  if (max_vocab <= kTextFirstSymbol)
    throw Error("text tokenizer: vocabulary size " + std::to_string(max_vocab) +
                " leaves no room for symbols");
  std::map<std::string, int64_t> word_freq;  // ordered: training is deterministic
  for (const auto& c : captions)
    for (const auto& w : words_of(c)) ++word_freq[w];

  std::vector<std::vector<std::string>> words;
  std::vector<int64_t> freq;
  std::set<std::string> alphabet;
  for (const auto& [w, f] : word_freq) {
    words.push_back(characters(w));
    freq.push_back(f);
    // Each character in both forms, so a known character is never unknown at a word's end or inside.
    for (auto s : words.back()) {
      if (s.size() > 4 && s.compare(s.size() - 4, 4, kEndOfWord) == 0) s.resize(s.size() - 4);
      alphabet.insert(s);
      alphabet.insert(s + kEndOfWord);
    }
  }
  TextTokenizer tok;
  for (const auto& s : alphabet) {
    if (tok.vocab_size() >= max_vocab) break;
    tok.symbols_.push_back(s);
  }
  while (tok.vocab_size() < max_vocab) {
    std::map<std::pair<std::string, std::string>, int64_t> counts;
    for (size_t w = 0; w < words.size(); ++w)
      for (size_t i = 0; i + 1 < words[w].size(); ++i) counts[{words[w][i], words[w][i + 1]}] += freq[w];
    // Most frequent pair; ties go to the smallest pair (std::map order), so runs are reproducible.
    const std::pair<std::string, std::string>* best = nullptr;
    int64_t best_count = 0;
    for (const auto& [pair, count] : counts) {
      if (count > best_count) {
        best = &pair;
        best_count = count;
      }
    }
    if (!best || best_count < min_pair_count) break;
    const auto [a, b] = *best;
    tok.merges_.emplace_back(a, b);
    tok.symbols_.push_back(a + b);
    for (auto& word : words) {
      std::vector<std::string> merged;
      for (size_t i = 0; i < word.size();) {
        if (i + 1 < word.size() && word[i] == a && word[i + 1] == b) {
          merged.push_back(a + b);
          i += 2;
        } else {
          merged.push_back(word[i++]);
        }
      }
      word = std::move(merged);
    }
  }
  tok.index();
  return tok;
}

std::vector<std::string> TextTokenizer::word_symbols(const std::string& word, double dropout,
                                                     std::mt19937* rng) const {
  std::vector<std::string> sym = characters(word);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  while (sym.size() > 1) {
    int best = INT_MAX;
    size_t best_at = 0;
    for (size_t i = 0; i + 1 < sym.size(); ++i) {
      auto it = ranks_.find(pair_key(sym[i], sym[i + 1]));
      if (it == ranks_.end() || it->second >= best) continue;
      if (dropout > 0 && rng && uniform(*rng) < dropout) continue;
      best = it->second;
      best_at = i;
    }
    if (best == INT_MAX) break;
    const std::string a = sym[best_at], b = sym[best_at + 1];
    std::vector<std::string> merged;
    for (size_t i = 0; i < sym.size();) {
      if (i + 1 < sym.size() && sym[i] == a && sym[i + 1] == b) {
        merged.push_back(a + b);
        i += 2;
      } else {
        merged.push_back(sym[i++]);
      }
    }
    sym = std::move(merged);
  }
  return sym;
}

std::vector<int64_t> TextTokenizer::encode(const std::string& text, int max_tokens, double dropout,
                                           std::mt19937* rng) const {
  if (max_tokens < 1) throw Error("text tokenizer: max_tokens must be at least 1");
  std::vector<int64_t> ids;
  for (const auto& w : words_of(text)) {
    for (const auto& s : word_symbols(w, dropout, rng)) {
      auto it = ids_.find(s);
      ids.push_back(it == ids_.end() ? kTextUnk : it->second);
    }
  }
  if (static_cast<int>(ids.size()) >= max_tokens) ids.resize(static_cast<size_t>(max_tokens - 1));
  ids.push_back(kTextEnd);
  return ids;
}

std::vector<std::string> TextTokenizer::pieces(const std::string& text, double dropout,
                                               std::mt19937* rng) const {
  std::vector<std::string> out;
  for (const auto& w : words_of(text))
    for (auto& s : word_symbols(w, dropout, rng)) out.push_back(std::move(s));
  return out;
}

nlohmann::json TextTokenizer::to_json() const {
  nlohmann::json merges = nlohmann::json::array();
  for (const auto& [a, b] : merges_) merges.push_back({a, b});
  return {{"type", "bpe"}, {"version", 1}, {"symbols", symbols_}, {"merges", merges}};
}

TextTokenizer TextTokenizer::from_json(const nlohmann::json& j) {
  // Compared as JSON values: value<T>() would throw nlohmann's type_error (or cast a float) when
  // the stored type differs.
  if (!j.is_object() || !j.contains("type") || j["type"] != "bpe")
    throw Error("text vocabulary: expected an object with \"type\": \"bpe\"");
  if (!j.contains("version") || j["version"] != 1)
    throw Error("text vocabulary: unsupported \"version\" (expected 1)");
  if (!j.contains("symbols") || !j["symbols"].is_array())
    throw Error("text vocabulary: \"symbols\" must be an array of strings");
  if (!j.contains("merges") || !j["merges"].is_array())
    throw Error("text vocabulary: \"merges\" must be an array of [a, b] pairs");
  TextTokenizer tok;
  for (size_t k = 0; k < j["symbols"].size(); ++k) {
    if (!j["symbols"][k].is_string())
      throw Error("text vocabulary: symbols[" + std::to_string(k) + "] is not a string");
    tok.symbols_.push_back(j["symbols"][k].get<std::string>());
  }
  for (size_t k = 0; k < j["merges"].size(); ++k) {
    const auto& m = j["merges"][k];
    if (!m.is_array() || m.size() != 2 || !m[0].is_string() || !m[1].is_string())
      throw Error("text vocabulary: merges[" + std::to_string(k) + "] is not a pair of strings");
    tok.merges_.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
  }
  tok.index();
  return tok;
}

TextInput make_text_input(const std::vector<std::vector<int64_t>>& batch, int max_tokens) {
  const auto b = static_cast<int64_t>(batch.size());
  TextInput in;
  in.ids = torch::zeros({b, max_tokens}, torch::kInt64);
  in.pad_mask = torch::ones({b, max_tokens}, torch::kBool);
  auto ids = in.ids.accessor<int64_t, 2>();
  auto mask = in.pad_mask.accessor<bool, 2>();
  for (int64_t r = 0; r < b; ++r) {
    const auto& row = batch[static_cast<size_t>(r)];
    if (row.empty()) throw Error("text input: row " + std::to_string(r) + " has no tokens");
    const int64_t n = std::min<int64_t>(static_cast<int64_t>(row.size()), max_tokens);
    for (int64_t t = 0; t < n; ++t) {
      ids[r][t] = row[static_cast<size_t>(t)];
      mask[r][t] = false;
    }
  }
  return in;
}

std::vector<std::string> TextTokenizer::words() const {
  const std::string kEnd = kEndOfWord;
  std::vector<std::string> out;
  for (const auto& sym : symbols_)
    if (sym.size() > kEnd.size() && sym.compare(sym.size() - kEnd.size(), kEnd.size(), kEnd) == 0)
      out.push_back(sym.substr(0, sym.size() - kEnd.size()));
  return out;
}

}  // namespace e2m::model
