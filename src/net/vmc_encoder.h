// VMC encoder (DESIGN.md 5.1): one canonical pose frame -> the VMC protocol's OSC messages, in
// Unity's left-handed space, packed into bundles of at most 1500 bytes (or unbundled).
//
// Per frame, in this order:
//   /VMC/Ext/Root/Pos  s "root", f px py pz, f qx qy qz qw
//   /VMC/Ext/Bone/Pos  s <Unity bone>, f px py pz, f qx qy qz qw   for each driven joint (exactly 8 args)
//   /VMC/Ext/OK        i 1
//   /VMC/Ext/T         f seconds
// Root placement: motion::placement_of, the pelvis projected onto the ground (x, 0, z) turned by the
// pelvis' heading (yaw).
// Hips is the pelvis position and rotation relative to that placement, so the avatar's height, sway
// and tilt live in Hips and its travel and facing in Root. With the root locked, Root/Pos is the origin
// and identity and Hips is unchanged: the avatar dances on the spot. Other bones: local rotation, and
// local position = the rest offset from motion::skeleton() (what VRM avatars expect).
#pragma once
#include <cstdint>

#include "motion/math.h"
#include "motion/pose.h"
#include "net/frame_packets.h"

namespace e2m::net {

// Bit j set = joint j (motion::Joint) is driven and sent.
inline constexpr std::uint32_t kAllBones = (1u << motion::kNumJoints) - 1;

struct VmcOptions {
  bool root_lock = false;                                 // Root/Pos = origin, identity
  bool bundled = true;                                    // false: every message its own UDP packet
  std::size_t max_bundle_bytes = kDefaultMaxBundleBytes;  // bytes per bundle when bundled
  std::uint32_t bone_mask = kAllBones;                    // bones left out are not sent at all
  double rate_hz = 0;  // VmcOutput sends at most this many frames per second; 0: every output tick
};

// Right-handed Y-up (ours) -> Unity's left-handed Y-up: mirror X.
inline motion::Vec3 unity_position(const motion::Vec3& p) { return {-p.x, p.y, p.z}; }
// The same mirror on a rotation: (x, y, z, w) -> (x, -y, -z, w).
inline motion::Quat unity_rotation(const motion::Quat& q) { return {q.w, q.x, -q.y, -q.z}; }

// The character's ground placement (see above) and the pelvis relative to it.
struct RootSplit {
  motion::Vec3 root_pos;
  motion::Quat root_rot;
  motion::Vec3 hips_pos;
  motion::Quat hips_rot;
};
RootSplit split_root(const motion::PoseFrame& pose);

// Encode one frame into out (cleared first). time_s: seconds since the stream started (/VMC/Ext/T).
// Never allocates or throws; out.ok() is false if it did not fit.
void encode_vmc(const motion::PoseFrame& pose, double time_s, const VmcOptions& options,
                FramePackets& out) noexcept;

}  // namespace e2m::net
