// The live recording: every frame the output clock sends goes to a crash-safe BVH file (io::BvhRecorder
// writes on its own thread; push() from the clock neither blocks nor allocates).
#pragma once
#include <filesystem>

#include "io/bvh_recorder.h"
#include "live/output_sink.h"

namespace e2m::live {

class RecorderOutput : public OutputSink {
 public:
  // An existing file at `path` is a previous show: it is repaired (a crash leaves it at most a
  // second short) and kept, and this show goes to the first free "<stem>-N.bvh" beside it.
  RecorderOutput(const std::filesystem::path& path, double fps);
  void send(const OutputFrame& frame) noexcept override { recorder_.push(frame.pose); }
  void close() { recorder_.close(); }
  const std::filesystem::path& path() const { return path_; }
  io::BvhRecorderStats stats() const { return recorder_.stats(); }

 private:
  std::filesystem::path path_;
  io::BvhRecorder recorder_;
};

}  // namespace e2m::live
