// Inputs that fuzz/ targets (or review of their reports) showed to crash or misbehave in the io
// readers; each must now end in an e2m::Error, as any other bad input does.
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "io/bvh.h"
#include "io/dataset_cache.h"
#include "io/importers.h"
#include "io/json_util.h"
#include "motion/error.h"
#include "test_support.h"

using namespace e2m;
namespace fs = std::filesystem;

namespace {

void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A valid one-clip, one-frame cache written by write_dataset, with its JSON clip table changed by
// `tweak` and the header length and padding recomputed, so only the table lies.
std::string cache_with(const std::function<void(nlohmann::json&)>& tweak) {
  const fs::path dir = test::temp_dir("fuzz-regressions");
  io::Dataset ds;
  ds.name = "bvh";
  ds.clips = {motion::Clip::rest(1)};
  ds.clips[0].meta.name = "walk_01";
  ds.split = {io::Split::Train};
  io::write_dataset(ds, dir / "valid.e2md");
  const std::string bytes = test::read_file(dir / "valid.e2md");
  uint64_t len = 0;
  std::memcpy(&len, bytes.data() + 8, 8);
  nlohmann::json table = nlohmann::json::parse(bytes.substr(16, len));
  const std::string block = bytes.substr((16 + len + 15) / 16 * 16);
  tweak(table);
  const std::string text = table.dump();
  std::string out = bytes.substr(0, 8);
  const uint64_t new_len = text.size();
  out.append(reinterpret_cast<const char*>(&new_len), 8);
  out += text;
  out.append((out.size() + 15) / 16 * 16 - out.size(), '\0');
  return out + block;
}

// Both readers must refuse the file with an e2m::Error naming the problem.
void require_rejected(const std::string& bytes, const std::string& part) {
  const fs::path path = test::temp_dir("fuzz-regressions") / "bad.e2md";
  write_file(path, bytes);
  REQUIRE_THROWS_AS(io::read_dataset(path), e2m::Error);
  REQUIRE_THROWS_WITH(io::read_dataset(path), Catch::Contains(part));
  REQUIRE_THROWS_AS(io::read_dataset_index(path), e2m::Error);
}

}  // namespace

TEST_CASE("dataset cache: the unmodified regression file reads back") {
  const fs::path path = test::temp_dir("fuzz-regressions") / "same.e2md";
  write_file(path, cache_with([](nlohmann::json&) {}));
  REQUIRE(io::read_dataset(path).clips.at(0).frames() == 1);
}

TEST_CASE("dataset cache rejects an 'audio_base' that is not a string instead of leaking a JSON exception") {
  // Was: nlohmann::json::type_error escaped read_dataset (value() with a number).
  require_rejected(cache_with([](nlohmann::json& t) { t["audio_base"] = 5; }), "audio_base");
}

TEST_CASE("dataset cache rejects a float where an integer field belongs") {
  // Was: undefined behaviour (1e300 cast to int inside nlohmann's get<int>).
  require_rejected(cache_with([](nlohmann::json& t) { t["clips"][0]["split"] = 1e300; }), "split");
  require_rejected(cache_with([](nlohmann::json& t) { t["clips"][0]["frames"] = 1.5; }), "frames");
  require_rejected(cache_with([](nlohmann::json& t) { t["array_floats"] = -1.0; }), "array_floats");
}

TEST_CASE("dataset cache rejects a frame count whose size in floats wraps around 64 bits") {
  // 3243383573399481603 x 91 floats is 17 modulo 2^64, so the old bounds check passed; the count
  // then became 47197443 frames as an int: a 33 GB allocation and reads past the array block.
  require_rejected(cache_with([](nlohmann::json& t) { t["clips"][0]["frames"] = 3243383573399481603LL; }),
                   "frame count");
  // ceil(2^64 / 91): wraps to 75 floats and casts to a negative int (std::length_error escaped).
  require_rejected(cache_with([](nlohmann::json& t) { t["clips"][0]["frames"] = 202711473337467601LL; }),
                   "frame count");
}

TEST_CASE("dataset cache rejects an array size whose byte count wraps around 64 bits") {
  // array_floats + 2^62 needs the same file size modulo 2^64; the reader then asked for a vector
  // of 2^62 floats (std::length_error escaped).
  require_rejected(cache_with([](nlohmann::json& t) {
                     t["array_floats"] = t["array_floats"].get<uint64_t>() + (uint64_t{1} << 62);
                   }),
                   "truncated dataset cache");
}

TEST_CASE("parse_json reports a number beyond double's range as an e2m::Error") {
  // Was: nlohmann's out_of_range (406, "number overflow") escaped every reader built on parse_json;
  // found by fuzz_text_tokenizer and fuzz_json_configs, and reached presets and labels files too.
  REQUIRE_THROWS_AS(io::parse_json(R"({"port": 1e999})", "preset.json"), e2m::Error);
  REQUIRE_THROWS_WITH(io::parse_json("[-22e222222]", "preset.json"),
                      Catch::Contains("preset.json: number overflow"));
}

TEST_CASE("BVH folder import with a labels.json holding a number beyond double's range is an e2m::Error") {
  const fs::path dir = test::temp_dir("fuzz-regressions-labels");
  io::write_bvh(io::clip_to_bvh(motion::Clip::rest(2)), dir / "walk.bvh");
  write_file(dir / "labels.json", R"({"walk.bvh": {"content": "walk", "audio_offset": 1e999}})");
  REQUIRE_THROWS_AS(io::import_bvh_folder(dir), e2m::Error);
}
