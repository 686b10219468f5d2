// Clip operations: resampling (slerp), left/right mirroring, floor placement, Unity/VMC space.
#pragma once
#include "motion/clip.h"

namespace e2m::motion {

// Resample to another frame rate: slerp for rotations, linear for the root. Frame k of the result
// is at time k / fps_out; the result has floor((n - 1) * fps_out / fps_in) + 1 frames.
Clip resample(const Clip& clip, double fps_out);

// Mirror left/right across the YZ plane (x -> -x) and swap left/right joints. Exact on the
// canonical skeleton because its rest offsets are symmetric. mirror(mirror(c)) == c.
Clip mirror(const Clip& clip);
Quat mirror(const Quat& q);
Vec3 mirror(const Vec3& v);

// Unity / VMC space is left-handed: position (x, y, z) -> (-x, y, z), quaternion
// (x, y, z, w) -> (x, -y, -z, w). Returned as the same types for convenience.
inline Vec3 to_unity(const Vec3& p) { return {-p.x, p.y, p.z}; }
inline Quat to_unity(const Quat& q) { return {q.w, q.x, -q.y, -q.z}; }

// The clip's floor as its feet see it: the kFloorPercentile-th percentile over frames of the lowest
// foot/ankle joint. A percentile, not the minimum, so one glitched frame (a foot through the floor
// in the capture) does not lift the whole clip into the air.
inline constexpr double kFloorPercentile = 5;
double foot_floor_height(const Clip& clip);

// Shift the clip vertically so that its floor (foot_floor_height) is at the rest foot height
// (0.08 m). Returns the shift applied (metres).
double place_on_floor(Clip& clip);

// Move the first frame's root to x = z = 0 and turn it to face +Z (rotation about Y).
void canonicalize_start(Clip& clip);

}  // namespace e2m::motion
