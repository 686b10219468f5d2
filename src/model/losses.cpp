// Training losses: velocity-aware L2 (eq. 16-18), VAE (eq. 15), torch FK positions, foot contacts.
#include "model/losses.h"

#include <algorithm>

#include "motion/error.h"
#include "motion/features.h"
#include "motion/skeleton.h"

namespace e2m::model {

torch::Tensor velocity_aware_loss(const torch::Tensor& pred, const torch::Tensor& target, double alpha) {
  auto d = pred - target;
  const int64_t frames = d.size(1);
  auto per_frame = d.pow(2).sum();
  if (frames > 1) {
    // (g_j - g_{j-1}) - (t_j - t_{j-1}) = d_j - d_{j-1}: eq. 16 covers j = 1..T-1 and eq. 17 the
    // same differences seen from frame j-1, so each difference counts twice in the sum over frames.
    auto dv = d.slice(1, 1) - d.slice(1, 0, frames - 1);
    per_frame = per_frame + 2.0 * alpha * dv.pow(2).sum();
  }
  return per_frame / static_cast<double>(d.numel());
}

VaeLossParts vae_loss(const VaeOutput& out, const torch::Tensor& target, double kl_weight) {
  VaeLossParts p;
  p.recon = (out.recon - target).pow(2).mean();
  p.kl = -0.5 * (1 + out.logvar - out.mu.pow(2) - out.logvar.exp()).mean();
  p.total = p.recon + kl_weight * p.kl;
  return p;
}

torch::Tensor rot6d_to_matrix(const torch::Tensor& d6) {
  auto a = d6.slice(-1, 0, 3);
  auto b = d6.slice(-1, 3, 6);
  auto c0 =
      torch::nn::functional::normalize(a, torch::nn::functional::NormalizeFuncOptions().dim(-1).eps(1e-8));
  auto c1 = b - (c0 * b).sum(-1, true) * c0;
  c1 = torch::nn::functional::normalize(c1, torch::nn::functional::NormalizeFuncOptions().dim(-1).eps(1e-8));
  auto c2 = torch::cross(c0, c1, -1);
  return torch::stack({c0, c1, c2}, -1);  // columns
}

torch::Tensor fk_positions(const torch::Tensor& raw) {
  using motion::kNumJoints;
  const auto b = raw.size(0), t = raw.size(1);
  auto local = rot6d_to_matrix(
      raw.slice(-1, motion::kFeatRot, motion::kFeatRot + 6 * kNumJoints).reshape({b, t, kNumJoints, 6}));
  std::vector<torch::Tensor> world(kNumJoints), pos(kNumJoints);
  auto zeros = torch::zeros({b, t, 1}, raw.options());
  pos[0] = torch::cat({zeros, raw.slice(-1, motion::kFeatRootY, motion::kFeatRootY + 1), zeros}, -1);
  world[0] = local.select(2, 0);
  for (int j = 1; j < kNumJoints; ++j) {
    const int p = motion::parent(j);
    const auto& o = motion::rest_offset(j);
    auto offset = torch::tensor({static_cast<float>(o.x), static_cast<float>(o.y), static_cast<float>(o.z)},
                                raw.options());
    world[j] = torch::matmul(world[p], local.select(2, j));
    pos[j] = pos[p] + torch::matmul(world[p], offset);
  }
  return torch::stack(pos, 2);
}

torch::Tensor fk_position_loss(const torch::Tensor& pred_raw, const torch::Tensor& target_raw) {
  return ((fk_positions(pred_raw) - fk_positions(target_raw)) / kFkUnitMetres).pow(2).sum(-1).mean();
}

torch::Tensor world_joint_positions(const torch::Tensor& raw, double fps) {
  using namespace motion;
  const auto t = raw.size(1);
  auto pos = fk_positions(raw);  // heading frame, pelvis at (0, y, 0)
  // Integrate heading and root exactly as decode_feature_row does: frame t's root step is its
  // velocity rotated by the previous frame's heading; frame 0 starts at x = z = 0, yaw 0.
  auto yaw_steps = raw.select(-1, kFeatYawVel).slice(1, 1) / fps;
  auto yaw = torch::cat({torch::zeros_like(raw.select(-1, 0).slice(1, 0, 1)), yaw_steps.cumsum(1)}, 1);
  auto c = torch::cos(yaw), s = torch::sin(yaw);
  auto vx = raw.select(-1, kFeatRootVel).slice(1, 1) / fps,
       vz = raw.select(-1, kFeatRootVel + 1).slice(1, 1) / fps;
  auto c0 = c.slice(1, 0, t - 1), s0 = s.slice(1, 0, t - 1);
  auto zero = torch::zeros_like(yaw.slice(1, 0, 1));
  auto root_x = torch::cat({zero, (c0 * vx + s0 * vz).cumsum(1)}, 1).unsqueeze(-1);
  auto root_z = torch::cat({zero, (-s0 * vx + c0 * vz).cumsum(1)}, 1).unsqueeze(-1);
  auto px = pos.select(-1, 0), py = pos.select(-1, 1), pz = pos.select(-1, 2);
  auto cu = c.unsqueeze(-1), su = s.unsqueeze(-1);
  return torch::stack({root_x + cu * px + su * pz, py, root_z - su * px + cu * pz}, -1);
}

torch::Tensor foot_contact_loss(const torch::Tensor& pred_raw, const torch::Tensor& target_raw, double fps) {
  using namespace motion;
  if (pred_raw.size(1) < 2) return torch::zeros({}, pred_raw.options());
  auto idx = torch::tensor({static_cast<int64_t>(kLeftAnkle), static_cast<int64_t>(kRightAnkle),
                            static_cast<int64_t>(kLeftFoot), static_cast<int64_t>(kRightFoot)},
                           torch::TensorOptions().dtype(torch::kLong).device(pred_raw.device()));
  auto feet = world_joint_positions(pred_raw, fps).index_select(2, idx);  // (B, T, 4, 3), contact order
  auto vel = (feet.slice(1, 1) - feet.slice(1, 0, feet.size(1) - 1)) * fps / kSkateSpeed;
  auto contact =
      (target_raw.slice(-1, kFeatContact, kFeatContact + 4).slice(1, 1) > 0.5).to(pred_raw.dtype());
  auto count = contact.sum().clamp_min(1.0);
  return (vel.pow(2).sum(-1) * contact).sum() / count;
}

torch::Tensor seam_loss(const torch::Tensor& pred_first_raw, const torch::Tensor& played_last_raw,
                        const torch::Tensor& target_first_raw, const torch::Tensor& real_last_raw) {
  auto step_pred = fk_positions(pred_first_raw) - fk_positions(played_last_raw);
  auto step_real = fk_positions(target_first_raw) - fk_positions(real_last_raw);
  return ((step_pred - step_real) / kFkUnitMetres).pow(2).sum(-1).mean();
}

torch::Tensor speed_envelope_loss(const torch::Tensor& pred_raw, const torch::Tensor& target_raw,
                                  double fps) {
  if (pred_raw.size(1) < 2) return torch::zeros({}, pred_raw.options());
  auto speeds = [fps](const torch::Tensor& raw) {
    auto p = world_joint_positions(raw, fps);
    auto step = p.slice(1, 1) - p.slice(1, 0, p.size(1) - 1);
    // The small floor keeps the gradient finite where a joint stands still.
    return (step.pow(2).sum(-1) + 1e-10).sqrt() * fps;
  };
  return ((speeds(pred_raw) - speeds(target_raw)) / kSpeedUnit).pow(2).mean();
}

namespace {

// Gaussian smoothing along dim 1 of (B, N), edges repeated: sigma in samples, cut at 2 sigma.
torch::Tensor smooth_time(const torch::Tensor& x, double sigma) {
  const int r = std::max(1, static_cast<int>(2.0 * sigma + 0.5));
  auto k = torch::arange(-r, r + 1, x.options());
  k = torch::exp(-0.5 * k * k / (sigma * sigma));
  k = (k / k.sum()).view({1, 1, -1});
  namespace F = torch::nn::functional;
  auto padded = F::pad(x.unsqueeze(1), F::PadFuncOptions({r, r}).mode(torch::kReplicate));
  return F::conv1d(padded, k).squeeze(1);
}

}  // namespace

torch::Tensor beat_dip_loss(const torch::Tensor& motion_raw, const torch::Tensor& beats, double fps) {
  const int64_t c = beats.size(1), h = motion_raw.size(1) - c, d = kBeatDipFrames;
  if (h < 1) throw Error("beat term: the motion must start with at least one played frame");
  auto p = world_joint_positions(motion_raw, fps);
  auto step = p.slice(1, 1) - p.slice(1, 0, p.size(1) - 1);
  auto s = ((step.pow(2).sum(-1) + 1e-10).sqrt() * fps).mean(-1) / kSpeedUnit;  // (B, H + C - 1)
  s = smooth_time(s, 2.5 * fps / 30.0);
  const int64_t n = s.size(1), first = h - 1;  // s index of the chunk's frame 0
  const double margin = kBeatDipMargin / kSpeedUnit;
  auto at = s.slice(1, first, first + c);
  namespace F = torch::nn::functional;
  // Left neighbours exist for every chunk frame when h > d; right ones only inside the window.
  auto left = F::pad(s.slice(1, std::max<int64_t>(0, first - d), first + c - d),
                     F::PadFuncOptions({std::max<int64_t>(0, d - first), 0}).mode(torch::kReplicate));
  auto right_n = std::min<int64_t>(c, n - first - d);
  auto cost = torch::relu(at - left + margin);
  if (right_n > 0) {
    auto right = torch::relu(at.slice(1, 0, right_n) - s.slice(1, first + d, first + d + right_n) + margin);
    cost = cost + F::pad(right, F::PadFuncOptions({0, c - right_n}));
  }
  auto on = (beats > 0.5).to(s.dtype());
  return (cost * on).sum() / on.sum().clamp_min(1.0);
}

MotionLossParts motion_loss(const torch::Tensor& pred, const torch::Tensor& target, const Normalization& norm,
                            const LossConfig& weights, double fps) {
  MotionLossParts p;
  p.feature = velocity_aware_loss(pred, target, weights.alpha);
  auto pred_raw = norm.denormalize(pred);
  auto target_raw = norm.denormalize(target);
  p.fk = fk_position_loss(pred_raw, target_raw);
  p.contact = foot_contact_loss(pred_raw, target_raw, fps);
  p.speed =
      weights.speed > 0 ? speed_envelope_loss(pred_raw, target_raw, fps) : torch::zeros({}, pred.options());
  p.total = p.feature + weights.fk * p.fk + weights.contact * p.contact + weights.speed * p.speed;
  return p;
}

}  // namespace e2m::model
