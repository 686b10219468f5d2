// PortAudio capture and play-through sources. Their callbacks only copy into the CaptureRing (and,
// for play, out of a preloaded buffer): no allocation, lock, logging or exception there.
#include <alsa/asoundlib.h>
#include <jack/jack.h>
#include <portaudio.h>
#include <samplerate.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

#include "audio/audio_file.h"
#include "audio/capture_ring.h"
#include "audio/source.h"
#include "motion/error.h"

namespace e2m::audio {
namespace {

// Probing host APIs makes ALSA and libjack print errors for every missing card or server; they are
// expected here, so hide them while PortAudio starts.
void quiet_alsa(const char*, int, const char*, int, const char*, ...) {}
void quiet_jack(const char*) {}
void loud_jack(const char* msg) { std::fprintf(stderr, "jack: %s\n", msg); }

// Pa_Initialize/Pa_Terminate are reference counted by PortAudio itself; this keeps one init per object.
class PaSession {
 public:
  PaSession() {
    static std::mutex m;
    std::lock_guard<std::mutex> lock(m);
    snd_lib_error_set_handler(quiet_alsa);
    jack_set_error_function(quiet_jack);
    jack_set_info_function(quiet_jack);
    err_ = Pa_Initialize();
    jack_set_error_function(loud_jack);
    if (err_ != paNoError) {
      throw Error(std::string("audio: PortAudio failed to start: ") + Pa_GetErrorText(err_));
    }
  }
  ~PaSession() {
    if (err_ == paNoError) Pa_Terminate();
  }
  PaSession(const PaSession&) = delete;
  PaSession& operator=(const PaSession&) = delete;

 private:
  PaError err_;
};

std::string lower(std::string s) {
  for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string host_list() {
  std::string s;
  for (int i = 0; i < Pa_GetHostApiCount(); ++i) {
    const PaHostApiInfo* h = Pa_GetHostApiInfo(i);
    if (!h) continue;
    if (!s.empty()) s += ", ";
    s += h->name;
  }
  return s.empty() ? "none" : s;
}

// Finds a device by index, exact name, or case-insensitive substring, among devices with channels
// in the wanted direction. Empty `want` = the default device.
PaDeviceIndex find_device(const std::string& want, bool input) {
  const int count = Pa_GetDeviceCount();
  auto channels = [&](int i) {
    const PaDeviceInfo* d = Pa_GetDeviceInfo(i);
    return d ? (input ? d->maxInputChannels : d->maxOutputChannels) : 0;
  };
  const char* dir = input ? "input" : "output";
  const std::string fallback =
      "Connect an audio interface or start JACK, or use --input file:PATH, play:PATH or synth; "
      "'e2m devices' lists what PortAudio sees";
  int usable = 0;
  for (int i = 0; i < count; ++i) usable += channels(i) > 0;
  if (usable == 0) {
    throw Error(std::string("no audio ") + dir + " device: PortAudio found " +
                std::to_string(std::max(count, 0)) + " device(s), none with " + dir +
                " channels (host APIs: " + host_list() + "). " + fallback);
  }
  if (want.empty()) {
    PaDeviceIndex d = input ? Pa_GetDefaultInputDevice() : Pa_GetDefaultOutputDevice();
    if (d != paNoDevice && channels(d) > 0) return d;
    for (int i = 0; i < count; ++i)
      if (channels(i) > 0) return i;
  }
  if (!want.empty() &&
      std::all_of(want.begin(), want.end(), [](char c) { return std::isdigit(uint8_t(c)); })) {
    const int i = std::stoi(want);
    if (i < 0 || i >= count) {
      throw Error("audio device index " + want + " is out of range (0.." + std::to_string(count - 1) + "); " +
                  fallback);
    }
    if (channels(i) == 0) throw Error("audio device " + want + " has no " + dir + " channels");
    return i;
  }
  for (int i = 0; i < count; ++i)
    if (channels(i) > 0 && Pa_GetDeviceInfo(i)->name == want) return i;
  for (int i = 0; i < count; ++i)
    if (channels(i) > 0 && lower(Pa_GetDeviceInfo(i)->name).find(lower(want)) != std::string::npos) return i;
  throw Error("no audio " + std::string(dir) + " device matches '" + want + "' (" + std::to_string(usable) +
              " " + dir + " device(s) present). " + fallback);
}

void check(PaError e, const std::string& what) {
  if (e != paNoError) throw Error("audio: " + what + ": " + Pa_GetErrorText(e));
}

// Shared by capture and play: the ring, the stream, and the reader side.
class PaSourceBase : public AudioSource {
 public:
  PaSourceBase(const SourceOptions& opt, double rate)
      : ring_(size_t(std::max(0.1, opt.ring_seconds) * rate)), probe_(opt.callback_probe), rate_(int(rate)) {}
  ~PaSourceBase() override { close(); }
  int sample_rate() const override { return rate_; }
  std::string describe() const override { return what_; }
  bool realtime() const override { return true; }
  void start() override {
    if (!started_) check(Pa_StartStream(stream_), "cannot start the stream on " + what_);
    started_ = true;
  }
  void stop() override {
    if (stream_ && started_) Pa_StopStream(stream_);
    started_ = false;
  }
  size_t read(float* out, size_t max, std::chrono::milliseconds wait) override {
    if (!started_) start();
    const auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
      const size_t n = ring_.read(out, max);
      if (n > 0 || std::chrono::steady_clock::now() >= deadline || finished()) return n;
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
  }
  bool finished() const override { return started_ && Pa_IsStreamActive(stream_) != 1; }
  SourceStats stats() const override {
    SourceStats s;
    s.frames_written = ring_.frames_written();
    s.frames_dropped = ring_.frames_dropped();
    s.overruns = ring_.overruns();
    s.device_errors = device_errors_.load(std::memory_order_relaxed);
    s.last_block_write_ns = ring_.last_read_write_ns();
    return s;
  }

 protected:
  void close() {
    if (stream_) {
      Pa_AbortStream(stream_);
      Pa_CloseStream(stream_);
      stream_ = nullptr;
    }
  }
  PaSession session_;
  CaptureRing ring_;
  void (*probe_)(bool);
  int rate_;
  PaStream* stream_ = nullptr;
  bool started_ = false;
  std::string what_;
  std::atomic<uint64_t> device_errors_{0};
};

class CaptureSource final : public PaSourceBase {
 public:
  CaptureSource(PaDeviceIndex dev, const SourceOptions& opt)
      : PaSourceBase(opt, Pa_GetDeviceInfo(dev)->defaultSampleRate) {
    const PaDeviceInfo* info = Pa_GetDeviceInfo(dev);
    channels_ = std::min(2, info->maxInputChannels);
    PaStreamParameters in{};
    in.device = dev;
    in.channelCount = channels_;
    in.sampleFormat = paFloat32;
    in.suggestedLatency = info->defaultLowInputLatency;
    what_ = std::string("device: ") + info->name + " (" + Pa_GetHostApiInfo(info->hostApi)->name + ", " +
            std::to_string(channels_) + " ch, " + std::to_string(rate_) + " Hz)";
    check(Pa_OpenStream(&stream_, &in, nullptr, rate_, unsigned(opt.frames_per_buffer), paNoFlag, &callback,
                        this),
          "cannot open " + what_);
  }
  ~CaptureSource() override { close(); }

 private:
  static int callback(const void* input, void*, unsigned long frames, const PaStreamCallbackTimeInfo*,
                      PaStreamCallbackFlags flags, void* user) {
    auto* self = static_cast<CaptureSource*>(user);
    if (self->probe_) self->probe_(true);
    self->ring_.write(static_cast<const float*>(input), frames, self->channels_);
    if (flags & paInputOverflow) self->device_errors_.fetch_add(1, std::memory_order_relaxed);
    if (self->probe_) self->probe_(false);
    return paContinue;
  }
  int channels_ = 1;
};

// Plays a preloaded file to an output device and hands the same samples to the analysis.
class PlaySource final : public PaSourceBase {
 public:
  PlaySource(PaDeviceIndex dev, InterleavedAudio audio, double rate, const std::filesystem::path& path,
             const SourceOptions& opt)
      : PaSourceBase(opt, rate), audio_(std::move(audio)) {
    const PaDeviceInfo* info = Pa_GetDeviceInfo(dev);
    out_channels_ = std::min(std::max(audio_.channels, 2), info->maxOutputChannels);
    frames_ = audio_.samples.size() / size_t(audio_.channels);
    PaStreamParameters out{};
    out.device = dev;
    out.channelCount = out_channels_;
    out.sampleFormat = paFloat32;
    out.suggestedLatency = info->defaultLowOutputLatency;
    what_ = "play: " + path.string() + " -> " + info->name + " (" + Pa_GetHostApiInfo(info->hostApi)->name +
            ", " + std::to_string(rate_) + " Hz)";
    check(Pa_OpenStream(&stream_, nullptr, &out, rate_, unsigned(opt.frames_per_buffer), paNoFlag, &callback,
                        this),
          "cannot open " + what_);
  }
  ~PlaySource() override { close(); }  // stop the callback before audio_ goes away
  bool finished() const override {
    return done_.load(std::memory_order_acquire) && ring_.frames_written() > 0 && PaSourceBase::finished();
  }

 private:
  static int callback(const void*, void* output, unsigned long frames, const PaStreamCallbackTimeInfo*,
                      PaStreamCallbackFlags flags, void* user) {
    auto* self = static_cast<PlaySource*>(user);
    if (self->probe_) self->probe_(true);
    float* out = static_cast<float*>(output);
    const int in_ch = self->audio_.channels, out_ch = self->out_channels_;
    const size_t left = self->frames_ - std::min(self->frames_, self->pos_);
    const size_t n = std::min<size_t>(frames, left);
    const float* src = self->audio_.samples.data() + self->pos_ * size_t(in_ch);
    for (size_t i = 0; i < n; ++i)
      for (int c = 0; c < out_ch; ++c)
        out[i * size_t(out_ch) + size_t(c)] = src[i * size_t(in_ch) + size_t(c % in_ch)];
    std::fill(out + n * size_t(out_ch), out + frames * size_t(out_ch), 0.0f);
    if (n > 0) self->ring_.write(src, n, in_ch);
    self->pos_ += n;
    if (flags & paOutputUnderflow) self->device_errors_.fetch_add(1, std::memory_order_relaxed);
    const bool end = self->pos_ >= self->frames_;
    if (end) self->done_.store(true, std::memory_order_release);
    if (self->probe_) self->probe_(false);
    return end ? paComplete : paContinue;
  }
  InterleavedAudio audio_;
  int out_channels_ = 2;
  size_t frames_ = 0, pos_ = 0;
  std::atomic<bool> done_{false};
};

InterleavedAudio resample_interleaved(InterleavedAudio a, int rate) {
  if (a.sample_rate == rate || a.samples.empty()) return a;
  const double ratio = double(rate) / a.sample_rate;
  const long in_frames = long(a.samples.size() / size_t(a.channels));
  std::vector<float> out(size_t(double(in_frames) * ratio + 16) * size_t(a.channels));
  SRC_DATA d{};
  d.data_in = a.samples.data();
  d.input_frames = in_frames;
  d.data_out = out.data();
  d.output_frames = long(out.size() / size_t(a.channels));
  d.src_ratio = ratio;
  const int err = src_simple(&d, SRC_SINC_MEDIUM_QUALITY, a.channels);
  if (err) throw Error(std::string("audio: resampling for playback failed: ") + src_strerror(err));
  out.resize(size_t(d.output_frames_gen) * size_t(a.channels));
  a.samples = std::move(out);
  a.sample_rate = rate;
  return a;
}

}  // namespace

std::unique_ptr<AudioSource> open_capture(const std::string& device, const SourceOptions& opt) {
  PaSession session;  // keeps PortAudio up while the device is looked up
  const PaDeviceIndex dev = find_device(device, true);
  return std::make_unique<CaptureSource>(dev, opt);
}

std::unique_ptr<AudioSource> open_play(const std::filesystem::path& path, const SourceOptions& opt) {
  InterleavedAudio audio = read_audio_file_interleaved(path);
  if (audio.samples.empty()) throw Error(path.string() + ": no audio samples");
  PaSession session;
  const PaDeviceIndex dev = find_device(opt.output_device, false);
  const PaDeviceInfo* info = Pa_GetDeviceInfo(dev);
  // Play at the file's rate when the device takes it, else at the device's rate.
  PaStreamParameters out{};
  out.device = dev;
  out.channelCount = std::min(std::max(audio.channels, 2), info->maxOutputChannels);
  out.sampleFormat = paFloat32;
  out.suggestedLatency = info->defaultLowOutputLatency;
  double rate = audio.sample_rate;
  if (Pa_IsFormatSupported(nullptr, &out, rate) != paFormatIsSupported) rate = info->defaultSampleRate;
  audio = resample_interleaved(std::move(audio), int(rate));
  return std::make_unique<PlaySource>(dev, std::move(audio), rate, path, opt);
}

std::vector<DeviceInfo> list_devices() {
  PaSession session;
  std::vector<DeviceInfo> out;
  const PaDeviceIndex def_in = Pa_GetDefaultInputDevice(), def_out = Pa_GetDefaultOutputDevice();
  for (int i = 0; i < Pa_GetDeviceCount(); ++i) {
    const PaDeviceInfo* d = Pa_GetDeviceInfo(i);
    if (!d) continue;
    DeviceInfo di;
    di.index = i;
    di.name = d->name;
    const PaHostApiInfo* h = Pa_GetHostApiInfo(d->hostApi);
    di.host_api = h ? h->name : "?";
    di.max_input_channels = d->maxInputChannels;
    di.max_output_channels = d->maxOutputChannels;
    di.default_sample_rate = d->defaultSampleRate;
    di.default_input = i == def_in;
    di.default_output = i == def_out;
    out.push_back(std::move(di));
  }
  return out;
}

std::vector<std::string> host_apis() {
  PaSession session;
  std::vector<std::string> out;
  for (int i = 0; i < Pa_GetHostApiCount(); ++i)
    if (const PaHostApiInfo* h = Pa_GetHostApiInfo(i)) out.push_back(h->name);
  return out;
}

}  // namespace e2m::audio
