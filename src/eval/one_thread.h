// Scoped single-threaded LibTorch for the evaluation's small tensors (judges, 66- to 128-d
// eigenproblems): with two threads their OpenMP workers spin at every barrier, which was most of the
// CPU time on a loaded 2-core machine, for no speed-up at these sizes. Restores the caller's setting.
#pragma once
#include <ATen/Parallel.h>

namespace e2m::eval {

class OneThread {
 public:
  OneThread() : previous_(at::get_num_threads()) { at::set_num_threads(1); }
  ~OneThread() { at::set_num_threads(previous_); }
  OneThread(const OneThread&) = delete;
  OneThread& operator=(const OneThread&) = delete;

 private:
  int previous_;
};

}  // namespace e2m::eval
