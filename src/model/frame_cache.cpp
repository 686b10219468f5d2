#include "model/frame_cache.h"

#include <cstring>

namespace e2m::model {

int FrameCache::shift_from_previous(const float* rows, int count, int dim) const {
  if (!frames_.defined() || rows_.size() != static_cast<size_t>(count) * dim) return -1;
  const size_t row_bytes = sizeof(float) * dim;
  for (int s = 0; s <= count - receptive_; ++s) {
    const size_t kept = static_cast<size_t>(count - s);
    if (std::memcmp(rows, rows_.data() + static_cast<size_t>(s) * dim, kept * row_bytes) == 0) return s;
  }
  return -1;
}

torch::Tensor FrameCache::frames(const float* rows, int count, int dim, const torch::Tensor& input,
                                 const Compute& compute) {
  const int shift = shift_from_previous(rows, count, dim);
  if (shift < 0) {
    frames_ = compute(input);
    computed_ += frames_.size(1);
  } else if (shift > 0) {
    // The s new feature frames need the s new rows and the receptive - 1 rows before them.
    const int span = shift + receptive_ - 1;
    auto fresh = compute(input.narrow(1, count - span, span));
    frames_ = torch::cat({frames_.narrow(1, shift, frames_.size(1) - shift), fresh}, 1);
    computed_ += shift;
  }
  rows_.assign(rows, rows + static_cast<size_t>(count) * dim);
  return frames_;
}

void FrameCache::clear() {
  rows_.clear();
  frames_ = torch::Tensor();
}

}  // namespace e2m::model
