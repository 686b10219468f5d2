// Hop-level aubio analysis (onset novelty, MFCC, pitch-class energy) folded into 30 fps frames.
#include "audio/feature_extractor.h"

#include <aubio/aubio.h>
#include <soxr.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "motion/error.h"

namespace e2m::audio {

// A sliding windowed FFT that computes magnitudes only: aubio_pvoc would also compute every
// bin's phase (atan2), a fifth of the run time, which nothing here uses.
struct MagnitudeStft {
  uint_t win, hop;
  fvec_t* buf;      // the last `win` samples
  fvec_t* window;   // Hann
  fvec_t* frame;    // windowed copy
  fvec_t* complex;  // FFT output in aubio's packed layout
  aubio_fft_t* fft;
  MagnitudeStft(uint_t w, uint_t h)
      : win(w),
        hop(h),
        buf(new_fvec(w)),
        window(new_aubio_window(const_cast<char_t*>("hanningz"), w)),
        frame(new_fvec(w)),
        complex(new_fvec(w)),
        fft(new_aubio_fft(w)) {}
  ~MagnitudeStft() {
    del_fvec(buf);
    del_fvec(window);
    del_fvec(frame);
    del_fvec(complex);
    del_aubio_fft(fft);
  }
  MagnitudeStft(const MagnitudeStft&) = delete;
  MagnitudeStft& operator=(const MagnitudeStft&) = delete;
  // Slides `hop` new samples in and writes the magnitude spectrum (win/2+1 bins) to out->norm.
  void run(const smpl_t* in, cvec_t* out) {
    std::copy(buf->data + hop, buf->data + win, buf->data);
    std::copy(in, in + hop, buf->data + (win - hop));
    for (uint_t i = 0; i < win; ++i) frame->data[i] = buf->data[i] * window->data[i];
    aubio_fft_do_complex(fft, frame, complex);
    aubio_fft_get_norm(complex, out);
  }
};

struct FeatureExtractor::Aubio {
  std::unique_ptr<MagnitudeStft> pv_onset;
  std::unique_ptr<MagnitudeStft> pv_spec;
  aubio_specdesc_t* flux = nullptr;
  aubio_mfcc_t* mfcc = nullptr;
  fvec_t* hop_in = nullptr;
  fvec_t* frame_in = nullptr;
  cvec_t* onset_spec = nullptr;
  cvec_t* spec = nullptr;
  fvec_t* flux_out = nullptr;
  fvec_t* mfcc_out = nullptr;
  ~Aubio() {
    if (flux) del_aubio_specdesc(flux);
    if (mfcc) del_aubio_mfcc(mfcc);
    if (hop_in) del_fvec(hop_in);
    if (frame_in) del_fvec(frame_in);
    if (onset_spec) del_cvec(onset_spec);
    if (spec) del_cvec(spec);
    if (flux_out) del_fvec(flux_out);
    if (mfcc_out) del_fvec(mfcc_out);
  }
};

FeatureExtractor::FeatureExtractor(int input_rate)
    : input_rate_(input_rate),
      a_(std::make_unique<Aubio>()),
      clock_(double(kHop) / kAnalysisRate),
      transients_(std::clamp(input_rate, 1000, 768000), std::max(16, input_rate / 350)) {
  if (input_rate < 1000 || input_rate > 768000) {
    throw Error("feature extractor: input sample rate " + std::to_string(input_rate) +
                " Hz is outside 1000..768000");
  }
  a_->pv_onset = std::make_unique<MagnitudeStft>(kOnsetWindow, kHop);
  a_->pv_spec = std::make_unique<MagnitudeStft>(kSpectrumWindow, kFrameSamples);
  a_->flux = new_aubio_specdesc("specflux", kOnsetWindow);
  a_->mfcc = new_aubio_mfcc(kSpectrumWindow, kMfccFilters, kMfccCount, kAnalysisRate);
  a_->hop_in = new_fvec(kHop);
  a_->frame_in = new_fvec(kFrameSamples);
  a_->onset_spec = new_cvec(kOnsetWindow);
  a_->spec = new_cvec(kSpectrumWindow);
  a_->flux_out = new_fvec(1);
  a_->mfcc_out = new_fvec(kMfccCount);
  if (!a_->pv_onset->fft || !a_->pv_spec->fft || !a_->pv_onset->window || !a_->pv_spec->window || !a_->flux ||
      !a_->mfcc) {
    throw Error("feature extractor: aubio could not create its analysis objects");
  }
  if (input_rate != kAnalysisRate) {
    // soxr at "medium quality" (band-limited to 91% of the output Nyquist, ~100 dB stop band) is
    // several times faster than libsamplerate's fastest sinc and better than the 11 kHz that MFCC
    // and chroma look at need; one thread, float in and out.
    soxr_error_t err = nullptr;
    const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
    const soxr_quality_spec_t quality = soxr_quality_spec(SOXR_MQ, 0);
    const soxr_runtime_spec_t runtime = soxr_runtime_spec(1);
    src_ = soxr_create(double(input_rate), double(kAnalysisRate), 1, &err, &io, &quality, &runtime);
    if (err || !src_)
      throw Error(std::string("feature extractor: soxr: ") + (err ? err : "cannot create the resampler"));
    // Output room for one block of kResampleBlock input samples, sized once.
    resampled_.resize(size_t(kResampleBlock * double(kAnalysisRate) / input_rate) + 64);
  }
  hop_buf_.assign(kHop, 0.0f);
  frame_buf_.assign(kFrameSamples, 0.0f);
  // Pitch class of each bin of the spectrum window; bins outside 55 Hz .. 5 kHz are left out.
  chroma_class_.assign(kSpectrumWindow / 2 + 1, -1);
  for (int k = 1; k <= kSpectrumWindow / 2; ++k) {
    const double hz = double(k) * kAnalysisRate / kSpectrumWindow;
    if (hz < 55 || hz > 5000) continue;
    const int midi = int(std::lround(69 + 12 * std::log2(hz / 440.0)));
    chroma_class_[size_t(k)] = ((midi % 12) + 12) % 12;
  }
}

FeatureExtractor::~FeatureExtractor() {
  if (src_) soxr_delete(static_cast<soxr_t>(src_));
}

int FeatureExtractor::push(const float* samples, size_t count, std::vector<float>& out) {
  // Before resampling: soxr's filter and block buffering would delay an attack by tens of ms.
  if (onset_fn_) transients_.push(samples, count, onset_fn_, onset_ctx_);
  if (!src_) return push_analysis(samples, count, out);
  return resample(samples, count, out);
}

int FeatureExtractor::finish(std::vector<float>& out) {
  if (!src_) return 0;
  return resample(nullptr, 0, out);  // no input: soxr flushes its tail
}

int FeatureExtractor::resample(const float* samples, size_t count, std::vector<float>& out) {
  int frames = 0;
  size_t done = 0;
  // In blocks of kResampleBlock input samples; with no input, until soxr has nothing more to give.
  for (int guard = 0; guard < 1 << 20; ++guard) {
    const size_t chunk = std::min<size_t>(count - done, kResampleBlock);
    size_t used = 0, made = 0;
    const soxr_error_t err = soxr_process(static_cast<soxr_t>(src_), samples ? samples + done : nullptr,
                                          chunk, &used, resampled_.data(), resampled_.size(), &made);
    if (err) throw Error(std::string("feature extractor: soxr: ") + err);
    frames += push_analysis(resampled_.data(), made, out);
    done += used;
    if (samples ? done >= count : made == 0) break;
  }
  return frames;
}

int FeatureExtractor::push_analysis(const float* samples, size_t count, std::vector<float>& out) {
  int frames = 0;
  size_t i = 0;
  while (i < count) {
    const size_t take = std::min(count - i, size_t(kHop) - hop_fill_);
    std::copy(samples + i, samples + i + take, hop_buf_.begin() + long(hop_fill_));
    hop_fill_ += take;
    i += take;
    if (hop_fill_ < size_t(kHop)) break;
    hop_fill_ = 0;
    std::copy(hop_buf_.begin(), hop_buf_.end(), frame_buf_.begin() + long(hops_in_frame_) * kHop);
    process_hop();
    if (++hops_in_frame_ == kHopsPerFrame) {
      hops_in_frame_ = 0;
      process_frame(out);
      ++frames;
    }
  }
  return frames;
}

void FeatureExtractor::process_hop() {
  for (int j = 0; j < kHop; ++j) {
    const float s = hop_buf_[size_t(j)];
    a_->hop_in->data[j] = std::isfinite(s) ? s : 0.0f;
  }
  a_->pv_onset->run(a_->hop_in->data, a_->onset_spec);
  // Log compression, log(1 + |X|), makes the flux respond to relative change so quiet and loud parts
  // both count (as madmom's front end); lambda 1 scored best on the real loops in the tests.
  cvec_logmag(a_->onset_spec, 1.0f);
  aubio_specdesc_do(a_->flux, a_->onset_spec, a_->flux_out);
  const float o = a_->flux_out->data[0] / float(kOnsetWindow / 2 + 1);
  clock_.push_onset(o);
  frame_onset_ = std::max(frame_onset_, o);
  // Causal peak picking, one hop late: prev1_ is a peak when it beats both neighbours and an
  // adaptive threshold (local mean plus a share of the recent peak level).
  const double thresh = 1.5 * onset_mean_ + 0.1 * onset_level_ + 1e-6;
  if (prev1_ > prev2_ && prev1_ >= o && prev1_ > thresh) {
    frame_peak_ = true;
  }
  const double hop_s = double(kHop) / kAnalysisRate;
  onset_mean_ += (prev1_ - onset_mean_) * (hop_s / 0.5);
  onset_level_ = std::max<double>(prev1_, onset_level_ * std::exp(-hop_s / 5.0));
  prev2_ = prev1_;
  prev1_ = o;
}

void FeatureExtractor::process_frame(std::vector<float>& out) {
  std::copy(frame_buf_.begin(), frame_buf_.end(), a_->frame_in->data);
  for (int j = 0; j < kFrameSamples; ++j)
    if (!std::isfinite(a_->frame_in->data[j])) a_->frame_in->data[j] = 0.0f;
  a_->pv_spec->run(a_->frame_in->data, a_->spec);
  aubio_mfcc_do(a_->mfcc, a_->spec, a_->mfcc_out);
  float chroma[12] = {};
  for (int k = 0; k <= kSpectrumWindow / 2; ++k) {
    const int c = chroma_class_[size_t(k)];
    if (c < 0) continue;
    const float m = a_->spec->norm[k];
    chroma[c] += m * m;
  }
  const float cmax = *std::max_element(chroma, chroma + 12);
  last_ = clock_.end_frame();
  if (last_.beat && record_beats_) beats_.push_back(last_.beat_time * clock_.hop_s());

  const size_t base = out.size();
  out.resize(base + kAudioFeatureDim);
  float* f = out.data() + base;
  f[kFeatOnsetEnv] = frame_onset_;
  for (int k = 0; k < kMfccCount; ++k) f[kFeatMfcc + k] = a_->mfcc_out->data[k];
  for (int k = 0; k < 12; ++k) f[kFeatChroma + k] = cmax > 1e-10f ? chroma[k] / cmax : 0.0f;
  f[kFeatOnsetPeak] = frame_peak_ ? 1.0f : 0.0f;
  f[kFeatBeat] = last_.beat ? 1.0f : 0.0f;
  f[kFeatTempo] = float(last_.tempo_bpm);
  f[kFeatBeatConf] = float(last_.confidence);
  f[kFeatBeatPhase] = float(last_.phase);
  f[kFeatNextBeat] = float(last_.next_beat_s);
  for (int k = 0; k < kAudioFeatureDim; ++k)
    if (!std::isfinite(f[k])) f[k] = 0.0f;
  frame_onset_ = 0;
  frame_peak_ = false;
  ++frames_;
}

}  // namespace e2m::audio
