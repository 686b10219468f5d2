// Pose operations for the mixer and the output clock: blends, layer masks, re-anchoring, extrapolation.
#include "motion/pose.h"

#include <cmath>
#include <string>

#include "motion/error.h"
#include "motion/rotation.h"

namespace e2m::motion {

namespace {

// Clamp to [0, 1]; NaN becomes 0 so a bad weight keeps the first pose rather than poisoning it.
double clamp_weight(double w) {
  if (!(w > 0)) return 0;
  return w < 1 ? w : 1;
}

Quat blend_rotation(const Quat& a, const Quat& b, double w) {
  if (w <= 0) return a;
  if (w >= 1) return b;
  return normalized(slerp(a, b, w));
}

Vec3 lerp(const Vec3& a, const Vec3& b, double w) {
  if (w <= 0) return a;
  if (w >= 1) return b;
  return a + (b - a) * w;
}

}  // namespace

const JointWeights& joint_mask(std::string_view name, std::string_view field) {
  if (name == "full") return kMaskFull;
  if (name == "upper") return kMaskUpper;
  if (name == "lower") return kMaskLower;
  throw Error(std::string(field) + ": unknown mask '" + std::string(name) +
              "' (expected full, upper or lower)");
}

void check_joint_weights(const JointWeights& weights, std::string_view field) {
  for (int j = 0; j < kNumJoints; ++j) {
    double w = weights[j];
    if (!std::isfinite(w) || w < 0 || w > 1) {
      throw Error(std::string(field) + ": weight of " + std::string(joint_name(j)) + " is " +
                  std::to_string(w) + " (expected a number in [0, 1])");
    }
  }
}

void blend(const PoseFrame& a, const PoseFrame& b, double weight, PoseFrame& out) {
  double w = clamp_weight(weight);
  out.root = lerp(a.root, b.root, w);
  for (int j = 0; j < kNumJoints; ++j) out.rot[j] = blend_rotation(a.rot[j], b.rot[j], w);
}

void blend_masked(const PoseFrame& a, const PoseFrame& b, double weight, const JointWeights& mask,
                  PoseFrame& out) {
  double w = clamp_weight(weight);
  out.root = lerp(a.root, b.root, w * clamp_weight(mask[kPelvis]));
  for (int j = 0; j < kNumJoints; ++j)
    out.rot[j] = blend_rotation(a.rot[j], b.rot[j], w * clamp_weight(mask[j]));
}

double pose_heading(const PoseFrame& pose) { return heading_yaw(pose.rot[kPelvis]); }

Placement placement_of(const PoseFrame& pose) { return {pose.root.x, pose.root.z, pose_heading(pose)}; }

RootAnchor make_root_anchor(const PoseFrame& first, const Placement& target) {
  RootAnchor anchor;
  anchor.turn = quat_yaw(target.yaw - pose_heading(first));
  anchor.from = {first.root.x, 0, first.root.z};
  anchor.to = {target.x, 0, target.z};
  return anchor;
}

void apply_root_anchor(const RootAnchor& anchor, const PoseFrame& in, PoseFrame& out) {
  // A turn about +Y leaves the height of the offset alone, so heights carry over unchanged.
  out.root = anchor.to + rotate(anchor.turn, in.root - anchor.from);
  out.rot = in.rot;
  out.rot[kPelvis] = normalized(anchor.turn * in.rot[kPelvis]);
}

void extrapolate(const PoseFrame& prev, const PoseFrame& last, double frames_ahead, double decay_frames,
                 PoseFrame& out) {
  double s = frames_ahead > 0 ? frames_ahead : 0;
  // Distance travelled at a velocity decaying as exp(-t / tau): tau (1 - exp(-s / tau)), in frames.
  double steps = 0;
  if (decay_frames > 0) steps = std::isinf(decay_frames) ? s : decay_frames * -std::expm1(-s / decay_frames);
  if (steps == 0) {
    out = last;  // holding: exactly the last frame
    return;
  }
  Vec3 root_step = last.root - prev.root;
  out.root = last.root + root_step * steps;
  for (int j = 0; j < kNumJoints; ++j) {
    // Per-frame change applied on the parent side (delta * prev = last), shortest arc.
    Vec3 rotvec = quat_to_axis_angle(last.rot[j] * conjugate(prev.rot[j]));
    out.rot[j] = normalized(quat_from_rotvec(rotvec * steps) * last.rot[j]);
  }
}

}  // namespace e2m::motion
