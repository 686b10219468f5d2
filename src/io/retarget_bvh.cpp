// Retargeting humanoid BVH onto the canonical skeleton: name maps, rest-pose corrections, axis and
// handedness conversion, root scaling by leg length.
#include "io/retarget_bvh.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <fstream>
#include <optional>
#include <sstream>

#include "motion/error.h"
#include "motion/fit_positions.h"
#include "motion/ops.h"
#include "motion/rotation.h"
#include "motion/skeleton.h"

namespace e2m::io {

using motion::kNumJoints;
using motion::Mat3;
using motion::Quat;
using motion::Vec3;
namespace m = motion;

namespace {

constexpr double kPi = 3.14159265358979323846;

struct RigTable {
  std::string_view rig;
  std::vector<std::pair<std::string_view, std::string_view>> names;  // source, canonical
};

// Built-in rigs. Unlisted source joints (Bandai's joint_Root, CMU's LHipJoint/Neck1, fingers)
// are carried through the source's own FK, so their rotations still reach the mapped joints.
const std::vector<RigTable>& rig_tables() {
  static const std::vector<RigTable> kTables = {
      {"bandai",
       {{"Hips", "pelvis"},
        {"Spine", "spine1"},
        {"Chest", "spine3"},
        {"Neck", "neck"},
        {"Head", "head"},
        {"Shoulder_L", "left_collar"},
        {"UpperArm_L", "left_shoulder"},
        {"LowerArm_L", "left_elbow"},
        {"Hand_L", "left_wrist"},
        {"Shoulder_R", "right_collar"},
        {"UpperArm_R", "right_shoulder"},
        {"LowerArm_R", "right_elbow"},
        {"Hand_R", "right_wrist"},
        {"UpperLeg_L", "left_hip"},
        {"LowerLeg_L", "left_knee"},
        {"Foot_L", "left_ankle"},
        {"Toes_L", "left_foot"},
        {"UpperLeg_R", "right_hip"},
        {"LowerLeg_R", "right_knee"},
        {"Foot_R", "right_ankle"},
        {"Toes_R", "right_foot"}}},
      // CMU as converted to BVH (cgspeed/Daz names), then the ASF/AMC names as aliases.
      {"cmu",
       {{"Hips", "pelvis"},
        {"LowerBack", "spine1"},
        {"Spine", "spine2"},
        {"Spine1", "spine3"},
        {"Neck", "neck"},
        {"Head", "head"},
        {"LeftShoulder", "left_collar"},
        {"LeftArm", "left_shoulder"},
        {"LeftForeArm", "left_elbow"},
        {"LeftHand", "left_wrist"},
        {"RightShoulder", "right_collar"},
        {"RightArm", "right_shoulder"},
        {"RightForeArm", "right_elbow"},
        {"RightHand", "right_wrist"},
        {"LeftUpLeg", "left_hip"},
        {"LeftLeg", "left_knee"},
        {"LeftFoot", "left_ankle"},
        {"LeftToeBase", "left_foot"},
        {"RightUpLeg", "right_hip"},
        {"RightLeg", "right_knee"},
        {"RightFoot", "right_ankle"},
        {"RightToeBase", "right_foot"},
        {"root", "pelvis"},
        {"lowerback", "spine1"},
        {"upperback", "spine2"},
        {"thorax", "spine3"},
        {"lowerneck", "neck"},
        {"lclavicle", "left_collar"},
        {"lhumerus", "left_shoulder"},
        {"lradius", "left_elbow"},
        {"lwrist", "left_wrist"},
        {"rclavicle", "right_collar"},
        {"rhumerus", "right_shoulder"},
        {"rradius", "right_elbow"},
        {"rwrist", "right_wrist"},
        {"lfemur", "left_hip"},
        {"ltibia", "left_knee"},
        {"lfoot", "left_ankle"},
        {"ltoes", "left_foot"},
        {"rfemur", "right_hip"},
        {"rtibia", "right_knee"},
        {"rfoot", "right_ankle"},
        {"rtoes", "right_foot"}}},
      // Mixamo; the "mixamorig:" namespace is ignored by the matcher.
      {"mixamo",
       {{"Hips", "pelvis"},
        {"Spine", "spine1"},
        {"Spine1", "spine2"},
        {"Spine2", "spine3"},
        {"Neck", "neck"},
        {"Head", "head"},
        {"LeftShoulder", "left_collar"},
        {"LeftArm", "left_shoulder"},
        {"LeftForeArm", "left_elbow"},
        {"LeftHand", "left_wrist"},
        {"RightShoulder", "right_collar"},
        {"RightArm", "right_shoulder"},
        {"RightForeArm", "right_elbow"},
        {"RightHand", "right_wrist"},
        {"LeftUpLeg", "left_hip"},
        {"LeftLeg", "left_knee"},
        {"LeftFoot", "left_ankle"},
        {"LeftToeBase", "left_foot"},
        {"RightUpLeg", "right_hip"},
        {"RightLeg", "right_knee"},
        {"RightFoot", "right_ankle"},
        {"RightToeBase", "right_foot"}}},
  };
  return kTables;
}

constexpr std::array<int, 13> kRequired = {m::kPelvis,        m::kLeftHip,   m::kRightHip,   m::kLeftKnee,
                                           m::kRightKnee,     m::kLeftAnkle, m::kRightAnkle, m::kLeftShoulder,
                                           m::kRightShoulder, m::kLeftElbow, m::kRightElbow, m::kLeftWrist,
                                           m::kRightWrist};
constexpr std::array<int, 5> kTrunk = {m::kSpine1, m::kSpine2, m::kSpine3, m::kNeck, m::kHead};

std::string normalize_name(std::string_view name) {
  auto cut = name.find_last_of(":|");
  if (cut != std::string_view::npos) name = name.substr(cut + 1);
  std::string out(name);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Per canonical joint, the Bvh joint it maps to (-1 when unmapped).
std::array<int, kNumJoints> resolve(const Bvh& bvh, const NameMap& map) {
  std::array<int, kNumJoints> src;
  src.fill(-1);
  std::vector<std::string> names;
  names.reserve(bvh.joints.size());
  for (const auto& j : bvh.joints) names.push_back(normalize_name(j.name));
  for (const auto& [name, joint] : map.entries) {
    if (joint < 0 || joint >= kNumJoints || src[joint] >= 0) continue;
    std::string n = normalize_name(name);
    for (size_t i = 0; i < names.size(); ++i)
      if (names[i] == n) {
        src[joint] = static_cast<int>(i);
        break;
      }
  }
  return src;
}

std::vector<int> missing_required(const std::array<int, kNumJoints>& src) {
  std::vector<int> missing;
  for (int j : kRequired)
    if (src[j] < 0) missing.push_back(j);
  bool trunk = false;
  for (int j : kTrunk) trunk = trunk || src[j] >= 0;
  if (!trunk) missing.push_back(m::kSpine3);
  return missing;
}

std::string joint_list(const std::vector<int>& joints) {
  std::string s;
  for (int j : joints) s += (s.empty() ? "" : ", ") + std::string(m::joint_name(j));
  return s;
}

int main_child(int j) {
  if (j == m::kPelvis) return m::kSpine1;
  if (j == m::kSpine3) return m::kNeck;
  for (int k = 0; k < kNumJoints; ++k)
    if (m::parent(k) == j) return k;
  return -1;
}

bool is_source_ancestor(const Bvh& bvh, int ancestor, int joint) {
  for (int p = bvh.joints[joint].parent; p >= 0; p = bvh.joints[p].parent)
    if (p == ancestor) return true;
  return false;
}

// World rotations (file axes) and positions (file units) of every source joint at a frame.
void source_fk(const Bvh& bvh, int frame, std::vector<Quat>& rot, std::vector<Vec3>& pos) {
  size_t n = bvh.joints.size();
  rot.resize(n);
  pos.resize(n);
  for (size_t i = 0; i < n; ++i) {
    Quat local = bvh.local_rotation(frame, static_cast<int>(i));
    Vec3 t = bvh.local_translation(frame, static_cast<int>(i));
    int p = bvh.joints[i].parent;
    if (p < 0) {
      rot[i] = local;
      pos[i] = t;
    } else {
      rot[i] = m::normalized(rot[p] * local);
      pos[i] = pos[p] + m::rotate(rot[p], t);
    }
  }
}

}  // namespace

std::vector<std::string> builtin_rigs() {
  std::vector<std::string> out;
  for (const auto& t : rig_tables()) out.emplace_back(t.rig);
  return out;
}

NameMap builtin_name_map(std::string_view rig) {
  std::string want = normalize_name(rig);
  for (const auto& t : rig_tables()) {
    if (t.rig != want) continue;
    NameMap map;
    map.rig = std::string(t.rig);
    for (const auto& [source, canonical] : t.names)
      map.entries.emplace_back(std::string(source), m::joint_index(canonical));
    return map;
  }
  std::string known;
  for (const auto& r : builtin_rigs()) known += (known.empty() ? "" : ", ") + r;
  throw Error("unknown rig '" + std::string(rig) + "' (built-in name maps: " + known + ")");
}

NameMap detect_name_map(const Bvh& bvh) {
  int best_cover = -1;
  NameMap best;
  std::string report;
  for (const auto& rig : builtin_rigs()) {
    NameMap map = builtin_name_map(rig);
    auto src = resolve(bvh, map);
    auto missing = missing_required(src);
    int cover = static_cast<int>(std::count_if(src.begin(), src.end(), [](int s) { return s >= 0; }));
    if (!missing.empty()) {
      report += "; " + rig + " lacks " + joint_list(missing);
      continue;
    }
    if (cover > best_cover) {
      best_cover = cover;
      best = std::move(map);
    }
  }
  if (best_cover >= 0) return best;
  RigMapping rig;
  try {
    rig = map_rig_by_names(bvh);
  } catch (const Error& e) {
    throw Error("BVH joint names match no built-in rig (" + report.substr(2) + ") and no name pattern (" +
                e.what() + "); write a name map file (one 'source_name canonical_name' per line)");
  }
  NameMap found;
  found.rig = "names";
  for (int j = 0; j < kNumJoints; ++j)
    if (rig.source[j] >= 0) found.entries.emplace_back(bvh.joints[rig.source[j]].name, j);
  return found;
}

NameMap load_name_map(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw Error(file.string() + ": cannot open name map");
  NameMap map;
  map.rig = file.stem().string();
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    auto hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    std::istringstream ss(line);
    std::string source, canonical, extra;
    if (!(ss >> source)) continue;  // blank or comment
    std::string where = file.string() + ":" + std::to_string(lineno) + ": ";
    if (!(ss >> canonical) || (ss >> extra))
      throw Error(where + "expected 'source_name canonical_name', got '" + line + "'");
    int j = m::joint_index(canonical);
    if (j < 0) {
      std::vector<int> all(kNumJoints);
      for (int k = 0; k < kNumJoints; ++k) all[k] = k;
      throw Error(where + "unknown canonical joint '" + canonical + "' (expected one of " + joint_list(all) +
                  ")");
    }
    map.entries.emplace_back(source, j);
  }
  if (map.entries.empty()) throw Error(file.string() + ": name map has no entries");
  return map;
}

RigMapping apply_name_map(const Bvh& bvh, const NameMap& map) {
  auto src = resolve(bvh, map);
  auto missing = missing_required(src);
  if (!missing.empty())
    throw Error("name map '" + map.rig + "': BVH lacks joints mapped to " + joint_list(missing));
  RigMapping rig;
  rig.method = "name map " + map.rig;
  for (int j = 0; j < kNumJoints; ++j) {
    rig.source[j] = src[j];
    rig.by[j] = src[j] >= 0 ? MappedBy::kNameMap : MappedBy::kNone;
  }
  return rig;
}

motion::Clip retarget_bvh(const Bvh& bvh, const NameMap& map, const RetargetOptions& opt,
                          RetargetInfo* info) {
  if (bvh.joints.empty()) throw Error("retarget_bvh(" + map.rig + "): BVH has no joints");
  return retarget_bvh(bvh, apply_name_map(bvh, map), opt, info);
}

motion::Clip retarget_bvh(const Bvh& bvh, const RigMapping& rig, const RetargetOptions& opt,
                          RetargetInfo* info) {
  const std::string where = "retarget_bvh(" + rig.method + ")";
  if (bvh.joints.empty()) throw Error(where + ": BVH has no joints");
  std::array<int, kNumJoints> src = rig.source;
  for (int s : src)
    if (s >= static_cast<int>(bvh.joints.size()))
      throw Error(where + ": joint mapping does not fit this BVH");
  auto missing = missing_required(src);
  if (!missing.empty()) throw Error(where + ": BVH lacks joints mapped to " + joint_list(missing));
  // Each mapped joint must hang below the joint its nearest mapped canonical ancestor maps to.
  std::array<int, kNumJoints> mapped_ancestor;
  for (int j = 0; j < kNumJoints; ++j) {
    int a = m::parent(j);
    while (a >= 0 && src[a] < 0) a = m::parent(a);
    mapped_ancestor[j] = a;
    if (src[j] >= 0 && a >= 0 && !is_source_ancestor(bvh, src[a], src[j]))
      throw Error(where + ": source joint '" + bvh.joints[src[j]].name + "' (" +
                  std::string(m::joint_name(j)) + ") is not below '" + bvh.joints[src[a]].name + "' (" +
                  std::string(m::joint_name(a)) + ")");
  }

  // Axis conversion A (file -> ours), maybe improper when the file is left-handed.
  Mat3 axes = Mat3::identity();
  if (opt.up_axis == 'z' || opt.up_axis == 'Z') {
    axes.m[0][0] = 1;  // (x, y, z) -> (x, z, -y): a rotation about x
    axes.m[1][1] = 0;
    axes.m[1][2] = 1;
    axes.m[2][1] = -1;
    axes.m[2][2] = 0;
  } else if (opt.up_axis != 'y' && opt.up_axis != 'Y') {
    throw Error(where + ": up axis must be 'y' or 'z'");
  }
  // Source FK of every frame, file axes and units.
  const size_t ns = bvh.joints.size();
  std::vector<Quat> all_rot(static_cast<size_t>(bvh.frames) * ns);
  std::vector<Vec3> all_pos(all_rot.size());
  {
    std::vector<Quat> wrot;
    std::vector<Vec3> wpos;
    for (int f = 0; f < bvh.frames; ++f) {
      source_fk(bvh, f, wrot, wpos);
      std::copy(wrot.begin(), wrot.end(), all_rot.begin() + static_cast<long>(f * ns));
      std::copy(wpos.begin(), wpos.end(), all_pos.begin() + static_cast<long>(f * ns));
    }
  }
  auto src_rot = [&](int f, int s) { return all_rot[static_cast<size_t>(f) * ns + s]; };
  auto src_pos = [&](int f, int s) { return all_pos[static_cast<size_t>(f) * ns + s]; };
  bool mirrored = opt.mirror == 1;
  if (opt.mirror < 0 && bvh.frames > 0 && src[m::kLeftFoot] >= 0 && src[m::kRightFoot] >= 0) {
    double side = 0;
    int step = std::max(1, bvh.frames / 60);
    for (int f = 0; f < bvh.frames; f += step) {
      auto P = [&](int j) { return axes * src_pos(f, src[j]); };
      Vec3 fwd = (P(m::kLeftFoot) - P(m::kLeftAnkle)) + (P(m::kRightFoot) - P(m::kRightAnkle));
      fwd.y = 0;
      Vec3 left = P(m::kLeftHip) - P(m::kRightHip);
      side += dot(cross(Vec3{0, 1, 0}, m::normalized(fwd)), m::normalized(left));
    }
    mirrored = side < 0;
  }
  if (mirrored)
    for (int c = 0; c < 3; ++c) axes.m[0][c] = -axes.m[0][c];
  const Mat3 axes_t = m::transpose(axes);

  // Source rest pose (all rotations zero): world positions from the offsets.
  std::vector<Vec3> rest(ns);
  for (size_t i = 0; i < ns; ++i) {
    int p = bvh.joints[i].parent;
    rest[i] = (p < 0 ? Vec3{} : rest[p]) + bvh.joints[i].offset;
  }
  auto rest_vec = [&](int from_src, int to_src) { return axes * (rest[to_src] - rest[from_src]); };

  // Scale: metres per unit, from the standing height of the hips.
  double scale = opt.scale;
  if (scale <= 0) {
    double height;
    if (bvh.frames > 0) {
      double lowest = 1e300;
      for (size_t i = 0; i < ns; ++i) lowest = std::min(lowest, (axes * src_pos(0, static_cast<int>(i))).y);
      height = (axes * src_pos(0, src[m::kPelvis])).y - lowest;
    } else {
      double lowest = 1e300;
      for (const auto& p : rest) lowest = std::min(lowest, (axes * p).y);
      height = (axes * rest[src[m::kPelvis]]).y - lowest;
    }
    scale = height > 10 ? 0.01 : 1.0;
  }
  auto leg = [&](int hip, int knee, int ankle) {
    return m::norm(rest[src[knee]] - rest[src[hip]]) + m::norm(rest[src[ankle]] - rest[src[knee]]);
  };
  double src_leg = 0.5 * (leg(m::kLeftHip, m::kLeftKnee, m::kLeftAnkle) +
                          leg(m::kRightHip, m::kRightKnee, m::kRightAnkle));
  double our_leg = m::norm(m::rest_offset(m::kLeftKnee)) + m::norm(m::rest_offset(m::kLeftAnkle));
  if (src_leg <= 0) throw Error(where + ": source legs have zero length at rest");
  double leg_ratio = our_leg / (src_leg * scale);

  std::array<Quat, kNumJoints> corr;
  auto world_of = [&](int f, int j, const Quat& c) {
    return m::normalized(m::mat_to_quat(axes * m::quat_to_mat(src_rot(f, src[j])) * axes_t) * c);
  };
  // A source's rest says nothing about how its upper arms and thighs are twisted (a palms-forward
  // and a palms-down T-pose look alike), so take the twist from the motion: turn the limb root
  // about its bone until the bend plane of the elbow/knee, averaged over the clip, is ours.
  auto calibrate_twist = [&](int j, const Quat& c) -> std::optional<Quat> {
    int mid = main_child(j), end = mid >= 0 ? main_child(mid) : -1;
    if (mid < 0 || end < 0 || src[mid] < 0 || src[end] < 0) return std::nullopt;
    Vec3 bone = m::normalized(m::rest_offset(mid));
    double sum_c = 0, sum_s = 0, weight = 0;
    for (int f = 0; f < bvh.frames; ++f) {
      Vec3 upper = m::normalized(axes * (src_pos(f, src[mid]) - src_pos(f, src[j])));
      Vec3 lower = m::normalized(axes * (src_pos(f, src[end]) - src_pos(f, src[mid])));
      Vec3 n = cross(upper, lower);
      double w = m::dot(n, n);  // sin^2 of the bend: straight limbs say nothing
      if (w < 0.03) continue;
      Vec3 predicted = m::rotate(world_of(f, j, c), m::hinge_normal(j));
      Vec3 pa = predicted - upper * m::dot(predicted, upper), pb = n - upper * m::dot(n, upper);
      double phi = std::atan2(m::dot(cross(pa, pb), upper), m::dot(pa, pb));
      sum_c += w * std::cos(phi);
      sum_s += w * std::sin(phi);
      weight += w;
    }
    if (weight < 1.0) return std::nullopt;  // too few bent frames to tell
    return m::normalized(c * m::quat_from_axis_angle(bone, std::atan2(sum_s, sum_c)));
  };
  // Other joints: rigs whose rest pose is not a pose (Bandai's bones all lie along +X, each
  // joint frame turned its own way) show a twist of about 90 degrees in every frame. A mean twist
  // beyond 45 degrees is taken as such a convention and removed, snapped to the nearest multiple
  // of 90 degrees when within 15 of it, so the clip's own mean twist survives.
  auto remove_convention_twist = [&](int j, const Quat& c, const Vec3& bone) {
    int a = mapped_ancestor[j];
    if (a < 0 || bvh.frames == 0) return c;
    double sum_c = 0, sum_s = 0;
    for (int f = 0; f < bvh.frames; ++f) {
      Quat local = m::conjugate(world_of(f, a, corr[a])) * world_of(f, j, c);
      double tw = 2 * std::atan2(local.x * bone.x + local.y * bone.y + local.z * bone.z, local.w);
      sum_c += std::cos(tw);
      sum_s += std::sin(tw);
    }
    double mean = std::atan2(sum_s, sum_c);
    if (std::abs(mean) < kPi / 4) return c;
    double snapped = std::round(mean / (kPi / 2)) * (kPi / 2);
    if (std::abs(mean - snapped) < kPi / 12) mean = snapped;
    return m::normalized(c * m::quat_from_axis_angle(bone, -mean));
  };

  // Rest corrections C_j: our world rotation of joint j while the source stands in its rest pose.
  auto first_mapped_down = [&](int j) {
    int d = main_child(j);
    while (d >= 0 && src[d] < 0) d = main_child(d);
    return d;
  };
  const auto our_rest = m::rest_positions();
  for (int j = 0; j < kNumJoints; ++j) {
    Quat parent_corr = mapped_ancestor[j] >= 0 ? corr[mapped_ancestor[j]] : Quat::identity();
    if (src[j] < 0) {
      corr[j] = parent_corr;
      continue;
    }
    if (j == m::kPelvis || j == m::kSpine3) {
      // Two-vector frame: left-right line and the trunk upwards.
      int l = j == m::kPelvis ? m::kLeftHip : m::kLeftCollar,
          r = j == m::kPelvis ? m::kRightHip : m::kRightCollar;
      if (src[l] < 0 || src[r] < 0) {
        l = m::kLeftShoulder;
        r = m::kRightShoulder;
      }
      std::vector<Vec3> a, b;
      a.push_back({1, 0, 0});
      b.push_back(m::normalized(rest_vec(src[r], src[l])));
      int up = first_mapped_down(j);
      if (up >= 0) {
        a.push_back(m::normalized(our_rest[up] - our_rest[j]));
        b.push_back(m::normalized(rest_vec(src[j], src[up])));
      }
      corr[j] = a.size() >= 2 ? m::best_rotation(a, b, {1.0, 1.0}) : m::quat_between(a[0], b[0]);
      continue;
    }
    int d = first_mapped_down(j);
    Vec3 ours, theirs;
    if (d >= 0) {
      ours = our_rest[d] - our_rest[j];
      theirs = rest_vec(src[j], src[d]);
    } else {
      // A leaf: its own direction against the source's End Site (or single child).
      const auto& sj = bvh.joints[src[j]];
      ours = m::rest_offset(j);
      int only_child = -1, children = 0;
      for (size_t k = 0; k < ns; ++k)
        if (bvh.joints[k].parent == src[j]) {
          only_child = static_cast<int>(k);
          ++children;
        }
      if (sj.has_end_site)
        theirs = axes * sj.end_site;
      else if (children == 1)
        theirs = rest_vec(src[j], only_child);
      // A leaf whose canonical child is unmapped (an ankle without toes): its End Site may be
      // that child's bone (the foot, pointing forwards) or continue its own (straight down).
      // Take whichever of our two directions lies nearer.
      const int child = main_child(j);
      if (child >= 0 && m::norm(theirs) > 1e-9) {
        const Vec3 t = m::normalized(theirs);
        const Vec3 own = m::rotate(parent_corr, m::normalized(ours));
        const Vec3 next = m::rotate(parent_corr, m::normalized(m::rest_offset(child)));
        if (m::dot(next, t) > m::dot(own, t)) ours = m::rest_offset(child);
      }
    }
    if (m::norm(theirs) < 1e-9 || m::norm(ours) < 1e-9) {
      corr[j] = parent_corr;
      continue;
    }
    // The swing from our parent's frame onto the source's direction: no twist at the source rest.
    corr[j] = m::normalized(m::quat_between(m::rotate(parent_corr, ours), theirs) * parent_corr);
    std::optional<Quat> hinged;
    if (m::is_hinge_root(j)) hinged = calibrate_twist(j, corr[j]);
    corr[j] = hinged ? *hinged : remove_convention_twist(j, corr[j], m::normalized(ours));
  }

  motion::Clip clip;
  double fps = bvh.fps();
  if (std::abs(fps - std::round(fps)) < 1e-3) fps = std::round(fps);
  clip.fps = fps;
  clip.meta.dataset = "bvh";
  clip.resize(bvh.frames);
  std::array<Quat, kNumJoints> world;
  for (int f = 0; f < bvh.frames; ++f) {
    for (int j = 0; j < kNumJoints; ++j) {
      if (src[j] < 0) {
        // Unmapped: carried rigidly by the parent (for a skipped spine joint this keeps the
        // source bone's direction on both of our segments).
        world[j] = j == 0 ? Quat::identity() : world[m::parent(j)];
        continue;
      }
      world[j] = world_of(f, j, corr[j]);
    }
    clip.q(f, 0) = world[0];
    for (int j = 1; j < kNumJoints; ++j)
      clip.q(f, j) = m::normalized(m::conjugate(world[m::parent(j)]) * world[j]);
    clip.root[f] = axes * src_pos(f, src[m::kPelvis]) * (scale * leg_ratio);
  }
  for (int f = 1; f < bvh.frames; ++f)
    for (int j = 0; j < kNumJoints; ++j) {
      Quat& q = clip.q(f, j);
      if (m::dot(q, clip.q(f - 1, j)) < 0) q = {-q.w, -q.x, -q.y, -q.z};
    }
  m::place_on_floor(clip);

  if (info) {
    info->scale = scale;
    info->mirrored = mirrored;
    info->leg_ratio = leg_ratio;
    info->source_joint.assign(src.begin(), src.end());
  }
  return clip;
}

}  // namespace e2m::io
