// Command: one control message for the live engine (DESIGN.md 5.3), from OSC, stdin, MIDI or the UI,
// as a small fixed-size value that moves through the MPMC command queue without owning memory.
//
// Text lines (stdin cues) use the same names as the OSC addresses without the prefix:
//   /cue TEXT   /now TEXT   /upper TEXT   /cancel   /genre NAME   /intensity X   /rootlock 0|1
//   /model PATH   /learn PARAMETER
// ("/e2m/genre waltz" is accepted too), and a line that does not start with '/' is a cue.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace e2m::live {

enum class CommandKind : std::uint8_t {
  kCue,        // text: what to perform ("wave", "bow")
  kCancel,     // drop the current cue
  kGenre,      // text: dance genre name
  kIntensity,  // value: motion intensity (the mixer clamps it to its own range)
  kRootLock,   // flag: 1 = keep the character on the spot, 0 = let it travel
  kModel,      // text: model file path to switch to
  kNow,        // text: a cue that replaces the current one at once (cue queues after it)
  kUpper,      // text: a cue layered on the upper body over the dancing legs
  kLearn,      // text: a parameter ("intensity", "smoothing", "genre", "rootlock") the next MIDI CC drives
};
inline constexpr int kNumCommandKinds = 9;

struct Command {
  static constexpr std::size_t kTextBytes = 128;  // text holds at most 127 bytes and a NUL

  CommandKind kind = CommandKind::kCancel;
  float value = 0;        // kIntensity; kGenre without text: where in the model's genres, [0, 1)
  std::int32_t flag = 0;  // kRootLock: 0 or 1
  std::array<char, kTextBytes> text{};  // kCue, kGenre, kModel: NUL-terminated UTF-8

  std::string_view text_view() const { return {text.data()}; }
  // False (text left empty) when s is too long or holds a NUL.
  bool set_text(std::string_view s);
};

// "cue", "cancel", "genre", "intensity", "rootlock", "model".
std::string_view command_name(CommandKind kind);
std::optional<CommandKind> command_kind(std::string_view name);
// Whether the command carries text.
bool has_text(CommandKind kind);

// Parse one text line (see the top of this file). Empty or blank lines give nullopt. Throws e2m::Error
// naming the line and what was expected for an unknown /command, a missing or extra argument, a value
// that is not a finite number or 0/1, or text over 127 bytes.
std::optional<Command> parse_command_line(std::string_view line);

}  // namespace e2m::live
