// CaptureRing: the only code that runs on the audio callback besides the device glue.
#include "audio/capture_ring.h"

#include <algorithm>
#include <chrono>

namespace e2m::audio {

namespace {

// Blocks shorter than this fill the descriptor slots before the samples: no host delivers less than
// 16 frames per callback in practice, so for every real block size the capacity is the samples'.
constexpr size_t kMinBlockFrames = 16;

// The callback touches only these: a lock inside an atomic would be a lock on the audio thread.
static_assert(std::atomic<uint64_t>::is_always_lock_free && std::atomic<int64_t>::is_always_lock_free);

}  // namespace

int64_t steady_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

CaptureRing::CaptureRing(size_t capacity_frames, double sample_rate, size_t max_backlog_frames)
    : capacity_(std::max<size_t>(capacity_frames, kMinBlockFrames)),
      block_slots_(capacity_ / kMinBlockFrames + 4),
      ns_per_frame_(sample_rate > 0 ? 1e9 / sample_rate : 0),
      max_backlog_(max_backlog_frames),
      samples_(new float[capacity_]()),
      blocks_(new Block[block_slots_]) {}

// Stores one block (or drops it when the ring is full); `fill(dst, first, n)` writes input frames
// [first, first + n) to dst.
template <class Fill>
void CaptureRing::push(unsigned long frames, const BlockStamp& stamp, Fill fill) noexcept {
  if (frames == 0) return;
  const uint64_t index = next_index_.load(std::memory_order_relaxed);
  // A block larger than the whole ring keeps its newest part.
  const uint64_t first = frames > capacity_ ? frames - capacity_ : 0;
  const uint64_t n = frames - first;
  const uint64_t head = head_pos_.load(std::memory_order_relaxed);
  const uint64_t hb = head_block_.load(std::memory_order_relaxed);
  const bool fits = head + n - tail_pos_.load(std::memory_order_acquire) <= capacity_ &&
                    hb - tail_block_.load(std::memory_order_acquire) < block_slots_;
  if (fits) {
    const size_t at = size_t(head % capacity_);
    const size_t part = std::min<size_t>(n, capacity_ - at);  // up to the end of the buffer, then wrap
    fill(samples_.get() + at, first, part);
    if (part < n) fill(samples_.get(), first + part, n - part);
    blocks_[hb % block_slots_] = Block{index + first, head, uint32_t(n), stamp};
    head_pos_.store(head + n, std::memory_order_relaxed);
    head_block_.store(hb + 1, std::memory_order_release);
  }
  const uint64_t dropped = fits ? first : frames;
  if (dropped > 0) {
    dropped_.fetch_add(dropped, std::memory_order_relaxed);
    overruns_.fetch_add(1, std::memory_order_relaxed);
  }
  written_.fetch_add(frames, std::memory_order_relaxed);
  last_write_ns_.store(stamp.write_ns, std::memory_order_relaxed);
  next_index_.store(index + frames, std::memory_order_release);
}

void CaptureRing::write(const float* interleaved, unsigned long frames, int channels,
                        const BlockStamp& stamp) noexcept {
  const size_t ch = size_t(std::max(channels, 1));
  const float scale = 1.0f / float(ch);
  push(frames, stamp, [&](float* dst, size_t first, size_t n) {
    if (interleaved == nullptr) {
      std::fill(dst, dst + n, 0.0f);
      return;
    }
    for (size_t i = 0; i < n; ++i) {
      const float* frame = interleaved + (first + i) * ch;
      float s = 0;
      for (size_t c = 0; c < ch; ++c) s += frame[c];
      dst[i] = s * scale;
    }
  });
}

void CaptureRing::write(const float* interleaved, unsigned long frames, int channels) noexcept {
  BlockStamp stamp;
  stamp.write_ns = steady_ns();
  write(interleaved, frames, channels, stamp);
}

void CaptureRing::write_planar(const float* const* planes, int channels, unsigned long frames,
                               const BlockStamp& stamp) noexcept {
  const float scale = 1.0f / float(std::max(channels, 1));
  push(frames, stamp, [&](float* dst, size_t first, size_t n) {
    std::fill(dst, dst + n, 0.0f);
    for (int c = 0; c < channels; ++c)
      for (size_t i = 0; i < n; ++i) dst[i] += planes[c][first + i];
    for (size_t i = 0; i < n; ++i) dst[i] *= scale;
  });
}

void CaptureRing::skip_input(uint64_t frames) noexcept {
  next_index_.fetch_add(frames, std::memory_order_release);
}

const CaptureRing::Block* CaptureRing::front() const {
  const uint64_t tb = tail_block_.load(std::memory_order_relaxed);
  if (tb == head_block_.load(std::memory_order_acquire)) return nullptr;
  return &blocks_[tb % block_slots_];
}

void CaptureRing::pop(const Block& b) {
  offset_ = 0;
  tail_pos_.store(b.ring_pos + b.frames, std::memory_order_release);
  tail_block_.store(tail_block_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

void CaptureRing::note_gap(uint64_t at) {
  if (at > expected_) {
    pending_lost_ += at - expected_;
    lost_.fetch_add(at - expected_, std::memory_order_relaxed);
    gaps_.fetch_add(1, std::memory_order_relaxed);
  }
  expected_ = at;
}

// After an overrun: drops what lies more than max_backlog behind the newest sample. Returns false when
// the whole block was skipped (and popped); `at` moves to the first sample kept.
bool CaptureRing::catch_up(const Block& b, uint64_t& at) {
  const uint64_t newest = next_index_.load(std::memory_order_acquire);
  const uint64_t keep_from = newest > max_backlog_ ? newest - max_backlog_ : 0;
  if (at < keep_from) {
    const uint64_t skip = std::min<uint64_t>(b.index + b.frames, keep_from) - at;
    pending_skipped_ += skip;
    skipped_.fetch_add(skip, std::memory_order_relaxed);
    offset_ += uint32_t(skip);
    at += skip;
    expected_ = at;
    if (offset_ == b.frames) {
      pop(b);
      return false;
    }
  }
  catching_up_ = false;
  return true;
}

void CaptureRing::start_info(const Block& b, uint64_t at, ReadInfo* info) {
  if (info) {
    info->index = at;
    info->block_index = b.index;
    info->stamp = b.stamp;
    info->adc_ns = b.stamp.adc_ns == 0 ? 0 : b.stamp.adc_ns + int64_t(double(offset_) * ns_per_frame_);
    info->lost = pending_lost_;
    info->skipped = pending_skipped_;
  }
  pending_lost_ = pending_skipped_ = 0;
}

size_t CaptureRing::read(float* out, size_t max, ReadInfo* info) {
  if (info) *info = ReadInfo{};
  const uint64_t overruns = overruns_.load(std::memory_order_relaxed);
  if (overruns != seen_overruns_) {
    seen_overruns_ = overruns;
    catching_up_ = max_backlog_ > 0;
  }
  size_t got = 0;
  while (got < max) {
    const Block* b = front();
    if (b == nullptr) break;
    uint64_t at = b->index + offset_;
    if (at != expected_) {
      if (got > 0) break;  // the samples of one read are contiguous
      note_gap(at);
    }
    if (catching_up_ && !catch_up(*b, at)) continue;
    if (got == 0) start_info(*b, at, info);
    const size_t n = std::min<size_t>(max - got, b->frames - offset_);
    const size_t pos = size_t((b->ring_pos + offset_) % capacity_);
    const size_t part = std::min(n, capacity_ - pos);
    std::copy(samples_.get() + pos, samples_.get() + pos + part, out + got);
    std::copy(samples_.get(), samples_.get() + (n - part), out + got + part);
    offset_ += uint32_t(n);
    got += n;
    expected_ = at + n;
    last_read_ns_.store(b->stamp.write_ns, std::memory_order_relaxed);
    if (offset_ == b->frames) pop(*b);
  }
  if (info) info->frames = got;
  return got;
}

}  // namespace e2m::audio
