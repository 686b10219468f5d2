// The 269-d network feature vector: encode from a clip, decode back to a clip (see features.h).
#include "motion/features.h"

#include <cmath>
#include <string>

#include "motion/error.h"
#include "motion/fk.h"
#include "motion/rotation.h"

namespace e2m::motion {

namespace {

constexpr int kContactJoints[4] = {kLeftAnkle, kRightAnkle, kLeftFoot, kRightFoot};

double wrap_angle(double a) {
  while (a > M_PI) a -= 2 * M_PI;
  while (a < -M_PI) a += 2 * M_PI;
  return a;
}

}  // namespace

bool foot_in_contact(const Vec3& prev, const Vec3& cur, double fps) {
  double dx = cur.x - prev.x, dz = cur.z - prev.z;
  double per_30fps_frame = std::sqrt(dx * dx + dz * dz) * fps / 30.0;
  return std::abs(cur.y - kRestFootHeight) < 0.05 && per_30fps_frame < 0.025;
}

std::vector<float> encode_features(const Clip& clip) {
  const int n = clip.frames();
  std::vector<float> out(static_cast<size_t>(n) * kFeatureDim, 0.0f);
  if (n == 0) return out;
  std::vector<Pose> pos = fk_all(clip);
  std::vector<double> yaw(n);
  for (int t = 0; t < n; ++t) yaw[t] = heading_yaw(clip.q(t, 0));
  const double fps = clip.fps;
  for (int t = 0; t < n; ++t) {
    float* f = &out[static_cast<size_t>(t) * kFeatureDim];
    Quat hinv = conjugate(quat_yaw(yaw[t]));
    f[kFeatRootY] = static_cast<float>(clip.root[t].y);
    if (t > 0) {
      Vec3 v = rotate(conjugate(quat_yaw(yaw[t - 1])), clip.root[t] - clip.root[t - 1]) * fps;
      f[kFeatRootVel] = static_cast<float>(v.x);
      f[kFeatRootVel + 1] = static_cast<float>(v.z);
      f[kFeatYawVel] = static_cast<float>(wrap_angle(yaw[t] - yaw[t - 1]) * fps);
    }
    for (int j = 1; j < kNumJoints; ++j) {
      Vec3 p = rotate(hinv, pos[t][j] - clip.root[t]);
      for (int k = 0; k < 3; ++k) f[kFeatPos + (j - 1) * 3 + k] = static_cast<float>(p[k]);
    }
    for (int j = 0; j < kNumJoints; ++j) {
      Quat q = j == 0 ? hinv * clip.q(t, 0) : clip.q(t, j);
      auto d = quat_to_6d(q);
      for (int k = 0; k < 6; ++k) f[kFeatRot + j * 6 + k] = static_cast<float>(d[k]);
    }
    // Velocities: backward difference, forward difference on the first frame.
    int a = t > 0 ? t - 1 : t, b = t > 0 ? t : std::min(t + 1, n - 1);
    for (int j = 0; j < kNumJoints; ++j) {
      Vec3 v = rotate(hinv, pos[b][j] - pos[a][j]) * fps;
      for (int k = 0; k < 3; ++k) f[kFeatVel + j * 3 + k] = static_cast<float>(v[k]);
    }
    for (int c = 0; c < 4; ++c) {
      int j = kContactJoints[c];
      f[kFeatContact + c] = foot_in_contact(pos[a][j], pos[b][j], fps) ? 1.0f : 0.0f;
    }
  }
  return out;
}

RootTrack RootTrack::from_pose(const PoseFrame& pose) {
  RootTrack t;
  t.pos = pose.root;
  t.yaw = heading_yaw(pose.rot[0]);
  t.started = true;
  return t;
}

void decode_feature_row(const float* f, double fps, RootTrack& track, PoseFrame& out) {
  if (!track.started) {
    track.pos = {0, 0, 0};
    track.yaw = 0;
    track.started = true;
  } else {
    const Vec3 v{f[kFeatRootVel] / fps, 0, f[kFeatRootVel + 1] / fps};
    track.pos = track.pos + rotate(quat_yaw(track.yaw), v);
    track.yaw += f[kFeatYawVel] / fps;
  }
  track.pos.y = f[kFeatRootY];
  out.root = track.pos;
  for (int j = 0; j < kNumJoints; ++j) {
    std::array<double, 6> d;
    for (int k = 0; k < 6; ++k) d[k] = f[kFeatRot + j * 6 + k];
    const Quat q = sixd_to_quat(d);
    out.rot[size_t(j)] = j == 0 ? normalized(quat_yaw(track.yaw) * q) : q;
  }
}

Clip decode_features(const float* feats, int frames, double fps) {
  if (frames < 0) throw Error("decode_features: negative frame count");
  Clip clip;
  clip.fps = fps;
  clip.resize(frames);
  RootTrack track;
  PoseFrame pose;
  for (int t = 0; t < frames; ++t) {
    decode_feature_row(feats + static_cast<size_t>(t) * kFeatureDim, fps, track, pose);
    clip.root[size_t(t)] = pose.root;
    for (int j = 0; j < kNumJoints; ++j) clip.q(t, j) = pose.rot[size_t(j)];
  }
  return clip;
}

std::string feature_name(int dim) {
  if (dim < 0 || dim >= kFeatureDim) return "invalid";
  static const char* kAxis[3] = {"x", "y", "z"};
  if (dim == kFeatRootY) return "root.height";
  if (dim < kFeatYawVel) return dim == kFeatRootVel ? "root.vel.x" : "root.vel.z";
  if (dim == kFeatYawVel) return "root.yaw_vel";
  if (dim < kFeatRot) {
    int i = dim - kFeatPos;
    return "pos." + std::string(joint_name(1 + i / 3)) + "." + kAxis[i % 3];
  }
  if (dim < kFeatVel) {
    int i = dim - kFeatRot;
    return "rot6d." + std::string(joint_name(i / 6)) + "." + std::to_string(i % 6);
  }
  if (dim < kFeatContact) {
    int i = dim - kFeatVel;
    return "vel." + std::string(joint_name(i / 3)) + "." + kAxis[i % 3];
  }
  return "contact." + std::string(joint_name(kContactJoints[dim - kFeatContact]));
}

}  // namespace e2m::motion
