// Clip operations: resampling, mirroring, floor placement, start canonicalisation.
#include "motion/ops.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "motion/error.h"
#include "motion/fk.h"
#include "motion/rotation.h"

namespace e2m::motion {

Clip resample(const Clip& in, double fps_out) {
  if (!(fps_out > 0) || !(in.fps > 0)) throw Error("resample: frame rates must be positive");
  Clip out;
  out.fps = fps_out;
  out.meta = in.meta;
  int n = in.frames();
  if (n == 0) return out;
  // A tiny epsilon keeps exact multiples (e.g. 25 -> 30 fps at the last frame) from being lost.
  int m = static_cast<int>(std::floor((n - 1) * fps_out / in.fps + 1e-9)) + 1;
  out.resize(m);
  for (int k = 0; k < m; ++k) {
    double t = k * in.fps / fps_out;
    int i = std::min(static_cast<int>(std::floor(t)), n - 1);
    int i1 = std::min(i + 1, n - 1);
    double a = t - i;
    out.root[k] = in.root[i] * (1 - a) + in.root[i1] * a;
    for (int j = 0; j < kNumJoints; ++j) out.q(k, j) = slerp(in.q(i, j), in.q(i1, j), a);
  }
  return out;
}

Quat mirror(const Quat& q) { return {q.w, q.x, -q.y, -q.z}; }
Vec3 mirror(const Vec3& v) { return {-v.x, v.y, v.z}; }

Clip mirror(const Clip& in) {
  Clip out = in;
  for (int f = 0; f < in.frames(); ++f) {
    out.root[f] = mirror(in.root[f]);
    for (int j = 0; j < kNumJoints; ++j) out.q(f, j) = mirror(in.q(f, skeleton()[j].mirror));
  }
  return out;
}

double foot_floor_height(const Clip& clip) {
  if (clip.frames() == 0) return kRestFootHeight;
  std::vector<double> lowest(static_cast<size_t>(clip.frames()), std::numeric_limits<double>::infinity());
  Pose p;
  for (int f = 0; f < clip.frames(); ++f) {
    fk(clip, f, p);
    for (int j : {kLeftAnkle, kRightAnkle, kLeftFoot, kRightFoot})
      lowest[size_t(f)] = std::min(lowest[size_t(f)], p[j].y);
  }
  const auto k = static_cast<size_t>(kFloorPercentile / 100.0 * static_cast<double>(lowest.size() - 1) + 0.5);
  std::nth_element(lowest.begin(), lowest.begin() + static_cast<std::ptrdiff_t>(k), lowest.end());
  return lowest[k];
}

double place_on_floor(Clip& clip) {
  if (clip.frames() == 0) return 0;
  const double shift = kRestFootHeight - foot_floor_height(clip);
  for (auto& r : clip.root) r.y += shift;
  return shift;
}

void canonicalize_start(Clip& clip) {
  if (clip.frames() == 0) return;
  double yaw0 = heading_yaw(clip.q(0, 0));
  Quat turn = quat_yaw(-yaw0);
  Vec3 origin{clip.root[0].x, 0, clip.root[0].z};
  for (int f = 0; f < clip.frames(); ++f) {
    clip.root[f] = rotate(turn, clip.root[f] - origin);
    clip.q(f, 0) = normalized(turn * clip.q(f, 0));
  }
}

}  // namespace e2m::motion
