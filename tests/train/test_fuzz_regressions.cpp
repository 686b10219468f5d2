// Inputs that fuzz_json_configs showed to crash or misbehave in the training run file reader; each
// must now end in an e2m::Error, as any other bad input does.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "motion/error.h"
#include "test_support.h"
#include "train/run_file.h"

using namespace e2m;

TEST_CASE("run file with a number beyond double's range is an e2m::Error") {
  // Was: nlohmann's out_of_range (406, "number overflow") escaped apply_run_file.
  const auto p = test::temp_dir("train-fuzz-regressions") / "overflow.json";
  std::ofstream(p) << R"({"kind": "vae", "train": {"lr": 1e999}})";
  train::TrainOptions o;
  REQUIRE_THROWS_AS(train::apply_run_file(p, o), e2m::Error);
  REQUIRE_THROWS_WITH(train::apply_run_file(p, o), Catch::Contains("overflow.json"));
}

TEST_CASE("run file rejects a float too large for an integer training field") {
  // Was: undefined behaviour (1e300 cast to int64_t inside nlohmann's get<int64_t>).
  train::TrainOptions o;
  for (const char* text : {R"({"kind": "vae", "train": {"steps": 1e300}})", R"({"train": {"batch": 3e9}})",
                           R"({"train": {"seed": -1.0}})", R"({"train": {"window": 64.5}})"}) {
    INFO(text);
    REQUIRE_THROWS_AS(train::apply_run_json(nlohmann::json::parse(text), o, "run.json"), e2m::Error);
  }
  // A whole number written as a float still means that number.
  train::apply_run_json(nlohmann::json::parse(R"({"kind": "vae", "train": {"steps": 2e4}})"), o, "run.json");
  REQUIRE(o.steps == 20000);
}
