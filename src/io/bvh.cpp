// BVH reader and writer: a line-aware tokenizer for the hierarchy, row-per-line frame data, every
// count and value checked so malformed files end in an e2m::Error naming file and line.
#include "io/bvh.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <unordered_set>

#include "motion/error.h"
#include "motion/rotation.h"
#include "motion/skeleton.h"

namespace e2m::io {

using motion::Quat;
using motion::Vec3;

namespace {

constexpr std::array<std::string_view, 6> kChannelNames = {"Xposition", "Yposition", "Zposition",
                                                           "Xrotation", "Yrotation", "Zrotation"};
// Values beyond this are not motion data (cm or degrees); they would only overflow FK.
constexpr double kMaxAbsValue = 1e9;

bool is_position(BvhChannel c) { return static_cast<int>(c) < 3; }
int axis_of(BvhChannel c) { return static_cast<int>(c) % 3; }

// A token for an error message: printable characters only, not too long.
std::string quote(std::string_view tok) {
  std::string out = "'";
  for (char c : tok.substr(0, 40)) out += (c >= 32 && c < 127) ? c : '?';
  if (tok.size() > 40) out += "...";
  return out + "'";
}

// Parse a whole token as a finite double; leading '+' allowed.
bool parse_number(std::string_view tok, double& out) {
  if (!tok.empty() && tok.front() == '+') tok.remove_prefix(1);
  if (tok.empty()) return false;
  const char* end = tok.data() + tok.size();
  auto [ptr, ec] = std::from_chars(tok.data(), end, out);
  return ec == std::errc() && ptr == end;
}

// Whitespace-separated tokens with their 1-based line numbers.
class Lexer {
 public:
  Lexer(std::string_view text, const std::string& name) : text_(text), name_(name) {}

  [[noreturn]] void fail(int line, const std::string& what) const {
    throw Error(name_ + ":" + std::to_string(line) + ": " + what);
  }
  [[noreturn]] void fail(const std::string& what) const { fail(line_, what); }

  // The next token, or an empty view at the end of the text.
  std::string_view next() {
    skip_space();
    tok_line_ = line_;
    size_t start = pos_;
    while (pos_ < text_.size() && !is_space(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }
  std::string_view peek() {
    size_t p = pos_;
    int l = line_;
    auto t = next();
    pos_ = p;
    line_ = l;
    return t;
  }
  // True when the next token is on the current line (no newline before it).
  bool more_on_line() {
    size_t p = pos_;
    while (p < text_.size() && (text_[p] == ' ' || text_[p] == '\t')) ++p;
    return p < text_.size() && text_[p] != '\n' && text_[p] != '\r';
  }
  // Rest of the current line as a trimmed view (used for names with spaces); moves past it.
  std::string_view rest_of_line() {
    size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] != '\n' && text_[pos_] != '\r') ++pos_;
    auto s = text_.substr(start, pos_ - start);
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
  }
  // Read the next line (without its terminator); false at the end of the text.
  bool next_line(std::string_view& line) {
    if (pos_ >= text_.size()) return false;
    // Finish the current line first when positioned in its middle.
    size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] != '\n' && text_[pos_] != '\r') ++pos_;
    line = text_.substr(start, pos_ - start);
    tok_line_ = line_;
    if (pos_ < text_.size()) {
      if (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
      ++pos_;
      ++line_;
    }
    return true;
  }
  // Move to the start of the next line, requiring nothing else on the current one.
  void end_line(std::string_view after) {
    if (more_on_line()) fail("unexpected " + quote(peek()) + " after " + std::string(after));
    std::string_view dummy;
    next_line(dummy);
  }
  int line() const { return tok_line_; }

 private:
  static bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  }
  void skip_space() {
    while (pos_ < text_.size() && is_space(text_[pos_])) {
      if (text_[pos_] == '\n') {
        ++line_;
      } else if (text_[pos_] == '\r') {
        if (!(pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n')) ++line_;
      }
      ++pos_;
    }
  }

  std::string_view text_;
  const std::string& name_;
  size_t pos_ = 0;
  int line_ = 1;
  int tok_line_ = 1;
};

Vec3 read_offset(Lexer& lx, std::string_view owner) {
  Vec3 v;
  for (int i = 0; i < 3; ++i) {
    if (!lx.more_on_line())
      lx.fail("OFFSET of " + std::string(owner) + " needs 3 numbers, found " + std::to_string(i));
    auto t = lx.next();
    if (!parse_number(t, v[i]))
      lx.fail("OFFSET of " + std::string(owner) + ": expected a number, got " + quote(t));
    if (!std::isfinite(v[i]) || std::abs(v[i]) > kMaxAbsValue)
      lx.fail("OFFSET of " + std::string(owner) + ": value " + quote(t) +
              " is not a finite number within +-1e9");
  }
  lx.end_line("the 3 OFFSET values");
  return v;
}

struct JointName {
  std::string name;
  bool brace_read = false;  // "JOINT name {" on one line
};

JointName read_name(Lexer& lx, std::string_view keyword) {
  if (!lx.more_on_line()) lx.fail("expected a joint name after '" + std::string(keyword) + "'");
  auto name = lx.rest_of_line();  // names may contain spaces
  JointName out;
  if (!name.empty() && name.back() == '{') {
    name.remove_suffix(1);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
    out.brace_read = true;
  }
  if (name.empty() || name == "{" || name == "}")
    lx.fail("expected a joint name after '" + std::string(keyword) + "'");
  out.name = std::string(name);
  return out;
}

// Rotation of a joint from its rotation channels in file order: R = R1 * R2 * R3.
Quat rotation_from_channels(const BvhJoint& j, const double* row) {
  std::string order;
  Vec3 deg;
  bool repeated = false;
  for (size_t c = 0; c < j.channels.size(); ++c) {
    if (is_position(j.channels[c])) continue;
    int a = axis_of(j.channels[c]);
    char axis = static_cast<char>('X' + a);
    if (order.find(axis) != std::string::npos) repeated = true;
    order += axis;
    deg[a] = row[j.channel_start + static_cast<int>(c)];
  }
  if (order.empty()) return Quat::identity();
  if (order.size() == 3 && !repeated) return motion::quat_from_euler(order, deg);
  // Partial or repeated rotation channels: compose one axis at a time, same convention.
  Quat q = Quat::identity();
  for (size_t c = 0; c < j.channels.size(); ++c) {
    if (is_position(j.channels[c])) continue;
    Vec3 axis;
    axis[axis_of(j.channels[c])] = 1;
    q = q * motion::quat_from_axis_angle(axis, row[j.channel_start + static_cast<int>(c)] * M_PI / 180.0);
  }
  return motion::normalized(q);
}

// Shortest decimal text for a value written with 6 decimals ("1.5", "0", "-0.000123").
void append_number(std::string& out, double v) {
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%.6f", v);
  std::string_view s(buf, n > 0 ? static_cast<size_t>(n) : 0);
  if (s.find('.') != std::string_view::npos) {
    while (!s.empty() && s.back() == '0') s.remove_suffix(1);
    if (!s.empty() && s.back() == '.') s.remove_suffix(1);
  }
  if (s == "-0") s = "0";
  out += s;
}

void world_transforms(const Bvh& bvh, int frame, std::vector<Vec3>& pos, std::vector<Quat>& rot) {
  size_t n = bvh.joints.size();
  pos.assign(n, Vec3{});
  rot.assign(n, Quat::identity());
  for (size_t j = 0; j < n; ++j) {
    int i = static_cast<int>(j);
    Quat local = bvh.local_rotation(frame, i);
    Vec3 t = bvh.local_translation(frame, i);
    int p = bvh.joints[j].parent;
    if (p < 0) {
      pos[j] = t;
      rot[j] = local;
    } else {
      pos[j] = pos[p] + motion::rotate(rot[p], t);
      rot[j] = rot[p] * local;
    }
  }
}

}  // namespace

std::string_view channel_name(BvhChannel c) { return kChannelNames[static_cast<int>(c)]; }

void update_channel_starts(Bvh& bvh) {
  int start = 0;
  for (auto& j : bvh.joints) {
    j.channel_start = start;
    start += static_cast<int>(j.channels.size());
  }
}

int Bvh::num_channels() const {
  int n = 0;
  for (const auto& j : joints) n += static_cast<int>(j.channels.size());
  return n;
}

int Bvh::find(std::string_view name) const {
  for (size_t i = 0; i < joints.size(); ++i)
    if (joints[i].name == name) return static_cast<int>(i);
  return -1;
}

namespace {
const double* frame_row(const Bvh& b, int frame, int joint) {
  if (joint < 0 || joint >= static_cast<int>(b.joints.size()))
    throw Error("bvh: joint index " + std::to_string(joint) + " out of range");
  if (b.joints[joint].channels.empty()) return nullptr;
  if (frame < 0 || frame >= b.frames)
    throw Error("bvh: frame " + std::to_string(frame) + " out of range (" + std::to_string(b.frames) +
                " frames)");
  size_t nch = static_cast<size_t>(b.num_channels());
  size_t end = static_cast<size_t>(b.joints[joint].channel_start) + b.joints[joint].channels.size();
  if (b.values.size() != nch * static_cast<size_t>(b.frames) || end > nch)
    throw Error("bvh: values/channel layout inconsistent (call update_channel_starts)");
  return b.values.data() + static_cast<size_t>(frame) * nch;
}
}  // namespace

Quat Bvh::local_rotation(int frame, int joint) const {
  const double* row = frame_row(*this, frame, joint);
  if (!row) return Quat::identity();
  return rotation_from_channels(joints[joint], row);
}

Vec3 Bvh::local_translation(int frame, int joint) const {
  const double* row = frame_row(*this, frame, joint);
  const BvhJoint& j = joints[joint];
  Vec3 t = j.offset;
  if (!row) return t;
  for (size_t c = 0; c < j.channels.size(); ++c)
    if (is_position(j.channels[c])) t[axis_of(j.channels[c])] = row[j.channel_start + static_cast<int>(c)];
  return t;
}

std::vector<Vec3> Bvh::world_positions(int frame) const {
  std::vector<Vec3> pos;
  std::vector<Quat> rot;
  world_transforms(*this, frame, pos, rot);
  return pos;
}

Bvh parse_bvh(std::string_view text, const std::string& name) {
  Lexer lx(text, name);
  Bvh bvh;
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) throw Error(name + ": file is empty");
  auto tok = lx.next();
  if (tok != "HIERARCHY") lx.fail("expected 'HIERARCHY' at the start of the file, got " + quote(tok));
  lx.end_line("'HIERARCHY'");

  std::unordered_set<std::string> names;
  std::vector<int> stack;  // open joints; -2 marks an open End Site
  int channel_count = 0;

  // Parses "{ OFFSET ... [CHANNELS ...]" after a ROOT/JOINT name.
  auto open_joint = [&](int parent, const JointName& jn) {
    const std::string& jname = jn.name;
    if (static_cast<int>(bvh.joints.size()) >= kBvhMaxJoints)
      lx.fail("more than " + std::to_string(kBvhMaxJoints) + " joints");
    if (!names.insert(jname).second) lx.fail("duplicate joint name " + quote(jname));
    if (!jn.brace_read) {
      auto t = lx.next();
      if (t != "{")
        lx.fail("expected '{' after joint name " + quote(jname) + ", got " +
                (t.empty() ? "end of file" : quote(t)));
    }
    BvhJoint j;
    j.name = jname;
    j.parent = parent;
    auto t = lx.next();
    if (t != "OFFSET")
      lx.fail("expected 'OFFSET' after '{' of " + quote(jname) + ", got " +
              (t.empty() ? "end of file" : quote(t)));
    j.offset = read_offset(lx, quote(jname));
    if (lx.peek() == "CHANNELS") {
      lx.next();
      int line = lx.line();
      auto c = lx.next();
      double n = -1;
      if (lx.line() != line || !parse_number(c, n) || n != std::floor(n) || n < 0 || n > 6)
        lx.fail(line,
                "CHANNELS of " + quote(jname) + ": expected a channel count from 0 to 6, got " + quote(c));
      int count = static_cast<int>(n);
      int listed = 0;
      while (lx.more_on_line()) {
        auto cn = lx.next();
        auto it = std::find(kChannelNames.begin(), kChannelNames.end(), cn);
        if (it == kChannelNames.end())
          lx.fail(line, "unknown channel name " + quote(cn) + " for " + quote(jname));
        auto ch = static_cast<BvhChannel>(it - kChannelNames.begin());
        if (std::find(j.channels.begin(), j.channels.end(), ch) != j.channels.end())
          lx.fail(line, "channel " + quote(cn) + " listed twice for " + quote(jname));
        j.channels.push_back(ch);
        ++listed;
      }
      if (listed != count)
        lx.fail(line, "CHANNELS " + std::to_string(count) + " of " + quote(jname) + " lists " +
                          std::to_string(listed) + " channel names");
      std::string_view dummy;
      lx.next_line(dummy);
    }
    j.channel_start = channel_count;
    channel_count += static_cast<int>(j.channels.size());
    bvh.joints.push_back(std::move(j));
    stack.push_back(static_cast<int>(bvh.joints.size()) - 1);
  };

  tok = lx.next();
  if (tok != "ROOT")
    lx.fail("expected 'ROOT' after 'HIERARCHY', got " + (tok.empty() ? "end of file" : quote(tok)));
  open_joint(-1, read_name(lx, "ROOT"));
  while (true) {
    tok = lx.next();
    if (tok.empty()) {
      if (!stack.empty()) lx.fail("file ends inside the hierarchy (missing '}')");
      lx.fail("missing 'MOTION' section");
    }
    if (stack.empty()) {
      if (tok == "ROOT") {
        open_joint(-1, read_name(lx, "ROOT"));
        continue;
      }
      if (tok == "MOTION") break;
      lx.fail("expected 'MOTION' or 'ROOT' after the hierarchy, got " + quote(tok));
    }
    if (tok == "}") {
      stack.pop_back();
      continue;
    }
    if (stack.back() == -2) lx.fail("expected '}' to close End Site, got " + quote(tok));
    if (tok == "JOINT") {
      open_joint(stack.back(), read_name(lx, "JOINT"));
    } else if (tok == "End") {
      int line = lx.line();
      auto site = lx.next();
      if (site != "Site" || lx.line() != line) lx.fail(line, "expected 'Site' after 'End'");
      BvhJoint& owner = bvh.joints[stack.back()];
      auto b = lx.next();
      if (b != "{")
        lx.fail("expected '{' after 'End Site' of " + quote(owner.name) + ", got " +
                (b.empty() ? "end of file" : quote(b)));
      auto o = lx.next();
      if (o != "OFFSET")
        lx.fail("End Site of " + quote(owner.name) + ": expected 'OFFSET' after '{', got " +
                (o.empty() ? "end of file" : quote(o)));
      Vec3 v = read_offset(lx, "End Site of " + quote(owner.name));
      if (!owner.has_end_site) {  // a second End Site (non-standard) is read and ignored
        owner.has_end_site = true;
        owner.end_site = v;
      }
      stack.push_back(-2);
    } else if (tok == "MOTION") {
      lx.fail("'MOTION' inside the hierarchy: " + std::to_string(stack.size()) + " '{' not closed");
    } else if (tok == "OFFSET" || tok == "CHANNELS") {
      lx.fail(quote(tok) + " out of place (each joint has one OFFSET then one CHANNELS line)");
    } else {
      lx.fail("expected 'JOINT', 'End Site' or '}', got " + quote(tok));
    }
  }
  lx.end_line("'MOTION'");

  // Frames: N
  tok = lx.next();
  if (tok != "Frames:")
    lx.fail("expected 'Frames:' after 'MOTION', got " + (tok.empty() ? "end of file" : quote(tok)));
  const int frames_line = lx.line();
  auto frames_tok = lx.next();
  double frames = -1;
  if (lx.line() != frames_line || !parse_number(frames_tok, frames))
    lx.fail(frames_line, "expected a frame count after 'Frames:', got " + quote(frames_tok));
  if (!(frames >= 0) || frames != std::floor(frames) || frames > kBvhMaxFrames)
    lx.fail(frames_line, "frame count " + quote(frames_tok) + " must be a whole number from 0 to " +
                             std::to_string(kBvhMaxFrames));
  bvh.frames = static_cast<int>(frames);
  lx.end_line("the frame count");

  tok = lx.next();
  int ft_line = lx.line();
  if (tok != "Frame" || lx.next() != "Time:" || lx.line() != ft_line)
    lx.fail(ft_line, "expected 'Frame Time:' after 'Frames:'");
  auto ft = lx.next();
  if (lx.line() != ft_line || !parse_number(ft, bvh.frame_time))
    lx.fail(ft_line, "expected a number after 'Frame Time:', got " + quote(ft));
  if (!std::isfinite(bvh.frame_time) || bvh.frame_time <= 0 || bvh.frame_time > 60)
    lx.fail(ft_line, "Frame Time " + quote(ft) + " must be a positive number of seconds (at most 60)");
  lx.end_line("the frame time");

  const size_t nch = static_cast<size_t>(channel_count);
  // Reserve no more than the text could hold (two characters per value at least).
  bvh.values.reserve(std::min(nch * static_cast<size_t>(bvh.frames), text.size() / 2 + 1));
  int frame = 0;
  std::string_view line;
  while (lx.next_line(line)) {
    int lineno = lx.line();
    // Split the line into values.
    size_t count = 0;
    size_t p = 0;
    bool blank = line.find_first_not_of(" \t\f\v") == std::string_view::npos;
    if (blank) continue;
    if (frame >= bvh.frames)
      lx.fail(lineno, "more frame rows than 'Frames: " + std::to_string(bvh.frames) + "' declares");
    while (p < line.size()) {
      while (p < line.size() && (line[p] == ' ' || line[p] == '\t' || line[p] == '\f' || line[p] == '\v'))
        ++p;
      if (p >= line.size()) break;
      size_t s = p;
      while (p < line.size() && !(line[p] == ' ' || line[p] == '\t' || line[p] == '\f' || line[p] == '\v'))
        ++p;
      auto t = line.substr(s, p - s);
      double v = 0;
      if (!parse_number(t, v))
        lx.fail(lineno, "frame " + std::to_string(frame) + " value " + std::to_string(count) +
                            ": expected a number, got " + quote(t));
      if (!std::isfinite(v) || std::abs(v) > kMaxAbsValue)
        lx.fail(lineno, "frame " + std::to_string(frame) + " value " + std::to_string(count) +
                            " is not a finite number within +-1e9 (" + quote(t) + ")");
      ++count;
      if (count > nch) break;
      bvh.values.push_back(v);
    }
    if (count != nch) {
      // Count the full line for the message even when it is too long.
      size_t total = 0;
      std::istringstream ss{std::string(line)};
      std::string w;
      while (ss >> w) ++total;
      lx.fail(lineno, "frame " + std::to_string(frame) + " has " + std::to_string(total) +
                          " values, expected " + std::to_string(nch));
    }
    ++frame;
  }
  if (frame != bvh.frames)
    lx.fail(lx.line(), "file ends after " + std::to_string(frame) + " frame rows, but 'Frames:' says " +
                           std::to_string(bvh.frames));
  return bvh;
}

Bvh read_bvh(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string() + ": cannot open BVH file");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw Error(path.string() + ": read error");
  return parse_bvh(ss.str(), path.string());
}

std::string format_bvh(const Bvh& bvh) {
  const int nj = static_cast<int>(bvh.joints.size());
  const size_t nch = static_cast<size_t>(bvh.num_channels());
  if (nj == 0) throw Error("format_bvh: no joints");
  if (bvh.frames < 0 || bvh.values.size() != nch * static_cast<size_t>(bvh.frames))
    throw Error("format_bvh: " + std::to_string(bvh.values.size()) + " values for " +
                std::to_string(bvh.frames) + " frames of " + std::to_string(nch) + " channels");
  if (!std::isfinite(bvh.frame_time) || bvh.frame_time <= 0)
    throw Error("format_bvh: frame time must be positive");
  // Values are written joint by joint in hierarchy order, so channel_start must match that order.
  std::vector<std::vector<int>> children(nj);
  std::vector<int> roots;
  for (int j = 0; j < nj; ++j) {
    int p = bvh.joints[j].parent;
    if (p >= j) throw Error("format_bvh: joint " + quote(bvh.joints[j].name) + " comes before its parent");
    if (p < 0)
      roots.push_back(j);
    else
      children[p].push_back(j);
  }
  std::vector<int> order;  // depth-first order in which joints are written
  std::string out = "HIERARCHY\n";
  auto offset_line = [&](const std::string& ind, const Vec3& v) {
    out += ind + "OFFSET ";
    for (int i = 0; i < 3; ++i) {
      if (i) out += ' ';
      append_number(out, v[i]);
    }
    out += '\n';
  };
  // Iterative depth-first write: (joint, opening?) pairs.
  std::vector<std::pair<int, bool>> todo;
  for (auto it = roots.rbegin(); it != roots.rend(); ++it) todo.push_back({*it, true});
  std::vector<int> depth(nj, 0);
  while (!todo.empty()) {
    auto [j, open] = todo.back();
    todo.pop_back();
    const BvhJoint& jt = bvh.joints[j];
    int d = jt.parent < 0 ? 0 : depth[jt.parent] + 1;
    depth[j] = d;
    std::string ind(d, '\t');
    if (!open) {
      if (jt.has_end_site) {
        out += ind + "\tEnd Site\n" + ind + "\t{\n";
        offset_line(ind + "\t\t", jt.end_site);
        out += ind + "\t}\n";
      }
      out += ind + "}\n";
      continue;
    }
    order.push_back(j);
    out += ind + (jt.parent < 0 ? "ROOT " : "JOINT ") + jt.name + "\n" + ind + "{\n";
    offset_line(ind + "\t", jt.offset);
    out += ind + "\tCHANNELS " + std::to_string(jt.channels.size());
    for (auto c : jt.channels) out += " " + std::string(channel_name(c));
    out += '\n';
    todo.push_back({j, false});
    for (auto it = children[j].rbegin(); it != children[j].rend(); ++it) todo.push_back({*it, true});
  }
  out += "MOTION\nFrames: " + std::to_string(bvh.frames) + "\n";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", bvh.frame_time);
  out += std::string("Frame Time: ") + buf + "\n";
  out.reserve(out.size() + bvh.values.size() * 10);
  for (int f = 0; f < bvh.frames; ++f) {
    const double* row = bvh.values.data() + static_cast<size_t>(f) * nch;
    bool first = true;
    for (int j : order) {
      const BvhJoint& jt = bvh.joints[j];
      for (size_t c = 0; c < jt.channels.size(); ++c) {
        size_t idx = static_cast<size_t>(jt.channel_start) + c;
        if (idx >= nch) throw Error("format_bvh: channel_start of " + quote(jt.name) + " out of range");
        if (!first) out += ' ';
        first = false;
        append_number(out, row[idx]);
      }
    }
    out += '\n';
  }
  return out;
}

void write_bvh(const Bvh& bvh, const std::filesystem::path& path) {
  std::string text = format_bvh(bvh);
  std::ofstream out(path, std::ios::binary);
  if (!out) throw Error(path.string() + ": cannot open for writing");
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (!out) throw Error(path.string() + ": write failed");
}

namespace {
constexpr std::string_view kOrder = "ZXY";
const std::vector<BvhChannel> kRotChannels = {BvhChannel::Zrotation, BvhChannel::Xrotation,
                                              BvhChannel::Yrotation};

// Length of the End Site bone on each leaf joint, metres, along the joint's own rest direction.
double end_site_length(int j) {
  switch (j) {
    case motion::kHead:
      return 0.10;
    case motion::kLeftWrist:
    case motion::kRightWrist:
      return 0.08;
    case motion::kLeftFoot:
    case motion::kRightFoot:
      return 0.05;
    default:
      return 0;
  }
}
}  // namespace

Bvh clip_to_bvh(const motion::Clip& clip, double scale) {
  using namespace motion;
  if (!(clip.fps > 0) || !std::isfinite(clip.fps)) throw Error("clip_to_bvh: fps must be positive");
  if (clip.rot.size() != static_cast<size_t>(clip.frames()) * kNumJoints)
    throw Error("clip_to_bvh: clip has " + std::to_string(clip.rot.size()) + " rotations for " +
                std::to_string(clip.frames()) + " frames");
  Bvh bvh;
  bvh.frame_time = 1.0 / clip.fps;
  bvh.frames = clip.frames();
  for (int j = 0; j < kNumJoints; ++j) {
    BvhJoint jt;
    jt.name = std::string(joint_name(j));
    jt.parent = parent(j);
    jt.offset = j == 0 ? Vec3{0, rest_pelvis_height(), 0} * scale : rest_offset(j) * scale;
    if (j == 0) jt.channels = {BvhChannel::Xposition, BvhChannel::Yposition, BvhChannel::Zposition};
    jt.channels.insert(jt.channels.end(), kRotChannels.begin(), kRotChannels.end());
    if (double len = end_site_length(j); len > 0) {
      jt.has_end_site = true;
      jt.end_site = normalized(rest_offset(j)) * (len * scale);
    }
    bvh.joints.push_back(std::move(jt));
  }
  update_channel_starts(bvh);
  const size_t nch = static_cast<size_t>(bvh.num_channels());
  bvh.values.resize(nch * static_cast<size_t>(bvh.frames));
  for (int f = 0; f < bvh.frames; ++f) {
    double* row = bvh.values.data() + static_cast<size_t>(f) * nch;
    Vec3 r = clip.root[f] * scale;
    row[0] = r.x;
    row[1] = r.y;
    row[2] = r.z;
    for (int j = 0; j < kNumJoints; ++j) {
      Vec3 deg = quat_to_euler(kOrder, normalized(clip.q(f, j)));
      double* out = row + bvh.joints[j].channel_start + (j == 0 ? 3 : 0);
      out[0] = deg.z;
      out[1] = deg.x;
      out[2] = deg.y;
    }
  }
  return bvh;
}

motion::Clip bvh_to_clip(const Bvh& bvh, double scale) {
  using namespace motion;
  if (!(scale > 0)) throw Error("bvh_to_clip: scale must be positive");
  std::array<int, kNumJoints> idx{};
  for (int j = 0; j < kNumJoints; ++j) {
    idx[j] = bvh.find(joint_name(j));
    if (idx[j] < 0) throw Error("bvh_to_clip: joint '" + std::string(joint_name(j)) + "' is missing");
    if (j > 0 && bvh.joints[idx[j]].parent != idx[parent(j)])
      throw Error("bvh_to_clip: the parent of '" + std::string(joint_name(j)) + "' must be '" +
                  std::string(joint_name(parent(j))) + "'");
  }
  Clip clip;
  double fps = bvh.fps();
  if (std::abs(fps - std::round(fps)) < 1e-3) fps = std::round(fps);
  clip.fps = fps;
  clip.resize(bvh.frames);
  std::vector<Vec3> pos;
  std::vector<Quat> rot;
  for (int f = 0; f < bvh.frames; ++f) {
    // The pelvis may sit below other joints (e.g. a world root); take its world transform.
    world_transforms(bvh, f, pos, rot);
    clip.root[f] = pos[idx[0]] / scale;
    clip.q(f, 0) = normalized(rot[idx[0]]);
    for (int j = 1; j < kNumJoints; ++j) clip.q(f, j) = bvh.local_rotation(f, idx[j]);
  }
  return clip;
}

}  // namespace e2m::io
