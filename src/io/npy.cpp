// .npy reading and writing: a small parser for the header's Python dict literal, strict size checks.
#include "io/npy.h"

#include <bit>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

#include "io/json_util.h"
#include "motion/error.h"

namespace e2m::io {

static_assert(std::endian::native == std::endian::little, "npy I/O assumes a little-endian host");

namespace {

constexpr std::string_view kMagic = "\x93NUMPY";

struct Header {
  std::string descr;
  bool fortran_order = false;
  std::vector<size_t> shape;
  bool has_descr = false, has_order = false, has_shape = false;
};

// Parses the header dict: {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
class DictParser {
 public:
  DictParser(std::string_view s, const std::string& name) : s_(s), name_(name) {}

  Header parse() {
    Header h;
    skip();
    expect('{');
    while (true) {
      skip();
      if (peek() == '}') break;
      std::string key = string_literal();
      skip();
      expect(':');
      skip();
      if (key == "descr") {
        h.descr = string_literal();
        h.has_descr = true;
      } else if (key == "fortran_order") {
        h.fortran_order = boolean();
        h.has_order = true;
      } else if (key == "shape") {
        h.shape = tuple();
        h.has_shape = true;
      } else {
        fail("unknown header key '" + key + "'");
      }
      skip();
      if (peek() == ',') {
        ++p_;
        continue;
      }
      skip();
      if (peek() != '}') fail("expected ',' or '}' in the header dict");
    }
    ++p_;
    return h;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(name_ + ": bad .npy header (" + what + " at header byte " + std::to_string(p_) + ")");
  }
  char peek() const { return p_ < s_.size() ? s_[p_] : '\0'; }
  void skip() {
    while (p_ < s_.size() && (s_[p_] == ' ' || s_[p_] == '\t' || s_[p_] == '\n' || s_[p_] == '\r')) ++p_;
  }
  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++p_;
  }
  std::string string_literal() {
    char q = peek();
    if (q != '\'' && q != '"') fail("expected a quoted string");
    ++p_;
    size_t start = p_;
    while (p_ < s_.size() && s_[p_] != q) ++p_;
    if (p_ >= s_.size()) fail("unterminated string");
    std::string out(s_.substr(start, p_ - start));
    ++p_;
    return out;
  }
  bool boolean() {
    if (s_.substr(p_, 4) == "True") {
      p_ += 4;
      return true;
    }
    if (s_.substr(p_, 5) == "False") {
      p_ += 5;
      return false;
    }
    fail("expected True or False");
  }
  std::vector<size_t> tuple() {
    std::vector<size_t> out;
    expect('(');
    while (true) {
      skip();
      if (peek() == ')') break;
      if (peek() < '0' || peek() > '9') fail("expected a non-negative integer in the shape");
      uint64_t v = 0;
      while (peek() >= '0' && peek() <= '9') {
        v = v * 10 + static_cast<uint64_t>(peek() - '0');
        if (v > kNpyMaxElements) fail("shape dimension too large");
        ++p_;
      }
      if (peek() == 'L') ++p_;  // Python 2 long suffix
      out.push_back(static_cast<size_t>(v));
      if (out.size() > 32) fail("more than 32 dimensions");
      skip();
      if (peek() == ',') {
        ++p_;
        continue;
      }
      skip();
      if (peek() != ')') fail("expected ',' or ')' in the shape");
    }
    ++p_;
    return out;
  }

  std::string_view s_;
  const std::string& name_;
  size_t p_ = 0;
};

template <typename T>
NpyArray<T> parse_impl(std::string_view b, const std::string& name) {
  if (b.size() < 10 || b.substr(0, 6) != kMagic) throw Error(name + ": not a .npy file (bad magic bytes)");
  const auto major = static_cast<uint8_t>(b[6]);
  size_t header_len = 0, header_start = 0;
  if (major == 1) {
    header_len = static_cast<uint8_t>(b[8]) | (static_cast<size_t>(static_cast<uint8_t>(b[9])) << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (b.size() < 12) throw Error(name + ": truncated .npy header");
    for (int i = 3; i >= 0; --i) header_len = (header_len << 8) | static_cast<uint8_t>(b[8 + i]);
    header_start = 12;
  } else {
    throw Error(name + ": unsupported .npy format version " + std::to_string(major));
  }
  if (header_len > b.size() - header_start)
    throw Error(name + ": truncated .npy header (" + std::to_string(header_len) + " header bytes declared, " +
                std::to_string(b.size() - header_start) + " present)");
  Header h = DictParser(b.substr(header_start, header_len), name).parse();
  if (!h.has_descr || !h.has_order || !h.has_shape)
    throw Error(name + ": bad .npy header (needs 'descr', 'fortran_order' and 'shape')");
  if (h.fortran_order) throw Error(name + ": fortran_order arrays are not supported (save with C order)");

  const std::string& d = h.descr;
  if (d.size() < 3) throw Error(name + ": unsupported dtype '" + d + "'");
  const char endian = d[0];
  const std::string code = d.substr(1);
  size_t item = 0;
  if (code == "f4" || code == "i4")
    item = 4;
  else if (code == "f8" || code == "i8")
    item = 8;
  else if (code == "u1")
    item = 1;
  if (item == 0 || (endian != '<' && endian != '|' && endian != '=' && endian != '>'))
    throw Error(name + ": unsupported dtype '" + d + "' (expected float32, float64, int32, int64 or uint8)");
  if (endian == '>' && item > 1) throw Error(name + ": big-endian dtype '" + d + "' is not supported");

  NpyArray<T> out;
  out.shape = h.shape;
  out.dtype = d;
  size_t n = 1;
  for (size_t dim : h.shape) {
    if (dim != 0 && n > kNpyMaxElements / dim)
      throw Error(name + ": absurd .npy shape (more than 2^32 elements)");
    n *= dim;
  }
  const size_t data_start = header_start + header_len;
  const size_t avail = b.size() - data_start;
  if (avail < n * item)
    throw Error(name + ": truncated .npy data (" + std::to_string(n * item) + " bytes expected, " +
                std::to_string(avail) + " present)");
  if (avail > n * item)
    throw Error(name + ": " + std::to_string(avail - n * item) + " unexpected bytes after the .npy data");
  out.data.resize(n);
  const char* p = b.data() + data_start;
  for (size_t i = 0; i < n; ++i, p += item) {
    if (code == "f4") {
      float v;
      std::memcpy(&v, p, 4);
      out.data[i] = static_cast<T>(v);
    } else if (code == "f8") {
      double v;
      std::memcpy(&v, p, 8);
      out.data[i] = static_cast<T>(v);
    } else if (code == "i4") {
      int32_t v;
      std::memcpy(&v, p, 4);
      out.data[i] = static_cast<T>(v);
    } else if (code == "i8") {
      int64_t v;
      std::memcpy(&v, p, 8);
      out.data[i] = static_cast<T>(v);
    } else {
      out.data[i] = static_cast<T>(static_cast<uint8_t>(*p));
    }
  }
  return out;
}

template <typename T>
std::string format_impl(const std::vector<size_t>& shape, const std::vector<T>& data, const char* descr) {
  size_t n = 1;
  for (size_t d : shape) n *= d;
  if (n != data.size())
    throw Error("format_npy: " + std::to_string(data.size()) + " values do not fill shape of " +
                std::to_string(n));
  std::string dict = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (";
  if (shape.size() == 1) {
    dict += std::to_string(shape[0]) + ",";  // Python's one-element tuple
  } else {
    for (size_t i = 0; i < shape.size(); ++i) dict += (i ? ", " : "") + std::to_string(shape[i]);
  }
  dict += "), }";
  // Pad with spaces so that magic + length + dict + '\n' is a multiple of 64 (numpy's alignment).
  size_t total = 10 + dict.size() + 1;
  size_t padded = (total + 63) / 64 * 64;
  dict.append(padded - total, ' ');
  dict += '\n';
  if (dict.size() > 65535) throw Error("format_npy: header too long");
  std::string out(kMagic);
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(dict.size() & 0xff);
  out += static_cast<char>(dict.size() >> 8);
  out += dict;
  const size_t start = out.size();
  out.resize(start + data.size() * sizeof(T));
  if (!data.empty()) std::memcpy(out.data() + start, data.data(), data.size() * sizeof(T));
  return out;
}

void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw Error(path.string() + ": cannot open for writing");
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw Error(path.string() + ": write failed");
}

}  // namespace

NpyArray<double> parse_npy(std::string_view bytes, const std::string& name) {
  return parse_impl<double>(bytes, name);
}
NpyArray<float> parse_npy_float(std::string_view bytes, const std::string& name) {
  return parse_impl<float>(bytes, name);
}
NpyArray<double> read_npy(const std::filesystem::path& path) {
  return parse_npy(read_bytes(path), path.string());
}
NpyArray<float> read_npy_float(const std::filesystem::path& path) {
  return parse_npy_float(read_bytes(path), path.string());
}

std::string format_npy(const std::vector<size_t>& shape, const std::vector<float>& data) {
  return format_impl(shape, data, "<f4");
}
std::string format_npy(const std::vector<size_t>& shape, const std::vector<double>& data) {
  return format_impl(shape, data, "<f8");
}
void write_npy(const std::filesystem::path& path, const std::vector<size_t>& shape,
               const std::vector<float>& data) {
  write_bytes(path, format_npy(shape, data));
}
void write_npy(const std::filesystem::path& path, const std::vector<size_t>& shape,
               const std::vector<double>& data) {
  write_bytes(path, format_npy(shape, data));
}

}  // namespace e2m::io
