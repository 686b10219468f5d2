// Positions-to-rotations solver: fits the canonical skeleton to joint positions or markers (Tang's
// 23 points, HumanML3D/KIT new_joints) bone by bone, tolerant of marker noise.
#pragma once
#include <array>
#include <string>
#include <vector>

#include "motion/clip.h"

namespace e2m::motion {

// Where each canonical joint is found among the source markers: the mean of one or more marker
// indices (empty = not observed; interior joints are then interpolated along the chain, leaves
// follow their parent).
struct MarkerLayout {
  std::string name;
  int num_markers = 0;
  std::array<std::vector<int>, kNumJoints> joint_markers;
  // Optional: the direction of a joint's bone measured from mean(from) to mean(to) instead of from
  // the joint to its child. For a leaf it gives the leaf's own direction (its rest offset's
  // direction). Tang's feet use heel -> toe (flat when standing) and his hands wrist -> hand.
  struct Direction {
    std::vector<int> from, to;
  };
  std::array<Direction, kNumJoints> bone_direction;
};

// Tang, Jia & Mao 2018: 23 undocumented points, identified by their geometry (centimetres, Y up,
// skeletons relative to the per-frame "center", 25 fps): 0,1 head; 2 lower spine, ~17 cm above
// the hips; 3/12 right/left shoulder; 4/13 elbows; 5/14 wrists; 6/15 hands; 7/16 right/left hip;
// 8/17 knees; 9/18 ankles; 10/19 heels; 11/20 toes; 21/22 extra points on the left/right hand.
// Facing comes from the feet (heel -> toe); the file is read as right-handed, so left is
// cross(up, forward). That reading has 20 of the 26 clips turning clockwise on balance seen from
// above (natural turns, the common way in ballroom); the mirror reading would fit a lady's
// closed hold (raised hand on the 12-side, head towards the 3-side) better, so the handedness
// is not certain. Mirror the clip if a source says otherwise.
MarkerLayout tang_layout();
// HumanML3D new_joints: the 22 SMPL joints in our order (identity).
MarkerLayout humanml3d_layout();
// KIT-ML new_joints (21 joints, HumanML3D's processing): 0 root, 1 BP, 2 BT, 3 BLN, 4 BUN,
// 5-7 right arm, 8-10 left arm, 11-15 right leg, 16-20 left leg (14/19 = metatarsals).
// Built from HumanML3D's paramUtil/motion_process tables; no KIT motion was available to check it.
MarkerLayout kit_layout();

struct FitReport {
  double mean_error_m = 0, max_error_m = 0;  // marker-to-FK joint position error after fitting
  // Positions are compared after scaling the markers by `scale` (canonical / observed leg length),
  // so the figures measure the fit, not the difference in body size.
  double scale = 1;
  // Angle between each observed bone direction and the fitted one (degrees): scale-free.
  double mean_angle_deg = 0, max_angle_deg = 0;
  // The same position error over the end effectors only (head, wrists, ankles, feet).
  double mean_end_effector_error_m = 0, max_end_effector_error_m = 0;
  // Estimated marker noise per axis (m) and the smoothing sigma used (s).
  double noise_m = 0, smooth_s = 0;
};

inline constexpr double kMaxAutoSmoothS = 0.08;

struct FitOptions {
  // Gaussian smoothing of the markers over time before solving (sigma in seconds; 0 = off).
  // Negative = automatic: the marker noise is estimated from how much the distance between
  // markers on one bone wavers, and sigma grows with it (none for rigid, noise-free data such as
  // HumanML3D; 2 frames at 30 fps for 1 cm noise; at most kMaxAutoSmoothS).
  double marker_smooth_s = -1;
  // Gaussian smoothing of the limb bend-plane normals that fix the twist of hips and shoulders
  // (sigma in seconds). Twist is invisible in positions and the most noise-sensitive part.
  double twist_smooth_s = 0.1;
  // Scale the root translation by canonical / observed leg length so the feet do not slide.
  bool scale_to_canonical = true;
  // Off (the default): copy the observed bone directions ("rotations kept, lengths ours"). On:
  // aim each bone from its fitted start at the observed end joint, so differences in hip or
  // collar geometry do not carry down the limb (end effectors land closer to the markers, at
  // the cost of e.g. knock-kneed legs when the source's hips are narrower than ours).
  bool aim_at_markers = false;
};

// positions: frames x num_markers, metres, Y up (convert before calling). Returns a canonical clip
// at `fps` (root = observed pelvis x scale; no floor placement: call place_on_floor if wanted).
// Throws e2m::Error when the sizes do not match or the layout lacks a required joint.
Clip fit_positions(const std::vector<Vec3>& positions, const MarkerLayout& layout, double fps,
                   FitReport* report = nullptr);
Clip fit_positions(const std::vector<Vec3>& positions, const MarkerLayout& layout, double fps,
                   const FitOptions& options, FitReport* report = nullptr);

// Limb convention shared by the solvers: our rest pose is a palms-down T-pose, so in the rest
// frame an elbow bends its forearm towards +Z and a knee its shin towards -Z. For a limb root
// (left/right hip or shoulder), bend_direction is that direction and hinge_normal the normal of
// the bend plane, cross(bone direction, bend direction): +X for hips, -Y/+Y for left/right
// shoulders.
bool is_hinge_root(int j);
Vec3 bend_direction(int j);
Vec3 hinge_normal(int j);

// The rotation R minimising sum w_i |R a_i - b_i|^2 (Wahba's problem, Davenport's q-method).
Quat best_rotation(const std::vector<Vec3>& a, const std::vector<Vec3>& b, const std::vector<double>& w);

}  // namespace e2m::motion
