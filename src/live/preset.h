// Presets: the JSON files a performer keeps in presets/ (VMC targets, VJ OSC layouts, MIDI maps, cue
// banks), read and checked in one place. One file holds one preset; its "kind" says which.
//
// Every error names the file, the line and the field, and what was expected:
//   presets/vmc-vseeface.json:7: field outputs[0].port: expected an integer 1..65535 (got 70000)
// JSON syntax errors keep nlohmann's description with the line and column. Fields a kind does not
// know are errors too (a misspelt "prot" would otherwise be ignored silently).
//
// Common fields: "kind" (required: "vmc", "vj", "midi" or "cues"), "name" (default: the file's stem),
// "notes" (free text for the performer: what to set in the receiver).
//
// These are plain values; app/ turns them into the senders' and mixer's options (net depends on
// live, not the other way round, so the bone mask here mirrors net::VmcOptions::bone_mask).
#pragma once
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "motion/skeleton.h"

namespace e2m::live {

// Bit j set = canonical joint j (motion::Joint) is sent.
inline constexpr std::uint32_t kAllJointsMask = (1u << motion::kNumJoints) - 1;

// ---- "vmc": VMC protocol receivers (DESIGN.md 5.1) ----
// "outputs": [{ "host": "127.0.0.1", "port": 39539, "bundled": true, "bones": "all" or
//               ["pelvis", "spine1", ...], "root_lock": false, "rate_hz": 60 }, ...]
struct VmcTarget {
  std::string host = "127.0.0.1";            // name or address, without brackets or port
  int port = 39539;                          // the VMC receiver (marionette) port, 1..65535
  bool bundled = true;                       // OSC bundles of <= 1500 bytes; false: one message per packet
  std::uint32_t bone_mask = kAllJointsMask;  // "all" or a list of canonical joint names
  bool root_lock = false;                    // keep the avatar on the spot (Root/Pos = origin)
  double rate_hz = 60;                       // frames sent per second, 1..240 (receivers want 30-60)
  bool operator==(const VmcTarget&) const = default;
};

struct VmcPreset {
  std::string name, notes;
  std::vector<VmcTarget> outputs;  // at least one
  bool operator==(const VmcPreset&) const = default;
};

// ---- "vj": VJ OSC layout (DESIGN.md 5.2) ----
enum class VjPoseSpace { kWorld, kRoot };  // "world" | "root" (root-relative, world axes)

// A scalar sent to an address of the receiver's choosing (Resolume maps fixed addresses to its
// controls). The value is mapped from `range` (source units) onto 0..1 and clamped.
enum class VjSource { kBeat, kPhase, kOnset, kEnergy, kTempo };  // "beat" | "phase" | "onset" | ...
struct VjMapping {
  VjSource source = VjSource::kBeat;    // beat: 1 on the frame a beat falls, else 0
  std::string address;                  // OSC address, e.g. "/composition/layers/1/video/opacity"
  double range_min = 0, range_max = 1;  // "range": [min, max]; default [0, 1], tempo [60, 180] BPM
  bool operator==(const VjMapping&) const = default;
};

// { "host": "127.0.0.1", "port": 7000, "prefix": "/e2m", "space": "world", "normalise": false,
//   "box": {"min": [x, y, z], "max": [x, y, z]}, "pose_messages": true, "joint_messages": false,
//   "bundled": true, "mappings": [{"source": "beat", "address": "/...", "range": [0, 1]}] }
struct VjPreset {
  std::string name, notes;
  std::string host = "127.0.0.1";
  int port = 7000;  // TouchDesigner (as e2m uses it) and Resolume's OSC input both default to 7000
  std::string prefix = "/e2m";
  VjPoseSpace space = VjPoseSpace::kWorld;
  bool normalise = false;                          // map the box to [0, 1] per axis
  std::array<double, 3> box_min{-2.0, 0.0, -2.0};  // metres, x y z; min < max on every axis
  std::array<double, 3> box_max{2.0, 2.5, 2.0};
  bool pose_messages = true;    // the prefix layout: /pose, /beat, /tempo, /phase, /onset, /frame
  bool joint_messages = false;  // also /prefix/joint/<name> per joint
  bool bundled = true;
  std::vector<VjMapping> mappings;
  bool operator==(const VjPreset&) const = default;
};

// ---- "midi": MIDI controller map ----
enum class MidiParam { kIntensity, kSmoothing, kGenre };  // "intensity" | "smoothing" | "genre"

// A control change: value 0..127 mapped linearly onto [min, max] (min > max reverses the fader), or
// for "genre" onto the list of genres in equal bands.
// Domains: intensity 0..2 (1 = as generated), smoothing 0..1 (0 = off, 1 = the heaviest filter).
struct MidiControl {
  int cc = 1;  // controller number 0..119 (120..127 are channel mode messages)
  MidiParam param = MidiParam::kIntensity;
  double min = 0, max = 1;          // intensity and smoothing (genre ignores them)
  std::vector<std::string> genres;  // genre: at least one name (the model checks them when loaded)
  bool operator==(const MidiControl&) const = default;
};

struct MidiPad {
  int note = 36;  // 0..127
  int slot = 1;   // cue bank slot it triggers, 1..kMaxCueSlot
  bool operator==(const MidiPad&) const = default;
};

// { "channel": "all" or 1..16, "controls": [{"cc": 1, "param": "intensity", "min": 0, "max": 2},
//   {"cc": 3, "param": "genre", "genres": ["waltz", ...]}], "pads": [{"note": 36, "slot": 1}] }
// A controller number or note appears at most once.
struct MidiMap {
  std::string name, notes;
  int channel = 0;  // 0 = every channel, else 1..16
  std::vector<MidiControl> controls;
  std::vector<MidiPad> pads;
  bool operator==(const MidiMap&) const = default;
};

// ---- "cues": a cue bank ----
inline constexpr int kMaxCueSlot = 128;
// Longest cue text: what one command carries (net::Command holds 127 bytes and a NUL).
inline constexpr std::size_t kMaxCueTextBytes = 127;

// { "cues": [{"slot": 1, "text": "wave", "mask": "upper", "loop": false}, ...] }
struct Cue {
  int slot = 1;               // 1..kMaxCueSlot, unique in the bank
  std::string text;           // what to perform, 1..127 bytes
  std::string mask = "full";  // "full" | "upper" | "lower" (motion::joint_mask)
  bool loop = false;          // repeat until cancelled
  bool operator==(const Cue&) const = default;
};

struct CueBank {
  std::string name, notes;
  std::vector<Cue> cues;  // at least one
  bool operator==(const CueBank&) const = default;
};

using Preset = std::variant<VmcPreset, VjPreset, MidiMap, CueBank>;

// "vmc", "vj", "midi" or "cues".
std::string_view preset_kind(const Preset& preset);

// Parses and checks preset text; `name` is the file name used in errors and the default "name".
// Throws e2m::Error ("name:line: field path: expected ..." or "name:line:col: <JSON syntax>").
Preset parse_preset(std::string_view text, const std::string& name);
Preset load_preset(const std::filesystem::path& path);
// Pretty JSON (keys in the order above, defaults written out). Throws e2m::Error naming the field
// when the preset would not load back (an out-of-range value), so a saved file always loads.
std::string format_preset(const Preset& preset);
void save_preset(const Preset& preset, const std::filesystem::path& path);

}  // namespace e2m::live
