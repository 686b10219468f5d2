// Physical plausibility of motion (DESIGN.md 6): foot skating, jerk, bone-length drift and seams at
// the chunk boundaries of chunk-by-chunk generation. Positions in metres, Y up.
#pragma once
#include <array>
#include <vector>

#include "eval/beat_align.h"

namespace e2m::eval {

// The foot joints the skating ratio watches: left/right ankle, left/right toes.
inline constexpr std::array<int, 4> kFootJoints = {motion::kLeftAnkle, motion::kRightAnkle, motion::kLeftFoot,
                                                   motion::kRightFoot};

// Standing height of each foot joint, measured once on the real data: the 10th percentile of its
// height over all real frames (a planted foot is the joint's lowest common height; a low percentile
// rather than the minimum ignores the odd frame through the floor). Never fitted per generated clip.
struct FootFloor {
  std::array<double, 4> height{};
  static FootFloor from_real(const std::vector<Positions>& real);
};

// Foot skating: a foot joint is in contact when within kContactBand of its standing height (height
// only, unlike the training contact label, which also requires a slow foot and would make the ratio
// zero); a frame skates when a joint in contact moved faster than kSkateSpeed horizontally since the
// previous frame (0.75 m/s = 2.5 cm per 30 fps frame).
inline constexpr double kContactBand = 0.05;
inline constexpr double kSkateSpeed = 0.75;
struct Count {
  long hits = 0, total = 0;
  double ratio() const { return total ? static_cast<double>(hits) / static_cast<double>(total) : 0.0; }
  Count& operator+=(const Count& o) {
    hits += o.hits;
    total += o.total;
    return *this;
  }
};
// hits: frames 1..n-1 that skate; total: frames 1..n-1.
Count foot_skating(const Positions& pos, double fps, const FootFloor& floor);

// Mean magnitude of the third derivative of every joint's position (m/s^3), by third differences.
double mean_jerk(const Positions& pos, double fps);

// Largest relative deviation of any bone's length from its rest length, over all frames.
double bone_length_drift(const Positions& pos);

// Joint positions as the network's 269-d feature rows state them (joints relative to the root in the
// heading frame, root at the origin): what the network itself says, before decoding from rotations
// restores exact bone lengths. For bone_length_drift of raw output.
Positions feature_positions(const float* feats, int frames);

// Seams: the RMS joint speed of each step from frame t-1 to t; at a chunk boundary (t a multiple of
// chunk_frames, counted from the clip's first frame) it is divided by the mean speed of the other
// steps of the two chunks beside it. One ratio per boundary (boundaries where the neighbours stand
// still, below 1 cm/s, are skipped): ~1 for smooth motion, > 1 where chunks jump.
std::vector<double> seam_ratios(const Positions& pos, double fps, int chunk_frames);

// q-th quantile (0..1) with linear interpolation; 0 for an empty list.
double quantile(std::vector<double> values, double q);

}  // namespace e2m::eval
