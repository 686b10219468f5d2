// Transient detector: signal and first-difference energy per block against their recent averages.
#include "audio/transient_detector.h"

#include <algorithm>
#include <cmath>

namespace e2m::audio {

namespace {
constexpr double kFloor = 1e-8;  // mean square below this is silence
}  // namespace

double TransientDetector::Band::rise(double floor) const {
  return energy > floor ? energy / std::max(average, floor) : 0.0;
}

TransientDetector::TransientDetector(int rate, int block, double ratio, double average_s, double refractory_s)
    : rate_(rate),
      block_(std::max(1, block)),
      ratio_(ratio),
      avg_coef_(1.0 - std::exp(-double(block_) / (average_s * rate))),
      refractory_blocks_(long(std::ceil(refractory_s * rate / block_))) {}

void TransientDetector::push(const float* x, std::size_t n, Callback fn, void* context) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    const float s = std::isfinite(x[i]) ? x[i] : 0.0f;
    const double d = double(s) - prev_;
    prev_ = s;
    level_.energy += double(s) * s;
    attack_.energy += d * d;
    if (++fill_ == block_) end_block(fn, context);
  }
}

void TransientDetector::end_block(Callback fn, void* context) noexcept {
  level_.energy /= block_;
  attack_.energy /= block_;
  ++blocks_;
  const double rise = std::max(level_.rise(kFloor), attack_.rise(kFloor));
  if (rise > ratio_ && blocks_ - last_onset_ >= refractory_blocks_) {
    last_onset_ = blocks_;
    const double db = 10 * std::log10(rise);
    if (fn) fn(context, float(std::clamp(db / 20.0, 0.0, 1.0)), double(blocks_ * block_) / rate_);
  }
  for (Band* b : {&level_, &attack_}) {
    b->average += avg_coef_ * (b->energy - b->average);
    b->energy = 0;
  }
  fill_ = 0;
}

}  // namespace e2m::audio
