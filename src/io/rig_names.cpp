// Humanoid rig recognition: joint-name patterns, the hierarchy's shape, and the standing check
// that tells a humanoid from a quadruped.
#include "io/rig_names.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <optional>
#include <vector>

#include "motion/error.h"

namespace e2m::io {

namespace m = motion;
using m::Vec3;
using R = JointRole;

namespace {

bool is_separator(char c) { return c == '_' || c == '-' || c == '.' || c == ' '; }

std::string_view strip_namespace(std::string_view name) {
  auto cut = name.find_last_of(":|");
  return cut == std::string_view::npos ? name : name.substr(cut + 1);
}

// Lowercase words between separators.
std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out(1);
  for (char c : s) {
    if (is_separator(c)) {
      if (!out.back().empty()) out.emplace_back();
      continue;
    }
    out.back() += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (out.back().empty()) out.pop_back();
  return out;
}

std::string join(const std::vector<std::string>& w, size_t skip = std::string::npos) {
  std::string s;
  for (size_t i = 0; i < w.size(); ++i)
    if (i != skip) s += w[i];
  return s;
}

struct RoleWord {
  std::string_view word;
  JointRole role;
};

// Synonyms seen across rigs: Mixamo/CMU (UpLeg, Leg, ForeArm), CMU 3dsMax and MocapBank (Hip,
// Knee, Ankle, Collar, Shoulder, Elbow, Wrist), CMU ASF (femur, tibia, humerus, radius), Bandai
// and VRM (UpperLeg, LowerLeg, UpperArm, LowerArm, Toes), Unreal (thigh, calf, ball, clavicle),
// Rigify (thigh, shin, upper_arm, forearm), Biped (Calf, Toe0), DAZ/Poser (Shldr, Shin).
constexpr RoleWord kRoleWords[] = {
    {"neck", R::kNeck},         {"lowerneck", R::kNeck},  {"upperneck", R::kNeck},    {"head", R::kHead},
    {"collar", R::kCollar},     {"clavicle", R::kCollar}, {"clav", R::kCollar},       {"scapula", R::kCollar},
    {"shoulder", R::kShoulder}, {"arm", R::kUpperArm},    {"upperarm", R::kUpperArm}, {"uparm", R::kUpperArm},
    {"humerus", R::kUpperArm},  {"shldr", R::kUpperArm},  {"forearm", R::kForeArm},   {"elbow", R::kForeArm},
    {"lowerarm", R::kForeArm},  {"loarm", R::kForeArm},   {"radius", R::kForeArm},    {"hand", R::kHand},
    {"wrist", R::kHand},        {"upleg", R::kThigh},     {"upperleg", R::kThigh},    {"thigh", R::kThigh},
    {"hip", R::kThigh},         {"femur", R::kThigh},     {"leg", R::kShin},          {"lowerleg", R::kShin},
    {"loleg", R::kShin},        {"knee", R::kShin},       {"shin", R::kShin},         {"calf", R::kShin},
    {"tibia", R::kShin},        {"ankle", R::kAnkle},     {"foot", R::kFoot},         {"toe", R::kToe},
    {"toes", R::kToe},          {"toebase", R::kToe},     {"ball", R::kToe},
};

bool is_limb(JointRole r) { return r != R::kNone && r != R::kNeck && r != R::kHead; }

// The role of a side-less stem. Exact words first; with `suffix`, the longest role word the stem
// ends with ("bip01thigh", "defthigh"), so "forearm" beats "arm" and "upleg" beats "leg".
std::pair<JointRole, std::string> classify(std::string stem, bool suffix) {
  while (!stem.empty() && std::isdigit(static_cast<unsigned char>(stem.back()))) stem.pop_back();
  for (const auto& w : kRoleWords)
    if (stem == w.word) return {w.role, stem};
  if (!suffix) return {R::kNone, stem};
  const RoleWord* best = nullptr;
  for (const auto& w : kRoleWords)
    if (w.word.size() >= 3 && stem.size() > w.word.size() && stem.ends_with(w.word) &&
        (!best || w.word.size() > best->word.size()))
      best = &w;
  return {best ? best->role : R::kNone, stem};
}

// ---------------------------------------------------------------------------------------------
// The hierarchy, with the queries both recognisers share.

struct Tree {
  const Bvh& bvh;
  std::vector<std::vector<int>> kids;
  std::vector<int> depth, height;  // height: joints on the longest path down, itself included

  explicit Tree(const Bvh& b) : bvh(b) {
    const size_t n = b.joints.size();
    kids.resize(n);
    depth.assign(n, 0);
    height.assign(n, 1);
    for (size_t i = 0; i < n; ++i)
      if (int p = b.joints[i].parent; p >= 0) {
        kids[p].push_back(static_cast<int>(i));
        depth[i] = depth[p] + 1;
      }
    for (size_t i = n; i-- > 0;)  // parents come before children
      if (int p = b.joints[i].parent; p >= 0) height[p] = std::max(height[p], height[i] + 1);
  }
  int size() const { return static_cast<int>(bvh.joints.size()); }
  int parent(int j) const { return bvh.joints[j].parent; }
  const std::string& name(int j) const { return bvh.joints[j].name; }
  double bone(int j) const { return m::norm(bvh.joints[j].offset); }  // from its parent to j
  bool within(int j, int a) const {                                   // j is a or below a
    for (; j >= 0; j = parent(j))
      if (j == a) return true;
    return false;
  }
  int lca(int a, int b) const {
    while (depth[a] > depth[b]) a = parent(a);
    while (depth[b] > depth[a]) b = parent(b);
    while (a != b && a >= 0) {
      a = parent(a);
      b = parent(b);
    }
    return a;
  }
  // from, its parent, ... up to but without `stop` (an ancestor of from, or -1 for the root).
  std::vector<int> up_to(int from, int stop) const {
    std::vector<int> out;
    for (int j = from; j >= 0 && j != stop; j = parent(j)) out.push_back(j);
    return out;
  }
  // j, then repeatedly the child with the deepest subtree (the first on ties).
  std::vector<int> main_chain(int j) const {
    std::vector<int> out{j};
    while (!kids[j].empty()) {
      int best = kids[j][0];
      for (int k : kids[j])
        if (height[k] > height[best]) best = k;
      out.push_back(j = best);
    }
    return out;
  }
  // Joints below j (j excluded), shallow first.
  std::vector<int> below(int j) const {
    std::vector<int> out(kids[j]);
    for (size_t i = 0; i < out.size(); ++i) out.insert(out.end(), kids[out[i]].begin(), kids[out[i]].end());
    return out;
  }
  std::vector<Vec3> rest() const {
    std::vector<Vec3> p(bvh.joints.size());
    for (int i = 0; i < size(); ++i) p[i] = (parent(i) < 0 ? Vec3{} : p[parent(i)]) + bvh.joints[i].offset;
    return p;
  }
};

std::string quoted(const Tree& t, int j) { return "'" + t.name(j) + "'"; }

void set(RigMapping& r, int canonical, int source, MappedBy by) {
  r.source[canonical] = source;
  r.by[canonical] = source >= 0 ? by : MappedBy::kNone;
}

// Spine joints between the pelvis and the chest, `chain` from the pelvis's child up to the chest
// (spine3, where the arms branch). One joint: spine3 only. Two: spine1 and spine3. More: spine1
// is the lowest, spine2 the inner joint whose distance up the chain (in rest bone lengths) is
// nearest our spine2's: 0.143 / (0.143 + 0.057) = 71.5% of the way from spine1 to spine3. Other
// joints go unmapped: their rotations still reach ours through the source's own FK.
void assign_spine(const Tree& t, const std::vector<int>& chain, RigMapping& r, MappedBy by) {
  if (chain.empty()) return;
  set(r, m::kSpine3, chain.back(), by);
  if (chain.size() < 2) return;
  set(r, m::kSpine1, chain.front(), by);
  if (chain.size() < 3) return;
  const double ours = m::norm(m::rest_offset(m::kSpine2)) /
                      (m::norm(m::rest_offset(m::kSpine2)) + m::norm(m::rest_offset(m::kSpine3)));
  std::vector<double> along(chain.size(), 0.0);
  for (size_t i = 1; i < chain.size(); ++i) along[i] = along[i - 1] + t.bone(chain[i]);
  int best = 1;
  for (size_t i = 1; i + 1 < chain.size(); ++i) {
    const double f = along.back() > 0 ? along[i] / along.back() : double(i) / double(chain.size() - 1);
    const double fb = along.back() > 0 ? along[best] / along.back() : double(best) / double(chain.size() - 1);
    if (std::abs(f - ours) < std::abs(fb - ours)) best = static_cast<int>(i);
  }
  set(r, m::kSpine2, chain[best], by);
}

// The head in a chain that starts at the neck: the base of the longest bone above the neck (the
// skull; a bone ends at the next joint or, for the last, at its End Site).
int head_in_chain(const Tree& t, const std::vector<int>& chain) {
  if (chain.size() < 2) return chain.empty() ? -1 : chain[0];
  int best = chain[1];
  double longest = -1;
  for (size_t i = 1; i < chain.size(); ++i) {
    const auto& j = t.bvh.joints[chain[i]];
    const double len =
        i + 1 < chain.size() ? t.bone(chain[i + 1]) : (j.has_end_site ? m::norm(j.end_site) : 0.0);
    if (len > longest) {
      longest = len;
      best = chain[i];
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// The standing check, and the pose it is made in.

// Legs hang below the hips, along the spine's axis: hip -> ankle within 60 degrees of pelvis ->
// chest reversed. A quadruped's legs stand at right angles to its spine.
constexpr double kLegsDownCos = -0.5;

double legs_down_cos(const RigMapping& r, const std::vector<Vec3>& p) {
  const Vec3 up = m::normalized(p[r.source[m::kSpine3]] - p[r.source[m::kPelvis]]);
  double worst = -1;
  for (auto [hip, ankle] : {std::pair{m::kLeftHip, m::kLeftAnkle}, std::pair{m::kRightHip, m::kRightAnkle}}) {
    const Vec3 leg = m::normalized(p[r.source[ankle]] - p[r.source[hip]]);
    worst = std::max(worst, m::dot(leg, up));
  }
  return worst;
}

// The pose geometric decisions are made in: the rest pose when the rig stands in it, else the
// first of a few frames in which it stands (Bandai's rest has every bone along +X; its frames
// are poses). nullopt with the reason when the legs never hang below the hips.
struct Pose {
  std::vector<Vec3> p;
  bool rest = true;
};

std::optional<Pose> standing_pose(const Tree& t, const RigMapping& r, std::string& why) {
  Pose pose{t.rest(), true};
  const double at_rest = legs_down_cos(r, pose.p);
  if (at_rest < kLegsDownCos) return pose;
  const int frames = t.bvh.frames;
  for (int k = 0; k < 5 && frames > 0; ++k) {
    Pose posed{t.bvh.world_positions(k * (frames - 1) / 4), false};
    if (legs_down_cos(r, posed.p) < kLegsDownCos) return posed;
  }
  char buf[200];
  std::snprintf(buf, sizeof buf,
                "the legs do not hang below the hips along the spine (hip-to-ankle %.0f degrees from "
                "straight down at rest): not a standing humanoid, a quadruped?",
                std::acos(std::clamp(-at_rest, -1.0, 1.0)) * 180 / 3.14159265358979);
  why = buf;
  return std::nullopt;
}

bool distinct(const RigMapping& r, std::string& why, const Tree& t) {
  for (int a = 0; a < m::kNumJoints; ++a)
    for (int b = a + 1; b < m::kNumJoints; ++b)
      if (r.source[a] >= 0 && r.source[a] == r.source[b]) {
        why = quoted(t, r.source[a]) + " would be both " + std::string(m::joint_name(a)) + " and " +
              std::string(m::joint_name(b));
        return false;
      }
  return true;
}

// ---------------------------------------------------------------------------------------------
// By names.

struct Named {
  const Tree& t;
  std::vector<JointName> names;

  bool fits(int j, Side side, std::initializer_list<JointRole> roles) const {
    const auto& n = names[j];
    if (n.side != side && n.side != Side::kNone) return false;
    return std::find(roles.begin(), roles.end(), n.role) != roles.end();
  }
  // A limb's end (hand or foot) on one side: of the joints named so, the one with the most limb
  // names above it (a foot under a shin and a thigh beats an IK target named foot), then the
  // shallowest (a wrist above a joint named hand, an ankle above a joint named foot).
  int anchor(Side side, std::initializer_list<JointRole> ends, std::initializer_list<JointRole> above) const {
    int best = -1, best_score = -1;
    for (int j = 0; j < t.size(); ++j) {
      if (names[j].side != side || !fits(j, side, ends)) continue;
      std::vector<JointRole> seen;
      for (int p = t.parent(j); p >= 0; p = t.parent(p))
        if (names[p].side == side && fits(p, side, above) &&
            std::find(seen.begin(), seen.end(), names[p].role) == seen.end())
          seen.push_back(names[p].role);
      const int score = static_cast<int>(seen.size());
      if (score > best_score || (score == best_score && t.depth[j] < t.depth[best])) {
        best = j;
        best_score = score;
      }
    }
    return best;
  }
  // In `path` (a limb from its end up to the trunk), the first joint from index `from` to `to`
  // named with one of `roles`, moved up over segments of the same bone ("thigh.L.001" below
  // "thigh.L"); -1 when none.
  int find_up(const std::vector<int>& path, int from, int to, Side side,
              std::initializer_list<JointRole> roles) const {
    for (int i = from; i <= to; ++i) {
      if (!fits(path[i], side, roles)) continue;
      while (i + 1 <= to && names[path[i + 1]].stem == names[path[i]].stem &&
             names[path[i + 1]].role == names[path[i]].role)
        ++i;
      return i;
    }
    return -1;
  }
};

const char* side_word(Side s) { return s == Side::kLeft ? "left" : "right"; }

// One leg from its ankle up to (not including) the joint where the legs meet.
bool map_leg(const Named& n, Side side, int ankle, int meet, RigMapping& r, std::string& why) {
  const bool left = side == Side::kLeft;
  std::vector<int> path = n.t.up_to(ankle, meet);
  if (path.size() < 3) {
    why = std::string("the ") + side_word(side) + " leg has " + std::to_string(path.size()) +
          " joint(s) from where the legs meet down to " + quoted(n.t, ankle) + " (need hip, knee, ankle)";
    return false;
  }
  const int last = static_cast<int>(path.size()) - 1;
  int k = n.find_up(path, 1, last - 1, side, {R::kShin});
  const bool knee_named = k >= 0;
  if (!knee_named) k = 1;
  int h = n.find_up(path, k + 1, last, side, {R::kThigh});
  const bool hip_named = h >= 0;
  if (!hip_named) h = k + 1;
  set(r, left ? m::kLeftAnkle : m::kRightAnkle, ankle, MappedBy::kName);
  set(r, left ? m::kLeftKnee : m::kRightKnee, path[k], knee_named ? MappedBy::kName : MappedBy::kChain);
  set(r, left ? m::kLeftHip : m::kRightHip, path[h], hip_named ? MappedBy::kName : MappedBy::kChain);
  // Toes: the shallowest joint below the ankle named toe (or foot, below an ankle), else its only child.
  int toe = -1;
  MappedBy toe_by = MappedBy::kName;
  for (int j : n.t.below(ankle))
    if (n.fits(j, side, {R::kToe, R::kFoot})) {
      toe = j;
      break;
    }
  if (toe < 0 && n.t.kids[ankle].size() == 1) {
    toe = n.t.kids[ankle][0];
    toe_by = MappedBy::kChain;
  }
  set(r, left ? m::kLeftFoot : m::kRightFoot, toe, toe_by);
  return true;
}

// One arm from its wrist up to (not including) the chest.
bool map_arm(const Named& n, Side side, int wrist, int chest, RigMapping& r, std::string& why) {
  const bool left = side == Side::kLeft;
  std::vector<int> path = n.t.up_to(wrist, chest);
  if (path.size() < 3) {
    why = std::string("the ") + side_word(side) + " arm has " + std::to_string(path.size()) +
          " joint(s) from where the arms meet out to " + quoted(n.t, wrist) +
          " (need shoulder, elbow, wrist)";
    return false;
  }
  const int last = static_cast<int>(path.size()) - 1;
  int e = n.find_up(path, 1, last - 1, side, {R::kForeArm});
  const bool elbow_named = e >= 0;
  if (!elbow_named) e = 1;
  int s = n.find_up(path, e + 1, last, side, {R::kUpperArm, R::kShoulder});
  const bool shoulder_named = s >= 0;
  if (!shoulder_named) s = e + 1;
  int c = s < last ? n.find_up(path, s + 1, last, side, {R::kCollar, R::kShoulder}) : -1;
  const bool collar_named = c >= 0;
  if (!collar_named && s < last) c = s + 1;
  set(r, left ? m::kLeftWrist : m::kRightWrist, wrist, MappedBy::kName);
  set(r, left ? m::kLeftElbow : m::kRightElbow, path[e], elbow_named ? MappedBy::kName : MappedBy::kChain);
  set(r, left ? m::kLeftShoulder : m::kRightShoulder, path[s],
      shoulder_named ? MappedBy::kName : MappedBy::kChain);
  set(r, left ? m::kLeftCollar : m::kRightCollar, c >= 0 ? path[c] : -1,
      collar_named ? MappedBy::kName : MappedBy::kChain);
  return true;
}

// Neck and head among the joints below the chest that are not in an arm.
void map_head(const Named& n, int chest, const std::array<int, 2>& arm_tops, RigMapping& r) {
  const Tree& t = n.t;
  std::vector<int> trunk_above;
  for (int j : t.below(chest))
    if (!t.within(j, arm_tops[0]) && !t.within(j, arm_tops[1])) trunk_above.push_back(j);
  auto first_named = [&](JointRole role) {
    for (int j : trunk_above)
      if (n.names[j].role == role) return j;
    return -1;
  };
  if (int head = first_named(R::kHead); head >= 0) {
    set(r, m::kHead, head, MappedBy::kName);
    std::vector<int> path = t.up_to(head, chest);  // head ... child of chest
    path.erase(path.begin());
    for (auto it = path.rbegin(); it != path.rend(); ++it)
      if (n.names[*it].role == R::kNeck) {
        set(r, m::kNeck, *it, MappedBy::kName);
        return;
      }
    if (!path.empty()) set(r, m::kNeck, path.back(), MappedBy::kChain);
    return;
  }
  int neck = first_named(R::kNeck);
  MappedBy neck_by = MappedBy::kName;
  if (neck < 0) {  // the middle branch: the deepest child of the chest outside the arms
    for (int k : t.kids[chest])
      if (k != arm_tops[0] && k != arm_tops[1] && (neck < 0 || t.height[k] > t.height[neck])) neck = k;
    neck_by = MappedBy::kChain;
  }
  if (neck < 0) return;
  std::vector<int> chain = t.main_chain(neck);
  if (chain.size() == 1) {
    set(r, m::kHead, neck, MappedBy::kChain);
    return;
  }
  set(r, m::kNeck, neck, neck_by);
  set(r, m::kHead, head_in_chain(t, chain), MappedBy::kChain);
}

std::optional<RigMapping> by_names(const Tree& t, std::string& why) {
  Named n{t, {}};
  for (const auto& j : t.bvh.joints) n.names.push_back(parse_joint_name(j.name));
  std::array<int, 2> ankle{}, wrist{};
  std::string missing;
  for (int s = 0; s < 2; ++s) {
    const Side side = s == 0 ? Side::kLeft : Side::kRight;
    ankle[s] = n.anchor(side, {R::kAnkle, R::kFoot}, {R::kShin, R::kThigh});
    wrist[s] = n.anchor(side, {R::kHand}, {R::kForeArm, R::kUpperArm, R::kShoulder, R::kCollar});
    if (wrist[s] < 0) missing += std::string(missing.empty() ? "" : ", ") + side_word(side) + " hand/wrist";
    if (ankle[s] < 0) missing += std::string(missing.empty() ? "" : ", ") + side_word(side) + " foot/ankle";
  }
  if (!missing.empty()) {
    why = "no joint named like a " + missing;
    return std::nullopt;
  }
  const int meet = t.lca(ankle[0], ankle[1]), chest = t.lca(wrist[0], wrist[1]);
  if (meet < 0 || chest < 0) {
    why = "the hands and feet are not in one hierarchy";
    return std::nullopt;
  }
  const int pelvis = t.lca(meet, chest);
  if (chest == pelvis || meet == ankle[0] || meet == ankle[1] || chest == wrist[0] || chest == wrist[1]) {
    why = "the joints named hands and feet do not hang from a spine as two arms above two legs";
    return std::nullopt;
  }
  RigMapping r;
  r.method = "names";
  for (int s = 0; s < 2; ++s) {
    const Side side = s == 0 ? Side::kLeft : Side::kRight;
    if (!map_leg(n, side, ankle[s], meet, r, why) || !map_arm(n, side, wrist[s], chest, r, why))
      return std::nullopt;
  }
  set(r, m::kPelvis, pelvis, MappedBy::kChain);
  std::vector<int> spine = t.up_to(chest, pelvis);
  std::reverse(spine.begin(), spine.end());
  assign_spine(t, spine, r, MappedBy::kChain);
  const int top_l = t.up_to(wrist[0], chest).back(), top_r = t.up_to(wrist[1], chest).back();
  map_head(n, chest, {top_l, top_r}, r);
  if (!distinct(r, why, t)) return std::nullopt;
  if (!standing_pose(t, r, why)) return std::nullopt;
  return r;
}

// ---------------------------------------------------------------------------------------------
// By topology.

// How unlike two limb chains are: bone lengths along their main chains compared (0 = mirror
// images; left and right of a captured actor differ by a few percent).
double unlikeness(const Tree& t, int a, int b) {
  auto ca = t.main_chain(a), cb = t.main_chain(b);
  const size_t n = std::min(ca.size(), cb.size());
  double diff = 0, sum = 0;
  for (size_t i = 0; i < n; ++i) {
    diff += std::abs(t.bone(ca[i]) - t.bone(cb[i]));
    sum += t.bone(ca[i]) + t.bone(cb[i]);
  }
  const double lengths = sum > 0 ? diff / sum : 0;
  return lengths + 0.25 * static_cast<double>(std::max(ca.size(), cb.size()) - n);
}
constexpr double kMaxUnlikeness = 0.15;

// The most alike pair among `candidates` with at least `min_joints` joints; nullopt when none is
// alike enough.
std::optional<std::pair<int, int>> limb_pair(const Tree& t, const std::vector<int>& candidates,
                                             int min_joints) {
  std::optional<std::pair<int, int>> best;
  double best_u = kMaxUnlikeness;
  for (size_t i = 0; i < candidates.size(); ++i)
    for (size_t k = i + 1; k < candidates.size(); ++k) {
      const int a = candidates[i], b = candidates[k];
      if (t.height[a] < min_joints || t.height[b] < min_joints) continue;
      const double u = unlikeness(t, a, b);
      if (u < best_u) {
        best_u = u;
        best = std::pair{a, b};
      }
    }
  return best;
}

// In a limb's main chain, the index a where bones a->a+1 and a+1->a+2 are together longest
// (thigh + shin, upper arm + forearm); -1 when the chain is shorter than three joints.
int longest_two_bones(const Tree& t, const std::vector<int>& chain) {
  int best = -1;
  double longest = -1;
  for (size_t a = 0; a + 2 < chain.size(); ++a) {
    const double len = t.bone(chain[a + 1]) + t.bone(chain[a + 2]);
    if (len > longest + 1e-9) {
      longest = len;
      best = static_cast<int>(a);
    }
  }
  return best;
}

struct Chest {
  int joint = -1;
  std::pair<int, int> arms;
  int neck = -1;  // the middle branch; -1 when the chest has none
};

// The first joint at or below `from`, shallow first, that branches into two alike arm chains (3+
// joints) and something else.
std::optional<Chest> find_chest(const Tree& t, int from) {
  std::vector<int> order{from};
  for (int j : t.below(from)) order.push_back(j);
  for (int b : order) {
    if (t.kids[b].size() < 3) continue;
    auto arms = limb_pair(t, t.kids[b], 3);
    if (!arms) continue;
    Chest c{b, *arms, -1};
    for (int k : t.kids[b])
      if (k != arms->first && k != arms->second && (c.neck < 0 || t.height[k] > t.height[c.neck])) c.neck = k;
    return c;
  }
  return std::nullopt;
}

// A rig built from hips `h`, with the limb pairs still unsided (first = "a", second = "b").
std::optional<RigMapping> from_hips(const Tree& t, int h, std::string& why) {
  std::optional<Chest> chest;
  int spine_kid = -1;
  // The spine: of the branches that reach a chest, the largest (a foot whose toes are chains of
  // three joints also looks like a chest).
  for (int k : t.kids[h])
    if (auto c = find_chest(t, k); c && (spine_kid < 0 || t.below(k).size() > t.below(spine_kid).size())) {
      chest = c;
      spine_kid = k;
    }
  if (!chest) {
    why = quoted(t, h) + " branches " + std::to_string(t.kids[h].size()) +
          " ways but none leads to a chest with two alike arms";
    return std::nullopt;
  }
  std::vector<int> others;
  for (int k : t.kids[h])
    if (k != spine_kid) others.push_back(k);
  auto legs = limb_pair(t, others, 3);
  if (!legs) {
    why = quoted(t, h) + " has a spine but no two alike leg chains of 3+ joints beside it";
    return std::nullopt;
  }
  RigMapping r;
  r.method = "topology";
  const MappedBy by = MappedBy::kTopology;
  set(r, m::kPelvis, h, by);
  // Legs and arms as side "a" (first) for now; sides are settled by the caller.
  for (int s = 0; s < 2; ++s) {
    const bool a = s == 0;
    auto leg = t.main_chain(a ? legs->first : legs->second);
    const int i = longest_two_bones(t, leg);
    set(r, a ? m::kLeftHip : m::kRightHip, leg[i], by);
    set(r, a ? m::kLeftKnee : m::kRightKnee, leg[i + 1], by);
    set(r, a ? m::kLeftAnkle : m::kRightAnkle, leg[i + 2], by);
    set(r, a ? m::kLeftFoot : m::kRightFoot, i + 3 < static_cast<int>(leg.size()) ? leg[i + 3] : -1, by);
    auto arm = t.main_chain(a ? chest->arms.first : chest->arms.second);
    const int k = longest_two_bones(t, arm);
    set(r, a ? m::kLeftCollar : m::kRightCollar, k > 0 ? arm[k - 1] : -1, by);
    set(r, a ? m::kLeftShoulder : m::kRightShoulder, arm[k], by);
    set(r, a ? m::kLeftElbow : m::kRightElbow, arm[k + 1], by);
    set(r, a ? m::kLeftWrist : m::kRightWrist, arm[k + 2], by);
  }
  std::vector<int> spine = t.up_to(chest->joint, h);
  std::reverse(spine.begin(), spine.end());
  assign_spine(t, spine, r, by);
  if (chest->neck >= 0) {
    auto chain = t.main_chain(chest->neck);
    if (chain.size() == 1) {
      set(r, m::kHead, chest->neck, by);
    } else {
      set(r, m::kNeck, chest->neck, by);
      set(r, m::kHead, head_in_chain(t, chain), by);
    }
  }
  return r;
}

void swap_sides(RigMapping& r, std::initializer_list<int> left_joints) {
  for (int j : left_joints) {
    const int o = m::skeleton()[j].mirror;
    std::swap(r.source[j], r.source[o]);
    std::swap(r.by[j], r.by[o]);
  }
}

// The character's left in a pose, cross(up, forward), as long as the pose says something about
// forward (zero when it says nothing). Up: pelvis to chest. Forward: the knees, which bend only
// forwards (the knee's offset from the hip-ankle line, in leg lengths, weighted 4: it rules in
// strides, where a foot may point down or back), plus the toes (ankle -> toes, or at rest the
// ankle's End Site), which rule when the legs are straight.
Vec3 left_axis(const Tree& t, const RigMapping& r, const std::vector<Vec3>& p, bool rest) {
  constexpr double kKneeWeight = 4;
  const Vec3 up = m::normalized(p[r.source[m::kSpine3]] - p[r.source[m::kPelvis]]);
  Vec3 forward{};
  for (bool left : {true, false}) {
    const int hip = r.source[left ? m::kLeftHip : m::kRightHip],
              knee = r.source[left ? m::kLeftKnee : m::kRightKnee];
    const int ankle = r.source[left ? m::kLeftAnkle : m::kRightAnkle],
              toe = r.source[left ? m::kLeftFoot : m::kRightFoot];
    const Vec3 line = p[ankle] - p[hip];
    const double len = m::norm(line);
    if (len > 0) {
      const Vec3 along = line / len;
      const Vec3 off = p[knee] - p[hip];
      forward += (off - along * m::dot(off, along)) * (kKneeWeight / len);
    }
    if (toe >= 0)
      forward += m::normalized(p[toe] - p[ankle]);
    else if (rest && t.bvh.joints[ankle].has_end_site)
      forward += m::normalized(t.bvh.joints[ankle].end_site);
  }
  forward -= up * m::dot(forward, up);
  return m::cross(up, forward);
}

// Left and right: left_axis in the standing rest pose, or, when only frames stand (Bandai), a
// vote of up to 60 frames, each weighted by how much it says (one mid-stride frame can mislead).
// So a rig facing -Z has its left on -X. When nothing says where forward is (no toes, straight
// legs), the rig is taken to face +Z with Y up, the BVH convention: its left is +X. A mirrored
// (left-handed) file cannot be told from the mirror image of its motion by shape alone: it
// comes out mirrored.
void settle_sides(const Tree& t, RigMapping& r, const Pose& pose) {
  double legs = 0, arms = 0;
  auto vote = [&](const std::vector<Vec3>& p, const Vec3& left) {
    legs += m::dot(m::normalized(p[r.source[m::kLeftHip]] - p[r.source[m::kRightHip]]), left);
    arms += m::dot(m::normalized(p[r.source[m::kLeftShoulder]] - p[r.source[m::kRightShoulder]]), left);
  };
  if (pose.rest) {
    vote(pose.p, left_axis(t, r, pose.p, true));
  } else {
    const int step = std::max(1, t.bvh.frames / 60);
    for (int f = 0; f < t.bvh.frames; f += step) {
      const std::vector<Vec3> p = t.bvh.world_positions(f);
      vote(p, left_axis(t, r, p, false));
    }
  }
  if (std::abs(legs) < 1e-6 && std::abs(arms) < 1e-6) vote(pose.p, {1, 0, 0});
  if (legs < 0) swap_sides(r, {m::kLeftHip, m::kLeftKnee, m::kLeftAnkle, m::kLeftFoot});
  if (arms < 0) swap_sides(r, {m::kLeftCollar, m::kLeftShoulder, m::kLeftElbow, m::kLeftWrist});
}

}  // namespace

// ---------------------------------------------------------------------------------------------

std::string normalize_joint_name(std::string_view name) { return join(words(strip_namespace(name))); }

JointName parse_joint_name(std::string_view name) {
  const std::string_view base = strip_namespace(name);
  const std::vector<std::string> w = words(base);
  JointName out;
  out.normalized = join(w);
  const std::string& s = out.normalized;
  auto sided = [&](Side side, const std::string& stem, bool suffix) {
    auto [role, word] = classify(stem, suffix);
    if (!is_limb(role)) return false;
    out.side = side;
    out.role = role;
    out.stem = word;
    return true;
  };
  // "LeftUpLeg", "left_knee", "Character1_LeftHand", "UpperLeftArm".
  for (auto [word, side] : {std::pair{"left", Side::kLeft}, std::pair{"right", Side::kRight}}) {
    const size_t at = s.find(word);
    if (at == std::string::npos) continue;
    const std::string after = s.substr(at + std::string_view(word).size()), before = s.substr(0, at);
    if (sided(side, after.empty() ? before : after, true)) return out;
  }
  // A lone L or R word: "L_Hip", "thigh.L", "hand_l", "Bip01 L Thigh", "DEF-thigh.L.001".
  if (w.size() > 1)
    for (size_t i = 0; i < w.size(); ++i)
      if ((w[i] == "l" || w[i] == "r") && sided(w[i] == "l" ? Side::kLeft : Side::kRight, join(w, i), true))
        return out;
  // L/R before a capital: "LThigh", "RForeArm", DAZ's "lShldr".
  if (base.size() > 2 && std::string_view("LRlr").find(base[0]) != std::string_view::npos &&
      std::isupper(static_cast<unsigned char>(base[1])) &&
      sided(std::tolower(base[0]) == 'l' ? Side::kLeft : Side::kRight, s.substr(1), true))
    return out;
  // l/r glued to an exact word: CMU ASF "lfemur", "rhumerus"; "handl".
  if (s.size() > 3) {
    if ((s[0] == 'l' || s[0] == 'r') && sided(s[0] == 'l' ? Side::kLeft : Side::kRight, s.substr(1), false))
      return out;
    if ((s.back() == 'l' || s.back() == 'r') &&
        sided(s.back() == 'l' ? Side::kLeft : Side::kRight, s.substr(0, s.size() - 1), false))
      return out;
  }
  // No side: neck and head count; a limb word without a side is kept but never used.
  auto [role, word] = classify(s, true);
  out.role = role;
  out.stem = word;
  return out;
}

std::string_view mapped_by_name(MappedBy by) {
  switch (by) {
    case MappedBy::kNameMap:
      return "name map";
    case MappedBy::kName:
      return "name";
    case MappedBy::kChain:
      return "chain";
    case MappedBy::kTopology:
      return "topology";
    case MappedBy::kNone:
      break;
  }
  return "-";
}

RigMapping map_rig_by_names(const Bvh& bvh) {
  if (bvh.joints.empty()) throw Error("the BVH has no joints");
  const Tree t(bvh);
  std::string why;
  auto r = by_names(t, why);
  if (!r) throw Error(why);
  return *r;
}

RigMapping map_rig_by_topology(const Bvh& bvh) {
  if (bvh.joints.empty()) throw Error("the BVH has no joints");
  const Tree t(bvh);
  std::vector<int> order;
  for (int j = 0; j < t.size(); ++j)
    if (t.parent(j) < 0) {
      order.push_back(j);
      for (int k : t.below(j)) order.push_back(k);
    }
  std::string first_why;
  int widest = 0;
  for (int h : order) {
    widest = std::max(widest, static_cast<int>(t.kids[h].size()));
    if (t.kids[h].size() < 3) continue;
    std::string why;
    auto r = from_hips(t, h, why);
    if (r && distinct(*r, why, t))
      if (auto pose = standing_pose(t, *r, why)) {
        settle_sides(t, *r, *pose);
        return *r;
      }
    if (first_why.empty()) first_why = why;
  }
  if (first_why.empty())
    first_why = "no joint branches three ways (hips with two legs and a spine); the widest branches " +
                std::to_string(widest) + " way(s) in " + std::to_string(t.size()) + " joint(s)";
  throw Error(first_why);
}

RigMapping map_rig(const Bvh& bvh) {
  std::string names_why;
  try {
    return map_rig_by_names(bvh);
  } catch (const Error& e) {
    names_why = e.what();
  }
  try {
    RigMapping r = map_rig_by_topology(bvh);
    r.note = "names: " + names_why;
    return r;
  } catch (const Error& e) {
    throw Error("not a humanoid rig: by names, " + names_why + "; by topology, " + e.what());
  }
}

std::string explain_mapping(const Bvh& bvh, const RigMapping& rig) {
  std::string out = "recognised by " + rig.method;
  if (!rig.note.empty()) out += " (" + rig.note + ")";
  out += "\n";
  for (int j = 0; j < m::kNumJoints; ++j) {
    char line[256];
    const int s = rig.source[j];
    if (s >= 0)
      std::snprintf(line, sizeof line, "  %-15s <- %s (%s)\n", std::string(m::joint_name(j)).c_str(),
                    bvh.joints[s].name.c_str(), std::string(mapped_by_name(rig.by[j])).c_str());
    else
      std::snprintf(line, sizeof line, "  %-15s <- (none: follows %s)\n",
                    std::string(m::joint_name(j)).c_str(),
                    j == 0 ? "-" : std::string(m::joint_name(m::parent(j))).c_str());
    out += line;
  }
  return out;
}

}  // namespace e2m::io
