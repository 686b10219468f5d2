// JSON files (plain or gzip) through nlohmann::json, with errors as "file:line:col: what", and
// field accessors whose errors name the file and field ("config.json: field 'fps' must be a number").
#pragma once
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace e2m::io {

using Json = nlohmann::json;

// Largest decompressed size accepted from a .gz file (guards against corrupt length fields and bombs).
inline constexpr size_t kMaxDecompressedBytes = size_t{1} << 31;

// The file's bytes; gunzipped when they start with the gzip magic (whatever the extension).
// A truncated or corrupt gzip stream throws e2m::Error naming the file.
// The whole file as bytes; throws e2m::Error naming the file when it cannot be read.
std::string read_bytes(const std::filesystem::path& path);
std::string read_file_maybe_gz(const std::filesystem::path& path);
// Gunzip bytes in memory; `name` is used in error messages.
std::string gunzip(std::string_view bytes, const std::string& name);
// Gzip bytes in memory (for writing .gz files).
std::string gzip(std::string_view bytes);

// Parse JSON text; syntax errors become "name:line:col: <what nlohmann says>".
Json parse_json(std::string_view text, const std::string& name);
Json read_json(const std::filesystem::path& path);
// Write pretty-printed JSON (indent 2), plain text.
void write_json(const Json& j, const std::filesystem::path& path);

// Field accessors. `where` names the object in errors: the file name, optionally with a path
// ("config.json" or "config.json: 'model'"). Missing fields and wrong types throw e2m::Error.
const Json& require_field(const Json& obj, std::string_view key, const std::string& where);
double require_number(const Json& obj, std::string_view key, const std::string& where);
int64_t require_int(const Json& obj, std::string_view key, const std::string& where);
bool require_bool(const Json& obj, std::string_view key, const std::string& where);
std::string require_string(const Json& obj, std::string_view key, const std::string& where);
const Json& require_array(const Json& obj, std::string_view key, const std::string& where);
const Json& require_object(const Json& obj, std::string_view key, const std::string& where);
// Optional fields: the default when absent (or null), an error when present with the wrong type.
double get_number(const Json& obj, std::string_view key, double fallback, const std::string& where);
int64_t get_int(const Json& obj, std::string_view key, int64_t fallback, const std::string& where);
bool get_bool(const Json& obj, std::string_view key, bool fallback, const std::string& where);
std::string get_string(const Json& obj, std::string_view key, const std::string& fallback,
                       const std::string& where);

}  // namespace e2m::io
