// BVH motion files: a generic hierarchy (any channel order, position channels on any joint, End
// Sites, any rest pose and frame time), a reader whose errors name file and line, and a writer in
// the standard layout Blender's importer reads.
#pragma once
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "motion/clip.h"
#include "motion/math.h"

namespace e2m::io {

enum class BvhChannel { Xposition, Yposition, Zposition, Xrotation, Yrotation, Zrotation };

struct BvhJoint {
  std::string name;
  int parent = -1;                   // index into Bvh::joints, -1 for a ROOT
  motion::Vec3 offset;               // rest offset from the parent, file units
  std::vector<BvhChannel> channels;  // in file order
  int channel_start = 0;             // index of this joint's first channel in a frame row
  bool has_end_site = false;
  motion::Vec3 end_site;  // End Site offset when has_end_site
};

struct Bvh {
  std::vector<BvhJoint> joints;    // parents come before children (file order)
  double frame_time = 1.0 / 30.0;  // seconds
  int frames = 0;
  std::vector<double> values;  // frames x num_channels(), row-major, file units/degrees

  int num_channels() const;
  int find(std::string_view name) const;  // -1 when absent
  double fps() const { return 1.0 / frame_time; }
  // Local rotation of a joint at a frame from its rotation channels (identity when it has none).
  motion::Quat local_rotation(int frame, int joint) const;
  // Local translation: the position channels where the joint has them (they replace the rest
  // offset, as MotionBuilder, Blender and most exporters treat them), else the rest offset.
  // A joint with only some position channels keeps the offset in the other components.
  // Checked on Bandai Namco data: the position channels of every non-root joint equal its OFFSET
  // (to ~1e-5 cm), and Hips' channels hold its absolute local position (OFFSET z -452, channel z -9),
  // so "replace" is the right reading; "add to the offset" would double every bone.
  motion::Vec3 local_translation(int frame, int joint) const;
  // World positions of all joints at a frame (file units).
  std::vector<motion::Vec3> world_positions(int frame) const;
};

// Limits that keep malformed input from exhausting memory: more joints or frames than these
// are rejected as absurd.
inline constexpr int kBvhMaxJoints = 4096;
inline constexpr int kBvhMaxFrames = 10'000'000;

std::string_view channel_name(BvhChannel c);  // "Xposition", ...
// Recompute every joint's channel_start from the channel lists (for a Bvh built by hand).
void update_channel_starts(Bvh& bvh);

// Parse; `name` is used in error messages ("walk.bvh:12: expected '{' after joint name 'Hips'",
// "walk.bvh:230: frame 12 has 150 values, expected 156"; frame numbers count from 0). One frame
// row per line; every value must be a finite number within +-1e9; Frame Time in (0, 60] s.
Bvh parse_bvh(std::string_view text, const std::string& name);
Bvh read_bvh(const std::filesystem::path& path);
std::string format_bvh(const Bvh& bvh);
void write_bvh(const Bvh& bvh, const std::filesystem::path& path);

// The canonical skeleton as a BVH: metres scaled by `scale` (100 = centimetres), root with
// position + rotation channels, every other joint with rotation channels, End Sites on leaves.
Bvh clip_to_bvh(const motion::Clip& clip, double scale = 100.0);
// Channel layout written by clip_to_bvh: root "Xposition Yposition Zposition Zrotation Xrotation
// Yrotation", other joints "Zrotation Xrotation Yrotation" (R = Rz * Rx * Ry, as Bandai and most
// exporters write it). Root OFFSET is the rest pelvis position, End Sites on head, wrists and feet.
// Joint i of the returned Bvh is canonical joint i (the file itself is written depth-first).
// Inverse of clip_to_bvh for files that use the canonical joint names and rest pose (any channel
// order; each canonical joint's parent in the file must be its canonical parent; the file's offsets
// are ignored in favour of the canonical ones). fps within 1e-3 of an integer is rounded to it.
motion::Clip bvh_to_clip(const Bvh& bvh, double scale = 100.0);

}  // namespace e2m::io
