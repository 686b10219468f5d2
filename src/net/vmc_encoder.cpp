// VMC encoder: canonical pose -> /VMC/Ext/{Root,Bone}/Pos, OK, T in Unity space.
#include "net/vmc_encoder.h"

#include "motion/rotation.h"
#include "motion/skeleton.h"

namespace e2m::net {

namespace {

// name, then position and rotation converted to Unity space: the 8-argument layout of Root/Pos and
// Bone/Pos that every VMC receiver accepts.
void write_transform(FramePackets& out, const char* address, std::string_view name, const motion::Vec3& pos,
                     const motion::Quat& rot) noexcept {
  motion::Vec3 p = unity_position(pos);
  motion::Quat q = unity_rotation(rot);
  OscWriter& w = out.begin_message(address, 8);
  w.add_string(name);
  w.add_float(static_cast<float>(p.x));
  w.add_float(static_cast<float>(p.y));
  w.add_float(static_cast<float>(p.z));
  w.add_float(static_cast<float>(q.x));
  w.add_float(static_cast<float>(q.y));
  w.add_float(static_cast<float>(q.z));
  w.add_float(static_cast<float>(q.w));
  out.end_message();
}

}  // namespace

RootSplit split_root(const motion::PoseFrame& pose) {
  RootSplit s;
  motion::Placement ground = motion::placement_of(pose);
  s.root_pos = {ground.x, 0.0, ground.z};
  s.root_rot = motion::quat_yaw(ground.yaw);
  motion::Quat inv = motion::conjugate(s.root_rot);
  s.hips_pos = motion::rotate(inv, pose.root - s.root_pos);
  s.hips_rot = motion::normalized(inv * pose.rot[0]);
  return s;
}

void encode_vmc(const motion::PoseFrame& pose, double time_s, const VmcOptions& options,
                FramePackets& out) noexcept {
  out.clear(options.bundled ? options.max_bundle_bytes : 0);
  RootSplit s = split_root(pose);
  if (options.root_lock) {
    write_transform(out, "/VMC/Ext/Root/Pos", "root", {}, motion::Quat::identity());
  } else {
    write_transform(out, "/VMC/Ext/Root/Pos", "root", s.root_pos, s.root_rot);
  }
  const auto& skel = motion::skeleton();
  for (int j = 0; j < motion::kNumJoints; ++j) {
    if (!(options.bone_mask & (1u << j))) continue;
    const auto& info = skel[static_cast<std::size_t>(j)];
    if (j == motion::kPelvis) {
      write_transform(out, "/VMC/Ext/Bone/Pos", info.unity_bone, s.hips_pos, s.hips_rot);
    } else {
      motion::Quat local = motion::normalized(pose.rot[static_cast<std::size_t>(j)]);
      write_transform(out, "/VMC/Ext/Bone/Pos", info.unity_bone, info.offset, local);
    }
  }
  out.begin_message("/VMC/Ext/OK", 1).add_int(1);
  out.end_message();
  out.begin_message("/VMC/Ext/T", 1).add_float(static_cast<float>(time_s));
  out.end_message();
}

}  // namespace e2m::net
