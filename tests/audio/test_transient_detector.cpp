// The low-latency transient detector behind /e2m/onset: one onset per click, found within a few
// milliseconds of it; steady sound gives none.
#include <cmath>
#include <vector>

#include "audio/demo_track.h"
#include "audio/transient_detector.h"
#include "test_support.h"

using namespace e2m::audio;

namespace {

struct Found {
  std::vector<double> times;
  std::vector<float> strengths;
  static void add(void* self, float strength, double t) {
    static_cast<Found*>(self)->times.push_back(t);
    static_cast<Found*>(self)->strengths.push_back(strength);
  }
};

}  // namespace

TEST_CASE("transient detector: every click of a click track, at most 6 ms late", "[audio][onset]") {
  for (int rate : {22050, 44100, 48000}) {
    const auto x = click_track(rate, 10.0, 120.0);
    const auto clicks = click_times(10.0, 120.0);
    TransientDetector det(rate, rate / 350);
    Found found;
    // In uneven pieces, as a capture callback delivers them.
    for (size_t i = 0, n = 1; i < x.size(); i += n, n = n % 997 + 61)
      det.push(x.data() + i, std::min(n, x.size() - i), &Found::add, &found);
    INFO("rate " << rate);
    REQUIRE(found.times.size() == clicks.size());
    for (size_t k = 0; k < clicks.size(); ++k) {
      CHECK(found.times[k] >= clicks[k]);
      CHECK(found.times[k] - clicks[k] < 0.006);
      CHECK(found.strengths[k] > 0.5f);
    }
  }
}

TEST_CASE("transient detector: a steady tone and silence give no onsets after the start", "[audio][onset]") {
  auto x = sine_tone(44100, 5.0, 440.0);
  x.insert(x.end(), 44100 * 2, 0.0f);
  TransientDetector det(44100, 126);
  Found found;
  det.push(x.data(), x.size(), &Found::add, &found);
  REQUIRE(!found.times.empty());  // the tone's start is an attack
  CHECK(found.times.front() < 0.01);
  CHECK(found.times.size() == 1);
}

TEST_CASE("transient detector: the demo track's kicks, snares and hats, one per eighth note",
          "[audio][onset]") {
  const auto x = demo_track(44100, 10.0);
  TransientDetector det(44100, 126);
  Found found;
  det.push(x.data(), x.size(), &Found::add, &found);
  REQUIRE(found.times.size() == 40);  // 120 BPM: an eighth every 0.25 s
  for (size_t k = 0; k < found.times.size(); ++k) CHECK(std::abs(found.times[k] - 0.25 * double(k)) < 0.006);
}
