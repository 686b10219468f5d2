// JSON reading with located errors, gzip through zlib, and typed field accessors.
#include "io/json_util.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "motion/error.h"

namespace e2m::io {

namespace {

bool is_gzip(std::string_view b) {
  return b.size() >= 2 && static_cast<unsigned char>(b[0]) == 0x1f &&
         static_cast<unsigned char>(b[1]) == 0x8b;
}

const char* type_word(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::object:
      return "an object";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "an integer";
    case Json::value_t::number_float:
      return "a number";
    default:
      return "something else";
  }
}

[[noreturn]] void wrong_type(const Json& v, std::string_view key, const std::string& where,
                             const char* expected) {
  throw Error(where + ": field '" + std::string(key) + "' must be " + expected + " (got " + type_word(v) +
              ")");
}

// The field when present and not null, else nullptr.
const Json* find_field(const Json& obj, std::string_view key, const std::string& where) {
  if (!obj.is_object()) throw Error(where + ": expected a JSON object (got " + type_word(obj) + ")");
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

double as_number(const Json& v, std::string_view key, const std::string& where) {
  if (!v.is_number()) wrong_type(v, key, where, "a number");
  double d = v.get<double>();
  if (!std::isfinite(d)) wrong_type(v, key, where, "a finite number");
  return d;
}

int64_t as_int(const Json& v, std::string_view key, const std::string& where) {
  if (v.is_number_unsigned()) {
    if (v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
      wrong_type(v, key, where, "an integer in range");
    return static_cast<int64_t>(v.get<uint64_t>());
  }
  if (v.is_number_integer()) return v.get<int64_t>();
  // 3.0 in a hand-written config means 3.
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::abs(d) < 9.0e15) return static_cast<int64_t>(d);
  }
  wrong_type(v, key, where, "an integer");
}

}  // namespace

std::string gunzip(std::string_view bytes, const std::string& name) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) throw Error(name + ": zlib initialisation failed");
  std::string out;
  char buf[1 << 16];
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  zs.avail_in = static_cast<uInt>(std::min<size_t>(bytes.size(), UINT32_MAX));
  int rc = Z_OK;
  while (true) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof buf - zs.avail_out);
    if (out.size() > kMaxDecompressedBytes) {
      inflateEnd(&zs);
      throw Error(name + ": decompressed size exceeds " + std::to_string(kMaxDecompressedBytes) + " bytes");
    }
    if (rc == Z_STREAM_END) {
      // Concatenated gzip members are legal; go on while input remains.
      if (zs.avail_in == 0) break;
      inflateReset(&zs);
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
      inflateEnd(&zs);
      throw Error(name + ": truncated gzip stream (ends after " + std::to_string(out.size()) +
                  " decompressed bytes)");
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      std::string msg = zs.msg ? zs.msg : "error " + std::to_string(rc);
      inflateEnd(&zs);
      throw Error(name + ": corrupt gzip data (" + msg + ")");
    }
  }
  inflateEnd(&zs);
  return out;
}

std::string gzip(std::string_view bytes) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw Error("gzip: zlib initialisation failed");
  std::string out(deflateBound(&zs, static_cast<uLong>(bytes.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  zs.avail_in = static_cast<uInt>(bytes.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw Error("gzip: compression failed");
  return out;
}

std::string read_file_maybe_gz(const std::filesystem::path& path) {
  std::string b = read_bytes(path);
  if (is_gzip(b)) return gunzip(b, path.string());
  return b;
}

Json parse_json(std::string_view text, const std::string& name) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    // e.byte counts the bytes read, so the offending character is at byte - 1.
    size_t pos = e.byte > 0 ? std::min<size_t>(e.byte - 1, text.size()) : 0;
    size_t line = 1 + static_cast<size_t>(
                          std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(pos), '\n'));
    size_t last_nl = text.rfind('\n', pos == 0 ? std::string_view::npos : pos - 1);
    if (pos == 0) last_nl = std::string_view::npos;
    size_t col = last_nl == std::string_view::npos ? pos + 1 : pos - last_nl;
    // Keep nlohmann's description, drop its "[json.exception...] parse error at line x, column y: " prefix.
    std::string what = e.what();
    size_t p = what.find("parse error");
    if (p != std::string::npos) {
      size_t colon = what.find(": ", p);
      if (colon != std::string::npos) what = what.substr(colon + 2);
    }
    throw Error(name + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " + what);
  } catch (const Json::out_of_range& e) {
    // A number beyond double's range ("1e999") is nlohmann's out_of_range, not a parse_error.
    const std::string what = e.what();  // "[json.exception.out_of_range.406] number overflow ..."
    const size_t p = what.find("] ");
    throw Error(name + ": " + (p == std::string::npos ? what : what.substr(p + 2)));
  }
}

Json read_json(const std::filesystem::path& path) {
  return parse_json(read_file_maybe_gz(path), path.string());
}

void write_json(const Json& j, const std::filesystem::path& path) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw Error(path.string() + ": cannot open for writing");
  out << j.dump(2) << '\n';
  if (!out) throw Error(path.string() + ": write failed");
}

const Json& require_field(const Json& obj, std::string_view key, const std::string& where) {
  const Json* v = find_field(obj, key, where);
  if (!v) throw Error(where + ": missing required field '" + std::string(key) + "'");
  return *v;
}

double require_number(const Json& obj, std::string_view key, const std::string& where) {
  return as_number(require_field(obj, key, where), key, where);
}

int64_t require_int(const Json& obj, std::string_view key, const std::string& where) {
  return as_int(require_field(obj, key, where), key, where);
}

bool require_bool(const Json& obj, std::string_view key, const std::string& where) {
  const Json& v = require_field(obj, key, where);
  if (!v.is_boolean()) wrong_type(v, key, where, "true or false");
  return v.get<bool>();
}

std::string require_string(const Json& obj, std::string_view key, const std::string& where) {
  const Json& v = require_field(obj, key, where);
  if (!v.is_string()) wrong_type(v, key, where, "a string");
  return v.get<std::string>();
}

const Json& require_array(const Json& obj, std::string_view key, const std::string& where) {
  const Json& v = require_field(obj, key, where);
  if (!v.is_array()) wrong_type(v, key, where, "an array");
  return v;
}

const Json& require_object(const Json& obj, std::string_view key, const std::string& where) {
  const Json& v = require_field(obj, key, where);
  if (!v.is_object()) wrong_type(v, key, where, "an object");
  return v;
}

double get_number(const Json& obj, std::string_view key, double fallback, const std::string& where) {
  const Json* v = find_field(obj, key, where);
  return v ? as_number(*v, key, where) : fallback;
}

int64_t get_int(const Json& obj, std::string_view key, int64_t fallback, const std::string& where) {
  const Json* v = find_field(obj, key, where);
  return v ? as_int(*v, key, where) : fallback;
}

bool get_bool(const Json& obj, std::string_view key, bool fallback, const std::string& where) {
  const Json* v = find_field(obj, key, where);
  if (!v) return fallback;
  if (!v->is_boolean()) wrong_type(*v, key, where, "true or false");
  return v->get<bool>();
}

std::string get_string(const Json& obj, std::string_view key, const std::string& fallback,
                       const std::string& where) {
  const Json* v = find_field(obj, key, where);
  if (!v) return fallback;
  if (!v->is_string()) wrong_type(*v, key, where, "a string");
  return v->get<std::string>();
}

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string() + ": cannot open");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw Error(path.string() + ": read error");
  return ss.str();
}

}  // namespace e2m::io
