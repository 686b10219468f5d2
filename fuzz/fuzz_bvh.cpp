// Fuzzes the BVH reader (parse_bvh) and what the importer does next with a file it accepted:
// forward kinematics, writing it back, and recognising and retargeting its rig.
#include <algorithm>
#include <cmath>

#include "fuzz_support.h"
#include "io/bvh.h"
#include "io/retarget_bvh.h"
#include "io/rig_names.h"

using namespace e2m;

namespace {

// Retargeting walks every frame; a bounded clip keeps each input fast while still reaching it.
constexpr int kMaxRetargetFrames = 64;

void after_parse(const io::Bvh& bvh) {
  E2M_FUZZ_CHECK(!bvh.joints.empty());
  E2M_FUZZ_CHECK(bvh.values.size() == static_cast<size_t>(bvh.num_channels()) * bvh.frames);
  E2M_FUZZ_CHECK(std::isfinite(bvh.frame_time) && bvh.frame_time > 0);
  for (int f = 0; f < std::min(bvh.frames, 3); ++f) bvh.world_positions(f);

  // What the writer makes of a parsed file must read back with the same shape.
  const std::string text = io::format_bvh(bvh);
  fuzz::accepts([&] {
    const io::Bvh again = io::parse_bvh(text, "again.bvh");
    E2M_FUZZ_CHECK(again.joints.size() == bvh.joints.size());
    E2M_FUZZ_CHECK(again.frames == bvh.frames);
    E2M_FUZZ_CHECK(again.num_channels() == bvh.num_channels());
  });

  if (bvh.frames > kMaxRetargetFrames) return;
  fuzz::accepts([&] {
    const io::RigMapping rig = io::map_rig(bvh);
    io::explain_mapping(bvh, rig);
    const motion::Clip clip = io::retarget_bvh(bvh, rig);
    E2M_FUZZ_CHECK(clip.frames() == bvh.frames);
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  io::Bvh bvh;
  if (fuzz::accepts([&] { bvh = io::parse_bvh(fuzz::bytes_of(data, size), "fuzz.bvh"); })) after_parse(bvh);
  return 0;
}
