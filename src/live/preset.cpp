// Preset files: nlohmann parses, a small scanner finds the line of every value (nlohmann keeps no
// positions), and one checker per kind reads the fields with errors that name file, line and field.
#include "live/preset.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "io/json_util.h"
#include "motion/error.h"

namespace e2m::live {

namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

// ---- where each value starts in the text ----

// Walks text that nlohmann has already accepted and records the byte offset of every value under
// its field path ("outputs[0].port"; the top level is "").
class Locator {
 public:
  explicit Locator(std::string_view text) : t_(text) {
    if (t_.substr(0, 3) == "\xEF\xBB\xBF") p_ = 3;  // nlohmann skips a UTF-8 byte order mark too
    value("");
  }

  // The 1-based line of the value at path, or of its nearest enclosing value that was found.
  int line(std::string path) const {
    while (true) {
      auto it = at_.find(path);
      if (it != at_.end()) return 1 + static_cast<int>(std::count(t_.begin(), t_.begin() + it->second, '\n'));
      if (path.empty()) return 1;
      size_t cut = path.find_last_of(".[");
      path = cut == std::string::npos ? "" : path.substr(0, cut);
    }
  }

 private:
  char peek() {
    while (p_ < t_.size() && (t_[p_] == ' ' || t_[p_] == '\t' || t_[p_] == '\n' || t_[p_] == '\r')) ++p_;
    return p_ < t_.size() ? t_[p_] : '\0';
  }
  void value(const std::string& path) {
    char c = peek();
    at_.emplace(path, p_);
    if (c == '{') {
      object(path);
    } else if (c == '[') {
      array(path);
    } else if (c == '"') {
      string();
    } else {
      while (p_ < t_.size() && std::string_view(",]} \t\r\n").find(t_[p_]) == std::string_view::npos) ++p_;
    }
  }
  void object(const std::string& path) {
    ++p_;
    while (peek() == '"') {
      std::string key = string();
      peek();
      ++p_;  // ':'
      value(path.empty() ? key : path + "." + key);
      if (peek() == ',') ++p_;
    }
    ++p_;  // '}'
  }
  void array(const std::string& path) {
    ++p_;
    for (int i = 0; peek() != ']' && p_ < t_.size(); ++i) {
      value(path + "[" + std::to_string(i) + "]");
      if (peek() == ',') ++p_;
    }
    ++p_;  // ']'
  }
  // A string's contents with the simple escapes decoded (\u escapes are kept as written).
  std::string string() {
    std::string out;
    for (++p_; p_ < t_.size() && t_[p_] != '"'; ++p_) {
      if (t_[p_] == '\\' && p_ + 1 < t_.size()) {
        char e = t_[++p_];
        out += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == 'b' ? '\b' : e == 'f' ? '\f' : e;
        if (e == 'u') {  // keep \u escapes as written (no insert: g++ 12 warns falsely)
          out.back() = '\\';
          out += 'u';
        }
      } else {
        out += t_[p_];
      }
    }
    ++p_;
    return out;
  }

  std::string_view t_;
  size_t p_ = 0;
  std::map<std::string, size_t> at_;
};

// ---- typed field access with located errors ----

std::string shown(const Json& v) {
  std::string s = v.dump();
  return s.size() > 40 ? s.substr(0, 37) + "..." : s;
}

std::string join(const std::vector<std::string_view>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + std::string(names[i]);
  return out;
}

class Fields {
 public:
  Fields(const std::string& name, const Locator& loc) : name_(name), loc_(loc) {}

  [[noreturn]] void fail(const std::string& path, const std::string& what) const {
    throw Error(name_ + ":" + std::to_string(loc_.line(path)) + ": field " + path + ": " + what);
  }
  static std::string at(const std::string& obj, std::string_view key) {
    return obj.empty() ? std::string(key) : obj + "." + std::string(key);
  }
  static std::string at(const std::string& arr, size_t i) { return arr + "[" + std::to_string(i) + "]"; }

  // Every key of obj must be one of `known`.
  void known_keys(const Json& obj, const std::string& path,
                  const std::vector<std::string_view>& known) const {
    for (auto it = obj.begin(); it != obj.end(); ++it)
      if (std::find(known.begin(), known.end(), it.key()) == known.end())
        fail(at(path, it.key()), "unknown field (expected one of " + join(known) + ")");
  }
  // The field when present and not null.
  const Json* find(const Json& obj, std::string_view key) const {
    auto it = obj.find(key);
    return it == obj.end() || it->is_null() ? nullptr : &*it;
  }
  const Json& require(const Json& obj, const std::string& path, std::string_view key,
                      const char* what) const {
    const Json* v = find(obj, key);
    if (!v) fail(at(path, key), std::string("missing (expected ") + what + ")");
    return *v;
  }

  int integer(const Json& v, const std::string& path, int lo, int hi) const {
    double d = v.is_number() ? v.get<double>() : NAN;
    if (!(d >= lo && d <= hi && d == std::floor(d)))
      fail(path, "expected an integer " + std::to_string(lo) + ".." + std::to_string(hi) + " (got " +
                     shown(v) + ")");
    return static_cast<int>(d);
  }
  double number(const Json& v, const std::string& path, double lo, double hi) const {
    double d = v.is_number() ? v.get<double>() : NAN;
    if (!(d >= lo && d <= hi))
      fail(path, "expected a number from " + fmt(lo) + " to " + fmt(hi) + " (got " + shown(v) + ")");
    return d;
  }
  bool boolean(const Json& v, const std::string& path) const {
    if (!v.is_boolean()) fail(path, "expected true or false (got " + shown(v) + ")");
    return v.get<bool>();
  }
  std::string string(const Json& v, const std::string& path, size_t max_bytes = 4096) const {
    if (!v.is_string()) fail(path, "expected a string (got " + shown(v) + ")");
    std::string s = v.get<std::string>();
    if (s.empty() || s.size() > max_bytes || s.find('\0') != std::string::npos)
      fail(path, "expected 1 to " + std::to_string(max_bytes) + " bytes of text (got " + shown(v) + ")");
    return s;
  }
  // Index of the string value in `names`.
  int choice(const Json& v, const std::string& path, const std::vector<std::string_view>& names) const {
    if (v.is_string()) {
      auto it = std::find(names.begin(), names.end(), v.get<std::string>());
      if (it != names.end()) return static_cast<int>(it - names.begin());
    }
    fail(path, "expected one of " + join(names) + " (got " + shown(v) + ")");
  }
  const Json& array(const Json& v, const std::string& path, size_t min_size) const {
    if (!v.is_array() || v.size() < min_size)
      fail(path, (min_size ? "expected an array of at least " + std::to_string(min_size)
                           : std::string("an array")) +
                     " (got " + shown(v) + ")");
    return v;
  }
  const Json& object(const Json& v, const std::string& path) const {
    if (!v.is_object()) fail(path, "expected an object {...} (got " + shown(v) + ")");
    return v;
  }

  // Optional fields: `fallback` when absent.
  int opt_int(const Json& o, const std::string& p, std::string_view k, int fallback, int lo, int hi) const {
    const Json* v = find(o, k);
    return v ? integer(*v, at(p, k), lo, hi) : fallback;
  }
  double opt_number(const Json& o, const std::string& p, std::string_view k, double fallback, double lo,
                    double hi) const {
    const Json* v = find(o, k);
    return v ? number(*v, at(p, k), lo, hi) : fallback;
  }
  bool opt_bool(const Json& o, const std::string& p, std::string_view k, bool fallback) const {
    const Json* v = find(o, k);
    return v ? boolean(*v, at(p, k)) : fallback;
  }
  std::string opt_string(const Json& o, const std::string& p, std::string_view k, const std::string& fallback,
                         size_t max_bytes = 4096) const {
    const Json* v = find(o, k);
    return v ? string(*v, at(p, k), max_bytes) : fallback;
  }

 private:
  static std::string fmt(double d) {
    std::string s = std::to_string(d);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }
  const std::string& name_;
  const Locator& loc_;
};

// ---- names ----

const std::vector<std::string_view> kKinds = {"vmc", "vj", "midi", "cues"};
const std::vector<std::string_view> kSpaces = {"world", "root"};
const std::vector<std::string_view> kSources = {"beat", "phase", "onset", "energy", "tempo"};
const std::vector<std::string_view> kParams = {"intensity", "smoothing", "genre"};
const std::vector<std::string_view> kMasks = {"full", "upper", "lower"};

// Domain of a MIDI parameter's [min, max] (genre has none).
constexpr std::array<std::array<double, 2>, 2> kParamDomain = {{{0.0, 2.0}, {0.0, 1.0}}};

// OSC address or prefix: '/' then letters, digits, '_', '-', '.' or '/', no "//", not ending in '/'.
bool osc_address_ok(std::string_view s, size_t max_bytes) {
  auto ok = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.' || c == '/';
  };
  return s.size() >= 2 && s.size() <= max_bytes && s.front() == '/' && s.back() != '/' &&
         std::all_of(s.begin(), s.end(), ok) && s.find("//") == std::string_view::npos;
}

std::string osc_address(const Fields& f, const Json& v, const std::string& path, size_t max_bytes) {
  std::string s = f.string(v, path, max_bytes);
  if (!osc_address_ok(s, max_bytes))
    f.fail(path,
           "expected an OSC address: '/' then letters, digits, '_', '-', '.' or '/', not ending in '/', "
           "at most " +
               std::to_string(max_bytes) + " bytes (got " + shown(v) + ")");
  return s;
}

std::string host(const Fields& f, const Json& o, const std::string& p) {
  std::string h = f.opt_string(o, p, "host", "127.0.0.1", 253);
  if (h.find_first_of(" \t\r\n[]") != std::string::npos)
    f.fail(Fields::at(p, "host"),
           "expected a host name or address without spaces, brackets or port (got '" + h + "')");
  return h;
}

// ---- vmc ----

std::uint32_t bone_mask(const Fields& f, const Json& o, const std::string& p) {
  const Json* v = f.find(o, "bones");
  const std::string path = Fields::at(p, "bones");
  if (!v || (v->is_string() && v->get<std::string>() == "all")) return kAllJointsMask;
  if (!v->is_array() || v->empty())
    f.fail(path, "expected \"all\" or a list of canonical joint names (got " + shown(*v) + ")");
  std::uint32_t mask = 0;
  for (size_t i = 0; i < v->size(); ++i) {
    const Json& n = (*v)[i];
    int j = n.is_string() ? motion::joint_index(n.get<std::string>()) : -1;
    if (j < 0) {
      std::vector<std::string_view> names;
      for (int k = 0; k < motion::kNumJoints; ++k) names.push_back(motion::joint_name(k));
      f.fail(Fields::at(path, i), "unknown joint " + shown(n) + " (expected one of " + join(names) + ")");
    }
    if (mask & (1u << j)) f.fail(Fields::at(path, i), "joint " + shown(n) + " is listed twice");
    mask |= 1u << j;
  }
  return mask;
}

VmcTarget vmc_target(const Fields& f, const Json& o, const std::string& p) {
  f.object(o, p);
  f.known_keys(o, p, {"host", "port", "bundled", "bones", "root_lock", "rate_hz"});
  VmcTarget t;
  t.host = host(f, o, p);
  t.port = f.opt_int(o, p, "port", t.port, 1, 65535);
  t.bundled = f.opt_bool(o, p, "bundled", t.bundled);
  t.bone_mask = bone_mask(f, o, p);
  t.root_lock = f.opt_bool(o, p, "root_lock", t.root_lock);
  t.rate_hz = f.opt_number(o, p, "rate_hz", t.rate_hz, 1, 240);
  return t;
}

VmcPreset vmc_preset(const Fields& f, const Json& root) {
  f.known_keys(root, "", {"kind", "name", "notes", "outputs"});
  VmcPreset out;
  const Json& outputs = f.array(f.require(root, "", "outputs", "a list of VMC receivers"), "outputs", 1);
  for (size_t i = 0; i < outputs.size(); ++i)
    out.outputs.push_back(vmc_target(f, outputs[i], Fields::at("outputs", i)));
  return out;
}

// ---- vj ----

std::array<double, 3> vec3(const Fields& f, const Json& v, const std::string& path) {
  if (!v.is_array() || v.size() != 3) f.fail(path, "expected [x, y, z] in metres (got " + shown(v) + ")");
  std::array<double, 3> out{};
  for (size_t i = 0; i < 3; ++i) out[i] = f.number(v[i], Fields::at(path, i), -1e4, 1e4);
  return out;
}

void vj_box(const Fields& f, const Json& root, VjPreset& out) {
  const Json* box = f.find(root, "box");
  if (!box) return;
  f.object(*box, "box");
  f.known_keys(*box, "box", {"min", "max"});
  out.box_min = vec3(f, f.require(*box, "box", "min", "[x, y, z]"), "box.min");
  out.box_max = vec3(f, f.require(*box, "box", "max", "[x, y, z]"), "box.max");
  for (size_t i = 0; i < 3; ++i)
    if (!(out.box_min[i] < out.box_max[i]))
      f.fail(Fields::at("box.max", i),
             "expected more than box.min[" + std::to_string(i) + "] (an empty box)");
}

VjMapping vj_mapping(const Fields& f, const Json& o, const std::string& p) {
  f.object(o, p);
  f.known_keys(o, p, {"source", "address", "range"});
  VjMapping m;
  m.source = static_cast<VjSource>(f.choice(f.require(o, p, "source", "beat, phase, onset, energy or tempo"),
                                            Fields::at(p, "source"), kSources));
  m.address = osc_address(f, f.require(o, p, "address", "an OSC address"), Fields::at(p, "address"), 255);
  if (m.source == VjSource::kTempo) {  // BPM: a usual dance range onto 0..1
    m.range_min = 60;
    m.range_max = 180;
  }
  if (const Json* r = f.find(o, "range")) {
    const std::string rp = Fields::at(p, "range");
    if (!r->is_array() || r->size() != 2)
      f.fail(rp, "expected [min, max] in the source's units (got " + shown(*r) + ")");
    m.range_min = f.number((*r)[0], Fields::at(rp, 0), -1e6, 1e6);
    m.range_max = f.number((*r)[1], Fields::at(rp, 1), -1e6, 1e6);
    if (m.range_min == m.range_max) f.fail(rp, "expected two different numbers (got " + shown(*r) + ")");
  }
  return m;
}

VjPreset vj_preset(const Fields& f, const Json& root) {
  f.known_keys(root, "",
               {"kind", "name", "notes", "host", "port", "prefix", "space", "normalise", "box",
                "pose_messages", "joint_messages", "bundled", "mappings"});
  VjPreset out;
  out.host = host(f, root, "");
  out.port = f.opt_int(root, "", "port", out.port, 1, 65535);
  if (const Json* v = f.find(root, "prefix")) out.prefix = osc_address(f, *v, "prefix", 64);
  if (const Json* v = f.find(root, "space"))
    out.space = static_cast<VjPoseSpace>(f.choice(*v, "space", kSpaces));
  out.normalise = f.opt_bool(root, "", "normalise", out.normalise);
  vj_box(f, root, out);
  out.pose_messages = f.opt_bool(root, "", "pose_messages", out.pose_messages);
  out.joint_messages = f.opt_bool(root, "", "joint_messages", out.joint_messages);
  out.bundled = f.opt_bool(root, "", "bundled", out.bundled);
  if (const Json* v = f.find(root, "mappings")) {
    f.array(*v, "mappings", 0);
    for (size_t i = 0; i < v->size(); ++i)
      out.mappings.push_back(vj_mapping(f, (*v)[i], Fields::at("mappings", i)));
  }
  if (!out.pose_messages && !out.joint_messages && out.mappings.empty())
    f.fail("mappings",
           "expected at least one mapping when pose_messages and joint_messages are false "
           "(the preset would send nothing)");
  return out;
}

// ---- midi ----

std::vector<std::string> genres(const Fields& f, const Json& o, const std::string& p) {
  const std::string gp = Fields::at(p, "genres");
  const Json& v = f.array(f.require(o, p, "genres", "a list of genre names"), gp, 1);
  std::vector<std::string> out;
  for (size_t i = 0; i < v.size(); ++i) out.push_back(f.string(v[i], Fields::at(gp, i), 127));
  return out;
}

MidiControl midi_control(const Fields& f, const Json& o, const std::string& p) {
  f.object(o, p);
  f.known_keys(o, p, {"cc", "param", "min", "max", "genres"});
  MidiControl c;
  c.cc = f.integer(f.require(o, p, "cc", "a controller number 0..119"), Fields::at(p, "cc"), 0, 119);
  c.param = static_cast<MidiParam>(
      f.choice(f.require(o, p, "param", "intensity, smoothing or genre"), Fields::at(p, "param"), kParams));
  if (c.param == MidiParam::kGenre) {
    for (const char* k : {"min", "max"})
      if (f.find(o, k)) f.fail(Fields::at(p, k), "not used by param genre (its values come from genres)");
    c.genres = genres(f, o, p);
    return c;
  }
  if (f.find(o, "genres")) f.fail(Fields::at(p, "genres"), "only used by param genre");
  const auto& d = kParamDomain[static_cast<size_t>(c.param)];
  c.min = f.opt_number(o, p, "min", d[0], d[0], d[1]);
  c.max = f.opt_number(o, p, "max", d[1], d[0], d[1]);
  if (c.min == c.max)
    f.fail(Fields::at(p, "max"), "expected a value other than min (the control would do nothing)");
  return c;
}

MidiPad midi_pad(const Fields& f, const Json& o, const std::string& p) {
  f.object(o, p);
  f.known_keys(o, p, {"note", "slot"});
  MidiPad pad;
  pad.note = f.integer(f.require(o, p, "note", "a note number 0..127"), Fields::at(p, "note"), 0, 127);
  pad.slot = f.integer(f.require(o, p, "slot", "a cue slot"), Fields::at(p, "slot"), 1, kMaxCueSlot);
  return pad;
}

int midi_channel(const Fields& f, const Json& root) {
  const Json* v = f.find(root, "channel");
  if (!v || (v->is_string() && v->get<std::string>() == "all")) return 0;
  if (!v->is_number()) f.fail("channel", "expected \"all\" or an integer 1..16 (got " + shown(*v) + ")");
  return f.integer(*v, "channel", 1, 16);
}

MidiMap midi_map(const Fields& f, const Json& root) {
  f.known_keys(root, "", {"kind", "name", "notes", "channel", "controls", "pads"});
  MidiMap out;
  out.channel = midi_channel(f, root);
  if (const Json* v = f.find(root, "controls")) {
    f.array(*v, "controls", 0);
    for (size_t i = 0; i < v->size(); ++i) {
      const std::string p = Fields::at("controls", i);
      out.controls.push_back(midi_control(f, (*v)[i], p));
      for (size_t k = 0; k + 1 < out.controls.size(); ++k)
        if (out.controls[k].cc == out.controls.back().cc)
          f.fail(Fields::at(p, "cc"), "controller " + std::to_string(out.controls[k].cc) +
                                          " is already mapped by controls[" + std::to_string(k) + "]");
    }
  }
  if (const Json* v = f.find(root, "pads")) {
    f.array(*v, "pads", 0);
    for (size_t i = 0; i < v->size(); ++i) {
      const std::string p = Fields::at("pads", i);
      out.pads.push_back(midi_pad(f, (*v)[i], p));
      for (size_t k = 0; k + 1 < out.pads.size(); ++k)
        if (out.pads[k].note == out.pads.back().note)
          f.fail(Fields::at(p, "note"), "note " + std::to_string(out.pads[k].note) +
                                            " is already mapped by pads[" + std::to_string(k) + "]");
    }
  }
  if (out.controls.empty() && out.pads.empty())
    f.fail("controls", "expected at least one control or pad (the map would do nothing)");
  return out;
}

// ---- cues ----

Cue cue(const Fields& f, const Json& o, const std::string& p) {
  f.object(o, p);
  f.known_keys(o, p, {"slot", "text", "mask", "loop"});
  Cue c;
  c.slot = f.integer(f.require(o, p, "slot", "a slot number"), Fields::at(p, "slot"), 1, kMaxCueSlot);
  c.text = f.string(f.require(o, p, "text", "what to perform"), Fields::at(p, "text"), kMaxCueTextBytes);
  if (const Json* v = f.find(o, "mask"))
    c.mask = std::string(kMasks[f.choice(*v, Fields::at(p, "mask"), kMasks)]);
  c.loop = f.opt_bool(o, p, "loop", c.loop);
  return c;
}

CueBank cue_bank(const Fields& f, const Json& root) {
  f.known_keys(root, "", {"kind", "name", "notes", "cues"});
  CueBank out;
  const Json& cues = f.array(f.require(root, "", "cues", "a list of cues"), "cues", 1);
  for (size_t i = 0; i < cues.size(); ++i) {
    const std::string p = Fields::at("cues", i);
    out.cues.push_back(cue(f, cues[i], p));
    for (size_t k = 0; k + 1 < out.cues.size(); ++k)
      if (out.cues[k].slot == out.cues.back().slot)
        f.fail(Fields::at(p, "slot"), "slot " + std::to_string(out.cues[k].slot) +
                                          " is already used by cues[" + std::to_string(k) + "]");
  }
  return out;
}

// ---- writing ----

OrderedJson common(std::string_view kind, const std::string& name, const std::string& notes) {
  OrderedJson j;
  j["kind"] = kind;
  if (!name.empty()) j["name"] = name;
  if (!notes.empty()) j["notes"] = notes;
  return j;
}

OrderedJson to_json(const VmcPreset& p) {
  OrderedJson j = common("vmc", p.name, p.notes);
  j["outputs"] = OrderedJson::array();
  for (const auto& t : p.outputs) {
    OrderedJson o;
    o["host"] = t.host;
    o["port"] = t.port;
    o["bundled"] = t.bundled;
    if (t.bone_mask == kAllJointsMask) {
      o["bones"] = "all";
    } else {
      o["bones"] = OrderedJson::array();
      for (int k = 0; k < motion::kNumJoints; ++k)
        if (t.bone_mask & (1u << k)) o["bones"].push_back(motion::joint_name(k));
    }
    o["root_lock"] = t.root_lock;
    o["rate_hz"] = t.rate_hz;
    j["outputs"].push_back(o);
  }
  return j;
}

OrderedJson to_json(const VjPreset& p) {
  OrderedJson j = common("vj", p.name, p.notes);
  j["host"] = p.host;
  j["port"] = p.port;
  j["prefix"] = p.prefix;
  j["space"] = kSpaces[static_cast<size_t>(p.space)];
  j["normalise"] = p.normalise;
  j["box"]["min"] = p.box_min;
  j["box"]["max"] = p.box_max;
  j["pose_messages"] = p.pose_messages;
  j["joint_messages"] = p.joint_messages;
  j["bundled"] = p.bundled;
  j["mappings"] = OrderedJson::array();
  for (const auto& m : p.mappings) {
    OrderedJson o;
    o["source"] = kSources[static_cast<size_t>(m.source)];
    o["address"] = m.address;
    o["range"] = {m.range_min, m.range_max};
    j["mappings"].push_back(o);
  }
  return j;
}

OrderedJson to_json(const MidiMap& p) {
  OrderedJson j = common("midi", p.name, p.notes);
  if (p.channel == 0) {
    j["channel"] = "all";
  } else {
    j["channel"] = p.channel;
  }
  j["controls"] = OrderedJson::array();
  for (const auto& c : p.controls) {
    OrderedJson o;
    o["cc"] = c.cc;
    o["param"] = kParams[static_cast<size_t>(c.param)];
    if (c.param == MidiParam::kGenre) {
      o["genres"] = c.genres;
    } else {
      o["min"] = c.min;
      o["max"] = c.max;
    }
    j["controls"].push_back(o);
  }
  j["pads"] = OrderedJson::array();
  for (const auto& pad : p.pads) j["pads"].push_back(OrderedJson{{"note", pad.note}, {"slot", pad.slot}});
  return j;
}

OrderedJson to_json(const CueBank& p) {
  OrderedJson j = common("cues", p.name, p.notes);
  j["cues"] = OrderedJson::array();
  for (const auto& c : p.cues)
    j["cues"].push_back(OrderedJson{{"slot", c.slot}, {"text", c.text}, {"mask", c.mask}, {"loop", c.loop}});
  return j;
}

}  // namespace

std::string_view preset_kind(const Preset& preset) { return kKinds[preset.index()]; }

Preset parse_preset(std::string_view text, const std::string& name) {
  Json root = io::parse_json(text, name);
  Locator loc(text);
  Fields f(name, loc);
  if (!root.is_object())
    throw Error(name + ":" + std::to_string(loc.line("")) +
                ": expected a JSON object with a \"kind\" field (got " + shown(root) + ")");
  int kind = f.choice(f.require(root, "", "kind", "vmc, vj, midi or cues"), "kind", kKinds);
  Preset out;
  switch (kind) {
    case 0:
      out = vmc_preset(f, root);
      break;
    case 1:
      out = vj_preset(f, root);
      break;
    case 2:
      out = midi_map(f, root);
      break;
    default:
      out = cue_bank(f, root);
      break;
  }
  std::string stem = std::filesystem::path(name).stem().string();
  std::string preset_name = f.opt_string(root, "", "name", stem.empty() ? "preset" : stem, 200);
  std::string notes;
  if (const Json* v = f.find(root, "notes")) notes = f.string(*v, "notes", 1 << 16);
  std::visit(
      [&](auto& p) {
        p.name = preset_name;
        p.notes = notes;
      },
      out);
  return out;
}

Preset load_preset(const std::filesystem::path& path) {
  return parse_preset(io::read_bytes(path), path.string());
}

namespace {
// Formats and parses the text back; `name` is used in the error when it would not load.
std::string format_checked(const Preset& preset, const std::string& name) {
  std::string text = std::visit([](const auto& p) { return to_json(p).dump(2); }, preset) + "\n";
  parse_preset(text, name);
  return text;
}
}  // namespace

std::string format_preset(const Preset& preset) {
  return format_checked(preset, "preset '" + std::visit([](const auto& p) { return p.name; }, preset) + "'");
}

void save_preset(const Preset& preset, const std::filesystem::path& path) {
  std::string text = format_checked(preset, path.string());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error(path.string() + ": cannot open for writing");
  out << text;
  out.flush();
  if (!out) throw Error(path.string() + ": write failed");
}

}  // namespace e2m::live
