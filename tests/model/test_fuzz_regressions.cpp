// Inputs that the fuzz/ targets showed to crash or misbehave in the model config, model file and
// text vocabulary readers; each must now end in an e2m::Error, as any other bad input does.
#include <torch/torch.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "model/config.h"
#include "model/model_file.h"
#include "model/text_tokenizer.h"
#include "motion/error.h"
#include "test_support.h"

using namespace e2m;
using namespace e2m::model;
namespace fs = std::filesystem;

namespace {

fs::path write_file(const std::string& name, const std::string& bytes) {
  const fs::path p = test::temp_dir("model-fuzz-regressions") / name;
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return p;
}

// An .e2mm file with the given header JSON text and weights blob.
std::string model_file(const std::string& header, const std::string& weights = "") {
  std::string out = "E2MM";
  const uint32_t version = kModelFileVersion;
  const uint64_t len = header.size(), blob = weights.size();
  out.append(reinterpret_cast<const char*>(&version), 4);
  out.append(reinterpret_cast<const char*>(&len), 8);
  out += header;
  out.append(reinterpret_cast<const char*>(&blob), 8);
  return out + weights;
}

}  // namespace

TEST_CASE("model config rejects a float too large for an integer field") {
  // Was: undefined behaviour (1e300 cast to int inside nlohmann's get<int>), found by fuzz_model_file.
  const auto j = nlohmann::json::parse(R"({"kind": "vae", "qa": {"dim": 1e300}})");
  REQUIRE_THROWS_AS(config_from_json(j), e2m::Error);
  REQUIRE_THROWS_WITH(config_from_json(j), Catch::Contains("qa.dim"));
  const fs::path p =
      write_file("huge_dim.e2mm", model_file(R"({"config": {"kind": "vae", "qa": {"dim": 1e300}}})"));
  REQUIRE_THROWS_AS(read_model_meta(p), e2m::Error);
  // A whole number written as a float still means that number; a fraction does not.
  REQUIRE(config_from_json(nlohmann::json::parse(R"({"qa": {"dim": 64.0}})")).qa.dim == 64);
  REQUIRE_THROWS_AS(config_from_json(nlohmann::json::parse(R"({"qa": {"dim": 64.5}})")), e2m::Error);
}

TEST_CASE("model config file with a number beyond double's range is an e2m::Error") {
  // Was: nlohmann's out_of_range (406, "number overflow") escaped load_config_file.
  const fs::path p = write_file("overflow.json", R"({"qa": {"dim": 1e999}})");
  REQUIRE_THROWS_AS(load_config_file(p), e2m::Error);
  REQUIRE_THROWS_WITH(load_config_file(p), Catch::Contains("overflow.json"));
}

TEST_CASE("text vocabulary with a wrongly typed type or version is an e2m::Error") {
  // Was: nlohmann's type_error escaped from_json ({"type": 1}, {"version": "1"}), and a version of
  // 1e300 was cast to int (undefined behaviour); found by fuzz_text_tokenizer.
  for (const char* text : {R"({"type": 1})", R"({"type": "bpe", "version": "1"})",
                           R"({"type": "bpe", "version": 1e300, "symbols": [], "merges": []})", R"([])"}) {
    INFO(text);
    REQUIRE_THROWS_AS(TextTokenizer::from_json(nlohmann::json::parse(text)), e2m::Error);
  }
  const auto ok = nlohmann::json::parse(R"({"type": "bpe", "version": 1, "symbols": ["a"], "merges": []})");
  REQUIRE(TextTokenizer::from_json(ok).vocab_size() == kTextFirstSymbol + 1);
}

TEST_CASE("model weights whose archive names a malformed type are an e2m::Error") {
  // Was: torch::jit::ErrorReport ("expected ] but found 'eof'") escaped load_weights. fuzz_model_file
  // changed one byte of a valid archive: the pickle's class "__torch__.Module" became "__torch[_.Module".
  torch::nn::Linear module(2, 2);
  torch::serialize::OutputArchive archive;
  archive.write("weight", module->weight.detach());
  archive.write("bias", module->bias.detach());
  std::ostringstream blob;
  archive.save_to(blob);
  std::string weights = blob.str();
  const std::string header = R"({"config": {"kind": "vae"}})";
  const fs::path good = write_file("linear.e2mm", model_file(header, weights));
  load_weights(good, ModelKind::Vae, *module);  // the undamaged file loads

  const size_t at = weights.find("c__torch__\nModule");
  REQUIRE(at != std::string::npos);
  weights[at + 8] = '[';
  const fs::path bad = write_file("damaged_type.e2mm", model_file(header, weights));
  REQUIRE_THROWS_AS(load_weights(bad, ModelKind::Vae, *module), e2m::Error);
  REQUIRE_THROWS_WITH(load_weights(bad, ModelKind::Vae, *module), Catch::Contains("corrupt weights"));
}
