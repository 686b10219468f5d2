// What the output clock hands to every output each tick (VMC, VJ OSC, the BVH recorder, the monitor):
// a fixed-size value, so a tick neither allocates nor waits.
#pragma once
#include <array>
#include <atomic>
#include <cstdint>

#include "audio/features.h"
#include "motion/pose.h"

namespace e2m::live {

// The audio analysis as of the newest feature frame (published by the feature thread).
struct AnalysisState {
  int64_t frame = -1;      // feature frame index (30 fps), -1 before the first
  int64_t beat_count = 0;  // beats since the start
  float onset = 0;         // onset envelope of the newest frame
  bool onset_peak = false;
  float tempo_bpm = 0, phase = 0, confidence = 0;
  float level = 0;  // RMS of the newest frame's samples
  // The newest frame's timbre and harmony (the monitor's history panels).
  std::array<float, audio::kFeatChroma - audio::kFeatMfcc> mfcc{};
  std::array<float, audio::kFeatOnsetPeak - audio::kFeatChroma> chroma{};
};

struct OutputFrame {
  int64_t tick = 0;   // output tick index
  double time_s = 0;  // seconds since the engine started (the tick's scheduled time)
  motion::PoseFrame pose;
  AnalysisState analysis;
  bool root_lock = false;
};

class OutputSink {
 public:
  virtual ~OutputSink() = default;
  // Output clock thread: must not allocate, lock, log or throw.
  virtual void send(const OutputFrame& frame) noexcept = 0;
  // Feature thread, as soon as an onset peak is found (about 11 ms after it, not at the next tick):
  // strength and the onset's time on the stream (seconds since the audio started). Default: ignore.
  virtual void onset(float strength, double stream_time_s) noexcept {
    (void)strength;
    (void)stream_time_s;
  }
};

// An output the performer can stop and resume while the show runs (the monitor's "stop" button on a
// destination given at start): the clock keeps calling it, and while `on` is false it passes nothing on.
class GatedSink final : public OutputSink {
 public:
  explicit GatedSink(OutputSink& inner) : inner_(inner) {}
  std::atomic<bool> on{true};
  void send(const OutputFrame& frame) noexcept override {
    if (on.load(std::memory_order_acquire)) inner_.send(frame);
  }
  void onset(float strength, double stream_time_s) noexcept override {
    if (on.load(std::memory_order_acquire)) inner_.onset(strength, stream_time_s);
  }

 private:
  OutputSink& inner_;
};

}  // namespace e2m::live
