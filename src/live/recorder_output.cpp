// Live recording output: repairs and keeps a previous show, records this one beside it.
#include "live/recorder_output.h"

namespace e2m::live {

namespace {

std::filesystem::path free_path(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) return path;
  io::repair_bvh(path);
  for (int n = 2;; ++n) {
    auto p =
        path.parent_path() / (path.stem().string() + "-" + std::to_string(n) + path.extension().string());
    if (!std::filesystem::exists(p)) return p;
  }
}

}  // namespace

RecorderOutput::RecorderOutput(const std::filesystem::path& path, double fps) : path_(free_path(path)) {
  recorder_.open(path_, fps, io::BvhOpenMode::kReplace);
}

}  // namespace e2m::live
