// Malformed BVH, .npy and JSON input: each case must end in an e2m::Error naming the problem.
#include <catch2/catch.hpp>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "io/bvh.h"
#include "io/json_util.h"
#include "io/npy.h"
#include "motion/error.h"
#include "test_support.h"

using namespace e2m;

// Throws e2m::Error (not anything else) and the message contains `part`.
#define REQUIRE_E2M_ERROR(expr, part)                 \
  do {                                                \
    REQUIRE_THROWS_AS(expr, e2m::Error);              \
    REQUIRE_THROWS_WITH(expr, Catch::Contains(part)); \
  } while (0)

namespace {

// A valid two-joint file; the tests below break it one way at a time.
const std::string kGood =
    "HIERARCHY\n"                                                                 // 1
    "ROOT Hips\n"                                                                 // 2
    "{\n"                                                                         // 3
    "\tOFFSET 0 90 0\n"                                                           // 4
    "\tCHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation\n"  // 5
    "\tJOINT Chest\n"                                                             // 6
    "\t{\n"                                                                       // 7
    "\t\tOFFSET 0 10 0\n"                                                         // 8
    "\t\tCHANNELS 3 Zrotation Xrotation Yrotation\n"                              // 9
    "\t\tEnd Site\n"                                                              // 10
    "\t\t{\n"                                                                     // 11
    "\t\t\tOFFSET 0 5 0\n"                                                        // 12
    "\t\t}\n"                                                                     // 13
    "\t}\n"                                                                       // 14
    "}\n"                                                                         // 15
    "MOTION\n"                                                                    // 16
    "Frames: 2\n"                                                                 // 17
    "Frame Time: 0.0333333\n"                                                     // 18
    "0 90 0 1 2 3 4 5 6\n"                                                        // 19
    "1 91 1 1 2 3 4 5 6\n";                                                       // 20

std::string replace(std::string s, const std::string& from, const std::string& to) {
  auto p = s.find(from);
  REQUIRE(p != std::string::npos);
  return s.replace(p, from.size(), to);
}

io::Bvh parse(const std::string& text) { return io::parse_bvh(text, "clip.bvh"); }

// One way to break kGood: its first `from` becomes `to`, and the error message must contain `part`.
struct Damage {
  std::string from, to, part;
};

// Each damage, applied to kGood on its own, must fail with an e2m::Error naming the problem.
void require_each_fails(const std::vector<Damage>& damages) {
  for (const auto& d : damages) {
    INFO("replacing '" << d.from << "' with '" << d.to << "'");
    REQUIRE_E2M_ERROR(parse(replace(kGood, d.from, d.to)), d.part);
  }
}

std::string npy(const std::string& dict, const std::string& payload) {
  std::string d = dict;
  while ((10 + d.size() + 1) % 64) d += ' ';
  d += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(d.size() & 0xff);
  out += static_cast<char>(d.size() >> 8);
  return out + d + payload;
}

const std::string kF4 = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }";

}  // namespace

TEST_CASE("the unbroken malformed-test fixture parses") {
  io::Bvh b = parse(kGood);
  CHECK(b.frames == 2);
  CHECK(b.num_channels() == 9);
}

TEST_CASE("bvh: empty file and binary garbage") {
  REQUIRE_E2M_ERROR(parse(""), "clip.bvh: file is empty");
  REQUIRE_E2M_ERROR(parse("  \n\t\n"), "file is empty");
  std::string garbage;
  std::mt19937 rng(5);
  for (int i = 0; i < 4096; ++i) garbage += static_cast<char>(rng() & 0xff);
  garbage[0] = '\x7f';
  REQUIRE_E2M_ERROR(parse(garbage), "clip.bvh:1: expected 'HIERARCHY'");
}

TEST_CASE("bvh: truncated hierarchy and missing braces") {
  REQUIRE_E2M_ERROR(parse(kGood.substr(0, kGood.find("\t}\n}\n"))), "file ends inside the hierarchy");
  require_each_fails({
      {"\t{\n\t\tOFFSET 0 10 0", "\t\tOFFSET 0 10 0", "clip.bvh:7: expected '{' after joint name 'Chest'"},
      {"{\n\tOFFSET 0 90 0", "{\n\tCHANNELS 0\n\tOFFSET 0 90 0", "clip.bvh:4: expected 'OFFSET' after '{'"},
      {"\t}\n}\nMOTION", "\t}\nMOTION", "clip.bvh:15: 'MOTION' inside the hierarchy"},
      {"}\nMOTION", "}\n}\nMOTION", "clip.bvh:16: expected 'MOTION' or 'ROOT'"},
  });
}

TEST_CASE("bvh: bad channels") {
  require_each_fails({
      {"Zrotation Xrotation Yrotation\n\t\tEnd", "Zrotation Wrotation Yrotation\n\t\tEnd",
       "clip.bvh:9: unknown channel name 'Wrotation'"},
      {"CHANNELS 3", "CHANNELS 4", "clip.bvh:9: CHANNELS 4 of 'Chest' lists 3 channel names"},
      {"CHANNELS 3", "CHANNELS 7", "expected a channel count from 0 to 6"},
      {"CHANNELS 3 Zrotation Xrotation", "CHANNELS 3 Zrotation Zrotation", "listed twice"},
  });
}

TEST_CASE("bvh: joints without names, duplicate names, End Site without OFFSET") {
  require_each_fails({
      {"JOINT Chest", "JOINT", "clip.bvh:6: expected a joint name after 'JOINT'"},
      {"JOINT Chest", "JOINT Hips", "duplicate joint name 'Hips'"},
      {"\t\t\tOFFSET 0 5 0\n", "", "End Site of 'Chest': expected 'OFFSET'"},
      {"OFFSET 0 10 0", "OFFSET 0 10", "OFFSET of 'Chest' needs 3 numbers"},
      {"OFFSET 0 10 0", "OFFSET 0 ten 0", "expected a number, got 'ten'"},
  });
}

TEST_CASE("bvh: frame rows with too few, too many or bad values") {
  require_each_fails({
      {"1 91 1 1 2 3 4 5 6", "1 91 1 1 2 3 4 5", "clip.bvh:20: frame 1 has 8 values, expected 9"},
      {"1 91 1 1 2 3 4 5 6", "1 91 1 1 2 3 4 5 6 7", "clip.bvh:20: frame 1 has 10 values, expected 9"},
      {"0 90 0 1 2 3", "0 90 0 1 x2 3", "clip.bvh:19: frame 0 value 4: expected a number, got 'x2'"},
      {"0 90 0 1 2 3", "0 90 0 nan 2 3", "frame 0 value 3 is not a finite number"},
      {"0 90 0 1 2 3", "0 90 0 inf 2 3", "is not a finite number"},
      {"0 90 0 1 2 3", "0 90 0 1e400 2 3", "expected a number, got '1e400'"},
      {"0 90 0 1 2 3", "0 90 0 1 2e12 3", "frame 0 value 4 is not a finite number within +-1e9"},
  });
}

TEST_CASE("bvh: MOTION header problems") {
  REQUIRE_E2M_ERROR(parse(kGood.substr(0, kGood.find("MOTION"))), "missing 'MOTION' section");
  require_each_fails({
      {"Frames: 2", "Frames: 3", "file ends after 2 frame rows, but 'Frames:' says 3"},
      {"Frames: 2", "Frames: 1", "clip.bvh:20: more frame rows than 'Frames: 1'"},
      {"Frames: 2", "Frames: -4", "clip.bvh:17: frame count '-4' must be a whole number"},
      {"Frames: 2", "Frames: 2.5", "frame count '2.5' must be a whole number"},
      {"Frames: 2", "Frames: 99999999999", "must be a whole number"},
      {"Frames: 2", "Frames: two", "clip.bvh:17: expected a frame count"},
      {"Frame Time: 0.0333333", "Frame Time: 0", "clip.bvh:18: Frame Time '0' must be a positive"},
      {"Frame Time: 0.0333333", "Frame Time: -0.1", "must be a positive"},
      {"Frame Time: 0.0333333", "Frame Time: nan", "must be a positive"},
      {"Frame Time: 0.0333333\n", "", "expected 'Frame Time:'"},
  });
}

TEST_CASE("bvh: every truncation of a valid file fails cleanly or parses") {
  // Cutting the file anywhere must never crash; cuts inside the last row are caught too.
  for (size_t n = 0; n < kGood.size(); ++n) {
    std::string cut = kGood.substr(0, n);
    try {
      io::Bvh b = parse(cut);
      // Only a cut right after a complete final row (with or without its newline) can parse.
      CHECK(n >= kGood.size() - 1);
      (void)b;
    } catch (const Error& e) {
      CHECK(std::string(e.what()).rfind("clip.bvh", 0) == 0);
    }
  }
}

TEST_CASE("bvh: absurd joint counts and missing files") {
  std::string deep = "HIERARCHY\nROOT j0\n{\nOFFSET 0 0 0\n";
  for (int i = 1; i <= io::kBvhMaxJoints; ++i) deep += "JOINT j" + std::to_string(i) + "\n{\nOFFSET 0 0 0\n";
  REQUIRE_E2M_ERROR(parse(deep), "more than 4096 joints");
  REQUIRE_E2M_ERROR(io::read_bvh(test::temp_dir("malformed") / "does-not-exist.bvh"), "cannot open BVH file");
}

TEST_CASE("npy: bad magic, truncation, fortran order, dtype, header garbage") {
  std::string data(16, '\0');
  REQUIRE_E2M_ERROR(io::parse_npy("PK\x03\x04 not numpy at all", "a.npy"),
                    "a.npy: not a .npy file (bad magic bytes)");
  REQUIRE_E2M_ERROR(io::parse_npy(npy(kF4, data.substr(0, 12)), "a.npy"),
                    "a.npy: truncated .npy data (16 bytes expected, 12 present)");
  REQUIRE_E2M_ERROR(io::parse_npy(npy(kF4, data + "xx"), "a.npy"), "2 unexpected bytes after the .npy data");
  // A file of 16 zero bytes behind a header with this dict.
  auto with_header = [&](const std::string& dict) { return io::parse_npy(npy(dict, data), "a.npy"); };
  REQUIRE_E2M_ERROR(with_header("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }"),
                    "fortran_order arrays are not supported");
  REQUIRE_E2M_ERROR(with_header("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }"),
                    "unsupported dtype '<c16'");
  REQUIRE_E2M_ERROR(with_header("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }"),
                    "big-endian dtype '>f4'");
  REQUIRE_E2M_ERROR(with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }"),
                    "a.npy: bad .npy header");
  REQUIRE_E2M_ERROR(with_header("\x01\x02garbage"), "bad .npy header (expected '{'");
  REQUIRE_E2M_ERROR(with_header("{'descr': '<f4', 'shape': (2, 2), }"),
                    "needs 'descr', 'fortran_order' and 'shape'");
  REQUIRE_E2M_ERROR(with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967297, 2), }"),
                    "shape dimension too large");
  REQUIRE_E2M_ERROR(with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (65536, 65536, 2), }"),
                    "absurd .npy shape");
  std::string good = npy(kF4, data);
  REQUIRE_E2M_ERROR(io::parse_npy(good.substr(0, 40), "a.npy"), "truncated .npy header");
  std::string v9 = good;
  v9[6] = 9;
  REQUIRE_E2M_ERROR(io::parse_npy(v9, "a.npy"), "unsupported .npy format version 9");
  // Every truncation of a valid file fails with an error (none parses, none crashes).
  for (size_t n = 0; n < good.size(); ++n)
    REQUIRE_THROWS_AS(io::parse_npy(good.substr(0, n), "cut.npy"), Error);
}

TEST_CASE("json: syntax errors carry line and column") {
  std::string text = "{\n  \"fps\": 30,\n  \"name\": tru\n}\n";
  REQUIRE_E2M_ERROR(io::parse_json(text, "config.json"), "config.json:3:");
  REQUIRE_E2M_ERROR(io::parse_json(text, "config.json"), "syntax error");
  REQUIRE_E2M_ERROR(io::parse_json("{\"a\": [1, 2,]}", "c.json"), "c.json:1:13:");
  REQUIRE_E2M_ERROR(io::parse_json("", "empty.json"), "empty.json:1:1:");
  REQUIRE_E2M_ERROR(io::parse_json("{\"a\": 1", "open.json"), "open.json:1:");
}

TEST_CASE("json: missing and wrongly typed fields") {
  auto j = io::parse_json(
      R"({"start_position": "left", "fps": 30, "scale": 1.5, "name": "x", "on": true, "list": [1], "obj": {}})",
      "config.json");
  REQUIRE_E2M_ERROR(io::require_number(j, "start_position", "config.json"),
                    "config.json: field 'start_position' must be a number");
  REQUIRE_E2M_ERROR(io::require_number(j, "missing", "config.json"),
                    "config.json: missing required field 'missing'");
  REQUIRE_E2M_ERROR(io::require_int(j, "scale", "config.json"), "field 'scale' must be an integer");
  REQUIRE_E2M_ERROR(io::require_string(j, "fps", "config.json"), "field 'fps' must be a string");
  REQUIRE_E2M_ERROR(io::require_bool(j, "name", "config.json"), "field 'name' must be true or false");
  REQUIRE_E2M_ERROR(io::require_array(j, "obj", "config.json"), "field 'obj' must be an array");
  REQUIRE_E2M_ERROR(io::require_object(j, "list", "config.json"), "field 'list' must be an object");
  REQUIRE_E2M_ERROR(io::get_number(j, "name", 1.0, "config.json"), "field 'name' must be a number");
  REQUIRE_E2M_ERROR(io::require_number(j["list"], "x", "config.json: 'list'"),
                    "config.json: 'list': expected a JSON object");
  CHECK(io::require_int(j, "fps", "config.json") == 30);
  CHECK(io::require_number(j, "scale", "config.json") == 1.5);
  CHECK(io::get_number(j, "absent", 2.5, "config.json") == 2.5);
  CHECK(io::get_string(j, "name", "", "config.json") == "x");
  CHECK(io::require_bool(j, "on", "config.json"));
}

TEST_CASE("json: gzip files read back, truncated or corrupt gzip is an error") {
  auto dir = test::temp_dir("malformed");
  std::string text = R"({"clips": [1, 2, 3], "name": "gz test"})";
  std::string gz = io::gzip(text);
  auto write = [&](const std::string& name, const std::string& bytes) {
    auto p = dir / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  };
  auto j = io::read_json(write("ok.json.gz", gz));
  CHECK(j["name"] == "gz test");
  CHECK(io::read_json(write("plain.json", text))["clips"].size() == 3);
  REQUIRE_E2M_ERROR(io::read_json(write("cut.json.gz", gz.substr(0, gz.size() / 2))),
                    "cut.json.gz: truncated gzip stream");
  std::string bad = gz;
  bad[12] = static_cast<char>(bad[12] ^ 0x55);
  bad[13] = static_cast<char>(bad[13] ^ 0xaa);
  REQUIRE_THROWS_AS(io::read_json(write("bad.json.gz", bad)), Error);
  REQUIRE_E2M_ERROR(io::read_json(write("syntax.json.gz", io::gzip("{\n\n  \"a\": }"))),
                    "syntax.json.gz:3:8:");
  REQUIRE_E2M_ERROR(io::read_json(dir / "absent.json"), "absent.json: cannot open");
}

TEST_CASE("json: reads a real gzip file and a config from the Tang dance data") {
  auto dir = test::shared_data() / "tang-dance" / "DANCE_C_2";
  E2M_SKIP_UNLESS_EXISTS(dir / "skeletons.json.gz");
  auto cfg = io::read_json(dir / "config.json");
  CHECK(io::require_int(cfg, "start_position", "config.json") <
        io::require_int(cfg, "end_position", "config.json"));
  auto sk = io::read_json(dir / "skeletons.json.gz");
  CHECK(!sk.empty());
}

TEST_CASE("random byte damage to bvh and npy files never escapes as anything but e2m::Error") {
  std::mt19937 rng(1234);
  const std::string good_npy = npy(kF4, std::string(16, '\0'));
  const std::string alphabet = "{} \n\t0123456789.-+eEnaNJOINTEndSiteOFFSETCHANNELSXYZpositionrotation:\x93";
  int bvh_errors = 0, npy_errors = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string b = kGood, n = good_npy;
    for (int k = 0; k < 1 + static_cast<int>(rng() % 4); ++k) {
      b[rng() % b.size()] = alphabet[rng() % alphabet.size()];
      n[rng() % 128] = static_cast<char>(rng() & 0xff);
    }
    if (rng() % 4 == 0) b.erase(rng() % b.size(), 1 + rng() % 8);
    try {
      parse(b);
    } catch (const Error&) {
      ++bvh_errors;
    }
    try {
      io::parse_npy(n, "fuzz.npy");
    } catch (const Error&) {
      ++npy_errors;
    }
  }
  // Most damage must be detected (a damaged digit can still be a valid file).
  CHECK(bvh_errors > 1000);
  CHECK(npy_errors > 1000);
}
