// The beat clock against the dancers' own tempo on the Tang et al. songs, and the reference itself.
#include <cmath>
#include <cstdio>
#include <fstream>

#include "eval/beat_reference.h"
#include "eval/dance_tempo.h"
#include "motion/error.h"
#include "test_support.h"

using namespace e2m::eval;

TEST_CASE("metrical ratios name octave and triple errors", "[eval][beat]") {
  CHECK(nearest_metrical_ratio(87, 88) == 1.0);
  CHECK(nearest_metrical_ratio(174, 87) == 2.0);
  CHECK(nearest_metrical_ratio(130, 87) == 1.5);
  CHECK(nearest_metrical_ratio(43, 88) == 0.5);
  CHECK(nearest_metrical_ratio(0, 88) == 0.0);
  CHECK(ratio_name(2.0 / 3) == "2/3");
  CHECK(ratio_name(1.0) == "1");
}

TEST_CASE("beat annotation files: comments skipped, a bad line named", "[eval][beat]") {
  const e2m::test::TempDir dir("beat-annotations");
  const auto good = dir.path() / "good.beats";
  std::ofstream(good) << "# time beat\n0.09\t1\n\n0.80 2\n1.48\t3\n";
  CHECK(read_beat_annotations(good) == std::vector<double>{0.09, 0.80, 1.48});
  const auto bad = dir.path() / "bad.beats";
  std::ofstream(bad) << "0.5\nabc\n";
  try {
    read_beat_annotations(bad);
    FAIL("no error for a line that is not a number");
  } catch (const e2m::Error& e) {
    CHECK(std::string(e.what()).find("bad.beats:2") != std::string::npos);
  }
  CHECK_THROWS_AS(read_beat_annotations(dir.path() / "missing.beats"), e2m::Error);
}

TEST_CASE("dynamic programming beats follow a periodic novelty", "[eval][beat]") {
  std::vector<double> novelty(600, 0.0);  // 20 s at 30 Hz, a pulse every 0.7 s from 0.35 s
  for (double t = 0.35; t < 20; t += 0.7) novelty[size_t(std::lround(t * 30))] = 1.0;
  const auto beats = track_beats_dp(novelty, 30, 0.7);
  REQUIRE(beats.size() >= 27);
  for (double b : beats) CHECK(std::abs(std::fmod(b - 0.35 + 0.35, 0.7) - 0.35) < 0.05);
}

TEST_CASE("Tang songs: the clock's tempo is at the dancers' metrical level on at least 24 of 26",
          "[eval][beat][data]") {
  const auto tang = e2m::test::shared_data() / "tang-dance";
  E2M_SKIP_UNLESS_EXISTS(tang);
  const auto rows = evaluate_tang_beats(tang);
  int clock_ok = 0, aubio_ok = 0, in_standard = 0;
  for (const auto& r : rows) {
    std::printf("%-11s %-8s motion %6.1f%s clock %6.1f (%s, F %.2f) aubio %6.1f (%s, F %.2f)\n",
                r.name.c_str(), r.genre.c_str(), r.motion_bpm, r.motion_in_standard ? " " : "*", r.clock_bpm,
                ratio_name(r.clock_ratio).c_str(), r.clock_f, r.aubio_bpm, ratio_name(r.aubio_ratio).c_str(),
                r.aubio_f);
    clock_ok += r.clock_octave_ok();
    aubio_ok += r.aubio_octave_ok();
    in_standard += r.motion_in_standard;
    CHECK(r.motion_bpm > 0);
  }
  std::printf("metrical level right: clock %d, aubio %d of %zu; motion tempo in the standard range: %d\n",
              clock_ok, aubio_ok, rows.size(), in_standard);
  CHECK(rows.size() == 26);
  CHECK(clock_ok >= 24);
}
