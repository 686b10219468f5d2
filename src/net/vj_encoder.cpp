// VJ OSC encoder: FK positions, beat, tempo, phase, onset and the frame marker.
#include "net/vj_encoder.h"

#include <algorithm>

#include "motion/error.h"
#include "motion/fk.h"
#include "motion/skeleton.h"

namespace e2m::net {

namespace {

bool prefix_char_ok(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
         c == '.' || c == '/';
}

void check_prefix(const std::string& prefix) {
  bool ok = prefix.size() >= 2 && prefix.size() <= 64 && prefix.front() == '/' && prefix.back() != '/' &&
            std::all_of(prefix.begin(), prefix.end(), prefix_char_ok) &&
            prefix.find("//") == std::string::npos;
  if (!ok) {
    throw Error(
        "VJ OSC prefix '" + prefix +
        "': expected '/' followed by up to 63 letters, digits, '_', '-', '.' or '/' (not ending in '/'), "
        "e.g. /e2m");
  }
}

void check_box(const VjOptions& o) {
  for (int a = 0; a < 3; ++a) {
    if (!(o.box_max[a] > o.box_min[a])) {
      throw Error("VJ OSC normalisation box: max must exceed min on every axis (axis " + std::to_string(a) +
                  ": min " + std::to_string(o.box_min[a]) + ", max " + std::to_string(o.box_max[a]) + ")");
    }
  }
}

float unit_interval(double v, double lo, double hi) {
  return static_cast<float>(std::clamp((v - lo) / (hi - lo), 0.0, 1.0));
}

void write_scalar(FramePackets& out, const std::string& address, float v) noexcept {
  out.begin_message(address, 1).add_float(v);
  out.end_message();
}

void write_int(FramePackets& out, const std::string& address, std::int32_t v) noexcept {
  out.begin_message(address, 1).add_int(v);
  out.end_message();
}

}  // namespace

void vj_positions(const motion::PoseFrame& pose, const VjOptions& o, VjPositions& out) noexcept {
  motion::Pose world;
  motion::fk(pose.root, pose.rot.data(), world);
  motion::Vec3 origin = o.space == VjSpace::kRootRelative ? pose.root : motion::Vec3{};
  for (int j = 0; j < motion::kNumJoints; ++j) {
    motion::Vec3 p = world[static_cast<std::size_t>(j)] - origin;
    for (int a = 0; a < 3; ++a) {
      auto i = static_cast<std::size_t>(3 * j + a);
      out[i] = o.normalise ? unit_interval(p[a], o.box_min[a], o.box_max[a]) : static_cast<float>(p[a]);
    }
  }
}

VjEncoder::VjEncoder(VjOptions options) : options_(std::move(options)) {
  check_prefix(options_.prefix);
  if (options_.normalise) check_box(options_);
  const std::string& p = options_.prefix;
  pose_ = p + "/pose";
  beat_ = p + "/beat";
  tempo_ = p + "/tempo";
  phase_ = p + "/phase";
  onset_ = p + "/onset";
  frame_ = p + "/frame";
  for (int j = 0; j < motion::kNumJoints; ++j) {
    joint_[static_cast<std::size_t>(j)] = p + "/joint/" + std::string(motion::joint_name(j));
  }
}

void VjEncoder::encode(const motion::PoseFrame& pose, const VjFrameInfo& info,
                       FramePackets& out) const noexcept {
  out.clear(options_.bundled ? options_.max_bundle_bytes : 0);
  VjPositions pos;
  vj_positions(pose, options_, pos);
  OscWriter& w = out.begin_message(pose_, static_cast<int>(pos.size()));
  for (float v : pos) w.add_float(v);
  out.end_message();
  if (options_.joints) {
    for (std::size_t j = 0; j < joint_.size(); ++j) {
      OscWriter& jw = out.begin_message(joint_[j], 3);
      for (std::size_t a = 0; a < 3; ++a) jw.add_float(pos[3 * j + a]);
      out.end_message();
    }
  }
  if (info.beat) write_int(out, beat_, info.beat_count);
  write_scalar(out, tempo_, info.tempo_bpm);
  write_scalar(out, phase_, info.phase);
  write_scalar(out, onset_, info.onset);
  write_int(out, frame_, info.frame);
}

}  // namespace e2m::net
