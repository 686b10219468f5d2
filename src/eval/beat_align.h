// Beat alignment between music and dance (DESIGN.md 6): motion beats from joint speed and the two
// alignment scores the music2dance literature reports, with every constant in seconds so that 30 fps
// motion is scored as the 60 fps references score theirs.
#pragma once
#include <vector>

#include "motion/fk.h"

namespace e2m::eval {

// World joint positions, frames x 22 (metres, Y up), as motion::fk_all gives them.
using Positions = std::vector<motion::Pose>;

// Mean joint speed per frame (m/s). Central differences (one-sided at the ends), so a speed minimum
// sits on the frame where the motion stops; the references' forward difference puts it half a
// frame early.
std::vector<double> mean_joint_speed(const Positions& pos, double fps);

// scipy.ndimage.gaussian_filter1d: sigma in samples, 'reflect' edges, kernel cut at 4 sigma.
std::vector<double> gaussian_smooth(const std::vector<double>& x, double sigma);

// Indices t with x[t] < x[t-order..t-1] and x[t] < x[t+1..t+order] (scipy.signal.argrelextrema with
// np.less and mode 'clip': the first and last samples are never minima).
std::vector<int> local_minima(const std::vector<double>& x, int order = 1);

// Prominence of the minimum at t: how far the signal rises on its lower side before it falls below
// x[t] again (scipy.signal.peak_prominences, for minima).
double minimum_prominence(const std::vector<double>& x, int t);

// Minima shallower than this are not motion beats. The references count every local minimum, so a
// body held still (or a model that stopped moving) gets a "beat" from float jitter every few frames
// and a high BAS for nothing; a dip of 2 cm/s in the mean joint speed is below anything a viewer sees.
inline constexpr double kMinBeatProminence = 0.02;  // m/s

// Bailando's motion beats (seconds from the first frame): local minima of the mean joint speed after
// Gaussian smoothing with sigma 83 ms (5 frames at 60 fps, 2.5 at 30 fps), at least
// kMinBeatProminence deep.
inline constexpr double kMotionBeatSmoothS = 5.0 / 60.0;
std::vector<double> motion_beats(const Positions& pos, double fps);

// The AIST++ / FACT ("mint") motion beats: minima of the joint speed that are lower than everything
// within +-167 ms (argrelextrema order 10 at 60 fps, 5 at 30 fps), unsmoothed, at least
// kMinBeatProminence deep.
inline constexpr double kMintBeatOrderS = 10.0 / 60.0;
std::vector<double> motion_beats_mint(const Positions& pos, double fps);

// Mean over the times a in `from` of exp(-min_b (a - b)^2 / (2 sigma^2)), b over `to`; sigma 50 ms is
// 3 frames at 60 fps. NaN when `from` is empty, 0 when `to` is empty.
//   Beat Align Score (Bailando): alignment(music beats, motion_beats(...)).
//   Reverse (mint's alignment score): alignment(motion_beats_mint(...), music beats).
inline constexpr double kBeatAlignSigmaS = 0.05;
double alignment(const std::vector<double>& from, const std::vector<double>& to,
                 double sigma_s = kBeatAlignSigmaS);

// Beats of the half-open interval [t0, t1), shifted to start at t0 (a window's own clock).
std::vector<double> beats_in(const std::vector<double>& beats_s, double t0, double t1);

// Beat times (seconds) from the beat column of 30 fps audio features: a 1 in frame k means the
// clock ticked during [k, k+1) / fps, taken as its middle.
std::vector<double> beats_from_column(const std::vector<float>& feats, int dim, int column, double fps);

}  // namespace e2m::eval
