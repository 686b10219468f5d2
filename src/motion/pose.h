// A single frame of canonical motion in a fixed-size value type: what the live engine's snapshot
// slots, the mixer and the output encoders pass around without allocating. The per-frame operations
// below (blends, layer masks, root re-anchoring, extrapolation) write into caller-owned frames, never
// allocate and never throw, so the mixer and the output clock can call them; out may alias an input.
// Only the two mask validators throw: they belong where a mask enters (presets, flags).
#pragma once
#include <array>
#include <string_view>

#include "motion/math.h"
#include "motion/skeleton.h"

namespace e2m::motion {

struct PoseFrame {
  Vec3 root;                         // pelvis world position (metres, Y up)
  std::array<Quat, kNumJoints> rot;  // local rotations; rot[0] is the pelvis' world rotation
};

// One weight per joint, in [0, 1]: 0 keeps the first pose, 1 takes the second.
using JointWeights = std::array<double, kNumJoints>;

// Named layer masks. Upper = spine2 (Chest) and everything above it: spine3, neck, head, collars,
// arms. Lower = the rest: pelvis (and with it the root position), hips, spine1, legs, feet.
// kMaskUpper + kMaskLower = kMaskFull for every joint.
inline constexpr JointWeights kMaskFull = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
inline constexpr JointWeights kMaskUpper = {0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
inline constexpr JointWeights kMaskLower = {1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

// "full", "upper" or "lower"; throws e2m::Error naming the field otherwise (for presets and flags).
const JointWeights& joint_mask(std::string_view name, std::string_view field = "mask");
// Throws e2m::Error naming the field and joint when a weight is not a finite number in [0, 1].
void check_joint_weights(const JointWeights& weights, std::string_view field);

// Slerp every joint rotation and lerp the root from a (weight 0) to b (weight 1). The weight is
// clamped to [0, 1] (NaN counts as 0); at 0 and 1 the result is exactly a or b.
void blend(const PoseFrame& a, const PoseFrame& b, double weight, PoseFrame& out);
// Per-joint blend: joint j moves from a to b by weight * mask[j] (clamped as above). The root
// position follows the pelvis' weight, so an upper-body mask leaves the root where a has it.
void blend_masked(const PoseFrame& a, const PoseFrame& b, double weight, const JointWeights& mask,
                  PoseFrame& out);

// Heading of a pose: the yaw (radians, about +Y, 0 = facing +Z, positive turns towards +X) of the
// pelvis' forward +Z axis projected on the ground (motion::heading_yaw of rot[0]).
double pose_heading(const PoseFrame& pose);

// Where a character stands on the ground: x, z in metres and heading yaw in radians about +Y.
struct Placement {
  double x = 0;
  double z = 0;
  double yaw = 0;
};
Placement placement_of(const PoseFrame& pose);

// The rigid ground transform (a turn about +Y and a shift in x, z) that moves a clip whose first
// frame is `first` so that it starts at `target`, facing target.yaw. Heights are kept.
struct RootAnchor {
  Quat turn;  // yaw rotation applied to the root offset and the pelvis rotation
  Vec3 from;  // the clip's first root, projected on the ground (y = 0)
  Vec3 to;    // the target position on the ground (y = 0)
};
RootAnchor make_root_anchor(const PoseFrame& first, const Placement& target);
// Re-anchors one frame of that clip: relative motion (root path, turns) is kept, only placed anew.
void apply_root_anchor(const RootAnchor& anchor, const PoseFrame& in, PoseFrame& out);

// Continues the motion of the last two frames (prev one frame before last) for frames_ahead frames
// (fractional; negative counts as 0) at their constant root and angular velocity, damped so that
// the velocity decays as exp(-t / decay_frames): the pose glides to a stop after a few decay times
// instead of spinning on. decay_frames <= 0 or NaN holds `last`; +infinity is undamped.
// Used by the output clock when the generator is late (an underrun).
void extrapolate(const PoseFrame& prev, const PoseFrame& last, double frames_ahead, double decay_frames,
                 PoseFrame& out);

}  // namespace e2m::motion
