// Port of HumanML3D's recover_root_rot_pos / recover_from_ric, computed in double precision.
#include "io/humanml3d.h"

#include <cmath>

#include "motion/error.h"

namespace e2m::io {

using motion::Vec3;

namespace {

// qrot for the root quaternion's inverse (cos a, 0, -sin a, 0): v + 2 (w uv + uuv), uv = q.xyz x v.
Vec3 qrot_inv_yaw(double a, const Vec3& v) {
  const double w = std::cos(a);
  const Vec3 qv{0, -std::sin(a), 0};
  const Vec3 uv = motion::cross(qv, v);
  const Vec3 uuv = motion::cross(qv, uv);
  return v + (uv * w + uuv) * 2.0;
}

}  // namespace

int ric_joints_for_dim(int dim) {
  if (dim == kHumanMl3dDim) return 22;
  if (dim == kKitDim) return 21;
  return 0;
}

RicMotion recover_from_ric(const std::vector<double>& data, int frames, int dim, const std::string& name) {
  const int J = ric_joints_for_dim(dim);
  if (J == 0)
    throw Error(name + ": feature size " + std::to_string(dim) + " is neither HumanML3D's 263 nor KIT's 251");
  if (frames < 0 || data.size() != static_cast<size_t>(frames) * static_cast<size_t>(dim))
    throw Error(name + ": " + std::to_string(data.size()) + " values do not make " + std::to_string(frames) +
                " frames of " + std::to_string(dim));
  for (size_t i = 0; i < data.size(); ++i)
    if (!std::isfinite(data[i]))
      throw Error(name + ": value " + std::to_string(i % dim) + " of frame " + std::to_string(i / dim) +
                  " is not finite");
  auto row = [&](int f) { return data.data() + static_cast<size_t>(f) * dim; };

  RicMotion m;
  m.frames = frames;
  m.joints = J;
  m.pos.resize(static_cast<size_t>(frames) * J);
  m.root_yaw.resize(frames);

  // r_rot_ang[f] = sum of rot_vel[0 .. f-1]; r_pos[f] = sum over k <= f of qinv(q_k) * (vel_{k-1}),
  // both as cumulative sums over frames, the velocity of frame k-1 rotated by the angle of frame k.
  double ang = 0;
  Vec3 root{0, 0, 0};
  for (int f = 0; f < frames; ++f) {
    if (f > 0) {
      ang += row(f - 1)[0];
      root += qrot_inv_yaw(ang, Vec3{row(f - 1)[1], 0, row(f - 1)[2]});
    }
    m.root_yaw[f] = ang;
    const double* r = row(f);
    Vec3 root_pos{root.x, r[3], root.z};
    m.pos[static_cast<size_t>(f) * J] = root_pos;
    for (int j = 1; j < J; ++j) {
      const double* p = r + 4 + 3 * (j - 1);
      Vec3 w = qrot_inv_yaw(ang, Vec3{p[0], p[1], p[2]});
      w.x += root_pos.x;
      w.z += root_pos.z;
      m.pos[static_cast<size_t>(f) * J + j] = w;
    }
  }
  return m;
}

RicMotion recover_from_ric(const NpyArray<double>& vecs, const std::string& name) {
  if (vecs.ndim() != 2)
    throw Error(name + ": expected a 2-D array (frames x features), got " + std::to_string(vecs.ndim()) +
                "-D");
  return recover_from_ric(vecs.data, static_cast<int>(vecs.shape[0]), static_cast<int>(vecs.shape[1]), name);
}

RicMotion read_ric_positions(const std::filesystem::path& new_joint_vecs_npy) {
  return recover_from_ric(read_npy(new_joint_vecs_npy), new_joint_vecs_npy.string());
}

}  // namespace e2m::io
