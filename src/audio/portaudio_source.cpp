// Device sources: capture (PortAudio, or libjack directly for JACK devices) that survives a device
// vanishing and coming back, and PortAudio play-through. Their callbacks only copy into the CaptureRing
// and record timestamps: no allocation, lock, logging or exception there.
//
// Why JACK devices bypass PortAudio: PortAudio opens one JACK client in Pa_Initialize and keeps it, so
// reaching a restarted server needs a Pa_Terminate/Pa_Initialize cycle, and PortAudio 19.6 (Debian 12)
// cannot do that cycle once its server died: Pa_AbortStream, Pa_StopStream and Pa_CloseStream on the
// dead stream wait 10 minutes in pa_jack.c's RealStop for a process thread that no longer exists, and
// Pa_Terminate (even with no stream open) aborts the process on an assertion after jack_deactivate
// fails. A libjack client of our own is simply closed and opened again.
#include <alsa/asoundlib.h>
#include <jack/jack.h>
#include <portaudio.h>
#include <samplerate.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "audio/audio_file.h"
#include "audio/capture_ring.h"
#include "audio/source.h"
#include "motion/error.h"

namespace e2m::audio {
namespace {

// Probing host APIs makes ALSA and libjack print errors for every missing card or server; they are
// expected here, so hide them while PortAudio starts or a client connects.
void quiet_alsa(const char*, int, const char*, int, const char*, ...) {}
void quiet_jack(const char*) {}
void loud_jack(const char* msg) { std::fprintf(stderr, "jack: %s\n", msg); }

// Neither PortAudio nor libjack's global error hooks are thread-safe: every control call (open, start,
// stop, close, device lists) from any thread holds this. Never taken on a real-time callback.
std::recursive_mutex& control_mutex() {
  static std::recursive_mutex m;
  return m;
}
using ControlLock = std::lock_guard<std::recursive_mutex>;

// libjack (jackd2 1.9.21) frees every client of a server that has died as soon as any client is
// opened in the process (JackLibGlobals::Init: "Jack server was closed but clients are still
// allocated, cleanup..."), and a handle closed after that is closed twice: SIGSEGV in
// jack_client_close. So every JACK client this file opens (Pa_Initialize opens one too) is opened
// after our own clients of a dead server are closed, and a shutdown notice has the supervisor close
// its client at its next poll. Under control_mutex().
void close_dead_jack_clients() noexcept;

// One Pa_Initialize per object (PortAudio reference-counts them itself).
class PaSession {
 public:
  PaSession() {
    ControlLock lock(control_mutex());
    close_dead_jack_clients();
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
    ControlLock lock(control_mutex());
    if (err_ == paNoError && !abandoned_) Pa_Terminate();
  }
  // After the JACK server under one of its streams died, PortAudio can be neither stopped nor
  // terminated (see the top of this file): it stays initialised for the rest of the process.
  void abandon() { abandoned_ = true; }
  PaSession(const PaSession&) = delete;
  PaSession& operator=(const PaSession&) = delete;

 private:
  PaError err_;
  bool abandoned_ = false;
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

int device_channels(int i, bool input) {
  const PaDeviceInfo* d = Pa_GetDeviceInfo(i);
  return d ? (input ? d->maxInputChannels : d->maxOutputChannels) : 0;
}

const char* kNoDeviceHelp =
    "Connect an audio interface or start JACK, or use --input file:PATH, play:PATH or synth; "
    "'e2m devices' lists what PortAudio sees";

PaDeviceIndex find_device_by_index(const std::string& want, bool input) {
  const int count = Pa_GetDeviceCount();
  const int i = std::stoi(want);
  if (i < 0 || i >= count) {
    throw Error("audio device index " + want + " is out of range (0.." + std::to_string(count - 1) + "); " +
                kNoDeviceHelp);
  }
  if (device_channels(i, input) == 0)
    throw Error("audio device " + want + " has no " + (input ? "input" : "output") + " channels");
  return i;
}

// Finds a device by index, exact name, or case-insensitive substring, among devices with channels
// in the wanted direction. Empty `want` = the default device.
PaDeviceIndex find_device(const std::string& want, bool input) {
  const int count = Pa_GetDeviceCount();
  const char* dir = input ? "input" : "output";
  int usable = 0;
  for (int i = 0; i < count; ++i) usable += device_channels(i, input) > 0;
  if (usable == 0) {
    throw Error(std::string("no audio ") + dir + " device: PortAudio found " +
                std::to_string(std::max(count, 0)) + " device(s), none with " + dir +
                " channels (host APIs: " + host_list() + "). " + kNoDeviceHelp);
  }
  if (want.empty()) {
    PaDeviceIndex d = input ? Pa_GetDefaultInputDevice() : Pa_GetDefaultOutputDevice();
    if (d != paNoDevice && device_channels(d, input) > 0) return d;
    for (int i = 0; i < count; ++i)
      if (device_channels(i, input) > 0) return i;
  }
  if (!want.empty() && std::all_of(want.begin(), want.end(), [](char c) { return std::isdigit(uint8_t(c)); }))
    return find_device_by_index(want, input);
  for (int i = 0; i < count; ++i)
    if (device_channels(i, input) > 0 && Pa_GetDeviceInfo(i)->name == want) return i;
  for (int i = 0; i < count; ++i)
    if (device_channels(i, input) > 0 &&
        lower(Pa_GetDeviceInfo(i)->name).find(lower(want)) != std::string::npos)
      return i;
  throw Error("no audio " + std::string(dir) + " device matches '" + want + "' (" + std::to_string(usable) +
              " " + dir + " device(s) present). " + kNoDeviceHelp);
}

void check(PaError e, const std::string& what) {
  if (e != paNoError) throw Error("audio: " + what + ": " + Pa_GetErrorText(e));
}

// Where a capture callback delivers: the ring, the test probe, and the host's overflow reports.
struct CaptureSink {
  CaptureRing* ring = nullptr;
  void (*probe)(bool) = nullptr;
  std::atomic<uint64_t>* host_errors = nullptr;
};

// A PortAudio block's stamp: the first sample's age at the callback (currentTime - inputBufferAdcTime,
// both on PortAudio's stream clock, whose base differs between host APIs) is the same on the steady clock.
BlockStamp pa_stamp(double host_now, double host_adc, unsigned long frames, double rate) {
  BlockStamp s;
  s.write_ns = steady_ns();
  if (host_adc > 0 && host_now >= host_adc) {
    s.host_adc_time = host_adc;
    s.adc_ns = s.write_ns - int64_t((host_now - host_adc) * 1e9);
  } else {  // no host timestamp: the block was at least its own length in the making
    s.adc_ns = s.write_ns - int64_t(double(frames) * 1e9 / rate);
  }
  return s;
}

// A capture device the supervisor can open, start, watch and close again, any number of times.
// Control calls run under control_mutex(); the callback writes into the attached sink.
class CaptureBackend {
 public:
  virtual ~CaptureBackend() = default;
  virtual void open() = 0;                          // throws Error when the device is not there
  virtual void start(const CaptureSink& sink) = 0;  // throws Error
  virtual void close() noexcept = 0;
  virtual bool is_open() const = 0;
  virtual bool failed() const = 0;  // the host says the stream died (the supervisor polls this)
  virtual void tick() {}            // called by the supervisor every poll while the device is up
  virtual double rate() const = 0;
  virtual std::string describe() const = 0;
};

// ---- PortAudio (ALSA, OSS, ...). Reopening re-initialises PortAudio so that a device plugged in again
// is enumerated again; it is found by name, since its index may have changed. (Another PaSession alive
// in the process keeps PortAudio's old device list.)
class PaBackend final : public CaptureBackend {
 public:
  PaBackend(std::string name, std::string host, int frames_per_buffer)
      : name_(std::move(name)), host_(std::move(host)), frames_per_buffer_(frames_per_buffer) {}
  ~PaBackend() override { close(); }
  void open() override;
  void start(const CaptureSink& sink) override {
    ControlLock lock(control_mutex());
    sink_ = sink;
    check(Pa_StartStream(stream_), "cannot start the stream on " + what_);
  }
  void close() noexcept override {
    ControlLock lock(control_mutex());
    if (stream_) {
      Pa_AbortStream(stream_);
      Pa_CloseStream(stream_);
      stream_ = nullptr;
    }
    session_.reset();
  }
  bool is_open() const override { return stream_ != nullptr; }
  bool failed() const override {
    ControlLock lock(control_mutex());
    return stream_ && Pa_IsStreamActive(stream_) != 1;
  }
  double rate() const override { return rate_; }
  std::string describe() const override { return what_; }

 private:
  static int callback(const void* input, void*, unsigned long frames, const PaStreamCallbackTimeInfo* t,
                      PaStreamCallbackFlags flags, void* user) {
    auto* self = static_cast<PaBackend*>(user);
    const CaptureSink& sink = self->sink_;
    if (sink.probe) sink.probe(true);
    const BlockStamp stamp =
        pa_stamp(t ? t->currentTime : 0, t ? t->inputBufferAdcTime : 0, frames, self->rate_);
    sink.ring->write(static_cast<const float*>(input), frames, self->channels_, stamp);
    if (flags & paInputOverflow) sink.host_errors->fetch_add(1, std::memory_order_relaxed);
    if (sink.probe) sink.probe(false);
    return paContinue;
  }
  PaDeviceIndex find() const;

  std::string name_, host_, what_;
  int frames_per_buffer_;
  std::optional<PaSession> session_;
  PaStream* stream_ = nullptr;
  CaptureSink sink_;
  double rate_ = 0;  // fixed by the first open: the ring and the reader count in it
  int channels_ = 1;
};

PaDeviceIndex PaBackend::find() const {
  for (int i = 0; i < Pa_GetDeviceCount(); ++i) {
    const PaDeviceInfo* d = Pa_GetDeviceInfo(i);
    const PaHostApiInfo* h = d ? Pa_GetHostApiInfo(d->hostApi) : nullptr;
    if (h && d->maxInputChannels > 0 && d->name == name_ && h->name == host_) return i;
  }
  throw Error("audio input device '" + name_ + "' (" + host_ + ") is not present");
}

void PaBackend::open() {
  ControlLock lock(control_mutex());
  close();
  session_.emplace();
  const PaDeviceIndex dev = find();
  const PaDeviceInfo* info = Pa_GetDeviceInfo(dev);
  if (rate_ == 0) rate_ = info->defaultSampleRate;
  channels_ = std::min(2, info->maxInputChannels);
  PaStreamParameters in{};
  in.device = dev;
  in.channelCount = channels_;
  in.sampleFormat = paFloat32;
  in.suggestedLatency = info->defaultLowInputLatency;
  what_ = "device: " + name_ + " (" + host_ + ", " + std::to_string(channels_) + " ch, " +
          std::to_string(int(rate_)) + " Hz)";
  check(Pa_OpenStream(&stream_, &in, nullptr, rate_, unsigned(frames_per_buffer_), paNoFlag, &callback, this),
        "cannot open " + what_);
}

// ---- JACK through libjack: client "e2m" with ports in_1, in_2 connected from the device's capture
// ports. The period (block size) is the server's.
class JackBackend final : public CaptureBackend {
 public:
  explicit JackBackend(std::string device) : device_(std::move(device)) {}
  ~JackBackend() override { close(); }
  void open() override;
  void start(const CaptureSink& sink) override;
  void close() noexcept override {
    ControlLock lock(control_mutex());
    if (!client_) return;
    jack_client_close(client_);  // also right after the server died: returns at once
    client_ = nullptr;
    std::erase(open_clients(), this);
  }
  // Our backends with a client open, to close those of a dead server before any other open.
  static std::vector<JackBackend*>& open_clients() {
    static std::vector<JackBackend*> all;
    return all;
  }
  // Under the lock: close_dead_jack_clients() may close this backend from another source's thread.
  bool is_open() const override {
    ControlLock lock(control_mutex());
    return client_ != nullptr;
  }
  bool failed() const override { return shut_down_.load(std::memory_order_acquire); }
  void tick() override { measure_clock(); }  // follows JACK's clock should it not be the steady one
  double rate() const override { return rate_; }
  std::string describe() const override { return what_; }

 private:
  static int process(jack_nframes_t frames, void* user);
  // libjack asks this callback to be as safe as a signal handler: it only sets a flag.
  static void on_shutdown(jack_status_t, const char*, void* user) {
    static_cast<JackBackend*>(user)->shut_down_.store(true, std::memory_order_release);
  }
  static int on_xrun(void* user) {
    auto* self = static_cast<JackBackend*>(user);
    if (self->sink_.host_errors) self->sink_.host_errors->fetch_add(1, std::memory_order_relaxed);
    return 0;
  }
  BlockStamp stamp(jack_nframes_t frames) const;
  void measure_clock();
  std::vector<std::string> source_ports() const;
  void connect(const std::vector<std::string>& from);

  std::string device_, what_;
  jack_client_t* client_ = nullptr;
  jack_port_t* ports_[2] = {nullptr, nullptr};
  int channels_ = 0;
  double rate_ = 0;            // fixed by the first open
  double latency_frames_ = 0;  // the device's capture latency
  std::atomic<int64_t> clock_offset_ns_{0};
  CaptureSink sink_;
  std::atomic<bool> shut_down_{false};
};

void close_dead_jack_clients() noexcept {
  ControlLock lock(control_mutex());
  const std::vector<JackBackend*> open = JackBackend::open_clients();  // close() edits the list
  for (JackBackend* b : open)
    if (b->failed()) b->close();
}

int JackBackend::process(jack_nframes_t frames, void* user) {
  auto* self = static_cast<JackBackend*>(user);
  const CaptureSink& sink = self->sink_;
  if (sink.probe) sink.probe(true);
  const float* planes[2];
  for (int c = 0; c < self->channels_; ++c)
    planes[c] = static_cast<const float*>(jack_port_get_buffer(self->ports_[c], frames));
  sink.ring->write_planar(planes, self->channels_, frames, self->stamp(frames));
  if (sink.probe) sink.probe(false);
  return 0;
}

// The buffer handed over at the start of this cycle was captured during the previous period. JACK's
// cycle start (its DLL-smoothed clock) moved onto the steady clock by a measured offset, not by reading
// both clocks here: a preemption between two reads would shift the stamp by its length.
BlockStamp JackBackend::stamp(jack_nframes_t frames) const {
  BlockStamp s;
  s.write_ns = steady_ns();
  jack_nframes_t cycle_frames;
  jack_time_t cycle_us = 0, next_us;
  float period_us;
  if (jack_get_cycle_times(client_, &cycle_frames, &cycle_us, &next_us, &period_us) == 0) {
    const double first_us = double(cycle_us) - (double(frames) + latency_frames_) * 1e6 / rate_;
    s.host_adc_time = first_us * 1e-6;
    s.adc_ns = int64_t(first_us * 1e3) + clock_offset_ns_.load(std::memory_order_relaxed);
  } else {
    s.adc_ns = s.write_ns - int64_t(double(frames) * 1e9 / rate_);
  }
  return s;
}

// Steady clock minus JACK's clock, from the closest-spaced of a few paired readings.
void JackBackend::measure_clock() {
  int64_t best_span = INT64_MAX, offset = 0;
  for (int i = 0; i < 5; ++i) {
    const int64_t before = steady_ns();
    const int64_t jack_ns = int64_t(jack_get_time()) * 1000;
    const int64_t after = steady_ns();
    if (after - before < best_span) {
      best_span = after - before;
      offset = before + (after - before) / 2 - jack_ns;
    }
  }
  clock_offset_ns_.store(offset, std::memory_order_relaxed);
}

// The device's capture ports (JACK's output ports of the client PortAudio listed as the device).
std::vector<std::string> JackBackend::source_ports() const {
  std::string pattern = "^";
  for (char c : device_) {
    if (!std::isalnum(uint8_t(c))) pattern += '\\';
    pattern += c;
  }
  pattern += ':';
  std::vector<std::string> out;
  if (const char** names =
          jack_get_ports(client_, pattern.c_str(), JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput)) {
    for (const char** p = names; *p; ++p) out.push_back(*p);
    jack_free(names);
  }
  return out;
}

void JackBackend::open() {
  ControlLock lock(control_mutex());
  close();
  close_dead_jack_clients();
  jack_set_error_function(quiet_jack);
  jack_status_t status;
  client_ = jack_client_open("e2m", JackNoStartServer, &status);
  jack_set_error_function(loud_jack);
  if (!client_) throw Error("audio: cannot reach the JACK server for device '" + device_ + "'");
  open_clients().push_back(this);
  shut_down_.store(false, std::memory_order_release);
  const double rate = jack_get_sample_rate(client_);
  if (rate_ != 0 && rate != rate_) {
    close();
    throw Error("audio: the JACK server now runs at " + std::to_string(int(rate)) + " Hz, not " +
                std::to_string(int(rate_)) + " Hz");
  }
  rate_ = rate;
  const auto from = source_ports();
  channels_ = std::min<int>(2, int(from.size()));
  if (channels_ == 0) {
    close();
    throw Error("audio: JACK device '" + device_ + "' has no capture ports");
  }
  for (int c = 0; c < channels_; ++c) {
    const std::string port = "in_" + std::to_string(c + 1);
    ports_[c] = jack_port_register(client_, port.c_str(), JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
    if (!ports_[c]) {
      close();
      throw Error("audio: cannot register JACK port " + port);
    }
  }
  jack_set_process_callback(client_, &process, this);
  jack_set_xrun_callback(client_, &on_xrun, this);
  jack_on_info_shutdown(client_, &on_shutdown, this);
  what_ = "device: " + device_ + " (JACK client " + jack_get_client_name(client_) + ", " +
          std::to_string(channels_) + " ch, " + std::to_string(int(rate_)) + " Hz)";
}

void JackBackend::connect(const std::vector<std::string>& from) {
  for (int c = 0; c < channels_ && c < int(from.size()); ++c) {
    const int err = jack_connect(client_, from[size_t(c)].c_str(), jack_port_name(ports_[c]));
    if (err != 0 && err != EEXIST) throw Error("audio: cannot connect " + from[size_t(c)] + " to " + what_);
  }
}

void JackBackend::start(const CaptureSink& sink) {
  ControlLock lock(control_mutex());
  const auto from = source_ports();
  if (from.empty()) throw Error("audio: JACK device '" + device_ + "' has no capture ports");
  // Everything the callback reads is set before it can run.
  jack_latency_range_t range{0, 0};
  jack_port_get_latency_range(jack_port_by_name(client_, from[0].c_str()), JackCaptureLatency, &range);
  latency_frames_ = range.max;
  measure_clock();
  sink_ = sink;
  if (jack_activate(client_) != 0) throw Error("audio: cannot activate " + what_);
  connect(from);
}

// The reader side shared by capture and play: the ring, last_read() and the counters.
// What a callback writes to, on the heap: a stream that can never be stopped (PlaySource after its JACK
// server died) is left with it, leaked, rather than having it freed under it.
struct RingState {
  RingState(size_t capacity, double rate, size_t backlog) : ring(capacity, rate, backlog) {}
  CaptureRing ring;
  std::atomic<uint64_t> host_errors{0};
};

class RingSource : public AudioSource {
 public:
  RingSource(const SourceOptions& opt, double rate)
      : state_(std::make_unique<RingState>(
            size_t(std::max(0.1, opt.ring_seconds) * rate), rate,
            opt.max_backlog_seconds > 0 ? std::max<size_t>(1, size_t(opt.max_backlog_seconds * rate)) : 0)),
        ring_(state_->ring),
        host_errors_(state_->host_errors),
        probe_(opt.callback_probe),
        rate_(int(rate)) {}
  int sample_rate() const override { return rate_; }
  std::string describe() const override { return what_; }
  bool realtime() const override { return true; }
  size_t read(float* out, size_t max, std::chrono::milliseconds wait) override {
    if (!started_.load(std::memory_order_relaxed)) start();
    const auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
      const size_t n = ring_.read(out, max, &last_);
      if (n > 0 || std::chrono::steady_clock::now() >= deadline || finished()) return n;
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
  }
  ReadInfo last_read() const override { return last_; }
  SourceStats stats() const override {
    SourceStats s;
    s.frames_written = ring_.frames_written();
    s.frames_dropped = ring_.frames_dropped();
    s.overruns = ring_.overruns();
    s.frames_lost = ring_.frames_lost();
    s.gaps = ring_.gaps();
    s.frames_skipped = ring_.frames_skipped();
    s.device_lost = device_lost_.load(std::memory_order_relaxed);
    s.device_errors = host_errors_.load(std::memory_order_relaxed) + s.device_lost;
    s.reopens = reopens_.load(std::memory_order_relaxed);
    s.device_up = device_up_.load(std::memory_order_relaxed);
    s.capacity_frames = ring_.capacity();
    s.last_block_write_ns = ring_.last_read_write_ns();
    return s;
  }

 protected:
  CaptureSink sink() { return CaptureSink{&ring_, probe_, &host_errors_}; }
  void leave_state_to_stream() { (void)state_.release(); }

  std::unique_ptr<RingState> state_;
  CaptureRing& ring_;
  std::atomic<uint64_t>& host_errors_;
  void (*probe_)(bool);
  int rate_;
  std::string what_;
  ReadInfo last_;
  std::atomic<bool> started_{false}, device_up_{true};
  std::atomic<uint64_t> device_lost_{0}, reopens_{0};
};

// Capture from a device that may vanish: a supervisor thread watches the stream and, once it has died
// or stalled, counts the loss and reopens the device every reopen_seconds until it is back. The index
// moves on by the outage's length, so the reader sees the outage as a gap.
class CaptureSource final : public RingSource {
 public:
  CaptureSource(std::unique_ptr<CaptureBackend> backend, const SourceOptions& opt)
      : RingSource(opt, backend->rate()),
        backend_(std::move(backend)),
        stall_ns_(int64_t(std::max(0.05, opt.stall_seconds) * 1e9)),
        reopen_ns_(int64_t(std::max(0.05, opt.reopen_seconds) * 1e9)) {
    what_ = backend_->describe();
  }
  ~CaptureSource() override {
    stop();
    backend_.reset();  // no callback may outlive the ring
  }
  // Never throws: a device that cannot start is a lost device, retried by the supervisor.
  void start() override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (started_.load(std::memory_order_relaxed)) return;
    started_.store(true, std::memory_order_relaxed);
    quit_ = false;
    if (!start_device()) lose_device();
    supervisor_ = std::thread([this] { supervise(); });
  }
  void stop() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!started_.load(std::memory_order_relaxed)) return;
      quit_ = true;
    }
    cv_.notify_all();
    supervisor_.join();
    std::lock_guard<std::mutex> lock(mutex_);
    backend_->close();
    // A later start() moves the index on by the pause, as after an outage.
    const int64_t last = ring_.last_write_ns();
    lost_at_ns_ = last > 0 ? last : steady_ns();
    started_.store(false, std::memory_order_relaxed);
  }
  bool finished() const override { return false; }

 private:
  bool start_device() noexcept;
  void lose_device() noexcept;
  void supervise();

  std::unique_ptr<CaptureBackend> backend_;
  const int64_t stall_ns_, reopen_ns_;
  std::mutex mutex_;  // start/stop against the supervisor; never taken by read() or the callback
  std::condition_variable cv_;
  std::thread supervisor_;
  bool quit_ = false;
  int64_t next_try_ns_ = 0, lost_at_ns_ = 0, progress_ns_ = 0;
  uint64_t seen_written_ = 0;
};

// Opens (if needed) and starts the device; on a reopen the index first moves on by the outage.
bool CaptureSource::start_device() noexcept {
  try {
    if (!backend_->is_open()) backend_->open();
    const int64_t now = steady_ns();
    if (lost_at_ns_ > 0) {
      ring_.skip_input(uint64_t(std::max<int64_t>(0, now - lost_at_ns_) * 1e-9 * rate_));
      lost_at_ns_ = now;
    }
    backend_->start(sink());
  } catch (const std::exception&) {
    backend_->close();
    return false;
  }
  device_up_.store(true, std::memory_order_relaxed);
  progress_ns_ = steady_ns();
  seen_written_ = ring_.frames_written();
  return true;
}

void CaptureSource::lose_device() noexcept {
  const int64_t now = steady_ns();
  if (device_up_.exchange(false, std::memory_order_relaxed)) {
    device_lost_.fetch_add(1, std::memory_order_relaxed);
    const int64_t last = ring_.last_write_ns();
    lost_at_ns_ = last > 0 ? last : now;
  }
  backend_->close();
  next_try_ns_ = now + reopen_ns_;
}

void CaptureSource::supervise() {
  constexpr auto kPoll = std::chrono::milliseconds(100);  // loss noticed within this of the host's word
  std::unique_lock<std::mutex> lock(mutex_);
  while (!quit_) {
    cv_.wait_for(lock, kPoll, [this] { return quit_; });
    if (quit_) break;
    const int64_t now = steady_ns();
    if (device_up_.load(std::memory_order_relaxed)) {
      const uint64_t written = ring_.frames_written();
      if (written != seen_written_) {
        seen_written_ = written;
        progress_ns_ = now;
      }
      if (backend_->failed() || now - progress_ns_ > stall_ns_) {
        lose_device();
      } else {
        backend_->tick();
      }
    } else if (now >= next_try_ns_) {
      if (start_device()) {
        reopens_.fetch_add(1, std::memory_order_relaxed);
      } else {
        next_try_ns_ = now + reopen_ns_;
      }
    }
  }
}

// Everything the play callback touches besides the ring, on the heap for the same reason as RingState.
struct Playback {
  InterleavedAudio audio;
  size_t frames = 0, pos = 0;
  int out_channels = 2;
  CaptureSink sink;
  std::atomic<bool> done{false};
};

// Blocks handed to the analysis are stamped with when they reach the output (outputBufferDacTime):
// what the analysis hears is what plays.
int play_callback(const void*, void* output, unsigned long frames, const PaStreamCallbackTimeInfo* t,
                  PaStreamCallbackFlags flags, void* user) {
  auto* p = static_cast<Playback*>(user);
  if (p->sink.probe) p->sink.probe(true);
  float* out = static_cast<float*>(output);
  const int in_ch = p->audio.channels, out_ch = p->out_channels;
  const size_t n = std::min<size_t>(frames, p->frames - std::min(p->frames, p->pos));
  const float* src = p->audio.samples.data() + p->pos * size_t(in_ch);
  for (size_t i = 0; i < n; ++i)
    for (int c = 0; c < out_ch; ++c)
      out[i * size_t(out_ch) + size_t(c)] = src[i * size_t(in_ch) + size_t(c % in_ch)];
  std::fill(out + n * size_t(out_ch), out + frames * size_t(out_ch), 0.0f);
  if (n > 0) {
    BlockStamp stamp;
    stamp.write_ns = steady_ns();
    if (t && t->outputBufferDacTime > 0 && t->outputBufferDacTime >= t->currentTime) {
      stamp.host_adc_time = t->outputBufferDacTime;
      stamp.adc_ns = stamp.write_ns + int64_t((t->outputBufferDacTime - t->currentTime) * 1e9);
    }
    p->sink.ring->write(src, n, in_ch, stamp);
  }
  p->pos += n;
  if (flags & paOutputUnderflow) p->sink.host_errors->fetch_add(1, std::memory_order_relaxed);
  const bool end = p->pos >= p->frames;
  if (end) p->done.store(true, std::memory_order_release);
  if (p->sink.probe) p->sink.probe(false);
  return end ? paComplete : paContinue;
}

// Plays a preloaded file to an output device and hands the same samples to the analysis.
class PlaySource final : public RingSource {
 public:
  PlaySource(PaDeviceIndex dev, InterleavedAudio audio, double rate, const std::filesystem::path& path,
             const SourceOptions& opt);
  ~PlaySource() override { close(); }  // stop the callback before what it reads goes away
  void start() override {
    ControlLock lock(control_mutex());
    if (!started_) check(Pa_StartStream(stream_), "cannot start the stream on " + what_);
    started_ = true;
  }
  void stop() override {
    ControlLock lock(control_mutex());
    if (stream_ && started_ && !server_died()) Pa_StopStream(stream_);
    started_ = false;
  }
  // Played to the end, or (JACK) stopped early because the server went away: nothing more will come.
  bool finished() const override {
    if (!stream_inactive()) return false;
    return play_->done.load(std::memory_order_acquire) ? ring_.frames_written() > 0 : jack_;
  }

 private:
  bool stream_inactive() const { return started_ && Pa_IsStreamActive(stream_) != 1; }
  // A JACK stream that went inactive before the end of the file: its server is gone.
  bool server_died() const {
    return jack_ && !play_->done.load(std::memory_order_acquire) && stream_inactive();
  }
  void close() {
    ControlLock lock(control_mutex());
    if (!stream_) return;
    if (server_died()) {  // stopping or closing it would hang for minutes (see the top of this file)
      session_.abandon();
      (void)play_.release();
      leave_state_to_stream();
    } else {
      Pa_AbortStream(stream_);
      Pa_CloseStream(stream_);
    }
    stream_ = nullptr;
  }

  PaSession session_;
  PaStream* stream_ = nullptr;
  bool jack_ = false;
  std::unique_ptr<Playback> play_ = std::make_unique<Playback>();
};

PlaySource::PlaySource(PaDeviceIndex dev, InterleavedAudio audio, double rate,
                       const std::filesystem::path& path, const SourceOptions& opt)
    : RingSource(opt, rate) {
  const PaDeviceInfo* info = Pa_GetDeviceInfo(dev);
  const PaHostApiInfo* host = Pa_GetHostApiInfo(info->hostApi);
  jack_ = host->type == paJACK;
  play_->out_channels = std::min(std::max(audio.channels, 2), info->maxOutputChannels);
  play_->frames = audio.samples.size() / size_t(audio.channels);
  play_->audio = std::move(audio);
  play_->sink = sink();
  PaStreamParameters out{};
  out.device = dev;
  out.channelCount = play_->out_channels;
  out.sampleFormat = paFloat32;
  out.suggestedLatency = info->defaultLowOutputLatency;
  what_ = "play: " + path.string() + " -> " + info->name + " (" + host->name + ", " + std::to_string(rate_) +
          " Hz)";
  check(Pa_OpenStream(&stream_, nullptr, &out, rate_, unsigned(opt.frames_per_buffer), paNoFlag,
                      &play_callback, play_.get()),
        "cannot open " + what_);
}

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

// Finds the device through PortAudio and picks the backend that can reopen it.
std::unique_ptr<CaptureBackend> capture_backend(const std::string& device, const SourceOptions& opt) {
  ControlLock lock(control_mutex());
  PaSession session;  // only while the device is looked up: a JACK backend holds no PortAudio
  const PaDeviceInfo* info = Pa_GetDeviceInfo(find_device(device, true));
  const PaHostApiInfo* host = Pa_GetHostApiInfo(info->hostApi);
  if (host->type == paJACK) return std::make_unique<JackBackend>(info->name);
  return std::make_unique<PaBackend>(info->name, host->name, opt.frames_per_buffer);
}

}  // namespace

std::unique_ptr<AudioSource> open_capture(const std::string& device, const SourceOptions& opt) {
  auto backend = capture_backend(device, opt);
  backend->open();
  return std::make_unique<CaptureSource>(std::move(backend), opt);
}

std::unique_ptr<AudioSource> open_play(const std::filesystem::path& path, const SourceOptions& opt) {
  InterleavedAudio audio = read_audio_file_interleaved(path);
  if (audio.samples.empty()) throw Error(path.string() + ": no audio samples");
  ControlLock lock(control_mutex());
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
  ControlLock lock(control_mutex());
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
  ControlLock lock(control_mutex());
  PaSession session;
  std::vector<std::string> out;
  for (int i = 0; i < Pa_GetHostApiCount(); ++i)
    if (const PaHostApiInfo* h = Pa_GetHostApiInfo(i)) out.push_back(h->name);
  return out;
}

}  // namespace e2m::audio
