// Where the output's tempo and phase come from when not from the audio beat clock: MIDI clock from a
// DAW or drum machine, or an Ableton Link session. Read by the output clock every tick: non-blocking,
// no allocation.
#pragma once
#include <chrono>

#include "live/link_clock.h"
#include "live/midi_input.h"

namespace e2m::live {

class TempoSource {
 public:
  virtual ~TempoSource() = default;
  // False while the source has no tempo (MIDI clock stopped, no Link session yet): the audio clock's
  // values stay in the frame then.
  virtual bool read(std::chrono::steady_clock::time_point t, float& bpm, float& phase) noexcept = 0;
};

class MidiTempo : public TempoSource {
 public:
  explicit MidiTempo(const MidiClock& clock) : clock_(clock) {}
  bool read(std::chrono::steady_clock::time_point t, float& bpm, float& phase) noexcept override {
    if (!clock_.running() || clock_.tempo_bpm() <= 0) return false;
    bpm = float(clock_.tempo_bpm());
    phase = float(clock_.phase_at(t));
    return true;
  }

 private:
  const MidiClock& clock_;
};

class LinkTempo : public TempoSource {
 public:
  explicit LinkTempo(LinkClock& link) : link_(link) {}
  bool read(std::chrono::steady_clock::time_point t, float& bpm, float& phase) noexcept override {
    const LinkBeat b = link_.read_rt(t);
    if (!b.valid) return false;
    bpm = float(b.tempo_bpm);
    phase = float(b.beat_phase);
    return true;
  }

 private:
  LinkClock& link_;
};

}  // namespace e2m::live
