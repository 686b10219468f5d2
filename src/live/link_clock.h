// LinkClock: tempo and beat phase from an Ableton Link session (peers on the local network share
// tempo and phase), so the dancer can follow a DJ or another Link app instead of the audio beat clock.
//
// Threads (Link's README, "Timelines and Threads", and the thread notes in ableton/Link.hpp):
// - read_rt() is for the output clock, a real-time thread that must not block. It captures with
//   captureAudioSessionState(), Link's realtime-safe capture, which is NOT thread-safe: Link allows
//   it from a single thread only. The output clock makes no audio, but it is our one real-time thread
//   with the audio thread's constraints, so it takes the audio role. A second thread calling read_rt
//   at the same time gets an invalid reading and is counted, not let into Link.
// - read(), tempo_bpm() and propose_tempo() are for application threads (UI, commands, tests):
//   captureAppSessionState() / commitAppSessionState(), thread-safe but they may block on a mutex.
//   Tempo changes are committed from application threads only: the output clock never commits, so
//   the two capture paths never race on a commit (Link advises against committing from both).
// - Link's own threads (discovery, measurement) are started by the constructor; enable() joins or
//   leaves the session on the network.
//
// Times are std::chrono::steady_clock (CLOCK_MONOTONIC); Link's clock on Linux is
// CLOCK_MONOTONIC_RAW. Each reading maps t through the offset between the two taken at that moment
// (two vDSO clock reads, no system call), which is exact to within NTP's slew over that offset.
#pragma once
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace e2m::live {

struct LinkBeat {
  bool valid = false;     // false only for a read_rt that collided with another thread
  double tempo_bpm = 0;   // session tempo
  double beat = 0;        // this peer's beat at t: its phase is shared, its magnitude is not
  double beat_phase = 0;  // [0, 1): position within the beat, shared by the session
  double bar_phase = 0;   // [0, 1): position within the quantum (Link phaseAtTime(t, q) / q)
  std::size_t peers = 0;  // other peers in the session
};

class LinkClock {
 public:
  // Link's own tempo range (ableton/link/ClientSessionTimelines.hpp clamps to it).
  static constexpr double kMinBpm = 20.0, kMaxBpm = 999.0;

  // bpm: the tempo this peer starts with (on joining a session the session's tempo wins: Link
  // resets on enable so a new peer never hijacks a running session). quantum: beats per phase cycle,
  // 4 for a 4/4 bar (peers with the same quantum share bar phase), 1 for beats only. Starts
  // disabled (no network traffic). Throws e2m::Error for a bpm outside 20..999 or quantum <= 0.
  explicit LinkClock(double bpm = 120.0, double quantum = 4.0);
  ~LinkClock();
  LinkClock(const LinkClock&) = delete;
  LinkClock& operator=(const LinkClock&) = delete;

  // Join (true) or leave (false) the session. Not real-time safe.
  void enable(bool on);
  bool enabled() const noexcept;
  // Other peers in the session. Real-time safe, any thread (Link: numPeers).
  std::size_t peers() const noexcept;

  double quantum() const noexcept { return quantum_.load(std::memory_order_relaxed); }
  // Throws e2m::Error when q <= 0 or not finite. Takes effect on the next reading.
  void set_quantum(double q);

  // Application threads; may block briefly.
  LinkBeat read(std::chrono::steady_clock::time_point t) const;
  double tempo_bpm() const;
  // Proposes a tempo to the whole session from now on; every peer adopts the last one proposed.
  // Throws e2m::Error outside 20..999 BPM.
  void propose_tempo(double bpm);

  // The output clock thread only (see the top of this file): never blocks, allocates or throws.
  LinkBeat read_rt(std::chrono::steady_clock::time_point t) noexcept;
  int64_t rt_collisions() const noexcept { return rt_collisions_.load(std::memory_order_relaxed); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<double> quantum_;
  std::atomic<bool> rt_busy_{false};
  std::atomic<int64_t> rt_collisions_{0};
};

}  // namespace e2m::live
