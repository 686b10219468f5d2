// Command: names, text, and the stdin line parser.
#include "live/command.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <string>

#include "motion/error.h"

namespace e2m::live {

namespace {

constexpr std::array<std::string_view, kNumCommandKinds> kNames = {
    "cue", "cancel", "genre", "intensity", "rootlock", "model", "now", "upper", "learn"};

// Joins pieces into one message (appending avoids g++ 12's false -Wrestrict on "lit" + std::string).
std::string cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) out += p;
  return out;
}

std::string_view trim(std::string_view s) {
  const char* ws = " \t\r\n";
  std::size_t a = s.find_first_not_of(ws);
  if (a == std::string_view::npos) return {};
  return s.substr(a, s.find_last_not_of(ws) - a + 1);
}

[[noreturn]] void bad_line(std::string_view line, std::string_view why) {
  throw Error(cat(
      {"command '", line, "': ", why,
       " (expected /cue TEXT, /now TEXT, /upper TEXT, /learn PARAMETER, /cancel, /genre NAME, /intensity X, "
       "/rootlock 0|1, /model PATH, "
       "or text not starting with '/' for a cue)"}));
}

float parse_number(std::string_view line, std::string_view arg) {
  float v = 0;
  auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), v);
  if (arg.empty() || ec != std::errc() || end != arg.data() + arg.size() || !std::isfinite(v)) {
    bad_line(line, cat({"'", arg, "' is not a finite number"}));
  }
  return v;
}

std::int32_t parse_flag(std::string_view line, std::string_view arg) {
  if (arg == "1" || arg == "on" || arg == "true") return 1;
  if (arg == "0" || arg == "off" || arg == "false") return 0;
  bad_line(line, cat({"'", arg, "' is not 0 or 1"}));
}

Command text_command(std::string_view line, CommandKind kind, std::string_view arg) {
  Command c;
  c.kind = kind;
  if (arg.empty()) bad_line(line, cat({"/", command_name(kind), " needs text"}));
  if (!c.set_text(arg)) {
    bad_line(line, cat({"text longer than ", std::to_string(Command::kTextBytes - 1), " bytes"}));
  }
  return c;
}

Command slash_command(std::string_view line) {
  std::size_t space = line.find_first_of(" \t");
  std::string_view name = line.substr(0, space);
  std::string_view arg = space == std::string_view::npos ? std::string_view{} : trim(line.substr(space));
  if (name.starts_with("/e2m/")) name.remove_prefix(4);
  std::optional<CommandKind> kind = command_kind(name.substr(1));
  if (!kind) bad_line(line, cat({"unknown command '", name, "'"}));
  if (has_text(*kind)) return text_command(line, *kind, arg);
  Command c;
  c.kind = *kind;
  if (*kind == CommandKind::kCancel) {
    if (!arg.empty()) bad_line(line, "/cancel takes no argument");
  } else if (*kind == CommandKind::kIntensity) {
    c.value = parse_number(line, arg);
  } else {
    c.flag = parse_flag(line, arg);
  }
  return c;
}

}  // namespace

bool Command::set_text(std::string_view s) {
  text.fill('\0');
  if (s.size() >= kTextBytes || s.find('\0') != std::string_view::npos) return false;
  std::memcpy(text.data(), s.data(), s.size());
  return true;
}

std::string_view command_name(CommandKind kind) { return kNames[static_cast<std::size_t>(kind)]; }

std::optional<CommandKind> command_kind(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<CommandKind>(i);
  }
  return std::nullopt;
}

bool has_text(CommandKind kind) {
  return kind == CommandKind::kCue || kind == CommandKind::kGenre || kind == CommandKind::kModel ||
         kind == CommandKind::kNow || kind == CommandKind::kUpper || kind == CommandKind::kLearn;
}

std::optional<Command> parse_command_line(std::string_view line) {
  line = trim(line);
  if (line.empty()) return std::nullopt;
  if (line.front() != '/') return text_command(line, CommandKind::kCue, line);
  return slash_command(line);
}

}  // namespace e2m::live
