// Mixer and live dance generator: cue fades, masks, re-anchoring, queueing, cancel and replace; the
// generator's audio padding, root carried across chunks, genre changes and size checks.
#include <cmath>

#include "live/cue_worker.h"
#include "live/dance_generator.h"
#include "live/mixer.h"
#include "live_models.h"
#include "motion/error.h"
#include "motion/rotation.h"
#include "test_support.h"

using namespace e2m;
using motion::PoseFrame;

namespace {

PoseFrame standing(double x = 0, double z = 0, double yaw = 0) {
  PoseFrame p{};
  p.root = {x, 0.9, z};
  for (auto& q : p.rot) q = motion::Quat::identity();
  p.rot[0] = motion::quat_yaw(yaw);
  return p;
}

// Arms up (left shoulder turned about +Z), legs apart (left hip about Z), as a cue's frames.
std::unique_ptr<live::CueClip> arms_up(int frames, bool replace = false) {
  auto c = std::make_unique<live::CueClip>();
  c->text = "raise both hands";
  c->replace = replace;
  for (int t = 0; t < frames; ++t) {
    PoseFrame p = standing(0, 0.01 * t);
    p.rot[motion::kLeftShoulder] = motion::quat_from_axis_angle({0, 0, 1}, 1.2);
    p.rot[motion::kLeftHip] = motion::quat_from_axis_angle({0, 0, 1}, 0.4);
    c->frames.push_back(p);
  }
  return c;
}

double angle(const motion::Quat& a, const motion::Quat& b) {
  const double d = std::abs(a.w * b.w + a.x * b.x + a.y * b.y + a.z * b.z);
  return 2 * std::acos(std::min(1.0, d));
}

}  // namespace

TEST_CASE("mixer: a cue fades in, plays re-anchored where the character stands, and fades out",
          "[live][mixer]") {
  live::Mixer mixer(8);
  const PoseFrame dance = standing(2, 3, M_PI / 2);
  CHECK(angle(mixer.mix(dance, dance).rot[motion::kLeftShoulder], dance.rot[motion::kLeftShoulder]) == 0);
  mixer.add(arms_up(40));
  std::vector<PoseFrame> out;
  for (int t = 0; t < 60; ++t) out.push_back(mixer.mix(dance, out.empty() ? dance : out.back()));
  const auto up = motion::quat_from_axis_angle({0, 0, 1}, 1.2);
  // Fading in over 8 frames, full in the middle, back to the dance after the clip.
  CHECK(angle(out[0].rot[motion::kLeftShoulder], up) > 0.9);
  CHECK(angle(out[20].rot[motion::kLeftShoulder], up) < 1e-6);
  CHECK(angle(out[50].rot[motion::kLeftShoulder], dance.rot[motion::kLeftShoulder]) < 1e-9);
  for (int t = 1; t < 50; ++t)
    CHECK(angle(out[size_t(t)].rot[motion::kLeftShoulder], out[size_t(t - 1)].rot[motion::kLeftShoulder]) <
          0.2);
  // Re-anchored: it starts at the dancer's placement and walks along the dancer's heading (+X).
  CHECK(std::abs(out[8].root.x - (2 + 0.08)) < 1e-6);
  CHECK(std::abs(out[8].root.z - 3) < 1e-6);
  CHECK(std::abs(motion::pose_heading(out[20]) - M_PI / 2) < 1e-6);
  CHECK(mixer.cues_started() == 1);
  CHECK(mixer.cues_finished() == 1);
}

TEST_CASE("mixer: an upper-body cue leaves the dancing legs alone", "[live][mixer]") {
  live::Mixer mixer(4);
  auto cue = arms_up(30);
  cue->mask = motion::kMaskUpper;
  mixer.add(std::move(cue));
  const PoseFrame dance = standing();
  PoseFrame o = dance;
  for (int t = 0; t < 15; ++t) o = mixer.mix(dance, o);
  CHECK(angle(o.rot[motion::kLeftShoulder], motion::quat_from_axis_angle({0, 0, 1}, 1.2)) < 1e-6);
  CHECK(angle(o.rot[motion::kLeftHip], dance.rot[motion::kLeftHip]) < 1e-9);
  CHECK(o.root.z == dance.root.z);
}

TEST_CASE("mixer: cues queue, a replacing cue cuts in after a fade, cancel fades out and drops the queue",
          "[live][mixer]") {
  live::Mixer mixer(4);
  const PoseFrame dance = standing();
  mixer.add(arms_up(20));
  mixer.add(arms_up(20));
  CHECK(mixer.queued() == 2);
  PoseFrame o = dance;
  for (int t = 0; t < 10; ++t) o = mixer.mix(dance, o);
  CHECK(mixer.queued() == 1);
  mixer.add(arms_up(20, true));  // replace: the queue is dropped, the current cue fades out
  CHECK(mixer.queued() == 1);
  for (int t = 0; t < 6; ++t) o = mixer.mix(dance, o);
  CHECK(mixer.cues_started() == 2);
  mixer.cancel();
  CHECK(mixer.queued() == 0);
  for (int t = 0; t < 5; ++t) o = mixer.mix(dance, o);
  CHECK_FALSE(mixer.playing());
  CHECK(angle(o.rot[motion::kLeftShoulder], dance.rot[motion::kLeftShoulder]) < 1e-9);
}

TEST_CASE(
    "live dance: chunks continue from the played pose, not the origin, and genre changes keep the dance",
    "[live][generator]") {
  model::MusicToDance m2d;
  test::load_tiny_dance(m2d);
  live::DanceGenerator gen(m2d, "rumba");
  const PoseFrame start = live::DanceGenerator::start_pose(m2d);
  CHECK(start.root.y > 0.5);  // a standing pose, not a T-pose at the origin of the floor
  std::vector<float> row(audio::kAudioFeatureDim, 0.3f);
  gen.push_audio(row);
  // Played frames far from the origin, facing +X.
  for (int t = 0; t < 40; ++t) gen.played(standing(5 + 0.01 * t, -4, M_PI / 2));
  std::vector<PoseFrame> chunk(size_t(gen.chunk_frames()));
  gen.next_chunk(chunk);
  const auto& last = gen.last_played();
  const double step = std::hypot(chunk[0].root.x - last.root.x, chunk[0].root.z - last.root.z);
  INFO("first frame of the chunk is " << step << " m from the last played frame");
  CHECK(step < 0.2);
  gen.set_genre("waltz");
  CHECK(gen.genre() == "waltz");
  CHECK_THROWS_AS(gen.set_genre("polka"), Error);
  CHECK(gen.genre() == "waltz");
  CHECK(std::hypot(gen.last_played().root.x - last.root.x, gen.last_played().root.z - last.root.z) == 0);
  // Sizes are checked where they enter.
  std::vector<PoseFrame> wrong(3);
  CHECK_THROWS_AS(gen.next_chunk(wrong), Error);
  CHECK_THROWS_AS(gen.push_audio(std::vector<float>(10)), Error);
  std::vector<float> audio(10), prev(10), out(10);
  CHECK_THROWS_AS(
      m2d.next_chunk(std::span<const float>(audio), std::span<const float>(prev), std::span<float>(out)),
      Error);
}

TEST_CASE("cue words the text model does not know get the nearest known word suggested", "[live][cue]") {
  const std::vector<std::string> known = {"a", "person", "waves", "wave", "bow", "bows", "kick"};
  const auto s = live::suggest_words("wavve and BWO, kick!", known);
  REQUIRE(s.size() == 3);
  CHECK(s[0].word == "wavve");
  CHECK(s[0].nearest == "wave");
  CHECK(s[1].word == "and");
  CHECK(s[1].nearest.empty());  // nothing close
  CHECK(s[2].word == "bwo");
  CHECK(s[2].nearest == "bow");
  CHECK(live::suggest_words("a person waves", known).empty());
  CHECK(live::suggest_words("anything", {}).empty());
}

TEST_CASE("offline dance starts as training and live do: first audio frame repeated, standing history",
          "[live][generator]") {
  model::MusicToDance m2d;
  test::load_tiny_dance(m2d);
  const int w = m2d.audio_window(), m = m2d.motion_window(), c = m2d.chunk_frames();
  audio::FeatureFrames feats;
  feats.frames = 3 * c;
  for (int i = 0; i < feats.frames * audio::kAudioFeatureDim; ++i)
    feats.data.push_back(float((i * 37) % 11) / 7);
  const auto offline = m2d.dance_features(feats, "waltz");
  std::vector<float> window;
  for (int r = 0; r < w; ++r)
    window.insert(window.end(), feats.data.begin(), feats.data.begin() + audio::kAudioFeatureDim);
  const auto history = m2d.start_features(m);
  m2d.set_genre("waltz");
  const auto first = m2d.next_chunk(window.data(), history.data());
  double worst = 0;
  for (size_t i = 0; i < first.size(); ++i) worst = std::max(worst, double(std::abs(first[i] - offline[i])));
  INFO("largest difference in the first chunk: " << worst);
  CHECK(worst < 1e-4);
  // The standing start has no velocity and is not the T-pose.
  CHECK(history[motion::kFeatRootVel] == 0.0f);
  CHECK(history[motion::kFeatVel + 3] == 0.0f);
}
