// Forward kinematics on the canonical skeleton.
#include "motion/fk.h"

#include "motion/rotation.h"

namespace e2m::motion {

void fk(const Vec3& root, const Quat* local, Pose& pos, std::array<Quat, kNumJoints>* world_rot) {
  std::array<Quat, kNumJoints> world;
  world[0] = local[0];
  pos[0] = root;
  for (int j = 1; j < kNumJoints; ++j) {
    int p = parent(j);
    world[j] = world[p] * local[j];
    pos[j] = pos[p] + rotate(world[p], rest_offset(j));
  }
  if (world_rot) *world_rot = world;
}

void fk(const Clip& clip, int frame, Pose& pos, std::array<Quat, kNumJoints>* world_rot) {
  fk(clip.root[frame], &clip.rot[static_cast<size_t>(frame) * kNumJoints], pos, world_rot);
}

std::vector<Pose> fk_all(const Clip& clip) {
  std::vector<Pose> out(clip.frames());
  for (int f = 0; f < clip.frames(); ++f) fk(clip, f, out[f]);
  return out;
}

Clip Clip::rest(int frames, double fps) {
  Clip c;
  c.fps = fps;
  c.resize(frames);
  for (auto& r : c.root) r = {0, rest_pelvis_height(), 0};
  return c;
}

}  // namespace e2m::motion
