// Presets: every file in presets/ loads, checks out and round-trips; malformed presets give one error
// naming the file, the line and the field.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "live/preset.h"
#include "motion/error.h"
#include "test_support.h"

using namespace e2m;
using namespace e2m::live;

namespace {

const std::filesystem::path kPresetsDir = E2M_PRESETS_DIR;

std::vector<std::string> preset_files() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(kPresetsDir))
    if (e.path().extension() == ".json") out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// The message of the e2m::Error parse_preset throws for text, or "" when it loads.
std::string error_of(const std::string& text, const std::string& name = "presets/bad.json") {
  try {
    parse_preset(text, name);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

template <class T>
T load_as(const std::string& file) {
  Preset p = load_preset(kPresetsDir / file);
  REQUIRE(std::holds_alternative<T>(p));
  return std::get<T>(p);
}

// A VMC preset of one output whose lines are numbered: the output's fields start on line 4.
std::string vmc_with(const std::string& output_fields) {
  return "{\n"
         "  \"kind\": \"vmc\",\n"
         "  \"outputs\": [{\n" +
         output_fields + "\n  }]\n}\n";
}

}  // namespace

TEST_CASE("every preset in presets/ loads, says what to set, and survives save then load") {
  const std::vector<std::string> files = preset_files();
  REQUIRE(files.size() >= 7);
  const std::string file = GENERATE_COPY(from_range(files));
  INFO("preset " << file);
  Preset p = load_preset(kPresetsDir / file);
  // The file name starts with its kind ("vmc-vseeface.json").
  CHECK(file.rfind(std::string(preset_kind(p)) + "-", 0) == 0);
  std::visit(
      [](const auto& v) {
        CHECK_FALSE(v.name.empty());
        CHECK(v.notes.size() > 40);
      },
      p);
  test::TempDir dir("presets");
  save_preset(p, dir.path() / file);
  CHECK(load_preset(dir.path() / file) == p);
  CHECK(format_preset(load_preset(dir.path() / file)) == format_preset(p));
}

TEST_CASE("the shipped presets hold the settings their receivers need") {
  for (const char* file : {"vmc-vseeface.json", "vmc-warudo.json", "vmc-vnyan.json"}) {
    INFO(file);
    VmcPreset v = load_as<VmcPreset>(file);
    REQUIRE(v.outputs.size() == 1);
    CHECK(v.outputs[0].port == 39539);
    CHECK(v.outputs[0].bone_mask == kAllJointsMask);
    CHECK(v.outputs[0].rate_hz >= 30);
    CHECK(v.outputs[0].rate_hz <= 60);
  }
  VjPreset td = load_as<VjPreset>("vj-touchdesigner.json");
  CHECK(td.port == 7000);
  CHECK(td.pose_messages);
  VjPreset res = load_as<VjPreset>("vj-resolume.json");
  CHECK(res.port == 7000);
  CHECK_FALSE(res.pose_messages);
  std::set<VjSource> sources;
  for (const auto& m : res.mappings) sources.insert(m.source);
  CHECK(sources.size() == 5);
  // The MIDI pads trigger slots that the default cue bank fills.
  CueBank cues = load_as<CueBank>("cues-default.json");
  std::set<int> slots;
  std::set<std::string> texts;
  for (const auto& c : cues.cues) slots.insert(c.slot), texts.insert(c.text);
  for (const char* t : {"wave", "wave your right hand", "bow", "raise both hands", "say bye", "punch", "kick",
                        "walk forward", "run", "turn left", "clap", "jump"})
    CHECK(texts.count(t) == 1);
  MidiMap midi = load_as<MidiMap>("midi-default.json");
  CHECK(midi.pads.size() == 12);
  for (const auto& pad : midi.pads) CHECK(slots.count(pad.slot) == 1);
}

TEST_CASE("a preset error names the file, the line and the field") {
  // Wrong type, out of range, unknown joint: each on the line where the value is.
  CHECK(error_of(vmc_with("    \"host\": \"127.0.0.1\",\n    \"port\": \"39539\"")) ==
        "presets/bad.json:5: field outputs[0].port: expected an integer 1..65535 (got \"39539\")");
  CHECK(error_of(vmc_with("    \"port\": 70000")) ==
        "presets/bad.json:4: field outputs[0].port: expected an integer 1..65535 (got 70000)");
  std::string joint =
      error_of(vmc_with("    \"port\": 39539,\n    \"bones\": [\"pelvis\",\n      \"left_hnad\"]"));
  CHECK_THAT(joint,
             Catch::StartsWith("presets/bad.json:6: field outputs[0].bones[1]: unknown joint \"left_hnad\""));
  CHECK_THAT(joint, Catch::Contains("left_wrist"));
  CHECK(error_of("{\n  \"kind\": \"osc\"\n}\n") ==
        "presets/bad.json:2: field kind: expected one of vmc, vj, midi, cues (got \"osc\")");
  CHECK(error_of("{\n  \"name\": \"x\"\n}\n") ==
        "presets/bad.json:1: field kind: missing (expected vmc, vj, midi or cues)");
  CHECK_THAT(error_of(vmc_with("    \"prot\": 39539")),
             Catch::StartsWith(
                 "presets/bad.json:4: field outputs[0].prot: unknown field (expected one of host, port"));
  CHECK_THAT(error_of("[1, 2]"), Catch::StartsWith("presets/bad.json:1: expected a JSON object"));
}

TEST_CASE("a preset that is not JSON is reported at its line") {
  // A missing comma at the end of line 3 is found at the start of line 4.
  std::string msg = error_of("{\n  \"kind\": \"vmc\",\n  \"name\": \"x\"\n  \"outputs\": []\n}\n");
  CHECK_THAT(msg, Catch::StartsWith("presets/bad.json:4:"));
  CHECK_THAT(error_of(""), Catch::StartsWith("presets/bad.json:1:"));
}

TEST_CASE("preset checks cover every kind's fields") {
  CHECK_THAT(error_of("{\"kind\": \"vmc\", \"outputs\": []}"),
             Catch::Contains("field outputs: expected an array of at least 1"));
  CHECK_THAT(error_of(vmc_with("\"rate_hz\": 500")),
             Catch::Contains("field outputs[0].rate_hz: expected a number from 1 to 240"));
  CHECK_THAT(error_of(vmc_with("\"bones\": [\"head\", \"head\"]")),
             Catch::Contains("bones[1]: joint \"head\" is listed twice"));
  CHECK_THAT(error_of(vmc_with("\"host\": \"[::1]:39539\"")), Catch::Contains("field outputs[0].host"));
  const std::string vj = "{\"kind\": \"vj\", ";
  CHECK_THAT(error_of(vj + "\"prefix\": \"e2m/\"}"),
             Catch::Contains("field prefix: expected an OSC address"));
  CHECK_THAT(error_of(vj + "\"space\": \"local\"}"),
             Catch::Contains("field space: expected one of world, root"));
  CHECK_THAT(error_of(vj + "\"box\": {\"min\": [0, 0, 0], \"max\": [1, 0, 1]}}"),
             Catch::Contains("field box.max[1]"));
  CHECK_THAT(error_of(vj + "\"box\": {\"min\": [0, 0], \"max\": [1, 1, 1]}}"),
             Catch::Contains("field box.min: expected [x, y, z]"));
  CHECK_THAT(error_of(vj + "\"mappings\": [{\"source\": \"bass\", \"address\": \"/a\"}]}"),
             Catch::Contains("field mappings[0].source: expected one of beat, phase, onset, energy, tempo"));
  CHECK_THAT(error_of(vj + "\"mappings\": [{\"source\": \"beat\", \"address\": \"/a b\"}]}"),
             Catch::Contains("field mappings[0].address: expected an OSC address"));
  CHECK_THAT(error_of(vj + "\"pose_messages\": false}"), Catch::Contains("would send nothing"));
  const std::string midi = "{\"kind\": \"midi\", ";
  CHECK_THAT(error_of(midi + "\"controls\": [{\"cc\": 120, \"param\": \"intensity\"}]}"),
             Catch::Contains("field controls[0].cc: expected an integer 0..119"));
  CHECK_THAT(error_of(midi + "\"controls\": [{\"cc\": 3, \"param\": \"genre\"}]}"),
             Catch::Contains("field controls[0].genres: missing"));
  CHECK_THAT(error_of(midi + "\"controls\": [{\"cc\": 3, \"param\": \"intensity\", \"max\": 5}]}"),
             Catch::Contains("field controls[0].max: expected a number from 0 to 2"));
  CHECK_THAT(
      error_of(
          midi +
          "\"controls\": [{\"cc\": 1, \"param\": \"smoothing\"}, {\"cc\": 1, \"param\": \"intensity\"}]}"),
      Catch::Contains("field controls[1].cc: controller 1 is already mapped by controls[0]"));
  CHECK_THAT(error_of(midi + "\"channel\": 17, \"pads\": [{\"note\": 36, \"slot\": 1}]}"),
             Catch::Contains("field channel: expected an integer 1..16"));
  CHECK_THAT(error_of(midi + "\"pads\": [{\"note\": 36, \"slot\": 0}]}"),
             Catch::Contains("field pads[0].slot"));
  const std::string cues = "{\"kind\": \"cues\", \"cues\": [";
  CHECK_THAT(error_of(cues + "{\"slot\": 1, \"text\": \"wave\", \"mask\": \"arms\"}]}"),
             Catch::Contains("field cues[0].mask: expected one of full, upper, lower"));
  CHECK_THAT(error_of(cues + "{\"slot\": 1, \"text\": \"\"}]}"), Catch::Contains("field cues[0].text"));
  CHECK_THAT(error_of(cues + "{\"slot\": 1, \"text\": \"" + std::string(128, 'a') + "\"}]}"),
             Catch::Contains("field cues[0].text"));
  CHECK_THAT(error_of(cues + "{\"slot\": 2, \"text\": \"a\"}, {\"slot\": 2, \"text\": \"b\"}]}"),
             Catch::Contains("field cues[1].slot: slot 2 is already used by cues[0]"));
  CHECK_THAT(error_of(cues + "{\"slot\": 1, \"text\": \"a\", \"loop\": 1}]}"),
             Catch::Contains("field cues[0].loop: expected true or false"));
}

TEST_CASE("a minimal preset takes the documented defaults and the file's name") {
  Preset p = parse_preset("{\"kind\": \"vmc\", \"outputs\": [{}]}", "presets/stage-left.json");
  REQUIRE(std::holds_alternative<VmcPreset>(p));
  const VmcPreset& v = std::get<VmcPreset>(p);
  CHECK(v.name == "stage-left");
  CHECK(v.outputs[0] == VmcTarget{});
  CHECK(v.outputs[0].port == 39539);
  CHECK(v.outputs[0].bundled);
  VjPreset vj = std::get<VjPreset>(parse_preset("{\"kind\": \"vj\"}", "v.json"));
  CHECK(vj.port == 7000);
  CHECK(vj.prefix == "/e2m");
  VjPreset tempo = std::get<VjPreset>(parse_preset(
      "{\"kind\": \"vj\", \"mappings\": [{\"source\": \"tempo\", \"address\": \"/t\"}]}", "t.json"));
  CHECK(tempo.mappings[0].range_min == 60);
  CHECK(tempo.mappings[0].range_max == 180);
}

TEST_CASE("save_preset writes what load_preset reads back, and refuses what it would not") {
  test::TempDir dir("presets-save");
  VmcPreset v;
  v.name = "two screens";
  v.outputs.resize(2);
  v.outputs[1].host = "192.168.1.20";
  v.outputs[1].bone_mask = (1u << motion::kHead) | (1u << motion::kNeck);
  v.outputs[1].root_lock = true;
  v.outputs[1].rate_hz = 30;
  MidiMap m;
  m.name = "pads";
  m.channel = 10;
  m.controls.push_back(MidiControl{7, MidiParam::kGenre, 0, 1, {"waltz", "tango"}});
  m.controls.push_back(MidiControl{8, MidiParam::kSmoothing, 1, 0, {}});
  m.pads.push_back(MidiPad{60, 3});
  for (const Preset& p : {Preset{v}, Preset{m}}) {
    auto path = dir.path() / (std::string(preset_kind(p)) + ".json");
    save_preset(p, path);
    CHECK(load_preset(path) == p);
  }
  v.outputs[0].port = 0;
  CHECK_THROWS_WITH(save_preset(v, dir.path() / "bad.json"), Catch::Contains("field outputs[0].port"));
  CHECK_FALSE(std::filesystem::exists(dir.path() / "bad.json"));
  CHECK_THROWS_WITH(load_preset(dir.path() / "absent.json"), Catch::Contains("absent.json"));
}
