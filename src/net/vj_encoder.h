// VJ OSC encoder (DESIGN.md 5.2): joint positions, beat, tempo, phase and onset as numbers-only OSC
// for TouchDesigner (OSC In CHOP), Resolume and Max. Per frame, with the default prefix /e2m:
//   /e2m/pose          66 f   joints 0..21 x (x, y, z), metres or [0,1] when normalised
//   /e2m/joint/<name>  f f f  per joint (canonical snake_case name), only when options.joints
//   /e2m/beat          i      the beat count, only on frames where a beat fell
//   /e2m/tempo         f      BPM
//   /e2m/phase         f      beat phase in [0, 1)
//   /e2m/onset         f      onset strength (0 when none), every frame so a CHOP channel falls back
//   /e2m/frame         i      the frame index, last, so a receiver can tell frames apart
// Positions are in our frame (right-handed, Y up, metres, character facing +Z), not Unity's.
#pragma once
#include <array>
#include <cstdint>
#include <string>

#include "motion/math.h"
#include "motion/pose.h"
#include "net/frame_packets.h"

namespace e2m::net {

enum class VjSpace {
  kWorld,         // world positions
  kRootRelative,  // minus the pelvis position (world axes, not turned with the character)
};

struct VjOptions {
  std::string prefix = "/e2m";  // '/' then letters, digits, '_', '-', '.', '/'; no trailing '/'
  VjSpace space = VjSpace::kWorld;
  bool normalise = false;  // map box_min..box_max to [0,1] per axis, clamped
  // Normalisation box, metres. The default suits world positions on a ~4 m stage; for root-relative
  // positions use about (-1.2, -1.2, -1.2)..(1.2, 1.2, 1.2).
  motion::Vec3 box_min{-2.0, 0.0, -2.0};
  motion::Vec3 box_max{2.0, 2.5, 2.0};
  bool joints = false;  // also send /prefix/joint/<name> per joint
  bool bundled = true;  // false: every message its own UDP packet
  std::size_t max_bundle_bytes = kDefaultMaxBundleBytes;
};

// What the beat clock says at this output frame.
struct VjFrameInfo {
  std::int32_t frame = 0;       // output frame index (/frame)
  bool beat = false;            // a beat fell since the previous frame: send /beat
  std::int32_t beat_count = 0;  // beats so far (/beat)
  float tempo_bpm = 0;          // /tempo
  float phase = 0;              // /phase, [0, 1)
  float onset = 0;              // /onset strength
};

using VjPositions = std::array<float, 3 * motion::kNumJoints>;

// The 66 values of /pose for this pose and options (FK, space, normalisation).
void vj_positions(const motion::PoseFrame& pose, const VjOptions& options, VjPositions& out) noexcept;

class VjEncoder {
 public:
  // Builds the addresses once; throws e2m::Error for a bad prefix or an empty normalisation box.
  explicit VjEncoder(VjOptions options);

  // Encode one frame into out (cleared first). Never allocates or throws; out.ok() is false if it
  // did not fit.
  void encode(const motion::PoseFrame& pose, const VjFrameInfo& info, FramePackets& out) const noexcept;

  const VjOptions& options() const { return options_; }

 private:
  VjOptions options_;
  std::string pose_, beat_, tempo_, phase_, onset_, frame_;
  std::array<std::string, motion::kNumJoints> joint_;
};

}  // namespace e2m::net
