// Fuzzes incoming MIDI the way a controller's port delivers it: each input is a stream of messages
// handed one by one to a real MidiRouter (the object RtMidi's callback feeds), with a map of faders,
// a genre control, pads and a cue bank, MIDI learn armed now and then, and MIDI clock.
//
// Input layout: repeated [length byte][that many bytes (length % 12)]; a length byte of 0xFF arms
// MIDI learn for the next control change instead. Every message counts, malformed or not; what
// comes out of the command queue must be a valid Command.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

#include "fuzz_support.h"
#include "live/midi_input.h"

using namespace e2m;

namespace {

live::MidiMap make_map() {
  live::MidiMap map;
  map.controls.push_back({1, live::MidiParam::kIntensity, 0, 2, {}});
  map.controls.push_back({2, live::MidiParam::kSmoothing, 1, 0, {}});
  map.controls.push_back({3, live::MidiParam::kGenre, 0, 1, {"waltz", "tango", "rumba"}});
  for (int k = 0; k < 8; ++k) map.pads.push_back({36 + k, 1 + k});  // slots 5..8 are not in the bank
  return map;
}

live::CueBank make_bank() {
  live::CueBank bank;
  bank.cues = {{1, "wave", "upper", false},
               {2, "bow", "full", false},
               {3, "jump", "full", true},
               {4, std::string(live::kMaxCueTextBytes, 'x'), "full", false}};
  return bank;
}

struct Harness {
  moodycamel::ConcurrentQueue<live::Command> queue{64};
  std::vector<live::MidiBinding> bindings{{64, {live::MidiTargetKind::kRootLock, 0, 1, {}}}};
  live::MidiRouter router{make_map(), make_bank(), bindings, queue};
  int learned = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Harness h;
  const int64_t before = h.router.stats().messages.load();
  int64_t handed = 0;
  auto t = std::chrono::steady_clock::now();
  for (size_t i = 0; i < size;) {
    const uint8_t len = data[i++];
    if (len == 0xFF) {
      // Learn is bounded over the router's lifetime; keep arming it while there is room.
      if (h.learned < live::MidiRouter::kMaxLearned) {
        h.router.learn({live::MidiTargetKind::kIntensity, 0.5, 1.5, {}});
        ++h.learned;
      }
      continue;
    }
    const size_t n = std::min<size_t>(len % 12, size - i);
    h.router.handle(data + i, n, t);
    t += std::chrono::microseconds(len * 97);  // ticks arrive at uneven times
    i += n;
    ++handed;
  }
  h.router.cancel_learn();
  const auto& s = h.router.stats();
  E2M_FUZZ_CHECK(s.messages.load() == before + handed);
  E2M_FUZZ_CHECK(s.malformed.load() <= s.messages.load());
  const double bpm = h.router.clock().tempo_bpm();
  const double phase = h.router.clock().phase();
  E2M_FUZZ_CHECK(std::isfinite(bpm) && bpm >= 0);
  E2M_FUZZ_CHECK(std::isfinite(phase) && phase >= 0 && phase < 1);
  live::Command c;
  while (h.queue.try_dequeue(c)) {
    E2M_FUZZ_CHECK(static_cast<int>(c.kind) < live::kNumCommandKinds);
    E2M_FUZZ_CHECK(std::memchr(c.text.data(), '\0', c.text.size()) != nullptr);
    if (live::has_text(c.kind)) E2M_FUZZ_CHECK(!c.text_view().empty());
    if (c.kind == live::CommandKind::kIntensity) E2M_FUZZ_CHECK(std::isfinite(c.value));
    if (c.kind == live::CommandKind::kRootLock) E2M_FUZZ_CHECK(c.flag == 0 || c.flag == 1);
  }
  return 0;
}
