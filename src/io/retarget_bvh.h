// Retargeting humanoid BVH files onto the canonical skeleton: a joint mapping (recognised by
// io/rig_names.h, or from a built-in or user name map), aware of each source's rest pose.
#pragma once
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "io/bvh.h"
#include "io/rig_names.h"
#include "motion/clip.h"

namespace e2m::io {

// Source joint name -> canonical joint index (motion/skeleton.h). Several source names may map
// to the same canonical joint (aliases); the first one present in a file is used. Names match
// case-insensitively and without a namespace prefix ("mixamorig:Hips" matches "Hips").
struct NameMap {
  std::vector<std::pair<std::string, int>> entries;
  std::string rig;
};

// "bandai", "cmu", "mixamo"; throws e2m::Error for unknown rigs.
NameMap builtin_name_map(std::string_view rig);
std::vector<std::string> builtin_rigs();
// Picks the built-in map that matches most canonical joints; when none covers the required joints
// (pelvis, hips, knees, ankles, shoulders, elbows, wrists and one spine/neck/head joint), the
// name patterns of map_rig_by_names (rig "names", entries by the file's own joint names). Throws
// when neither works. Importers use map_rig, which falls back on topology too.
NameMap detect_name_map(const Bvh& bvh);
// Text file, one "source_name canonical_name" per line, '#' starts a comment; errors name file:line.
// The rig name is the file's stem.
NameMap load_name_map(const std::filesystem::path& file);

// A name map resolved against a file (method "name map <rig>"); throws e2m::Error naming the
// required canonical joints it leaves unmapped.
RigMapping apply_name_map(const Bvh& bvh, const NameMap& map);

struct RetargetOptions {
  double scale = 0;    // metres per file unit; 0 = detect (cm if hips height > 10 units, else m)
  char up_axis = 'y';  // the file's up axis: 'y' or 'z'
  // -1: detect from the data (left = cross(up, forward) with forward from the feet, so a
  // left-handed file is mirrored into our right-handed frame); 0: keep; 1: mirror x.
  int mirror = -1;
};

// What retarget_bvh decided, for logs and tests.
struct RetargetInfo {
  double scale = 0;               // metres per file unit
  bool mirrored = false;          // x was mirrored to make the file right-handed
  double leg_ratio = 1;           // canonical / source leg length; scales the root translation
  std::vector<int> source_joint;  // per canonical joint: the Bvh joint index, -1 when unmapped
};

// Canonical skeleton, same fps as the file (rounded to an integer when within 1e-3), standing on
// the floor (motion::place_on_floor). World bone directions follow the source's at every frame:
// R_canonical_world(j) = A R_source_world(j) A^T C_j, where A converts axes and C_j maps our rest
// bone directions onto the source's rest bone directions.
// Throws e2m::Error when a required joint is unmapped or a mapped joint is not below the source
// of its nearest mapped canonical ancestor.
motion::Clip retarget_bvh(const Bvh& bvh, const RigMapping& rig, const RetargetOptions& opt = {},
                          RetargetInfo* info = nullptr);
// apply_name_map, then the above.
motion::Clip retarget_bvh(const Bvh& bvh, const NameMap& map, const RetargetOptions& opt = {},
                          RetargetInfo* info = nullptr);

}  // namespace e2m::io
