// CLIP's byte-pair tokenizer (openai/CLIP clip/simple_tokenizer.py) in C++; see clip_tokenizer.h.
#include "model/clip_tokenizer.h"

#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstring>
#include <sstream>

#include "motion/error.h"

namespace e2m::model {
namespace {

// Number of merges simple_tokenizer keeps: merges[1:49152-256-2+1].
constexpr int kNumMerges = 49152 - 256 - 2;

std::string utf8_of(UChar32 c) {
  std::string out;
  icu::UnicodeString(c).toUTF8String(out);
  return out;
}

std::string gunzip_file(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path))
    throw Error(path.string() + ": CLIP BPE vocabulary not found (expected bpe_simple_vocab_16e6.txt.gz)");
  gzFile f = gzopen(path.string().c_str(), "rb");
  if (!f) throw Error(path.string() + ": cannot open the CLIP BPE vocabulary");
  std::string out;
  char buf[1 << 16];
  int n = 0;
  while ((n = gzread(f, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  const bool failed = n < 0;
  gzclose(f);
  if (failed) throw Error(path.string() + ": not a valid gzip file (CLIP BPE vocabulary expected)");
  return out;
}

// Python's str.isspace(), which both \s and strip() in simple_tokenizer use.
bool is_space(UChar32 c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}
bool is_letter(UChar32 c) { return (U_GET_GC_MASK(c) & U_GC_L_MASK) != 0; }
bool is_number(UChar32 c) { return (U_GET_GC_MASK(c) & U_GC_N_MASK) != 0; }

// ftfy's remove_control_chars set (without the line-break characters, which whitespace cleanup eats).
bool is_removed_control(UChar32 c) {
  return (c <= 0x08) || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F || (c >= 0x206A && c <= 0x206F) ||
         c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFC) || (c >= 0x1D173 && c <= 0x1D17A) ||
         (c >= 0xE0000 && c <= 0xE007F);
}

// The parts of ftfy.fix_text that apply to well-formed text (its default configuration):
// uncurl_quotes, fix_latin_ligatures, fix_character_width, remove_control_chars, NFC.
icu::UnicodeString ftfy_like(const icu::UnicodeString& in) {
  icu::UnicodeString out;
  for (int32_t i = 0; i < in.length();) {
    const UChar32 c = in.char32At(i);
    i += U16_LENGTH(c);
    if (is_removed_control(c)) continue;
    if (c == 0x2018 || c == 0x2019 || c == 0x201A || c == 0x201B) {
      out.append(static_cast<UChar32>('\''));
    } else if (c == 0x201C || c == 0x201D || c == 0x201E || c == 0x201F) {
      out.append(static_cast<UChar32>('"'));
    } else if (c >= 0xFB00 && c <= 0xFB06) {
      static const char* const kLigatures[] = {"ff", "fi", "fl", "ffi", "ffl", "st", "st"};
      out.append(icu::UnicodeString::fromUTF8(kLigatures[c - 0xFB00]));
    } else if (c == 0x0132 || c == 0x0133 || c == 0x0149 || c == 0x01C4 || c == 0x01C5 || c == 0x01C6 ||
               c == 0x01C7 || c == 0x01C8 || c == 0x01C9 || c == 0x01CA || c == 0x01CB || c == 0x01CC ||
               c == 0x01F1 || c == 0x01F2 || c == 0x01F3) {
      // Latin ligatures ftfy splits by NFKC (IJ, 'n, DZ, LJ, NJ...).
      UErrorCode err = U_ZERO_ERROR;
      const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCInstance(err);
      icu::UnicodeString one(c);
      out.append(U_SUCCESS(err) ? nfkc->normalize(one, err) : one);
    } else if (c >= 0xFF01 && c <= 0xFF5E) {
      out.append(static_cast<UChar32>(c - 0xFF01 + 0x21));  // full-width ASCII
    } else if (c == 0x3000) {
      out.append(static_cast<UChar32>(' '));  // ideographic space
    } else {
      out.append(c);
    }
  }
  UErrorCode err = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(err);
  if (U_FAILURE(err)) return out;
  icu::UnicodeString normalized = nfc->normalize(out, err);
  return U_SUCCESS(err) ? normalized : out;
}

// html.unescape for the entities captions actually contain: numeric ones and the common named ones.
icu::UnicodeString html_unescape(const icu::UnicodeString& in) {
  static const std::pair<const char*, UChar32> kNamed[] = {
      {"amp", '&'},      {"lt", '<'},       {"gt", '>'},       {"quot", '"'},     {"apos", '\''},
      {"nbsp", 0xA0},    {"ndash", 0x2013}, {"mdash", 0x2014}, {"hellip", 0x2026}, {"lsquo", 0x2018},
      {"rsquo", 0x2019}, {"ldquo", 0x201C}, {"rdquo", 0x201D}, {"copy", 0xA9},    {"reg", 0xAE},
      {"deg", 0xB0},     {"eacute", 0xE9},  {"egrave", 0xE8},  {"aacute", 0xE1},  {"agrave", 0xE0},
      {"uuml", 0xFC},    {"ouml", 0xF6},    {"auml", 0xE4},    {"ccedil", 0xE7},  {"ntilde", 0xF1},
      {"iuml", 0xEF},    {"szlig", 0xDF},   {"times", 0xD7},   {"middot", 0xB7},
  };
  icu::UnicodeString out;
  const int32_t n = in.length();
  for (int32_t i = 0; i < n;) {
    if (in.charAt(i) != '&') {
      out.append(in.charAt(i));
      ++i;
      continue;
    }
    const int32_t semi = in.indexOf(static_cast<char16_t>(';'), i + 1);
    if (semi > i + 1 && semi - i <= 12) {
      std::string name;
      in.tempSubString(i + 1, semi - i - 1).toUTF8String(name);
      UChar32 code = -1;
      if (name[0] == '#') {
        const bool hex = name.size() > 1 && (name[1] == 'x' || name[1] == 'X');
        const std::string digits = name.substr(hex ? 2 : 1);
        if (!digits.empty() &&
            std::all_of(digits.begin(), digits.end(), [&](char ch) { return hex ? std::isxdigit(ch) : std::isdigit(ch); })) {
          const long v = std::strtol(digits.c_str(), nullptr, hex ? 16 : 10);
          code = (v <= 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) ? 0xFFFD : static_cast<UChar32>(v);
        }
      } else {
        for (const auto& [entity, cp] : kNamed)
          if (name == entity) code = cp;
      }
      if (code >= 0) {
        out.append(code);
        i = semi + 1;
        continue;
      }
    }
    out.append(in.charAt(i));
    ++i;
  }
  return out;
}

// Decodes UTF-8 into code points; malformed bytes become U+FFFD (Python would have refused them).
std::vector<UChar32> code_points(const std::string& s) {
  std::vector<UChar32> out;
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const int32_t n = static_cast<int32_t>(s.size());
  for (int32_t i = 0; i < n;) {
    UChar32 c = 0;
    U8_NEXT(p, i, n, c);
    out.push_back(c < 0 ? 0xFFFD : c);
  }
  return out;
}

std::string utf8_of(const std::vector<UChar32>& cps, size_t begin, size_t end) {
  icu::UnicodeString u;
  for (size_t i = begin; i < end; ++i) u.append(cps[i]);
  std::string out;
  u.toUTF8String(out);
  return out;
}

std::string pair_key(const std::string& a, const std::string& b) { return a + '\x01' + b; }

}  // namespace

ClipTokenizer::ClipTokenizer(const std::filesystem::path& bpe_vocab_gz) {
  // bytes_to_unicode(): printable Latin-1 bytes stand for themselves, the rest map to 256 + n.
  std::vector<int> bs;
  for (int b = '!'; b <= '~'; ++b) bs.push_back(b);
  for (int b = 0xA1; b <= 0xAC; ++b) bs.push_back(b);
  for (int b = 0xAE; b <= 0xFF; ++b) bs.push_back(b);
  std::vector<int> cs = bs;
  int extra = 0;
  for (int b = 0; b < 256; ++b) {
    if (std::find(bs.begin(), bs.end(), b) == bs.end()) {
      bs.push_back(b);
      cs.push_back(256 + extra++);
    }
  }
  std::vector<std::string> vocab;
  vocab.reserve(kClipVocabSize);
  for (size_t k = 0; k < bs.size(); ++k) {
    byte_encoder_[bs[k]] = utf8_of(static_cast<UChar32>(cs[k]));
    byte_decoder_[byte_encoder_[bs[k]]] = static_cast<uint8_t>(bs[k]);
    vocab.push_back(byte_encoder_[bs[k]]);
  }
  for (size_t k = 0; k < bs.size(); ++k) vocab.push_back(vocab[k] + "</w>");

  const std::string text = gunzip_file(bpe_vocab_gz);
  std::istringstream lines(text);
  std::string line;
  std::getline(lines, line);  // version header
  for (int rank = 0; rank < kNumMerges; ++rank) {
    if (!std::getline(lines, line))
      throw Error(bpe_vocab_gz.string() + ": only " + std::to_string(rank) + " BPE merges, expected " +
                  std::to_string(kNumMerges));
    std::istringstream parts(line);
    std::string a, b;
    if (!(parts >> a >> b))
      throw Error(bpe_vocab_gz.string() + ": line " + std::to_string(rank + 2) + ": expected a BPE merge 'a b'");
    bpe_ranks_[pair_key(a, b)] = rank;
    vocab.push_back(a + b);
  }
  vocab.push_back("<|startoftext|>");
  vocab.push_back("<|endoftext|>");
  decoder_ = vocab;
  // Later duplicates win, as in dict(zip(vocab, range(len(vocab)))).
  for (size_t k = 0; k < vocab.size(); ++k) encoder_[vocab[k]] = static_cast<int64_t>(k);
}

std::vector<std::string> ClipTokenizer::bpe(const std::string& token) const {
  if (token == "<|startoftext|>" || token == "<|endoftext|>") return {token};
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (auto it = cache_.find(token); it != cache_.end()) return it->second;
  }
  // Split into code points; the last symbol carries the end-of-word marker.
  std::vector<std::string> word;
  const auto* p = reinterpret_cast<const uint8_t*>(token.data());
  const int32_t n = static_cast<int32_t>(token.size());
  for (int32_t i = 0; i < n;) {
    const int32_t start = i;
    U8_FWD_1(p, i, n);
    word.emplace_back(token.substr(static_cast<size_t>(start), static_cast<size_t>(i - start)));
  }
  if (word.empty()) return {};
  word.back() += "</w>";

  while (word.size() > 1) {
    int best = INT_MAX;
    size_t best_at = 0;
    for (size_t i = 0; i + 1 < word.size(); ++i) {
      auto it = bpe_ranks_.find(pair_key(word[i], word[i + 1]));
      if (it != bpe_ranks_.end() && it->second < best) {
        best = it->second;
        best_at = i;
      }
    }
    if (best == INT_MAX) break;
    const std::string first = word[best_at], second = word[best_at + 1];
    std::vector<std::string> merged;
    merged.reserve(word.size());
    for (size_t i = 0; i < word.size();) {
      if (i + 1 < word.size() && word[i] == first && word[i + 1] == second) {
        merged.push_back(first + second);
        i += 2;
      } else {
        merged.push_back(word[i]);
        ++i;
      }
    }
    word = std::move(merged);
  }
  std::lock_guard<std::mutex> lock(cache_mutex_);
  cache_.emplace(token, word);
  return word;
}

std::string ClipTokenizer::clean(const std::string& utf8_text) {
  // basic_clean: ftfy.fix_text, html.unescape twice, strip; whitespace_clean; lower().
  icu::UnicodeString u = ftfy_like(icu::UnicodeString::fromUTF8(utf8_text));
  u = html_unescape(html_unescape(u));
  icu::UnicodeString collapsed;
  bool pending_space = false;
  for (int32_t i = 0; i < u.length();) {
    const UChar32 c = u.char32At(i);
    i += U16_LENGTH(c);
    if (is_space(c)) {
      pending_space = true;
      continue;
    }
    if (pending_space && !collapsed.isEmpty()) collapsed.append(static_cast<UChar32>(' '));
    pending_space = false;
    collapsed.append(c);
  }
  collapsed.toLower(icu::Locale::getRoot());
  std::string out;
  collapsed.toUTF8String(out);
  return out;
}

std::vector<std::string> ClipTokenizer::split_words(const std::string& text) {
  // Hand-written form of the pattern
  //   <\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
  // (re.IGNORECASE; the text is already lowercase). Alternatives are tried in order at each
  // position, as Python's regex does; positions where none matches (whitespace) are skipped.
  static const char* const kSpecial[] = {"<|startoftext|>", "<|endoftext|>"};
  static const char* const kContractions[] = {"s", "t", "re", "ve", "m", "ll", "d"};
  const std::vector<UChar32> cps = code_points(text);
  std::vector<std::string> words;
  auto matches_ascii = [&](size_t at, const char* lit) {
    size_t k = 0;
    for (; lit[k]; ++k) {
      if (at + k >= cps.size()) return false;
      UChar32 c = cps[at + k];
      if (c < 128) c = std::tolower(c);
      if (c != static_cast<unsigned char>(lit[k])) return false;
    }
    return true;
  };
  for (size_t i = 0; i < cps.size();) {
    const UChar32 c = cps[i];
    bool done = false;
    for (const char* s : kSpecial) {
      if (matches_ascii(i, s)) {
        words.emplace_back(s);
        i += std::strlen(s);
        done = true;
        break;
      }
    }
    if (done) continue;
    if (c == '\'') {
      for (const char* s : kContractions) {
        if (matches_ascii(i + 1, s)) {
          const size_t len = 1 + std::strlen(s);
          words.push_back(utf8_of(cps, i, i + len));
          i += len;
          done = true;
          break;
        }
      }
      if (done) continue;
    }
    size_t j = i + 1;
    if (is_letter(c)) {
      while (j < cps.size() && is_letter(cps[j])) ++j;
    } else if (is_number(c)) {
      // one code point per number token
    } else if (!is_space(c)) {
      while (j < cps.size() && !is_space(cps[j]) && !is_letter(cps[j]) && !is_number(cps[j])) ++j;
    } else {
      i = j;
      continue;
    }
    words.push_back(utf8_of(cps, i, j));
    i = j;
  }
  return words;
}

std::vector<int64_t> ClipTokenizer::encode(const std::string& utf8_text) const {
  std::vector<int64_t> ids{kClipSot};
  for (const std::string& w : split_words(clean(utf8_text))) {
    std::string encoded;
    for (unsigned char b : w) encoded += byte_encoder_[b];
    for (const std::string& piece : bpe(encoded)) {
      auto it = encoder_.find(piece);
      if (it == encoder_.end()) throw Error("CLIP tokenizer: BPE piece '" + piece + "' is not in the vocabulary");
      ids.push_back(it->second);
    }
  }
  ids.push_back(kClipEot);
  return ids;
}

std::vector<int64_t> ClipTokenizer::tokenize(const std::string& utf8_text, int context) const {
  std::vector<int64_t> ids = encode(utf8_text);
  if (static_cast<int>(ids.size()) > context) {
    ids.resize(static_cast<size_t>(context));
    ids.back() = kClipEot;
  }
  ids.resize(static_cast<size_t>(context), 0);
  return ids;
}

std::string ClipTokenizer::decode(const std::vector<int64_t>& ids) const {
  std::string joined;
  for (int64_t id : ids) {
    if (id == kClipSot || id == kClipEot || id < 0 || id >= static_cast<int64_t>(decoder_.size())) continue;
    joined += decoder_[static_cast<size_t>(id)];
  }
  std::string bytes;
  const auto* p = reinterpret_cast<const uint8_t*>(joined.data());
  const int32_t n = static_cast<int32_t>(joined.size());
  for (int32_t i = 0; i < n;) {
    if (joined.compare(static_cast<size_t>(i), 4, "</w>") == 0) {
      bytes += ' ';
      i += 4;
      continue;
    }
    const int32_t start = i;
    U8_FWD_1(p, i, n);
    auto it = byte_decoder_.find(joined.substr(static_cast<size_t>(start), static_cast<size_t>(i - start)));
    if (it != byte_decoder_.end()) bytes += static_cast<char>(it->second);
  }
  while (!bytes.empty() && bytes.back() == ' ') bytes.pop_back();
  return bytes;
}

}  // namespace e2m::model
