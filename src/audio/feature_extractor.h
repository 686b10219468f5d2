// Streaming feature extractor: mono samples in (any rate), 39-d frames at 30 fps out. The offline pass
// and the live path both run this class, so their frames are identical.
#pragma once
#include <cstddef>
#include <memory>
#include <vector>

#include "audio/beat_clock.h"
#include "audio/features.h"
#include "audio/transient_detector.h"

namespace e2m::audio {

inline constexpr int kAnalysisRate = 22050;  // every source is resampled to this
inline constexpr int kHop = 245;             // onset hop: 90 per second
inline constexpr int kHopsPerFrame = 3;      // 3 hops = 735 samples = 1/30 s
inline constexpr int kFrameSamples = kHop * kHopsPerFrame;
inline constexpr int kOnsetWindow = 1024;
inline constexpr int kSpectrumWindow = 2048;  // MFCC and chroma
inline constexpr int kMfccCount = 20;
inline constexpr int kMfccFilters = 40;
inline constexpr size_t kResampleBlock = 4096;  // input samples per resampler call

class FeatureExtractor {
 public:
  // input_rate: rate of the samples passed to push(); resampled to kAnalysisRate when different.
  explicit FeatureExtractor(int input_rate);
  ~FeatureExtractor();
  FeatureExtractor(const FeatureExtractor&) = delete;
  FeatureExtractor& operator=(const FeatureExtractor&) = delete;

  // Appends every completed frame (kAudioFeatureDim floats each) to `out`; returns how many.
  int push(const float* samples, size_t count, std::vector<float>& out);
  // End of stream: flushes the resampler's tail (no more push() after this).
  int finish(std::vector<float>& out);

  int input_rate() const { return input_rate_; }
  long frames_done() const { return frames_; }
  // Beat times in seconds since the start of the stream, when record_beats(true).
  void record_beats(bool on) { record_beats_ = on; }
  // Called from push() for every attack the TransientDetector finds, within a few milliseconds of it
  // (the onset column of the features comes from a 46 ms window and is a frame late): strength in
  // [0, 1] and the time in seconds since the stream started. Must not throw. Live VJ outputs send
  // /e2m/onset from here.
  using OnsetObserver = void (*)(void* context, float strength, double time_s);
  void set_onset_observer(OnsetObserver fn, void* context) {
    onset_fn_ = fn;
    onset_ctx_ = context;
  }
  const std::vector<double>& beat_times() const { return beats_; }
  const BeatState& beat_state() const { return last_; }

 private:
  struct Aubio;
  int push_analysis(const float* samples, size_t count, std::vector<float>& out);
  int resample(const float* samples, size_t count, std::vector<float>& out);  // samples null: flush
  void process_hop();
  void process_frame(std::vector<float>& out);

  int input_rate_;
  std::unique_ptr<Aubio> a_;
  void* src_ = nullptr;  // soxr resampler, null when no resampling is needed
  std::vector<float> resampled_;
  std::vector<float> hop_buf_;
  size_t hop_fill_ = 0;
  std::vector<float> frame_buf_;
  int hops_in_frame_ = 0;
  long frames_ = 0;
  BeatClock clock_;
  // Per-frame accumulators and peak picking state.
  float frame_onset_ = 0;
  bool frame_peak_ = false;
  float prev1_ = 0, prev2_ = 0;
  double onset_mean_ = 0, onset_level_ = 0;
  BeatState last_;
  bool record_beats_ = false;
  OnsetObserver onset_fn_ = nullptr;
  TransientDetector transients_;  // at the input rate, blocks of about 2.9 ms
  void* onset_ctx_ = nullptr;
  std::vector<double> beats_;
  std::vector<int> chroma_class_;  // pitch class per spectrum bin, -1 = unused
};

}  // namespace e2m::audio
