// Training losses: the velocity-aware loss (paper eq. 16-18), the VAE loss (eq. 15), a
// differentiable forward-kinematics position loss and foot-contact consistency on the 269-d
// feature layout of motion/features.h. All take (B, T, 269) tensors and return scalar tensors.
#pragma once
#include <torch/torch.h>

#include "model/config.h"
#include "model/model_file.h"

namespace e2m::model {

// Eq. 18 on (B, T, D): mean over frames and dims of |g_j - t_j|^2 + alpha (L_prev + L_latter),
// where L_prev (eq. 16) uses frames j >= 1 and L_latter (eq. 17) frames j <= T - 2.
torch::Tensor velocity_aware_loss(const torch::Tensor& pred, const torch::Tensor& target, double alpha);

// Eq. 15: mean squared reconstruction error + kl_weight * KL(N(mu, exp(logvar)) || N(0, I)) (mean
// over latent elements).
struct VaeLossParts {
  torch::Tensor total, recon, kl;
};
VaeLossParts vae_loss(const VaeOutput& out, const torch::Tensor& target, double kl_weight);

// 6D (..., 6) in the e2m convention (first two matrix columns, motion/rotation.h) -> (..., 3, 3).
torch::Tensor rot6d_to_matrix(const torch::Tensor& d6);

// Differentiable FK from RAW (denormalised) features (B, T, 269): joint positions (B, T, 22, 3) in
// each frame's heading frame with the pelvis at (0, root height, 0), using the canonical rest
// offsets of motion/skeleton.h and the 6D rotations (joint 0 relative to the heading).
torch::Tensor fk_positions(const torch::Tensor& raw_features);

// Mean squared distance between FK positions of predicted and target raw features, in units of
// kFkUnitMetres: a 10 cm joint error weighs as much as a one-std feature error does in eq. 18 (in
// m^2 the term was 100x smaller and did not steer training).
inline constexpr double kFkUnitMetres = 0.1;
torch::Tensor fk_position_loss(const torch::Tensor& pred_raw, const torch::Tensor& target_raw);

// World joint positions (B, T, 22, 3) of raw features as decoding places them: the root
// integrated from the root and yaw velocities (frame 0 at the origin facing +Z), the joints from
// the 6D rotations. Differentiable.
torch::Tensor world_joint_positions(const torch::Tensor& raw_features, double fps);

// Foot contact consistency on what decoding reads (root velocities, heading and rotations, not the
// joint-velocity channels decoding ignores): the world speed of ankles and toes where the TARGET's
// contact flag is 1, in units of kSkateSpeed (the foot-skating threshold of DESIGN.md 6), squared
// and averaged over contact frames (0 when there are none).
inline constexpr double kSkateSpeed = 0.75;  // m/s
torch::Tensor foot_contact_loss(const torch::Tensor& pred_raw, const torch::Tensor& target_raw,
                                double fps = 30);

// The seam into a chunk: joint displacement (FK, heading frame) from the last played history frame
// to the chunk's first predicted frame, against the real data's displacement across the same
// boundary, squared in units of kFkUnitMetres. Under rollout the played frame is the model's own,
// so the term teaches the chunk to continue from what was played at a real speed.
torch::Tensor seam_loss(const torch::Tensor& pred_first_raw, const torch::Tensor& played_last_raw,
                        const torch::Tensor& target_first_raw, const torch::Tensor& real_last_raw);

// The speed envelope: each joint's world speed frame to frame (m/s), predicted against real,
// squared in units of kSpeedUnit and averaged over frames and joints. It asks how fast, not which
// way, so a model unsure of the direction of a move is not pushed to stand still (the average of
// two opposite moves is no move; the average of their speeds is their speed).
inline constexpr double kSpeedUnit = 1.0;  // m/s
torch::Tensor speed_envelope_loss(const torch::Tensor& pred_raw, const torch::Tensor& target_raw,
                                  double fps = 30);

// Speed dips on the beat: a dancer's joints slow down as a beat lands (DESIGN.md 6, Beat Align
// Score). motion_raw (B, H + C, 269) is the last H played frames followed by the chunk's C frames;
// beats (B, C) is 1 at the chunk's frames where the beat clock ticks. The mean joint world speed
// (m/s) is smoothed as the Beat Align Score's motion beats are (Gaussian, sigma 2.5 frames at 30
// fps, cut at 2 sigma), and each beat frame k costs relu(s_k - s_{k-d} + margin) and, inside the
// chunk, relu(s_k - s_{k+d} + margin) with d = kBeatDipFrames, in units of kSpeedUnit, averaged over
// beat frames (0 when the chunk has none). The speed envelope keeps how fast the dance goes; this
// term asks where it slows. (A one-frame dip does not survive the smoothing: it asks for a broad one.)
inline constexpr double kBeatDipMargin = 0.03;  // m/s, above the 2 cm/s a motion beat must dip
inline constexpr int kBeatDipFrames = 2;
torch::Tensor beat_dip_loss(const torch::Tensor& motion_raw, const torch::Tensor& beats, double fps = 30);

struct MotionLossParts {
  torch::Tensor total;
  torch::Tensor feature;  // eq. 18 on normalised features
  torch::Tensor fk;
  torch::Tensor contact;
  torch::Tensor speed;  // computed only when loss.speed > 0 (else 0)
};
// The generator loss: eq. 18 on normalised features + loss.fk * FK + loss.contact * contacts +
// loss.speed * speed envelope (raw features via `norm`). pred/target normalised (B, T, 269).
MotionLossParts motion_loss(const torch::Tensor& pred, const torch::Tensor& target, const Normalization& norm,
                            const LossConfig& weights, double fps = 30);

}  // namespace e2m::model
