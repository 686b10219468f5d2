// Tests for BVH retargeting: name maps (built-in, detected, from a file), rest-pose corrections
// on a synthetic A-pose rig, handedness, and fidelity on Bandai Namco clips.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>

#include "io/bvh.h"
#include "io/retarget_bvh.h"
#include "motion/error.h"
#include "motion/fk.h"
#include "motion/ops.h"
#include "motion/rotation.h"
#include "motion/skeleton.h"
#include "test_support.h"

using namespace e2m;
using namespace e2m::motion;

namespace {

constexpr double kDeg = 180.0 / 3.14159265358979323846;

double angle_deg(const Vec3& a, const Vec3& b) {
  return std::acos(std::clamp(dot(normalized(a), normalized(b)), -1.0, 1.0)) * kDeg;
}

// A rig named with our canonical names but built in an A-pose (arms 45 degrees down), with hips
// below the pelvis, a foot bone pitched down and its own proportions, in centimetres.
io::Bvh apose_rig(int frames, bool left_handed, unsigned seed) {
  const double c = std::cos(M_PI / 4), s = std::sin(M_PI / 4);
  struct J {
    const char* name;
    const char* parent;
    Vec3 offset;
    Vec3 end;  // End Site offset, zero when none
  };
  const Vec3 toe = normalized(Vec3{0, -5, 12});
  std::vector<J> table = {
      {"pelvis", nullptr, {0, 95, 0}, {}},
      {"spine1", "pelvis", {0, 10, 0}, {}},
      {"spine3", "spine1", {0, 25, 0}, {}},
      {"neck", "spine3", {0, 20, 0}, {}},
      {"head", "neck", {0, 10, 0}, {0, 15, 0}},
      {"left_collar", "spine3", {8, 0, 0}, {}},
      {"left_shoulder", "left_collar", {10, 0, 0}, {}},
      {"left_elbow", "left_shoulder", {25 * c, -25 * s, 0}, {}},
      {"left_wrist", "left_elbow", {25 * c, -25 * s, 0}, {8 * c, -8 * s, 0}},
      {"right_collar", "spine3", {-8, 0, 0}, {}},
      {"right_shoulder", "right_collar", {-10, 0, 0}, {}},
      {"right_elbow", "right_shoulder", {-25 * c, -25 * s, 0}, {}},
      {"right_wrist", "right_elbow", {-25 * c, -25 * s, 0}, {-8 * c, -8 * s, 0}},
      {"left_hip", "pelvis", {9, -5, 0}, {}},
      {"left_knee", "left_hip", {0, -42, 0}, {}},
      {"left_ankle", "left_knee", {0, -40, 0}, {}},
      {"left_foot", "left_ankle", {0, -5, 12}, toe * 5},
      {"right_hip", "pelvis", {-9, -5, 0}, {}},
      {"right_knee", "right_hip", {0, -42, 0}, {}},
      {"right_ankle", "right_knee", {0, -40, 0}, {}},
      {"right_foot", "right_ankle", {0, -5, 12}, toe * 5},
  };
  io::Bvh bvh;
  for (const auto& t : table) {
    io::BvhJoint j;
    j.name = t.name;
    j.parent = t.parent ? bvh.find(t.parent) : -1;
    j.offset = t.offset;
    if (norm(t.end) > 0) {
      j.has_end_site = true;
      j.end_site = t.end;
    }
    using C = io::BvhChannel;
    if (j.parent < 0) j.channels = {C::Xposition, C::Yposition, C::Zposition};
    j.channels.insert(j.channels.end(), {C::Zrotation, C::Xrotation, C::Yrotation});
    bvh.joints.push_back(j);
  }
  io::update_channel_starts(bvh);
  bvh.frames = frames;
  bvh.frame_time = 1.0 / 30;
  bvh.values.assign(static_cast<size_t>(frames) * bvh.num_channels(), 0.0);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> angle(-40, 40);
  for (int f = 0; f < frames; ++f) {
    double* row = &bvh.values[static_cast<size_t>(f) * bvh.num_channels()];
    row[0] = 3.0 * f;
    row[1] = 95 + 2 * std::sin(f);
    row[2] = -1.5 * f;
    if (f == 1) {
      // Arms raised into a T-pose and feet levelled: our rest pose.
      row[bvh.joints[bvh.find("left_shoulder")].channel_start] = 45;
      row[bvh.joints[bvh.find("right_shoulder")].channel_start] = -45;
      double pitch = -std::atan2(5.0, 12.0) * kDeg;  // about +X: lifts the toes
      row[bvh.joints[bvh.find("left_ankle")].channel_start + 1] = pitch;
      row[bvh.joints[bvh.find("right_ankle")].channel_start + 1] = pitch;
    } else if (f >= 2) {
      for (size_t j = 0; j < bvh.joints.size(); ++j)
        for (int k = 0; k < 3; ++k) row[bvh.joints[j].channel_start + (j == 0 ? 3 : 0) + k] = angle(rng);
      // Elbows and knees are hinges: palms down, elbows bend the forearm forwards, knees the
      // shin backwards (the axis is the bend plane's normal at rest).
      std::uniform_real_distribution<double> flex(10, 120);
      for (auto [name, axis] :
           {std::pair{"left_elbow", Vec3{-s, -c, 0}}, std::pair{"right_elbow", Vec3{-s, c, 0}},
            std::pair{"left_knee", Vec3{1, 0, 0}}, std::pair{"right_knee", Vec3{1, 0, 0}}}) {
        Vec3 deg = quat_to_euler("ZXY", quat_from_axis_angle(axis, flex(rng) / kDeg));
        int r = bvh.joints[bvh.find(name)].channel_start;
        row[r] = deg.z;
        row[r + 1] = deg.x;
        row[r + 2] = deg.y;
      }
    }
  }
  if (left_handed) {
    // The same motion seen in a mirrored (x -> -x) frame: x offsets and positions flip, and a
    // rotation R becomes S R S, i.e. the Z and Y Euler angles change sign.
    for (auto& j : bvh.joints) {
      j.offset.x = -j.offset.x;
      j.end_site.x = -j.end_site.x;
    }
    for (int f = 0; f < frames; ++f) {
      double* row = &bvh.values[static_cast<size_t>(f) * bvh.num_channels()];
      row[0] = -row[0];
      for (size_t j = 0; j < bvh.joints.size(); ++j) {
        int r = bvh.joints[j].channel_start + (j == 0 ? 3 : 0);
        row[r] = -row[r];          // Z
        row[r + 2] = -row[r + 2];  // Y
      }
    }
  }
  return bvh;
}

io::NameMap canonical_names() {
  io::NameMap map;
  map.rig = "canonical";
  for (int j = 0; j < kNumJoints; ++j) map.entries.emplace_back(std::string(joint_name(j)), j);
  return map;
}

}  // namespace

TEST_CASE("built-in name maps exist and unknown rigs are rejected", "[retarget]") {
  for (const char* rig : {"bandai", "cmu", "mixamo"}) {
    auto map = io::builtin_name_map(rig);
    CHECK(map.rig == rig);
    CHECK(map.entries.size() >= 21);
    for (const auto& [name, j] : map.entries) CHECK((j >= 0 && j < kNumJoints));
  }
  CHECK_THROWS_AS(io::builtin_name_map("bogus"), Error);
}

TEST_CASE("name map files load, and a bad line names file:line", "[retarget]") {
  auto dir = test::temp_dir("retarget");
  auto good = dir / "myrig.txt";
  {
    std::ofstream out(good);
    out << "# my rig\n\nRoot pelvis\n  L_Thigh left_hip   # comment\nL_Knee left_knee\n";
  }
  auto map = io::load_name_map(good);
  CHECK(map.rig == "myrig");
  REQUIRE(map.entries.size() == 3);
  CHECK(map.entries[0] == std::pair<std::string, int>{"Root", kPelvis});
  CHECK(map.entries[1] == std::pair<std::string, int>{"L_Thigh", kLeftHip});

  auto bad = dir / "bad.txt";
  {
    std::ofstream out(bad);
    out << "Root pelvis\nL_Thigh left_thigh\n";
  }
  try {
    io::load_name_map(bad);
    FAIL("expected an error");
  } catch (const Error& e) {
    std::string msg = e.what();
    CHECK(msg.find("bad.txt:2:") != std::string::npos);
    CHECK(msg.find("left_thigh") != std::string::npos);
  }
  {
    std::ofstream out(bad);
    out << "Root pelvis extra\n";
  }
  CHECK_THROWS_WITH(io::load_name_map(bad), Catch::Contains("bad.txt:1:"));
  CHECK_THROWS_AS(io::load_name_map(dir / "absent.txt"), Error);
}

TEST_CASE("a synthetic A-pose rig retargets to the right canonical directions", "[retarget]") {
  io::Bvh bvh = apose_rig(12, false, 3);
  io::RetargetInfo info;
  Clip clip = io::retarget_bvh(bvh, canonical_names(), {}, &info);
  REQUIRE(clip.frames() == 12);
  CHECK(clip.fps == 30);
  CHECK(info.scale == 0.01);
  CHECK_FALSE(info.mirrored);
  auto poses = fk_all(clip);

  // Frame 0 is the source's rest: our arms must hang 45 degrees down like the source's.
  Vec3 upper = poses[0][kLeftElbow] - poses[0][kLeftShoulder];
  CHECK(angle_deg(upper, {1, -1, 0}) < 1e-4);
  CHECK(angle_deg(poses[0][kRightWrist] - poses[0][kRightElbow], {-1, -1, 0}) < 1e-4);
  // Frame 1 has the source in a T-pose with level feet: that is our rest, all identity.
  double worst = 0;
  for (int j = 1; j < kNumJoints; ++j) {
    double a = angle_between(clip.q(1, j), Quat::identity());
    if (a > 1e-9)
      std::printf("rest joint %s off by %.3f deg\n", std::string(joint_name(j)).c_str(), a * kDeg);
    worst = std::max(worst, a);
  }
  CHECK(worst * kDeg < 1e-4);
  CHECK(angle_between(clip.q(1, 0), Quat::identity()) * kDeg < 1e-4);

  // Random poses: every limb bone points where the source's does.
  double max_err = 0;
  for (int f = 0; f < bvh.frames; ++f) {
    auto src = bvh.world_positions(f);
    auto S = [&](int j) { return src[info.source_joint[j]]; };
    for (int j = 1; j < kNumJoints; ++j) {
      if (info.source_joint[j] < 0) continue;  // spine2 has no source joint
      int p = parent(j);
      while (info.source_joint[p] < 0) p = parent(p);
      if (p == kPelvis || p == kSpine3) continue;  // frames, checked below
      max_err = std::max(max_err, angle_deg(poses[f][j] - poses[f][p], S(j) - S(p)));
    }
    max_err =
        std::max(max_err, angle_deg(poses[f][kLeftHip] - poses[f][kRightHip], S(kLeftHip) - S(kRightHip)));
    max_err = std::max(max_err, angle_deg(poses[f][kSpine1] - poses[f][kPelvis], S(kSpine1) - S(kPelvis)));
    max_err = std::max(max_err, angle_deg(poses[f][kNeck] - poses[f][kSpine3], S(kNeck) - S(kSpine3)));
    max_err = std::max(
        max_err, angle_deg(poses[f][kLeftCollar] - poses[f][kRightCollar], S(kLeftCollar) - S(kRightCollar)));
    // Root motion: the source's, scaled to metres and by the leg ratio.
    if (f > 0) {
      Vec3 ours = clip.root[f] - clip.root[0];
      Vec3 theirs = (S(kPelvis) - bvh.world_positions(0)[0]) * (info.scale * info.leg_ratio);
      CHECK(norm(ours - theirs) < 1e-9);
    }
  }
  std::printf("[retarget A-pose] max bone direction error %.3g deg, leg ratio %.4f\n", max_err,
              info.leg_ratio);
  CHECK(max_err < 1e-4);
  CHECK(std::abs(info.leg_ratio - (0.392 + 0.429) / 0.82) < 1e-9);
}

TEST_CASE("a left-handed file is detected and mirrored into the same canonical motion", "[retarget]") {
  Clip right = io::retarget_bvh(apose_rig(8, false, 5), canonical_names());
  io::RetargetInfo info;
  Clip left = io::retarget_bvh(apose_rig(8, true, 5), canonical_names(), {}, &info);
  CHECK(info.mirrored);
  double worst = 0, worst_root = 0;
  for (int f = 0; f < 8; ++f) {
    for (int j = 0; j < kNumJoints; ++j) worst = std::max(worst, angle_between(left.q(f, j), right.q(f, j)));
    worst_root = std::max(worst_root, norm(left.root[f] - right.root[f]));
  }
  CHECK(worst < 1e-9);
  CHECK(worst_root < 1e-9);
  // Forcing no mirror keeps the file's (wrong) handedness: the result differs.
  io::RetargetOptions keep;
  keep.mirror = 0;
  Clip kept = io::retarget_bvh(apose_rig(8, true, 5), canonical_names(), keep);
  CHECK(angle_between(kept.q(3, kLeftShoulder), right.q(3, kLeftShoulder)) > 1e-3);
}

TEST_CASE("detect_name_map tells CMU and Mixamo names apart and ignores namespaces", "[retarget]") {
  Clip reference = io::retarget_bvh(apose_rig(6, false, 9), canonical_names());
  for (const char* rig : {"cmu", "mixamo", "bandai"}) {
    io::Bvh bvh = apose_rig(6, false, 9);
    io::NameMap map = io::builtin_name_map(rig);
    for (auto& j : bvh.joints) {
      int canonical = joint_index(j.name);
      for (const auto& [name, idx] : map.entries)
        if (idx == canonical) {
          j.name = (std::string(rig) == "mixamo" ? "mixamorig:" : "") + name;
          break;
        }
    }
    io::NameMap detected = io::detect_name_map(bvh);
    CHECK(detected.rig == rig);
    Clip clip = io::retarget_bvh(bvh, detected);
    double worst = 0;
    for (int f = 0; f < clip.frames(); ++f)
      for (int j = 0; j < kNumJoints; ++j)
        worst = std::max(worst, angle_between(clip.q(f, j), reference.q(f, j)));
    CHECK(worst < 1e-9);
  }
}

TEST_CASE("retarget_bvh rejects maps that lack required joints", "[retarget]") {
  io::Bvh bvh = apose_rig(2, false, 1);
  io::NameMap map = canonical_names();
  map.entries.erase(map.entries.begin() + kLeftKnee);
  CHECK_THROWS_WITH(io::retarget_bvh(bvh, map), Catch::Contains("left_knee"));
  // No built-in table has our snake_case names, but the name patterns read them.
  io::NameMap detected = io::detect_name_map(bvh);
  CHECK(detected.rig == "names");
  io::RetargetInfo info;
  io::retarget_bvh(bvh, detected, {}, &info);
  for (int j = 0; j < kNumJoints; ++j)
    if (info.source_joint[j] >= 0) CHECK(bvh.joints[info.source_joint[j]].name == joint_name(j));
  // Names that say nothing match neither: detect_name_map does not fall back on topology.
  for (size_t j = 0; j < bvh.joints.size(); ++j) bvh.joints[j].name = "joint" + std::to_string(j);
  CHECK_THROWS_WITH(io::detect_name_map(bvh), Catch::Contains("no name pattern"));
}

TEST_CASE("Bandai clips retarget with their end-effector paths and bone directions", "[retarget][data]") {
  auto dir = test::shared_data() / "bandai";
  auto first = dir / "dataset-2" / "dataset-2_wave-both-hands_normal_001.bvh";
  E2M_SKIP_UNLESS_EXISTS(first);
  for (auto file : {first, dir / "dataset-1" / "dataset-1_dash_normal_001.bvh",
                    dir / "dataset-1" / "dataset-1_dance-short_normal_001.bvh"}) {
    if (!std::filesystem::exists(file)) continue;
    io::Bvh bvh = io::read_bvh(file);
    io::NameMap map = io::detect_name_map(bvh);
    CHECK(map.rig == "bandai");
    io::RetargetInfo info;
    Clip clip = io::retarget_bvh(bvh, map, {}, &info);
    REQUIRE(clip.frames() == bvh.frames);
    CHECK(clip.fps == 30);
    CHECK(info.scale == 0.01);   // centimetres
    CHECK_FALSE(info.mirrored);  // Y up, facing +Z, left at +X like ours
    auto poses = fk_all(clip);

    // Bone directions of the limbs and spine segments, ours against the source's own FK.
    const std::vector<std::pair<int, int>> bones = {{kLeftHip, kLeftKnee},
                                                    {kLeftKnee, kLeftAnkle},
                                                    {kLeftAnkle, kLeftFoot},
                                                    {kRightHip, kRightKnee},
                                                    {kRightKnee, kRightAnkle},
                                                    {kRightAnkle, kRightFoot},
                                                    {kLeftCollar, kLeftShoulder},
                                                    {kLeftShoulder, kLeftElbow},
                                                    {kLeftElbow, kLeftWrist},
                                                    {kRightCollar, kRightShoulder},
                                                    {kRightShoulder, kRightElbow},
                                                    {kRightElbow, kRightWrist},
                                                    {kPelvis, kSpine1},
                                                    {kSpine1, kSpine3},
                                                    {kSpine3, kNeck},
                                                    {kNeck, kHead}};
    // End effectors relative to the root of their limb, in that limb's length on each skeleton
    // (wrist from shoulder / arm, ankle from hip / leg, head from spine3 / neck + head): this
    // removes the difference in proportions. Also relative to the pelvis in leg lengths.
    auto src_chain = [&](int from, int to) {
      double len = 0;
      for (int s = info.source_joint[to]; s != info.source_joint[from]; s = bvh.joints[s].parent)
        len += norm(bvh.joints[s].offset);
      return len;
    };
    auto our_chain = [&](int from, int to) {
      double len = 0;
      for (int j = to; j != from; j = parent(j)) len += norm(rest_offset(j));
      return len;
    };
    const std::vector<std::pair<int, int>> limbs = {{kLeftShoulder, kLeftWrist},
                                                    {kRightShoulder, kRightWrist},
                                                    {kLeftHip, kLeftAnkle},
                                                    {kRightHip, kRightAnkle},
                                                    {kSpine3, kHead}};
    const double our_leg = our_chain(kPelvis, kLeftAnkle) - norm(rest_offset(kLeftHip));
    const double src_leg = our_leg / (info.leg_ratio * info.scale);
    double angle_sum = 0, angle_max = 0, limb_sum = 0, limb_max = 0, body_sum = 0, body_max = 0;
    long angles = 0, ends = 0;
    for (int f = 0; f < bvh.frames; ++f) {
      auto src = bvh.world_positions(f);
      auto S = [&](int j) { return src[info.source_joint[j]]; };
      for (auto [a, b] : bones) {
        double e = angle_deg(poses[f][b] - poses[f][a], S(b) - S(a));
        angle_sum += e;
        angle_max = std::max(angle_max, e);
        ++angles;
      }
      for (auto [root, end] : limbs) {
        Vec3 ours = (poses[f][end] - poses[f][root]) / our_chain(root, end);
        Vec3 theirs = (S(end) - S(root)) / src_chain(root, end);
        double e = norm(ours - theirs);
        limb_sum += e;
        limb_max = std::max(limb_max, e);
        Vec3 ours_body = (poses[f][end] - poses[f][kPelvis]) / our_leg;
        Vec3 theirs_body = (S(end) - S(kPelvis)) / src_leg;
        double eb = norm(ours_body - theirs_body);
        body_sum += eb;
        body_max = std::max(body_max, eb);
        ++ends;
      }
    }
    std::printf(
        "[retarget bandai %s] %d frames: bone direction error mean %.4f deg, max %.4f deg; end effectors "
        "(wrists, ankles, head) from their limb root in limb lengths: mean %.4f, max %.4f; from the pelvis "
        "in leg lengths: mean %.4f, max %.4f\n",
        file.filename().string().c_str(), bvh.frames, angle_sum / angles, angle_max, limb_sum / ends,
        limb_max, body_sum / ends, body_max);
    // Bones are copied exactly (Bandai's pelvis and chest rest frames are square, so even the
    // frame-shared directions match).
    CHECK(angle_sum / angles < 0.1);
    CHECK(angle_max < 1.0);
    // Within a limb only the ratio of its two bones differs (a straight limb matches exactly).
    CHECK(limb_sum / ends < 0.03);
    CHECK(limb_max < 0.1);
    // From the pelvis the proportions of the whole body differ (arm vs leg, trunk height).
    CHECK(body_sum / ends < 0.2);
    // Twist, which directions cannot show: Bandai's rest frames are turned 90 degrees about the
    // spine, collar and arm bones. Afterwards elbows and knees bend about our hinge axes (Y and
    // X) and the trunk and collars carry only small twists.
    std::array<Vec3, kNumJoints> axis_sum{};
    std::array<int, kNumJoints> bent{};
    std::array<double, kNumJoints> twist_sum{};
    for (int f = 0; f < clip.frames(); ++f)
      for (int j = 1; j < kNumJoints; ++j) {
        Quat q = clip.q(f, j);
        Vec3 rv = quat_to_axis_angle(q);
        if (norm(rv) > 20 / kDeg) {
          Vec3 a = rv / norm(rv);
          axis_sum[j] += Vec3{std::abs(a.x), std::abs(a.y), std::abs(a.z)};
          ++bent[j];
        }
        int child = j == kSpine3 ? kNeck : -1;
        for (int k = 0; k < kNumJoints && child < 0; ++k)
          if (parent(k) == j) child = k;
        Vec3 b = normalized(child >= 0 ? rest_offset(child) : rest_offset(j));
        double tw = 2 * std::atan2(q.x * b.x + q.y * b.y + q.z * b.z, q.w);
        twist_sum[j] += std::abs(std::remainder(tw, 2 * M_PI));
      }
    for (int j : {kLeftElbow, kRightElbow})
      if (bent[j] > 10) CHECK(axis_sum[j].y / bent[j] > 0.7);
    for (int j : {kLeftKnee, kRightKnee})
      if (bent[j] > 10) CHECK(axis_sum[j].x / bent[j] > 0.9);
    for (int j : {kSpine1, kSpine3, kNeck, kLeftCollar, kRightCollar})
      CHECK(twist_sum[j] / clip.frames() * kDeg < 20);
    // On the floor: the feet's floor (a low percentile of the lowest foot joint) at the rest foot height.
    CHECK(std::abs(foot_floor_height(clip) - kRestFootHeight) < 1e-9);
  }
}
