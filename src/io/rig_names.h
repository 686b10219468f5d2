// Recognising a humanoid BVH rig without a name map: joint-name patterns first (Mixamo, CMU, Bandai,
// SMPL, Unity/VRM, Unreal, Rigify, Biped, DAZ and the like), the hierarchy's shape when names fail.
// The result says which source joint drives each canonical joint and how it was chosen.
#pragma once
#include <array>
#include <string>
#include <string_view>

#include "io/bvh.h"
#include "motion/skeleton.h"

namespace e2m::io {

enum class Side { kNone, kLeft, kRight };

// What a joint's name says about its place in a limb or the head. kShoulder is ambiguous (a
// collar in Mixamo/Bandai/VRM, the upper arm in CMU's 3dsMax release and SMPL); so is kFoot (the
// ankle, or the toes below a joint named ankle). The hierarchy settles both.
enum class JointRole {
  kNone,
  kNeck,
  kHead,
  kCollar,
  kShoulder,
  kUpperArm,
  kForeArm,
  kHand,
  kThigh,
  kShin,
  kAnkle,
  kFoot,
  kToe
};

struct JointName {
  std::string normalized;  // namespace ("mixamorig7:", "Armature|") stripped, lowercase, no _ - . or space
  Side side = Side::kNone;
  JointRole role = JointRole::kNone;
  std::string stem;  // the words the role was read from, trailing digits dropped ("defthigh" in
                     // "DEF-thigh.L.001"): consecutive joints with one stem are one bone in segments
};

// Side: "left"/"right" anywhere, a lone L/R word ("L_Hip", "thigh.L", "Bip01 L Thigh"), L/R or
// l/r before a capital ("LThigh", "lShldr"), or l/r glued to an exact role word ("lfemur").
// Role: an exact role word, else the longest role word the name ends with ("bip01thigh").
JointName parse_joint_name(std::string_view name);
// Namespace stripped, lowercase, separators dropped: "mixamorig7:Left_Up-Leg" -> "leftupleg".
std::string normalize_joint_name(std::string_view name);

// How the source of one canonical joint was chosen.
enum class MappedBy {
  kNone,      // unmapped: carried rigidly by its canonical parent
  kNameMap,   // a name map (built-in table or the user's file)
  kName,      // its own name says what it is
  kChain,     // its place between joints found by name (pelvis where the legs meet, the spine
              // joints, the neck, an unnamed joint between a named one and the trunk)
  kTopology,  // the hierarchy's shape and bone lengths, names ignored
};
std::string_view mapped_by_name(MappedBy by);  // "name map", "name", "chain", "topology", "-"

struct RigMapping {
  std::string method;                          // "names", "topology", "name map <rig>"
  std::string note;                            // topology: why the names were not enough; empty otherwise
  std::array<int, motion::kNumJoints> source;  // Bvh joint index per canonical joint, -1 unmapped
  std::array<MappedBy, motion::kNumJoints> by;
  RigMapping() {
    source.fill(-1);
    by.fill(MappedBy::kNone);
  }
};

// Limbs from names: per side the hand/wrist and foot/ankle joints, then up each limb to the trunk
// the nearest forearm/elbow, upper arm/shoulder and collar (knee/shin/leg, thigh/hip/upleg), an
// unnamed joint standing in where a name is missing. The pelvis is where the legs meet, the chest
// (spine3) where the arms meet, the head the joint named head. Spine joints: see assign_spine in
// rig_names.cpp. Throws e2m::Error naming what is missing.
RigMapping map_rig_by_names(const Bvh& bvh);
// Names ignored. The hips: the shallowest joint with three or more branches of which two are
// matching leg chains (equal bone lengths, 3+ joints) and one leads to a chest: a joint that
// branches into two matching arm chains and a neck/head branch (the deepest remaining one). In
// each limb the two longest consecutive bones are thigh+shin (upper arm+forearm); the joint
// above an arm's upper arm is its collar, the joint below the ankle its toes. Head: the base of
// the longest bone above the neck. Left and right: the character's left is cross(up, forward),
// up from the pelvis to the chest, forward from the knees' bend and the toes, in the rest pose
// when it stands (a rig facing -Z has its left on -X), else voted over frames; when nothing
// shows forward, the BVH convention (Y up, facing +Z, left on +X). A mirrored (left-handed) file
// is indistinguishable from its mirror image by shape and comes out mirrored.
// Throws e2m::Error naming what is missing.
RigMapping map_rig_by_topology(const Bvh& bvh);
// Names, else topology. Either way the legs must hang below the hips along the spine (at rest or,
// for rigs whose rest is no pose, like Bandai's, in an early frame): a quadruped does not. Throws
// one line: "not a humanoid rig: by names, ...; by topology, ...".
RigMapping map_rig(const Bvh& bvh);

// One header line (how the rig was recognised) and one line per canonical joint:
// "  left_hip       <- LeftUpLeg (name)".
std::string explain_mapping(const Bvh& bvh, const RigMapping& rig);

}  // namespace e2m::io
