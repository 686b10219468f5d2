// Per-frame features of a sliding input window, each frame computed once (DESIGN 4.3): the live
// music2dance sees the same 2 s of audio and motion again every chunk, shifted by the frames that
// passed, and the streaming adapters' features of a frame depend on that frame's receptive field only.
#pragma once
#include <torch/torch.h>

#include <functional>
#include <vector>

namespace e2m::model {

class FrameCache {
 public:
  // (1, T, D) normalised input rows -> (1, T - receptive + 1, C) feature frames.
  using Compute = std::function<torch::Tensor(const torch::Tensor&)>;
  explicit FrameCache(int receptive = 1) : receptive_(receptive) {}

  // The feature frames of a window of `count` rows of `dim` raw values (oldest first) whose
  // normalised form is `input` (1, count, dim). The rows are compared with the previous window's:
  // when they are that window shifted by s rows (0 <= s <= count - receptive), the features of the
  // overlap are reused and only the s new frames are computed; otherwise the whole window is. Either
  // way the result equals compute(input) up to float rounding.
  torch::Tensor frames(const float* rows, int count, int dim, const torch::Tensor& input,
                       const Compute& compute);
  void clear();  // the next call computes its whole window (after a genre change, a reset)
  // Feature frames computed so far (tests and the bench see how much the cache saved).
  int64_t computed() const { return computed_; }

 private:
  int shift_from_previous(const float* rows, int count, int dim) const;  // -1: no overlap
  int receptive_;
  std::vector<float> rows_;
  torch::Tensor frames_;
  int64_t computed_ = 0;
};

}  // namespace e2m::model
