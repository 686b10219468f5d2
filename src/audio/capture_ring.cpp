// CaptureRing: the only code that runs on the audio callback besides the PortAudio glue.
#include "audio/capture_ring.h"

#include <algorithm>
#include <chrono>

namespace e2m::audio {

int64_t steady_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

CaptureRing::CaptureRing(size_t capacity_frames)
    : queue_(std::max<size_t>(4, capacity_frames / kRingBlockFrames + 1)) {
  partial_.frames = 0;
}

void CaptureRing::write(const float* interleaved, unsigned long frames, int channels) noexcept {
  const int64_t now = steady_ns();
  AudioBlock block;
  unsigned long done = 0;
  bool dropped = false;
  while (done < frames) {
    const uint32_t n = uint32_t(std::min<unsigned long>(frames - done, kRingBlockFrames));
    block.frames = n;
    block.write_ns = now;
    if (interleaved == nullptr) {
      std::fill(block.samples, block.samples + n, 0.0f);
    } else if (channels == 1) {
      std::copy(interleaved + done, interleaved + done + n, block.samples);
    } else {
      const float scale = 1.0f / float(channels);
      for (uint32_t i = 0; i < n; ++i) {
        const float* frame = interleaved + (done + i) * size_t(channels);
        float s = 0;
        for (int c = 0; c < channels; ++c) s += frame[c];
        block.samples[i] = s * scale;
      }
    }
    // try_enqueue never allocates: a full queue means the reader fell behind.
    if (!queue_.try_enqueue(block)) {
      dropped_.fetch_add(n, std::memory_order_relaxed);
      dropped = true;
    }
    done += n;
  }
  if (dropped) overruns_.fetch_add(1, std::memory_order_relaxed);
  written_.fetch_add(frames, std::memory_order_relaxed);
}

size_t CaptureRing::read(float* out, size_t max) {
  size_t got = 0;
  while (got < max) {
    if (partial_pos_ >= partial_.frames) {
      if (!queue_.try_dequeue(partial_)) break;
      partial_pos_ = 0;
      last_read_ns_ = partial_.write_ns;
    }
    const size_t n = std::min<size_t>(max - got, partial_.frames - partial_pos_);
    std::copy(partial_.samples + partial_pos_, partial_.samples + partial_pos_ + n, out + got);
    partial_pos_ += uint32_t(n);
    got += n;
  }
  return got;
}

}  // namespace e2m::audio
