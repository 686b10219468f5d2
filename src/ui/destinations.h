// OSC destinations the performer adds and removes from the monitor while the show runs. The set is
// one OutputSink the engine holds from the start; each destination sits in a preallocated slot.
//
// Real time: send() and onset() (output clock and feature threads) only read a slot's atomics and
// call its output, which never allocates (net/live_outputs.h). The UI thread builds an output while
// its slot is off and switches it on with a release store; to remove one it switches the slot off
// and waits (on the UI thread, never on a real-time one) until no send is inside it before freeing.
#pragma once
#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "live/output_sink.h"
#include "live/preset.h"
#include "net/live_outputs.h"

namespace e2m::ui {

enum class DestinationKind { kVmc, kVj };

struct DestinationSpec {
  DestinationKind kind = DestinationKind::kVmc;
  std::string host_port;  // "HOST:PORT"
  net::VmcOptions vmc;
  net::VjOptions vj;
};

struct DestinationInfo {
  int slot = -1;
  DestinationSpec spec;
  net::SenderStats stats;
};

// "VMC 127.0.0.1:39539" or "VJ OSC 127.0.0.1:7000".
std::string describe(const DestinationSpec& spec);
// Destinations of a "vmc" or "vj" preset (a VJ preset's scalar mappings are left out: the monitor
// adds pose layouts only); the other kinds give none.
std::vector<DestinationSpec> destinations_of(const live::Preset& preset);
// The VMC destinations as a "vmc" preset, to save (empty outputs when there is none).
live::VmcPreset vmc_preset_of(const std::vector<DestinationInfo>& destinations, const std::string& name);

class Destinations : public live::OutputSink {
 public:
  static constexpr int kSlots = 16;

  Destinations() = default;
  ~Destinations() override;
  Destinations(const Destinations&) = delete;
  Destinations& operator=(const Destinations&) = delete;

  // UI thread. Opens the destination's socket and starts sending to it; returns its slot. Throws
  // e2m::Error for an address that is not HOST:PORT or does not resolve, or when every slot is used.
  int add(const DestinationSpec& spec);
  // Stops sending to the slot and frees it (waits for a send in progress, at most one tick).
  void remove(int slot);
  std::vector<DestinationInfo> list() const;
  // One frame to the slot's address from the calling thread, through an output of its own (so the
  // slot's output stays the clock's alone). Returns false when the send failed.
  bool send_test_frame(int slot, const live::OutputFrame& frame) const;

  // Real-time side.
  void send(const live::OutputFrame& frame) noexcept override;
  void onset(float strength, double stream_time_s) noexcept override;

 private:
  struct Slot {
    std::unique_ptr<live::OutputSink> output;  // written by the UI thread only while `on` is false
    const net::Sender* sender = nullptr;
    DestinationSpec spec;
    std::atomic<bool> on{false};
    std::atomic<int> users{0};  // real-time calls inside this slot right now
  };

  std::array<Slot, kSlots> slots_;
};

}  // namespace e2m::ui
