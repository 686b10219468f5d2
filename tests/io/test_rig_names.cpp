// Humanoid rig recognition: every common joint naming maps without a name map, the same rigs with
// nonsense names map by topology to the same joints, imports of them are sensible clips, and
// non-humanoid rigs are rejected with a reason.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>

#include "io/bvh.h"
#include "io/importers.h"
#include "io/retarget_bvh.h"
#include "io/rig_names.h"
#include "motion/error.h"
#include "motion/fk.h"
#include "motion/rotation.h"
#include "motion/skeleton.h"
#include "test_support.h"

using namespace e2m;
using namespace e2m::motion;
namespace fs = std::filesystem;

namespace {

constexpr double kDeg = 180.0 / 3.14159265358979323846;

// A fresh, unique temporary folder, removed when the test leaves its scope.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name) {
    static int count = 0;
    path = test::temp_dir("rig-names-" + name + "-" + std::to_string(::getpid()) + "-" +
                          std::to_string(++count));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// Body parts of the test rigs; each has a fixed rest offset (centimetres, Y up, facing +Z,
// left side; the right side mirrors x) so every naming below is the same body.
enum class Part {
  kSpine,
  kNeck,
  kNeck1,
  kHead,
  kHeadTop,
  kHipJoint,
  kThigh,
  kShin,
  kAnkle,
  kToe,
  kToeEnd,
  kCollar,
  kUpper,
  kFore,
  kHand,
  kFinger
};

struct PartJoint {
  std::string name;  // "{}" stands for the side word
  Part part;
  int canonical;  // the left canonical joint it must map to, -1 for none
};

struct Naming {
  std::string label;
  std::string left, right;  // side words put in for "{}"
  std::string root;         // a dummy root above the hips, "" for none
  std::string hips;
  std::vector<PartJoint> spine;  // hips -> chest; the arms and the neck branch from the last
  std::vector<PartJoint> head;   // from the chest up
  std::vector<PartJoint> leg, arm;
  std::vector<std::pair<std::string, std::string>> extras;  // leaf helpers: name ("{}" sided), parent
};

std::vector<Naming> namings() {
  using P = Part;
  const int none = -1;
  return {
      {"mixamo",
       "Left",
       "Right",
       "",
       "mixamorig7:Hips",
       {{"mixamorig7:Spine", P::kSpine, kSpine1},
        {"mixamorig7:Spine1", P::kSpine, kSpine2},
        {"mixamorig7:Spine2", P::kSpine, kSpine3}},
       {{"mixamorig7:Neck", P::kNeck, kNeck},
        {"mixamorig7:Head", P::kHead, kHead},
        {"mixamorig7:HeadTop_End", P::kHeadTop, none}},
       {{"mixamorig7:{}UpLeg", P::kThigh, kLeftHip},
        {"mixamorig7:{}Leg", P::kShin, kLeftKnee},
        {"mixamorig7:{}Foot", P::kAnkle, kLeftAnkle},
        {"mixamorig7:{}ToeBase", P::kToe, kLeftFoot},
        {"mixamorig7:{}Toe_End", P::kToeEnd, none}},
       {{"mixamorig7:{}Shoulder", P::kCollar, kLeftCollar},
        {"mixamorig7:{}Arm", P::kUpper, kLeftShoulder},
        {"mixamorig7:{}ForeArm", P::kFore, kLeftElbow},
        {"mixamorig7:{}Hand", P::kHand, kLeftWrist},
        {"mixamorig7:{}HandIndex1", P::kFinger, none}},
       {}},
      {"cmu",
       "Left",
       "Right",
       "",
       "Hips",
       {{"LowerBack", P::kSpine, kSpine1}, {"Spine", P::kSpine, kSpine2}, {"Spine1", P::kSpine, kSpine3}},
       {{"Neck", P::kNeck, kNeck}, {"Neck1", P::kNeck1, none}, {"Head", P::kHead, kHead}},
       {{"{}HipJoint", P::kHipJoint, none},
        {"{}UpLeg", P::kThigh, kLeftHip},
        {"{}Leg", P::kShin, kLeftKnee},
        {"{}Foot", P::kAnkle, kLeftAnkle},
        {"{}ToeBase", P::kToe, kLeftFoot}},
       {{"{}Shoulder", P::kCollar, kLeftCollar},
        {"{}Arm", P::kUpper, kLeftShoulder},
        {"{}ForeArm", P::kFore, kLeftElbow},
        {"{}Hand", P::kHand, kLeftWrist}},
       {}},
      {"cmu-3dsmax",
       "Left",
       "Right",
       "",
       "Hips",
       {{"Chest", P::kSpine, kSpine3}},
       {{"Neck", P::kNeck, kNeck}, {"Head", P::kHead, kHead}},
       {{"{}Hip", P::kThigh, kLeftHip}, {"{}Knee", P::kShin, kLeftKnee}, {"{}Ankle", P::kAnkle, kLeftAnkle}},
       {{"{}Collar", P::kCollar, kLeftCollar},
        {"{}Shoulder", P::kUpper, kLeftShoulder},
        {"{}Elbow", P::kFore, kLeftElbow},
        {"{}Wrist", P::kHand, kLeftWrist}},
       {}},
      {"mocapbank",
       "Left",
       "Right",
       "",
       "Hips",
       {{"Chest", P::kSpine, kSpine1}, {"Chest2", P::kSpine, kSpine3}},
       {{"Neck", P::kNeck, kNeck}, {"Head", P::kHead, kHead}},
       {{"{}Hip", P::kThigh, kLeftHip},
        {"{}Knee", P::kShin, kLeftKnee},
        {"{}Ankle", P::kAnkle, kLeftAnkle},
        {"{}Toe", P::kToe, kLeftFoot}},
       {{"{}Collar", P::kCollar, kLeftCollar},
        {"{}Shoulder", P::kUpper, kLeftShoulder},
        {"{}Elbow", P::kFore, kLeftElbow},
        {"{}Wrist", P::kHand, kLeftWrist}},
       {}},
      {"bandai",
       "L",
       "R",
       "joint_Root",
       "Hips",
       {{"Spine", P::kSpine, kSpine1}, {"Chest", P::kSpine, kSpine3}},
       {{"Neck", P::kNeck, kNeck}, {"Head", P::kHead, kHead}},
       {{"UpperLeg_{}", P::kThigh, kLeftHip},
        {"LowerLeg_{}", P::kShin, kLeftKnee},
        {"Foot_{}", P::kAnkle, kLeftAnkle},
        {"Toes_{}", P::kToe, kLeftFoot}},
       {{"Shoulder_{}", P::kCollar, kLeftCollar},
        {"UpperArm_{}", P::kUpper, kLeftShoulder},
        {"LowerArm_{}", P::kFore, kLeftElbow},
        {"Hand_{}", P::kHand, kLeftWrist}},
       {}},
      {"smpl",
       "L",
       "R",
       "",
       "Pelvis",
       {{"Spine1", P::kSpine, kSpine1}, {"Spine2", P::kSpine, kSpine2}, {"Spine3", P::kSpine, kSpine3}},
       {{"Neck", P::kNeck, kNeck}, {"Head", P::kHead, kHead}},
       {{"{}_Hip", P::kThigh, kLeftHip},
        {"{}_Knee", P::kShin, kLeftKnee},
        {"{}_Ankle", P::kAnkle, kLeftAnkle},
        {"{}_Foot", P::kToe, kLeftFoot}},
       {{"{}_Collar", P::kCollar, kLeftCollar},
        {"{}_Shoulder", P::kUpper, kLeftShoulder},
        {"{}_Elbow", P::kFore, kLeftElbow},
        {"{}_Wrist", P::kHand, kLeftWrist}},
       {}},
      {"smpl-lowercase",
       "left",
       "right",
       "",
       "pelvis_root",
       {{"spine_1", P::kSpine, kSpine1}, {"spine_2", P::kSpine, kSpine2}, {"spine_3", P::kSpine, kSpine3}},
       {{"neck", P::kNeck, kNeck}, {"head", P::kHead, kHead}},
       {{"{}_hip", P::kThigh, kLeftHip},
        {"{}_knee", P::kShin, kLeftKnee},
        {"{}_ankle", P::kAnkle, kLeftAnkle},
        {"{}_foot", P::kToe, kLeftFoot}},
       {{"{}_collar", P::kCollar, kLeftCollar},
        {"{}_shoulder", P::kUpper, kLeftShoulder},
        {"{}_elbow", P::kFore, kLeftElbow},
        {"{}_wrist", P::kHand, kLeftWrist}},
       {}},
      {"vrm",
       "Left",
       "Right",
       "",
       "Hips",
       {{"Spine", P::kSpine, kSpine1}, {"Chest", P::kSpine, kSpine2}, {"UpperChest", P::kSpine, kSpine3}},
       {{"Neck", P::kNeck, kNeck}, {"Head", P::kHead, kHead}},
       {{"{}UpperLeg", P::kThigh, kLeftHip},
        {"{}LowerLeg", P::kShin, kLeftKnee},
        {"{}Foot", P::kAnkle, kLeftAnkle},
        {"{}Toes", P::kToe, kLeftFoot}},
       {{"{}Shoulder", P::kCollar, kLeftCollar},
        {"{}UpperArm", P::kUpper, kLeftShoulder},
        {"{}LowerArm", P::kFore, kLeftElbow},
        {"{}Hand", P::kHand, kLeftWrist}},
       {}},
      // Blender's metarig: no neck or head names (spine.004 .. spine.006), helper leaves beside.
      {"rigify",
       "L",
       "R",
       "",
       "spine",
       {{"spine.001", P::kSpine, kSpine1},
        {"spine.002", P::kSpine, kSpine2},
        {"spine.003", P::kSpine, kSpine3}},
       {{"spine.004", P::kNeck, kNeck}, {"spine.005", P::kNeck1, none}, {"spine.006", P::kHead, kHead}},
       {{"thigh.{}", P::kThigh, kLeftHip},
        {"shin.{}", P::kShin, kLeftKnee},
        {"foot.{}", P::kAnkle, kLeftAnkle},
        {"toe.{}", P::kToe, kLeftFoot}},
       {{"shoulder.{}", P::kCollar, kLeftCollar},
        {"upper_arm.{}", P::kUpper, kLeftShoulder},
        {"forearm.{}", P::kFore, kLeftElbow},
        {"hand.{}", P::kHand, kLeftWrist}},
       {{"pelvis.{}", "spine"}, {"breast.{}", "spine.003"}}},
      {"unreal",
       "l",
       "r",
       "root",
       "pelvis",
       {{"spine_01", P::kSpine, kSpine1}, {"spine_02", P::kSpine, kSpine2}, {"spine_03", P::kSpine, kSpine3}},
       {{"neck_01", P::kNeck, kNeck}, {"head", P::kHead, kHead}},
       {{"thigh_{}", P::kThigh, kLeftHip},
        {"calf_{}", P::kShin, kLeftKnee},
        {"foot_{}", P::kAnkle, kLeftAnkle},
        {"ball_{}", P::kToe, kLeftFoot}},
       {{"clavicle_{}", P::kCollar, kLeftCollar},
        {"upperarm_{}", P::kUpper, kLeftShoulder},
        {"lowerarm_{}", P::kFore, kLeftElbow},
        {"hand_{}", P::kHand, kLeftWrist}},
       // IK targets named hand and foot beside the body: neither a wrist nor a leg.
       {{"ik_hand_{}", "root"}, {"ik_foot_{}", "root"}}},
      {"biped",
       "L",
       "R",
       "Bip01",
       "Bip01 Pelvis",
       {{"Bip01 Spine", P::kSpine, kSpine1}, {"Bip01 Spine1", P::kSpine, kSpine3}},
       {{"Bip01 Neck", P::kNeck, kNeck}, {"Bip01 Head", P::kHead, kHead}},
       {{"Bip01 {} Thigh", P::kThigh, kLeftHip},
        {"Bip01 {} Calf", P::kShin, kLeftKnee},
        {"Bip01 {} Foot", P::kAnkle, kLeftAnkle},
        {"Bip01 {} Toe0", P::kToe, kLeftFoot}},
       {{"Bip01 {} Clavicle", P::kCollar, kLeftCollar},
        {"Bip01 {} UpperArm", P::kUpper, kLeftShoulder},
        {"Bip01 {} Forearm", P::kFore, kLeftElbow},
        {"Bip01 {} Hand", P::kHand, kLeftWrist}},
       {}},
      {"daz",
       "l",
       "r",
       "",
       "hip",
       {{"abdomen", P::kSpine, kSpine1}, {"chest", P::kSpine, kSpine3}},
       {{"neck", P::kNeck, kNeck}, {"head", P::kHead, kHead}},
       {{"{}Thigh", P::kThigh, kLeftHip}, {"{}Shin", P::kShin, kLeftKnee}, {"{}Foot", P::kAnkle, kLeftAnkle}},
       {{"{}Collar", P::kCollar, kLeftCollar},
        {"{}Shldr", P::kUpper, kLeftShoulder},
        {"{}ForeArm", P::kFore, kLeftElbow},
        {"{}Hand", P::kHand, kLeftWrist}},
       {}},
      // No collars, neck or toes; thigh/shin words with a side.
      {"minimal",
       "Left",
       "Right",
       "",
       "Root",
       {{"Torso", P::kSpine, kSpine3}},
       {{"Head", P::kHead, kHead}},
       {{"{}Thigh", P::kThigh, kLeftHip}, {"{}Shin", P::kShin, kLeftKnee}, {"{}Foot", P::kAnkle, kLeftAnkle}},
       {{"{}UpperArm", P::kUpper, kLeftShoulder},
        {"{}Forearm", P::kFore, kLeftElbow},
        {"{}Hand", P::kHand, kLeftWrist}},
       {}},
  };
}

std::string sided(std::string name, const std::string& side) {
  if (auto at = name.find("{}"); at != std::string::npos) name.replace(at, 2, side);
  return name;
}

// Rest offset of a part (left side) given the part before it in its chain.
Vec3 part_offset(Part p, bool after_collar, int spine_count) {
  switch (p) {
    case Part::kSpine:
      return {0, 50.0 / spine_count, 0};
    case Part::kNeck:
      return {0, 10, 0};
    case Part::kNeck1:
      return {0, 5, 0};
    case Part::kHead:
      return {0, 8, 0};
    case Part::kHeadTop:
      return {0, 15, 0};
    case Part::kHipJoint:
      return {0, 0, 0};
    case Part::kThigh:
      return {9, -5, 0};  // after a CMU hip joint (at the hips) too
    case Part::kShin:
      return {0, -42, 0};
    case Part::kAnkle:
      return {0, -40, 0};
    case Part::kToe:
      return {0, 0, 12};
    case Part::kToeEnd:
      return {0, 0, 5};
    case Part::kCollar:
      return {4, 2, 0};
    case Part::kUpper:
      return after_collar ? Vec3{12, 0, 0} : Vec3{16, 2, 0};
    case Part::kFore:
      return {26, 0, 0};
    case Part::kHand:
      return {25, 0, 0};
    case Part::kFinger:
      return {8, 0, 0};
  }
  return {};
}

Vec3 end_site(Part p) {
  switch (p) {
    case Part::kHead:
      return {0, 15, 0};
    case Part::kHeadTop:
      return {0, 2, 0};
    case Part::kAnkle:
      return {0, 0, 10};  // a toe-less ankle: the End Site is the foot
    case Part::kToe:
    case Part::kToeEnd:
      return {0, 0, 3};
    case Part::kHand:
    case Part::kFinger:
      return {6, 0, 0};
    default:
      return {0, 3, 0};
  }
}

struct Built {
  io::Bvh bvh;
  std::vector<int> canonical_of;  // per Bvh joint: the canonical joint it must map to, -1 none
};

// The rig of a naming with `frames` frames: frame 0 the rest (a T-pose facing +Z, our rest pose),
// then small random turns of every joint, elbows and knees bent on their hinges, walking +Z.
Built build_rig(const Naming& n, int frames, unsigned seed = 7) {
  Built b;
  io::Bvh& bvh = b.bvh;
  using C = io::BvhChannel;
  auto add = [&](const std::string& name, int parent, Vec3 offset, int canonical) {
    io::BvhJoint j;
    j.name = name;
    j.parent = parent;
    j.offset = offset;
    if (parent < 0) j.channels = {C::Xposition, C::Yposition, C::Zposition};
    j.channels.insert(j.channels.end(), {C::Zrotation, C::Xrotation, C::Yrotation});
    bvh.joints.push_back(j);
    b.canonical_of.push_back(canonical);
    return static_cast<int>(bvh.joints.size()) - 1;
  };
  auto close = [&](int j, Part p, double mirror) {
    bvh.joints[j].has_end_site = true;
    Vec3 e = end_site(p);
    bvh.joints[j].end_site = {e.x * mirror, e.y, e.z};
  };
  int root = -1;
  if (!n.root.empty()) root = add(n.root, -1, {0, 0, 0}, -1);
  const int hips = add(n.hips, root, {0, 95, 0}, kPelvis);
  int chest = hips;
  for (const auto& s : n.spine)
    chest = add(s.name, chest, part_offset(s.part, false, static_cast<int>(n.spine.size())), s.canonical);
  int up = chest;
  for (size_t i = 0; i < n.head.size(); ++i) {
    up = add(n.head[i].name, up, part_offset(n.head[i].part, false, 1), n.head[i].canonical);
    if (i + 1 == n.head.size()) close(up, n.head[i].part, 1);
  }
  for (int side = 0; side < 2; ++side) {
    const double mx = side == 0 ? 1 : -1;
    const std::string& word = side == 0 ? n.left : n.right;
    auto limb = [&](const std::vector<PartJoint>& parts, int from) {
      int at = from;
      bool collar = false;
      for (size_t i = 0; i < parts.size(); ++i) {
        Vec3 o = part_offset(parts[i].part, collar, 1);
        int canonical = parts[i].canonical < 0
                            ? -1
                            : (side == 0 ? parts[i].canonical : skeleton()[parts[i].canonical].mirror);
        at = add(sided(parts[i].name, word), at, {o.x * mx, o.y, o.z}, canonical);
        collar = collar || parts[i].part == Part::kCollar;
        if (i + 1 == parts.size()) close(at, parts[i].part, mx);
      }
    };
    limb(n.leg, hips);
    limb(n.arm, chest);
    for (const auto& [name, parent] : n.extras) {
      int p = -1;
      for (size_t j = 0; j < bvh.joints.size(); ++j)
        if (bvh.joints[j].name == parent) p = static_cast<int>(j);
      REQUIRE(p >= 0);
      int e = add(sided(name, word), p, {5 * mx, 0, 4}, -1);
      close(e, Part::kSpine, mx);
    }
  }
  io::update_channel_starts(bvh);
  bvh.frames = frames;
  bvh.frame_time = 1.0 / 30;
  bvh.values.assign(static_cast<size_t>(frames) * bvh.num_channels(), 0.0);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> small(-12, 12), flex(10, 60);
  for (int f = 0; f < frames; ++f) {
    double* row = &bvh.values[static_cast<size_t>(f) * bvh.num_channels()];
    row[1] = root < 0 ? 95 : 0;  // the root's position channels: hips height unless a dummy root
    row[2] = 3.0 * f;
    if (f == 0) continue;
    for (size_t j = 0; j < bvh.joints.size(); ++j) {
      if (static_cast<int>(j) == root) continue;
      const int c = b.canonical_of[j];
      const int r = bvh.joints[j].channel_start + (bvh.joints[j].parent < 0 ? 3 : 0);
      if (c == kLeftElbow || c == kRightElbow || c == kLeftKnee || c == kRightKnee) {
        // Hinges: elbows bend the forearm forwards, knees the shin backwards.
        Vec3 axis = c == kLeftElbow ? Vec3{0, -1, 0} : c == kRightElbow ? Vec3{0, 1, 0} : Vec3{1, 0, 0};
        Vec3 deg = quat_to_euler("ZXY", quat_from_axis_angle(axis, flex(rng) / kDeg));
        row[r] = deg.z;
        row[r + 1] = deg.x;
        row[r + 2] = deg.y;
      } else {
        for (int k = 0; k < 3; ++k) row[r + k] = small(rng);
      }
    }
  }
  return b;
}

// The same body with every joint renamed to Blender's default bone names.
io::Bvh nonsense_names(io::Bvh bvh) {
  for (size_t j = 0; j < bvh.joints.size(); ++j) {
    char name[32];
    std::snprintf(name, sizeof name, j == 0 ? "Bone" : "Bone.%03zu", j);
    bvh.joints[j].name = name;
  }
  return bvh;
}

std::string mapping_table(const io::Bvh& bvh, const std::array<int, kNumJoints>& src) {
  std::string s;
  for (int j = 0; j < kNumJoints; ++j)
    s += std::string(joint_name(j)) + "<-" + (src[j] >= 0 ? bvh.joints[src[j]].name : "-") + " ";
  return s;
}

double angle_deg(const Vec3& a, const Vec3& b) {
  return std::acos(std::clamp(dot(normalized(a), normalized(b)), -1.0, 1.0)) * kDeg;
}

// A retargeted clip of a test rig is sensible: frame 0 is our rest pose, the limbs point where
// the source's do, the feet are below the pelvis and the left arm and leg are on +X.
void check_sensible(const Built& b, const Clip& clip, const io::RetargetInfo& info,
                    const std::string& label) {
  INFO(label);
  REQUIRE(clip.frames() == b.bvh.frames);
  double rest_worst = 0;
  for (int j = 0; j < kNumJoints; ++j)
    rest_worst = std::max(rest_worst, angle_between(clip.q(0, j), Quat::identity()));
  CHECK(rest_worst * kDeg < 1e-6);
  CHECK_FALSE(info.mirrored);
  const auto poses = fk_all(clip);
  double bone_worst = 0;
  for (int f = 0; f < clip.frames(); ++f) {
    const auto src = b.bvh.world_positions(f);
    auto S = [&](int j) { return src[info.source_joint[j]]; };
    for (auto [a, c] : {std::pair{kLeftHip, kLeftKnee}, std::pair{kLeftKnee, kLeftAnkle},
                        std::pair{kRightHip, kRightKnee}, std::pair{kRightKnee, kRightAnkle},
                        std::pair{kLeftShoulder, kLeftElbow}, std::pair{kLeftElbow, kLeftWrist},
                        std::pair{kRightShoulder, kRightElbow}, std::pair{kRightElbow, kRightWrist}})
      bone_worst = std::max(bone_worst, angle_deg(poses[f][c] - poses[f][a], S(c) - S(a)));
    const auto& p = poses[f];
    CHECK(p[kPelvis].y - p[kLeftAnkle].y > 0.3);
    CHECK(p[kPelvis].y - p[kRightAnkle].y > 0.3);
    CHECK(p[kHead].y - p[kPelvis].y > 0.4);
    CHECK(p[kLeftWrist].x - p[kRightWrist].x > 0.8);
    CHECK(p[kLeftHip].x - p[kRightHip].x > 0.15);
  }
  CHECK(bone_worst < 1e-4);
}

void write_text(const fs::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << s;
}

}  // namespace

TEST_CASE("joint names: namespaces, separators, sides and synonyms", "[rig]") {
  CHECK(io::normalize_joint_name("mixamorig7:Left_Up-Leg") == "leftupleg");
  CHECK(io::normalize_joint_name("Armature|hand.L") == "handl");
  struct Case {
    const char* name;
    io::Side side;
    io::JointRole role;
  };
  using S = io::Side;
  using R = io::JointRole;
  for (auto [name, side, role] : std::vector<Case>{{"mixamorig7:LeftUpLeg", S::kLeft, R::kThigh},
                                                   {"RightLeg", S::kRight, R::kShin},
                                                   {"LeftHip", S::kLeft, R::kThigh},
                                                   {"LeftKnee", S::kLeft, R::kShin},
                                                   {"LeftAnkle", S::kLeft, R::kAnkle},
                                                   {"LeftCollar", S::kLeft, R::kCollar},
                                                   {"LeftShoulder", S::kLeft, R::kShoulder},
                                                   {"RightElbow", S::kRight, R::kForeArm},
                                                   {"LeftWrist", S::kLeft, R::kHand},
                                                   {"L_Hip", S::kLeft, R::kThigh},
                                                   {"left_knee", S::kLeft, R::kShin},
                                                   {"R_Foot", S::kRight, R::kFoot},
                                                   {"LeftUpperLeg", S::kLeft, R::kThigh},
                                                   {"RightLowerArm", S::kRight, R::kForeArm},
                                                   {"LeftToes", S::kLeft, R::kToe},
                                                   {"thigh.L", S::kLeft, R::kThigh},
                                                   {"upper_arm.R", S::kRight, R::kUpperArm},
                                                   {"forearm.L", S::kLeft, R::kForeArm},
                                                   {"DEF-shin.L.001", S::kLeft, R::kShin},
                                                   {"UpperLeg_L", S::kLeft, R::kThigh},
                                                   {"Shoulder_R", S::kRight, R::kShoulder},
                                                   {"calf_l", S::kLeft, R::kShin},
                                                   {"ball_r", S::kRight, R::kToe},
                                                   {"clavicle_l", S::kLeft, R::kCollar},
                                                   {"Bip01 L Thigh", S::kLeft, R::kThigh},
                                                   {"Bip01 R Toe0", S::kRight, R::kToe},
                                                   {"lShldr", S::kLeft, R::kUpperArm},
                                                   {"rForeArm", S::kRight, R::kForeArm},
                                                   {"LThigh", S::kLeft, R::kThigh},
                                                   {"lfemur", S::kLeft, R::kThigh},
                                                   {"rhumerus", S::kRight, R::kUpperArm},
                                                   {"Character1_LeftHand", S::kLeft, R::kHand},
                                                   {"Neck1", S::kNone, R::kNeck},
                                                   {"Bip01 Head", S::kNone, R::kHead},
                                                   {"LHipJoint", S::kNone, R::kNone},
                                                   {"LowerBack", S::kNone, R::kNone},
                                                   {"root", S::kNone, R::kNone},
                                                   {"Hips", S::kNone, R::kNone},
                                                   {"LeftHandIndex1", S::kNone, R::kNone},
                                                   {"LeftToe_End", S::kNone, R::kNone},
                                                   {"HeadTop_End", S::kNone, R::kNone},
                                                   {"pelvis.L", S::kNone, R::kNone}}) {
    INFO(name);
    io::JointName n = io::parse_joint_name(name);
    CHECK(n.side == side);
    CHECK(n.role == role);
  }
  // Segments of one bone share a stem.
  CHECK(io::parse_joint_name("DEF-thigh.L").stem == io::parse_joint_name("DEF-thigh.L.001").stem);
}

TEST_CASE("every common humanoid naming maps by names, the same rigs renamed map by topology", "[rig]") {
  for (const auto& n : namings()) {
    INFO("naming " << n.label);
    const Built b = build_rig(n, 2);
    io::RigMapping rig = io::map_rig(b.bvh);
    CHECK(rig.method == "names");
    std::array<int, kNumJoints> want;
    want.fill(-1);
    for (size_t j = 0; j < b.canonical_of.size(); ++j)
      if (b.canonical_of[j] >= 0) want[b.canonical_of[j]] = static_cast<int>(j);
    INFO("expected " << mapping_table(b.bvh, want));
    INFO("got      " << mapping_table(b.bvh, rig.source));
    CHECK(rig.source == want);
    // The hands, feet, elbows and knees are named in every naming here.
    for (int j : {kLeftWrist, kRightWrist, kLeftAnkle, kRightAnkle, kLeftElbow, kRightKnee})
      CHECK(rig.by[j] == io::MappedBy::kName);
    const std::string text = io::explain_mapping(b.bvh, rig);
    CHECK(text.find("recognised by names") != std::string::npos);
    CHECK(text.find("left_wrist      <- " + b.bvh.joints[want[kLeftWrist]].name + " (name)") !=
          std::string::npos);

    // Renamed to nonsense: topology finds the same joints.
    const io::Bvh renamed = nonsense_names(b.bvh);
    io::RigMapping topo = io::map_rig(renamed);
    CHECK(topo.method == "topology");
    CHECK(topo.note.find("names:") == 0);
    INFO("topology " << mapping_table(b.bvh, topo.source));
    CHECK(topo.source == want);
    CHECK(io::explain_mapping(renamed, topo).find("(topology)") != std::string::npos);
  }
}

TEST_CASE("recognised rigs retarget to sensible clips, by names and by topology alike", "[rig]") {
  for (const auto& n : namings()) {
    const Built b = build_rig(n, 12, 11);
    io::RetargetInfo info;
    const Clip clip = io::retarget_bvh(b.bvh, io::map_rig(b.bvh), {}, &info);
    check_sensible(b, clip, info, n.label + " by names");
    const Clip topo = io::retarget_bvh(nonsense_names(b.bvh), io::map_rig(nonsense_names(b.bvh)));
    double worst = 0;
    for (int f = 0; f < clip.frames(); ++f)
      for (int j = 0; j < kNumJoints; ++j) worst = std::max(worst, angle_between(clip.q(f, j), topo.q(f, j)));
    CHECK(worst < 1e-12);
  }
}

TEST_CASE("topology tells left from right by the way the toes point", "[rig]") {
  // The Mixamo body turned to face -Z: its left side is now on -X.
  const Naming mixamo = namings()[0];
  Built b = build_rig(mixamo, 1);
  for (auto& j : b.bvh.joints) {
    j.offset = {-j.offset.x, j.offset.y, -j.offset.z};
    j.end_site = {-j.end_site.x, j.end_site.y, -j.end_site.z};
  }
  const io::RigMapping named = io::map_rig(b.bvh);
  const io::RigMapping topo = io::map_rig(nonsense_names(b.bvh));
  CHECK(topo.method == "topology");
  CHECK(topo.source == named.source);
  CHECK(b.bvh.joints[topo.source[kLeftHip]].offset.x < 0);
  // Without toes (and no End Sites below the ankles) the rig is taken to face +Z: left = +X.
  io::Bvh flat = nonsense_names(build_rig(namings()[2], 1).bvh);  // cmu-3dsmax: no toe joints
  for (auto& j : flat.joints) j.has_end_site = j.has_end_site && j.end_site.z == 0;
  const io::RigMapping guess = io::map_rig(flat);
  CHECK(flat.joints[guess.source[kLeftHip]].offset.x > 0);
  CHECK(flat.joints[guess.source[kLeftShoulder]].offset.x > 0);
}

TEST_CASE("non-humanoid rigs are rejected with a one-line reason naming what is missing", "[rig]") {
  // A chain of three joints.
  io::Bvh chain;
  for (int j = 0; j < 3; ++j) {
    io::BvhJoint joint;
    joint.name = std::string(1, static_cast<char>('a' + j));
    joint.parent = j - 1;
    joint.offset = {0, 10, 0};
    joint.channels = {io::BvhChannel::Zrotation, io::BvhChannel::Xrotation, io::BvhChannel::Yrotation};
    chain.joints.push_back(joint);
  }
  io::update_channel_starts(chain);
  try {
    io::map_rig(chain);
    FAIL("a 3-joint chain was taken for a humanoid");
  } catch (const Error& e) {
    const std::string msg = e.what();
    std::printf("[rig] 3-joint chain: %s\n", msg.c_str());
    CHECK(msg.find("not a humanoid rig") == 0);
    CHECK(msg.find("left hand/wrist") != std::string::npos);
    CHECK(msg.find("three ways") != std::string::npos);
    CHECK(msg.find('\n') == std::string::npos);
  }

  // A quadruped: its legs stand at right angles to a level spine. Named and nonsense-named.
  io::Bvh dog;
  auto add = [&](const std::string& name, const std::string& parent, Vec3 offset) {
    io::BvhJoint j;
    j.name = name;
    j.parent = parent.empty() ? -1 : dog.find(parent);
    j.offset = offset;
    if (j.parent < 0)
      j.channels = {io::BvhChannel::Xposition, io::BvhChannel::Yposition, io::BvhChannel::Zposition};
    j.channels.insert(j.channels.end(),
                      {io::BvhChannel::Zrotation, io::BvhChannel::Xrotation, io::BvhChannel::Yrotation});
    dog.joints.push_back(j);
  };
  add("Hips", "", {0, 60, 0});
  add("Spine", "Hips", {0, 0, 15});
  add("Chest", "Spine", {0, 0, 15});
  add("Neck", "Chest", {0, 10, 10});
  add("Head", "Neck", {0, 5, 10});
  add("Tail1", "Hips", {0, 0, -10});
  add("Tail2", "Tail1", {0, 0, -10});
  add("Tail3", "Tail2", {0, 0, -10});
  for (auto [side, x] : {std::pair{"Left", 8.0}, std::pair{"Right", -8.0}})
    for (auto [end, parent] : {std::pair{"Hind", "Hips"}, std::pair{"Front", "Chest"}}) {
      const std::string p = std::string(side) + end;
      add(p + "UpLeg", parent, {x, -5, 0});
      add(p + "Leg", p + "UpLeg", {0, -25, 0});
      add(p + "Foot", p + "Leg", {0, -25, 0});
      add(p + "Toe", p + "Foot", {0, -3, 5});
    }
  io::update_channel_starts(dog);
  dog.frames = 2;
  dog.values.assign(2 * static_cast<size_t>(dog.num_channels()), 0.0);
  dog.values[1] = dog.values[dog.num_channels() + 1] = 60;
  for (const io::Bvh& rig : {dog, nonsense_names(dog)}) {
    try {
      io::map_rig(rig);
      FAIL("a quadruped was taken for a humanoid");
    } catch (const Error& e) {
      const std::string msg = e.what();
      std::printf("[rig] quadruped: %s\n", msg.c_str());
      CHECK(msg.find("not a humanoid rig") == 0);
      CHECK(msg.find("hand/wrist") != std::string::npos);
      CHECK(msg.find("legs do not hang below the hips") != std::string::npos);
    }
  }
}

TEST_CASE("import: one BVH file of any rig, labelled from its file name", "[rig][importers]") {
  TempDir dir("single");
  const fs::path file = dir.path / "Walk_Happy_01.bvh";
  io::write_bvh(build_rig(namings()[0], 40).bvh, file);
  REQUIRE(io::detect_dataset_kind(file) == "bvh");
  io::ImportResult r = io::import_dataset("bvh", file);
  for (const auto& rej : r.rejected) INFO(rej.item << ": " << rej.reason);
  REQUIRE(r.dataset.clips.size() == 1);
  CHECK(r.rejected.empty());
  CHECK(r.warnings.empty());
  const Clip& c = r.dataset.clips[0];
  CHECK(c.meta.name == "Walk_Happy_01");
  CHECK(c.meta.content == "walk-happy");
  CHECK(c.meta.captions.size() >= 5);
  CHECK(c.fps == 30);
  REQUIRE(r.rigs.size() == 1);
  CHECK(r.rigs[0].files == std::vector<std::string>{"Walk_Happy_01.bvh"});
  CHECK(r.rigs[0].mapping.find("left_hip        <- mixamorig7:LeftUpLeg (name)") != std::string::npos);
  // A folder path that does not exist, and a non-BVH file, are errors that say so.
  CHECK_THROWS_WITH(io::import_dataset("bvh", dir.path / "absent.bvh"), Catch::Contains("no such file"));
  write_text(dir.path / "notes.txt", "hello");
  CHECK(io::detect_dataset_kind(dir.path / "notes.txt").empty());
  CHECK_THROWS_WITH(io::import_dataset("bvh", dir.path / "notes.txt"),
                    Catch::Contains("not a folder or a .bvh file"));
}

TEST_CASE("import: a folder of mixed rigs, non-humanoids rejected, and a name map still works",
          "[rig][importers]") {
  TempDir dir("mixed");
  const auto all = namings();
  for (const auto& n : all) io::write_bvh(build_rig(n, 10).bvh, dir.path / (n.label + ".bvh"));
  io::write_bvh(nonsense_names(build_rig(all[1], 10).bvh), dir.path / "renamed.bvh");
  io::Bvh chain = build_rig(all[0], 2).bvh;
  chain.joints.resize(3);  // Hips, Spine, Spine1: no legs or arms left
  chain.joints[2].has_end_site = true;
  io::update_channel_starts(chain);
  chain.values.assign(2 * static_cast<size_t>(chain.num_channels()), 0.0);
  io::write_bvh(chain, dir.path / "chain.bvh");
  REQUIRE(io::detect_dataset_kind(dir.path) == "bvh");
  io::ImportResult r = io::import_dataset("bvh", dir.path);
  for (const auto& rej : r.rejected) INFO(rej.item << ": " << rej.reason);
  CHECK(r.dataset.clips.size() == all.size() + 1);
  REQUIRE(r.rejected.size() == 1);
  CHECK(r.rejected[0].item.find("chain.bvh") != std::string::npos);
  CHECK(r.rejected[0].reason.find("not a humanoid rig") == 0);
  CHECK(r.rigs.size() == all.size() + 1);  // every naming is its own rig
  bool topology = false;
  for (const auto& rig : r.rigs)
    if (rig.mapping.find("recognised by topology") == 0) {
      topology = true;
      CHECK(rig.files == std::vector<std::string>{"renamed.bvh"});
    }
  CHECK(topology);
  for (const auto& c : r.dataset.clips) {
    INFO(c.meta.name);
    const auto p = fk_all(c);
    CHECK(p[3][kPelvis].y - p[3][kLeftAnkle].y > 0.3);
    CHECK(p[3][kLeftWrist].x - p[3][kRightWrist].x > 0.8);
  }

  // --name-map: a file for the nonsense names is used as given.
  TempDir mapped("namemap");
  io::Bvh renamed = nonsense_names(build_rig(all[0], 10).bvh);
  io::write_bvh(renamed, mapped.path / "take.bvh");
  const io::RigMapping topo = io::map_rig(renamed);
  std::string map_text = "# nonsense rig\n";
  for (int j = 0; j < kNumJoints; ++j)
    if (topo.source[j] >= 0)
      map_text += renamed.joints[topo.source[j]].name + " " + std::string(joint_name(j)) + "\n";
  write_text(mapped.path / "bones.txt", map_text);
  io::ImportOptions opt;
  opt.name_map = mapped.path / "bones.txt";
  io::ImportResult m = io::import_dataset("bvh", mapped.path / "take.bvh", opt);
  REQUIRE(m.dataset.clips.size() == 1);
  REQUIRE(m.rigs.size() == 1);
  CHECK(m.rigs[0].mapping.find("recognised by name map bones") == 0);
  CHECK(m.rigs[0].mapping.find("(name map)") != std::string::npos);
}

TEST_CASE("Bandai files map by names and, renamed, by topology to the built-in table's joints",
          "[rig][data]") {
  const fs::path dir = test::shared_data() / "bandai" / "dataset-1";
  const fs::path first = dir / "dataset-1_bow_active_001.bvh";
  E2M_SKIP_UNLESS_EXISTS(first);
  for (const auto& file :
       {first, dir / "dataset-1_dash_normal_001.bvh", dir / "dataset-1_walk_happy_001.bvh"}) {
    if (!fs::exists(file)) continue;
    INFO(file.filename().string());
    const io::Bvh bvh = io::read_bvh(file);
    const io::RigMapping table = io::apply_name_map(bvh, io::builtin_name_map("bandai"));
    const io::RigMapping names = io::map_rig(bvh);
    CHECK(names.method == "names");
    CHECK(names.source == table.source);
    // Bandai's rest has every bone along +X: topology settles sides in the first frame's pose.
    const io::RigMapping topo = io::map_rig(nonsense_names(bvh));
    CHECK(topo.method == "topology");
    INFO("table    " << mapping_table(bvh, table.source));
    INFO("topology " << mapping_table(bvh, topo.source));
    CHECK(topo.source == table.source);
  }
}
