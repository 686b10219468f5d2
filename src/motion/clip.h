// A motion clip on the canonical skeleton: root translation + local joint rotations per frame.
#pragma once
#include <string>
#include <vector>

#include "motion/math.h"
#include "motion/skeleton.h"

namespace e2m::motion {

struct ClipMeta {
  std::string name;                   // short id, e.g. "dataset-1_bow_active_001"
  std::string dataset;                // "bandai", "tang", "humanml3d", "aist", "bvh"
  std::string source;                 // the file it came from
  std::string content;                // action label ("bow", "walk") where known
  std::string style;                  // style label ("active") where known
  std::string genre;                  // dance genre ("waltz") where known
  std::vector<std::string> captions;  // text descriptions
  std::string audio;                  // audio file path, empty when none
  double audio_offset = 0;            // seconds into the audio at which frame 0 plays
};

struct Clip {
  double fps = 30;
  std::vector<Vec3> root;  // pelvis world position per frame (metres)
  std::vector<Quat> rot;   // local rotations, frames x kNumJoints, row-major
  ClipMeta meta;

  int frames() const { return static_cast<int>(root.size()); }
  double duration() const { return frames() / fps; }
  Quat& q(int frame, int joint) { return rot[static_cast<size_t>(frame) * kNumJoints + joint]; }
  const Quat& q(int frame, int joint) const { return rot[static_cast<size_t>(frame) * kNumJoints + joint]; }
  void resize(int frames) {
    root.assign(frames, Vec3{});
    rot.assign(static_cast<size_t>(frames) * kNumJoints, Quat::identity());
  }
  // A clip of n frames of the rest pose, pelvis at rest height.
  static Clip rest(int frames, double fps = 30);
};

}  // namespace e2m::motion
