// Non-device sources (file, synth) and the --input spec parser.
#include "audio/source.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <thread>

#include "audio/audio_file.h"
#include "audio/demo_track.h"
#include "motion/error.h"

namespace e2m::audio {

// Defined in portaudio_source.cpp.
std::unique_ptr<AudioSource> open_capture(const std::string& device, const SourceOptions& opt);
std::unique_ptr<AudioSource> open_play(const std::filesystem::path& path, const SourceOptions& opt);

namespace {

constexpr int kSynthRate = 44100;

// Samples from memory, optionally paced to real time; `loop` repeats them forever.
class MemorySource final : public AudioSource {
 public:
  MemorySource(std::vector<float> samples, int rate, std::string what, bool pace, bool loop)
      : samples_(std::move(samples)), rate_(rate), what_(std::move(what)), pace_(pace), loop_(loop) {}
  int sample_rate() const override { return rate_; }
  std::string describe() const override { return what_; }
  void start() override {
    t0_ = std::chrono::steady_clock::now();
    started_ = true;
  }
  bool realtime() const override { return pace_; }
  bool finished() const override { return !loop_ && pos_ >= samples_.size(); }
  ReadInfo last_read() const override { return last_; }
  size_t read(float* out, size_t max, std::chrono::milliseconds wait) override {
    last_ = ReadInfo{};
    if (samples_.empty() || finished()) return 0;
    if (pace_) {
      if (!started_) start();
      const auto deadline = std::chrono::steady_clock::now() + wait;
      for (;;) {
        const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
        const uint64_t due = uint64_t(elapsed * rate_);
        if (due > delivered_) {
          max = std::min<size_t>(max, size_t(due - delivered_));
          break;
        }
        if (std::chrono::steady_clock::now() >= deadline) return 0;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    size_t got = 0;
    while (got < max) {
      if (pos_ >= samples_.size()) {
        if (!loop_) break;
        pos_ = 0;
      }
      const size_t n = std::min(max - got, samples_.size() - pos_);
      std::copy(samples_.begin() + long(pos_), samples_.begin() + long(pos_ + n), out + got);
      pos_ += n;
      got += n;
    }
    note_read(got);
    delivered_ += got;
    return got;
  }

 private:
  std::vector<float> samples_;
  int rate_;
  std::string what_;
  bool pace_, loop_;
  size_t pos_ = 0;
  uint64_t delivered_ = 0;
  bool started_ = false;
  std::chrono::steady_clock::time_point t0_;
  ReadInfo last_;

  // Index = samples delivered so far; a paced source's "ADC time" is when the sample became due.
  void note_read(size_t got) {
    last_.index = last_.block_index = delivered_;
    last_.frames = got;
    if (pace_ && got > 0) {
      const auto due = t0_ + std::chrono::nanoseconds(int64_t(double(delivered_) * 1e9 / rate_));
      last_.adc_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(due.time_since_epoch()).count();
      last_.stamp.adc_ns = last_.adc_ns;
    }
  }
};

}  // namespace

std::unique_ptr<AudioSource> open_source(std::string_view spec_in, const SourceOptions& opt) {
  const std::string spec(spec_in);
  const auto colon = spec.find(':');
  const std::string kind = spec.substr(0, colon);
  const std::string arg = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (kind == "synth") {
    double bpm = kDemoBpm;
    if (!arg.empty()) {
      try {
        bpm = std::stod(arg);
      } catch (const std::exception&) {
        bpm = -1;
      }
      if (!(bpm >= 40 && bpm <= 240))
        throw Error("--input synth:" + arg + ": expected a tempo in BPM (40..240)");
    }
    // Loops are whole 16-bar phrases so the repeat is seamless.
    const double phrase = 16 * 4 * 60.0 / bpm;
    const double seconds = opt.pace ? phrase : opt.synth_seconds;
    return std::make_unique<MemorySource>(demo_track(kSynthRate, seconds, bpm), kSynthRate,
                                          "synth: demo track at " + std::to_string(int(bpm)) + " BPM",
                                          opt.pace, opt.pace);
  }
  if (kind == "file" || kind == "play") {
    if (arg.empty()) throw Error("--input " + kind + ": expected a path after '" + kind + ":'");
    if (!std::filesystem::exists(arg)) throw Error("--input " + spec + ": no such file");
    if (kind == "play") return open_play(arg, opt);
    MonoAudio a = read_audio_file(arg);
    return std::make_unique<MemorySource>(std::move(a.samples), a.sample_rate, "file: " + arg, opt.pace,
                                          false);
  }
  if (kind == "device") return open_capture(arg, opt);
  // A bare existing path is a file.
  if (colon == std::string::npos && std::filesystem::exists(spec)) return open_source("file:" + spec, opt);
  throw Error("--input '" + spec + "': expected device[:NAME|INDEX], file:PATH, play:PATH or synth[:BPM]");
}

}  // namespace e2m::audio
