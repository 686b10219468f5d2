// The network's 269-d per-frame feature vector (DESIGN.md section 3) and its inverse.
//
// Layout (heading frame H_t = yaw of the pelvis at frame t):
//   [0]        root height y
//   [1..2]     root xz velocity (m/s): H_{t-1}^-1 (root_t - root_{t-1}) * fps; 0 at t = 0
//   [3]        root yaw velocity (rad/s): (yaw_t - yaw_{t-1}) * fps, wrapped; 0 at t = 0
//   [4..66]    joints 1..21 relative to the root, in H_t (m)
//   [67..198]  local 6D rotations of joints 0..21 (joint 0 relative to H_t)
//   [199..264] joint velocities in H_t (m/s), joints 0..21 (forward difference at t = 0)
//   [265..268] foot contacts (left ankle, right ankle, left foot, right foot), 0 or 1
// Decoding integrates the root from the velocities starting at x = z = 0 facing +Z and takes
// rotations from the 6D part, so decode(encode(c)) == canonicalize_start(c) up to float error.
#pragma once
#include <string_view>
#include <utility>
#include <vector>

#include "motion/clip.h"
#include "motion/pose.h"

namespace e2m::motion {

inline constexpr int kFeatureDim = 269;
inline constexpr int kFeatRootY = 0, kFeatRootVel = 1, kFeatYawVel = 3, kFeatPos = 4, kFeatRot = 67,
                     kFeatVel = 199, kFeatContact = 265;

// Column ranges [begin, end) of one kind (root height, root velocity, yaw velocity, positions, 6D
// rotations, joint velocities, contacts): the normalisation floors each column's std per group.
inline constexpr std::pair<int, int> kFeatureGroups[] = {
    {kFeatRootY, kFeatRootVel}, {kFeatRootVel, kFeatYawVel}, {kFeatYawVel, kFeatPos},    {kFeatPos, kFeatRot},
    {kFeatRot, kFeatVel},       {kFeatVel, kFeatContact},    {kFeatContact, kFeatureDim}};

// Frames x 269, row-major, float.
std::vector<float> encode_features(const Clip& clip);
Clip decode_features(const float* feats, int frames, double fps = 30);
// Streaming decode, one row at a time (the live engine decodes chunk after chunk): the root is
// integrated from the row's velocities starting at `track`, which carries the position and heading
// from one call to the next, so a new chunk continues where the last played frame stood. A track
// that has not started places the first row at x = z = 0 facing +Z, as decode_features does.
struct RootTrack {
  Vec3 pos;        // root of the previous row (x, z used; y comes from each row)
  double yaw = 0;  // heading of the previous row
  bool started = false;
  // Continue from a pose that was actually played.
  static RootTrack from_pose(const PoseFrame& pose);
};
void decode_feature_row(const float* row, double fps, RootTrack& track, PoseFrame& out);

// Foot contact rule shared by features and evaluation: within 5 cm of the rest foot height and
// moving less than 2.5 cm horizontally per 30 fps frame.
bool foot_in_contact(const Vec3& prev, const Vec3& cur, double fps);

// Name of one dimension, e.g. "rot6d.left_knee.3"; for logs and .npy inspection.
std::string feature_name(int dim);

}  // namespace e2m::motion
