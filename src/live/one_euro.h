// One Euro filter: an adaptive low-pass for noisy real-time signals, for scalars and whole poses.
//
// Casiez, Roussel and Vogel, "1 Euro Filter: A Simple Speed-based Low-pass Filter for Noisy Input in
// Interactive Systems", CHI 2012. A first-order low-pass whose cutoff rises with the signal's
// speed: slow motion is smoothed hard (little jitter), fast motion passes with little lag.
//   alpha(fc, dt) = 1 / (1 + tau / dt), tau = 1 / (2 pi fc)
//   dx_hat = lowpass(d_cutoff)((x - x_hat_prev) / dt)
//   x_hat  = lowpass(min_cutoff + beta |dx_hat|)(x)
// Tuning (the paper's procedure): beta = 0, lower min_cutoff until the jitter at rest is
// acceptable, then raise beta until the lag in fast motion is acceptable.
#pragma once
#include <array>
#include <string_view>

#include "motion/pose.h"

namespace e2m::live {

struct OneEuroParams {
  double min_cutoff = 1.0;  // Hz: cutoff at rest (lower = smoother at rest, more lag). Paper's start.
  double beta = 0.0;        // Hz per (signal unit / s): cutoff growth with speed. 0 = plain low-pass.
  double d_cutoff = 1.0;    // Hz: cutoff of the low-pass on the speed estimate. Paper's default.
};
// Throws e2m::Error naming `field` unless min_cutoff > 0, beta >= 0 and d_cutoff > 0 (all finite).
void check_one_euro_params(const OneEuroParams& params, std::string_view field);
// Smoothing factor of a first-order low-pass with cutoff fc (Hz) sampled every dt seconds.
double one_euro_alpha(double cutoff_hz, double dt_s) noexcept;

// Scalar filter with fixed-size state. filter() never allocates or throws.
class OneEuroFilter {
 public:
  explicit OneEuroFilter(const OneEuroParams& params = {});  // validates (throws e2m::Error)

  // x: the new sample; dt: seconds since the previous one. The first sample passes through. A
  // sample with a non-finite x or dt <= 0 is ignored and the last output is returned (0 before any).
  double filter(double x, double dt) noexcept;
  void reset() noexcept { primed_ = false; }
  const OneEuroParams& params() const { return params_; }

 private:
  OneEuroParams params_;
  double x_ = 0;   // last output
  double dx_ = 0;  // filtered speed (signal units per second)
  bool primed_ = false;
};

struct PoseFilterParams {
  // Root position, each axis on its own: min_cutoff Hz, beta in Hz per (m/s).
  OneEuroParams root;
  // Each joint's quaternion as a 4-vector, speed = norm of its derivative (about half the angular
  // speed in rad/s): beta in Hz per (1/s).
  OneEuroParams rotation;
};

// One Euro on a whole pose: the root per axis; each quaternion on its 4-vector, aligned to the
// hemisphere of the previous output first (q and -q are the same rotation, so a sign flip in the
// input is not a jump) and renormalised after. Fixed-size state: 3 + 22 filters.
class PoseFilter {
 public:
  explicit PoseFilter(const PoseFilterParams& params = {});  // validates (throws e2m::Error)

  // dt: seconds since the previous pose; out may be in. The first pose passes through; dt <= 0 or
  // non-finite repeats the last output. A joint whose input quaternion is not finite keeps its last
  // value.
  void filter(const motion::PoseFrame& in, double dt, motion::PoseFrame& out) noexcept;
  void reset() noexcept;

 private:
  struct QuatState {
    std::array<double, 4> q;   // last output, unit (w, x, y, z)
    std::array<double, 4> dq;  // filtered derivative, per second
  };
  void filter_rotation(int joint, const motion::Quat& in, double dt) noexcept;

  PoseFilterParams params_;
  std::array<OneEuroFilter, 3> root_;
  std::array<QuatState, motion::kNumJoints> rot_{};
  bool primed_ = false;
};

}  // namespace e2m::live
