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

namespace e2m::audio {

struct SourceStats {
  uint64_t frames_written = 0;      // frames the callback delivered
  uint64_t frames_dropped = 0;      // frames lost because the reader fell behind
  uint64_t overruns = 0;            // callbacks that dropped anything
  uint64_t device_errors = 0;       // PortAudio input overflow / output underflow flags
  int64_t last_block_write_ns = 0;  // steady clock of the newest block taken by read()
};

struct SourceOptions {
  bool pace = false;            // file/synth: deliver at real-time speed (live use)
  double synth_seconds = 32.0;  // synth without pace: length of the demo track
  int frames_per_buffer = 256;  // device buffer size
  double ring_seconds = 2.0;    // capture ring capacity
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
  // Realtime sources start their stream here; others do nothing.
  virtual void start() {}
  virtual void stop() {}
  // Mono samples. Waits up to `wait` when nothing is ready; returns 0 then (check finished()).
  virtual size_t read(float* out, size_t max, std::chrono::milliseconds wait) = 0;
  // True when no more samples will come (end of file / track / playback).
  virtual bool finished() const = 0;
  virtual bool realtime() const { return false; }
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
