// Fuzzes the typed command line parser (stdin cues and /commands for the live engine).
#include <cstring>

#include "fuzz_support.h"
#include "live/command.h"

using namespace e2m;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::optional<live::Command> c;
  if (!fuzz::accepts([&] { c = live::parse_command_line(fuzz::bytes_of(data, size)); }) || !c) return 0;
  // The command crosses the queue as plain bytes: its text must be NUL-terminated and in range.
  E2M_FUZZ_CHECK(static_cast<int>(c->kind) < live::kNumCommandKinds);
  E2M_FUZZ_CHECK(std::memchr(c->text.data(), '\0', c->text.size()) != nullptr);
  if (live::has_text(c->kind)) E2M_FUZZ_CHECK(!c->text_view().empty());
  if (c->kind == live::CommandKind::kRootLock) E2M_FUZZ_CHECK(c->flag == 0 || c->flag == 1);
  // A command's own name round-trips.
  E2M_FUZZ_CHECK(live::command_kind(live::command_name(c->kind)) == c->kind);
  return 0;
}
