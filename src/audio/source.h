// Audio sources behind one interface, named by one option everywhere:
//   --input device[:NAME|INDEX] | file:PATH | play:PATH | synth[:BPM]
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "audio/capture_ring.h"

namespace e2m::audio {

// Counters of a realtime source. The source keeps each as an atomic, so stats() may be called from any
// thread while it runs (each field is current; together they are not one instant).
struct SourceStats {
  uint64_t frames_written = 0;      // frames the callback delivered (stored or dropped)
  uint64_t frames_dropped = 0;      // frames the callback could not store: the reader fell behind
  uint64_t overruns = 0;            // callbacks that dropped anything
  uint64_t frames_lost = 0;         // gaps the reader met in the stream index (drops and device outages)
  uint64_t gaps = 0;                // how many such gaps
  uint64_t frames_skipped = 0;      // frames the reader skipped after an overrun to catch up
  uint64_t device_errors = 0;       // host overflow/underflow reports (xruns) and device losses
  uint64_t device_lost = 0;         // times the device stopped or vanished
  uint64_t reopens = 0;             // times it was opened again after that
  bool device_up = true;            // delivering now (false while a lost device is being reopened)
  size_t capacity_frames = 0;       // capture ring capacity in samples
  int64_t last_block_write_ns = 0;  // steady clock of the newest block taken by read()
};

struct SourceOptions {
  bool pace = false;            // file/synth: deliver at real-time speed (live use)
  double synth_seconds = 32.0;  // synth without pace: length of the demo track
  int frames_per_buffer = 256;  // PortAudio buffer size (a JACK server's period is its own)
  double ring_seconds = 2.0;    // capture ring capacity, in seconds of samples at the device rate
  // After an overrun the reader skips to audio at most this old (relative to the newest sample) rather
  // than staying seconds behind; <= 0 keeps every stored sample.
  double max_backlog_seconds = 0.25;
  double stall_seconds = 1.0;   // a started device that delivers nothing for this long is lost
  double reopen_seconds = 1.0;  // how often a lost device is tried again
  std::string output_device;    // play: output device (name or index, empty = default)
  // Called at the entry (true) and exit (false) of every real-time callback, on the callback thread.
  // Used by tests to count allocations made there; must itself be real-time safe.
  void (*callback_probe)(bool enter) = nullptr;
};

class AudioSource {
 public:
  virtual ~AudioSource() = default;
  virtual int sample_rate() const = 0;
  virtual std::string describe() const = 0;
  // Realtime sources start their stream here; others do nothing. A capture device that cannot start
  // does not throw: it counts as lost and is retried (stats().device_up).
  virtual void start() {}
  virtual void stop() {}
  // Mono samples. Waits up to `wait` when nothing is ready; returns 0 then (check finished()). The
  // samples of one read are contiguous in the stream: a read stops before a gap. A capture device that
  // is gone makes read() return 0 (finished() stays false) until it is back; it never throws then.
  virtual size_t read(float* out, size_t max, std::chrono::milliseconds wait) = 0;
  // What the last read() returned: stream index and timestamps of out[0], and what was missing before
  // it. Reader thread only.
  virtual ReadInfo last_read() const { return {}; }
  // True when no more samples will come (end of file / track / playback; never for a capture device).
  virtual bool finished() const = 0;
  virtual bool realtime() const { return false; }
  // Any thread.
  virtual SourceStats stats() const { return {}; }
};

// Parses the spec and opens the source; throws e2m::Error with a clear message (unknown spec,
// missing file, no audio device).
std::unique_ptr<AudioSource> open_source(std::string_view spec, const SourceOptions& opt = {});

struct DeviceInfo {
  int index = 0;
  std::string name;
  std::string host_api;
  int max_input_channels = 0;
  int max_output_channels = 0;
  double default_sample_rate = 0;
  bool default_input = false, default_output = false;
};

// Every device PortAudio sees (empty when there is none).
std::vector<DeviceInfo> list_devices();
// Host APIs PortAudio was built with and could start (e.g. "ALSA", "JACK Audio Connection Kit").
std::vector<std::string> host_apis();

// Help text for --input, shared by every command that takes it.
inline constexpr const char* kInputHelp =
    "audio input: device[:NAME|INDEX] (capture), file:PATH (wav/flac/ogg/mp3), play:PATH (play to the "
    "output device while analysing), synth[:BPM] (the built-in demo track)";

}  // namespace e2m::audio
