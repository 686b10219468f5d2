// LinkClock: ableton::Link behind a small interface, with steady-clock times and a guarded
// real-time capture.
#include "live/link_clock.h"

#include <ableton/Link.hpp>
#include <cmath>
#include <string>

#include "motion/error.h"

namespace e2m::live {

namespace {

void check_bpm(double bpm, const char* what) {
  if (std::isfinite(bpm) && bpm >= LinkClock::kMinBpm && bpm <= LinkClock::kMaxBpm) return;
  throw Error(std::string("Link ") + what + ": expected a tempo of 20..999 BPM (got " + std::to_string(bpm) +
              ")");
}

void check_quantum(double q) {
  if (std::isfinite(q) && q > 0) return;
  throw Error("Link quantum: expected a number of beats > 0 (got " + std::to_string(q) + ")");
}

}  // namespace

struct LinkClock::Impl {
  explicit Impl(double bpm) : link(bpm) {}
  ableton::Link link;

  // steady_clock time -> Link clock time (CLOCK_MONOTONIC -> CLOCK_MONOTONIC_RAW), offset taken now.
  std::chrono::microseconds host_time(std::chrono::steady_clock::time_point t) const noexcept {
    const auto link_now = link.clock().micros();
    const auto ahead = t - std::chrono::steady_clock::now();
    return link_now + std::chrono::duration_cast<std::chrono::microseconds>(ahead);
  }

  LinkBeat beat_at(const ableton::Link::SessionState& state, std::chrono::microseconds at,
                   double quantum) const noexcept {
    LinkBeat b;
    b.valid = true;
    b.tempo_bpm = state.tempo();
    b.beat = state.beatAtTime(at, quantum);
    // phaseAtTime(t, 1) is the beat's fraction, negative beats included (Link.hpp).
    b.beat_phase = state.phaseAtTime(at, 1.0);
    b.bar_phase = state.phaseAtTime(at, quantum) / quantum;
    if (b.bar_phase >= 1.0) b.bar_phase = 0.0;  // rounding at the very end of the cycle
    if (b.beat_phase >= 1.0) b.beat_phase = 0.0;
    b.peers = link.numPeers();
    return b;
  }
};

LinkClock::LinkClock(double bpm, double quantum) : quantum_(quantum) {
  check_bpm(bpm, "start tempo");
  check_quantum(quantum);
  impl_ = std::make_unique<Impl>(bpm);
}

LinkClock::~LinkClock() {
  if (impl_) impl_->link.enable(false);
}

void LinkClock::enable(bool on) { impl_->link.enable(on); }
bool LinkClock::enabled() const noexcept { return impl_->link.isEnabled(); }
std::size_t LinkClock::peers() const noexcept { return impl_->link.numPeers(); }

void LinkClock::set_quantum(double q) {
  check_quantum(q);
  quantum_.store(q, std::memory_order_relaxed);
}

LinkBeat LinkClock::read(std::chrono::steady_clock::time_point t) const {
  const auto state = impl_->link.captureAppSessionState();
  return impl_->beat_at(state, impl_->host_time(t), quantum());
}

double LinkClock::tempo_bpm() const { return impl_->link.captureAppSessionState().tempo(); }

void LinkClock::propose_tempo(double bpm) {
  check_bpm(bpm, "tempo");
  auto state = impl_->link.captureAppSessionState();
  state.setTempo(bpm, impl_->link.clock().micros());
  impl_->link.commitAppSessionState(state);
}

LinkBeat LinkClock::read_rt(std::chrono::steady_clock::time_point t) noexcept {
  // captureAudioSessionState is single-threaded inside Link (a triple buffer with one reader).
  if (rt_busy_.exchange(true, std::memory_order_acquire)) {
    rt_collisions_.fetch_add(1, std::memory_order_relaxed);
    return {};
  }
  const auto state = impl_->link.captureAudioSessionState();
  const LinkBeat b = impl_->beat_at(state, impl_->host_time(t), quantum());
  rt_busy_.store(false, std::memory_order_release);
  return b;
}

}  // namespace e2m::live
