// Audio figures for `e2m bench`: feature extraction speed (multiple of real time, one core) and the
// capture-to-feature latency of the live path (callback -> ring -> analysis thread -> frame).
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "app/bench.h"
#include "audio/beat_clock.h"
#include "audio/capture_ring.h"
#include "audio/demo_track.h"
#include "audio/feature_extractor.h"

namespace e2m::app {

namespace {

// CPU time of the calling thread: the speed of one core, not disturbed by other processes
// sharing the machine (wall time would be, on a busy CI host).
double thread_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

// Best of `reps` single-threaded passes over `audio`.
double realtime_factor(const std::vector<float>& audio, int rate, int reps) {
  double best = 1e30;
  std::vector<float> frames;
  for (int r = 0; r < reps; ++r) {
    frames.clear();
    const double t0 = thread_cpu_s();
    audio::FeatureExtractor fx(rate);
    fx.push(audio.data(), audio.size(), frames);
    fx.finish(frames);
    best = std::min(best, thread_cpu_s() - t0);
  }
  return double(audio.size()) / rate / best;
}

// CPU time of the beat clock alone over the onset envelope of `audio` (its share of the features).
double beat_clock_seconds(const std::vector<float>& audio, int rate) {
  std::vector<float> frames;
  audio::FeatureExtractor fx(rate);
  fx.push(audio.data(), audio.size(), frames);
  fx.finish(frames);
  audio::BeatClock clock(double(audio::kHop) / audio::kAnalysisRate);
  const double t0 = thread_cpu_s();
  for (size_t f = 0; f < frames.size() / audio::kAudioFeatureDim; ++f) {
    for (int h = 0; h < audio::kHopsPerFrame; ++h) clock.push_onset(frames[f * audio::kAudioFeatureDim]);
    clock.end_frame();
  }
  return thread_cpu_s() - t0;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(p * double(v.size() - 1) + 0.5))];
}

}  // namespace

void bench_audio(const BenchOptions& opt, BenchReport& report) {
  const double seconds = opt.quick ? 10.0 : 60.0;
  const int reps = opt.quick ? 1 : 3;
  const auto track44 = audio::demo_track(44100, seconds);
  const auto track22 = audio::demo_track(audio::kAnalysisRate, seconds);
  report.push_back({"audio", "features_realtime_factor_22k",
                    realtime_factor(track22, audio::kAnalysisRate, reps), "x",
                    "audio s / thread CPU s, 22.05 kHz input (no resampling); target >= 300x"});
  const double rtf44 = realtime_factor(track44, 44100, reps);
  report.push_back({"audio", "features_realtime_factor_44k", rtf44, "x",
                    "audio s / thread CPU s, 44.1 kHz input incl. resampling; target >= 300x"});
  const double clock_s = beat_clock_seconds(track44, 44100);
  report.push_back({"audio", "beat_clock_share_44k", 100.0 * clock_s / (seconds / rtf44), "%",
                    "beat clock CPU time as a share of the 44.1 kHz feature pass"});

  // Live path: a thread plays the part of the PortAudio callback (256-frame buffers at 48 kHz, on
  // time), writing into the same CaptureRing; the analysis thread polls it as the device source does.
  constexpr int kRate = 48000, kBuffer = 256;
  const double live_s = opt.quick ? 3.0 : 10.0;
  const auto live = audio::demo_track(kRate, live_s + 1);
  audio::CaptureRing ring{size_t{kRate}};
  std::atomic<bool> done{false};
  std::thread callback([&] {
    const auto t0 = std::chrono::steady_clock::now();
    for (size_t pos = 0; pos + kBuffer <= size_t(live_s * kRate); pos += kBuffer) {
      std::this_thread::sleep_until(t0 + std::chrono::nanoseconds(int64_t((pos + kBuffer) * 1e9 / kRate)));
      ring.write(live.data() + pos, kBuffer, 1);
    }
    done = true;
  });
  audio::FeatureExtractor fx(kRate);
  std::vector<float> buf(4096), frames;
  std::vector<double> latency_ms;
  for (;;) {
    const size_t n = ring.read(buf.data(), buf.size());
    if (n == 0) {
      if (done) break;
      std::this_thread::sleep_for(std::chrono::microseconds(500));
      continue;
    }
    const int made = fx.push(buf.data(), n, frames);
    // A frame completes inside the newest block just read: its age is the latency.
    if (made > 0) latency_ms.push_back(double(audio::steady_ns() - ring.last_read_write_ns()) / 1e6);
  }
  callback.join();
  report.push_back({"audio", "capture_to_feature_latency_median", percentile(latency_ms, 0.5), "ms",
                    "callback write -> feature frame out (software path, 48 kHz, 256-frame buffers)"});
  report.push_back({"audio", "capture_to_feature_latency_p99", percentile(latency_ms, 0.99), "ms", ""});
  report.push_back({"audio", "frame_buffering_latency", 1000.0 / audio::kFeatureFps, "ms",
                    "a frame is emitted when its 1/30 s of audio is complete (adds up to this much)"});
  report.push_back({"audio", "capture_overruns", double(ring.overruns()), "count", "during the latency run"});
}

}  // namespace e2m::app
