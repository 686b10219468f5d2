// Command lines for the controls added with MIDI: /learn names the parameter the next CC drives.
#include "live/command.h"
#include "motion/error.h"
#include "test_support.h"

using namespace e2m;

TEST_CASE("/learn PARAMETER is a command with its parameter, and /learn alone is an error",
          "[live][command]") {
  const auto c = live::parse_command_line("/learn intensity");
  REQUIRE(c.has_value());
  CHECK(c->kind == live::CommandKind::kLearn);
  CHECK(c->text_view() == "intensity");
  CHECK(live::command_kind("learn") == live::CommandKind::kLearn);
  CHECK(live::has_text(live::CommandKind::kLearn));
  CHECK_THROWS_AS(live::parse_command_line("/learn"), Error);
  CHECK(live::parse_command_line("/e2m/learn genre")->text_view() == "genre");
}

TEST_CASE("every command kind has a name that maps back to it", "[live][command]") {
  for (int k = 0; k < live::kNumCommandKinds; ++k) {
    const auto kind = live::CommandKind(k);
    INFO("kind " << k);
    REQUIRE(!live::command_name(kind).empty());
    CHECK(live::command_kind(live::command_name(kind)) == kind);
  }
}
