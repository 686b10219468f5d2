// One Euro filter (Casiez, Roussel, Vogel, CHI 2012) for scalars and poses; see one_euro.h.
#include "live/one_euro.h"

#include <cmath>
#include <string>

#include "motion/error.h"
#include "motion/rotation.h"

namespace e2m::live {

namespace {

bool valid_dt(double dt) { return dt > 0 && std::isfinite(dt); }

void check_positive(double v, std::string_view field, const char* name) {
  if (!(v > 0) || !std::isfinite(v)) {
    throw Error(std::string(field) + "." + name + " is " + std::to_string(v) +
                " (expected a finite number > 0 Hz)");
  }
}

}  // namespace

void check_one_euro_params(const OneEuroParams& p, std::string_view field) {
  check_positive(p.min_cutoff, field, "min_cutoff");
  check_positive(p.d_cutoff, field, "d_cutoff");
  if (!(p.beta >= 0) || !std::isfinite(p.beta)) {
    throw Error(std::string(field) + ".beta is " + std::to_string(p.beta) +
                " (expected a finite number >= 0)");
  }
}

double one_euro_alpha(double cutoff_hz, double dt_s) noexcept {
  double tau = 1.0 / (2.0 * M_PI * cutoff_hz);
  return 1.0 / (1.0 + tau / dt_s);
}

OneEuroFilter::OneEuroFilter(const OneEuroParams& params) : params_(params) {
  check_one_euro_params(params_, "one euro filter");
}

double OneEuroFilter::filter(double x, double dt) noexcept {
  if (!std::isfinite(x)) return x_;
  if (!primed_) {
    x_ = x;
    dx_ = 0;
    primed_ = true;
    return x_;
  }
  if (!valid_dt(dt)) return x_;
  double dx = (x - x_) / dt;
  dx_ += one_euro_alpha(params_.d_cutoff, dt) * (dx - dx_);
  double cutoff = params_.min_cutoff + params_.beta * std::abs(dx_);
  x_ += one_euro_alpha(cutoff, dt) * (x - x_);
  return x_;
}

namespace {

// Validated before any member filter sees the values, so errors name the pose filter's fields.
const PoseFilterParams& checked(const PoseFilterParams& p) {
  check_one_euro_params(p.root, "pose filter root");
  check_one_euro_params(p.rotation, "pose filter rotation");
  return p;
}

}  // namespace

PoseFilter::PoseFilter(const PoseFilterParams& params)
    : params_(checked(params)),
      root_{OneEuroFilter(params_.root), OneEuroFilter(params_.root), OneEuroFilter(params_.root)} {}

void PoseFilter::reset() noexcept {
  for (auto& f : root_) f.reset();
  primed_ = false;
}

void PoseFilter::filter_rotation(int joint, const motion::Quat& in, double dt) noexcept {
  std::array<double, 4> x = {in.w, in.x, in.y, in.z};
  double n2 = x[0] * x[0] + x[1] * x[1] + x[2] * x[2] + x[3] * x[3];
  if (!std::isfinite(n2) || !(n2 > 0)) return;  // keep the last value
  QuatState& s = rot_[joint];
  double d = x[0] * s.q[0] + x[1] * s.q[1] + x[2] * s.q[2] + x[3] * s.q[3];
  double sign = d < 0 ? -1.0 : 1.0;  // hemisphere of the last output
  double inv = sign / std::sqrt(n2);
  for (double& v : x) v *= inv;
  double a_d = one_euro_alpha(params_.rotation.d_cutoff, dt), speed2 = 0;
  for (int i = 0; i < 4; ++i) {
    s.dq[i] += a_d * ((x[i] - s.q[i]) / dt - s.dq[i]);
    speed2 += s.dq[i] * s.dq[i];
  }
  double a = one_euro_alpha(params_.rotation.min_cutoff + params_.rotation.beta * std::sqrt(speed2), dt);
  double m2 = 0;
  for (int i = 0; i < 4; ++i) {
    s.q[i] += a * (x[i] - s.q[i]);
    m2 += s.q[i] * s.q[i];
  }
  double m = std::sqrt(m2);  // > 0: both ends of the step are on the same hemisphere
  for (double& v : s.q) v /= m;
}

void PoseFilter::filter(const motion::PoseFrame& in, double dt, motion::PoseFrame& out) noexcept {
  if (!primed_) {
    for (int j = 0; j < motion::kNumJoints; ++j) {
      motion::Quat q = motion::normalized(in.rot[j]);  // non-finite input becomes identity here
      rot_[j] = {{q.w, q.x, q.y, q.z}, {0, 0, 0, 0}};
    }
    primed_ = true;
  } else if (valid_dt(dt)) {
    for (int j = 0; j < motion::kNumJoints; ++j) filter_rotation(j, in.rot[j], dt);
  }
  for (int axis = 0; axis < 3; ++axis) out.root[axis] = root_[axis].filter(in.root[axis], dt);
  for (int j = 0; j < motion::kNumJoints; ++j) {
    const auto& q = rot_[j].q;
    out.rot[j] = {q[0], q[1], q[2], q[3]};
  }
}

}  // namespace e2m::live
