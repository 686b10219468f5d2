// The two hand-designed feature vectors behind FID_k and FID_g (DESIGN.md 6), after the AIST++ API
// (google/aistplusplus_api, aist_plusplus/features/kinetic.py and manual.py, as Bailando uses them),
// on our 22-joint skeleton at any frame rate.
#pragma once
#include <vector>

#include "eval/beat_align.h"

namespace e2m::eval {

// 66-d kinetic features, per joint (22, SMPL order = ours): mean horizontal kinetic energy, mean
// vertical kinetic energy (squared speeds in m^2/s^2) and mean energy expenditure (acceleration
// magnitude, m/s^2). Velocities are averaged over a sliding window of +-2 frame steps at 60 fps,
// converted to seconds: +-round(2 * fps / 60) steps (+-1 at 30 fps). Positions are taken relative to
// the first frame's pelvis, as Bailando does (it matters only to the bug-compatible expenditure).
// reference_bug: the expenditure as the original code computed it, v1 = p[i] - p[i-1] / dt (operator
// precedence), which mixes positions into the acceleration; for comparison with published numbers.
inline constexpr int kKineticDim = 66;
std::vector<double> kinetic_features(const Positions& pos, double fps, bool reference_bug = false);

// 32-d manual (geometric) features: the fraction of frames in which each of manual.py's 32 boolean
// pose and velocity predicates holds. Its distance thresholds are multiples of SMPL's humerus
// (0.257 m), shoulder width (0.391 m) and hip width (0.119 m); here the same multiples of our
// skeleton's lengths. Its velocity predicates divide a frame step by 1/120 s while the AIST++ motion is
// 60 fps, so each of their thresholds is half that in true metres per second: that is what is used,
// with true velocities at our frame rate.
inline constexpr int kManualDim = 32;
std::vector<double> manual_features(const Positions& pos, double fps);

// The reference lengths of manual.py on our skeleton (rest pose): humerus, shoulder width, hip width.
struct BodyScale {
  double humerus = 0, shoulder_width = 0, hip_width = 0;
};
BodyScale body_scale();

}  // namespace e2m::eval
