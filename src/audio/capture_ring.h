// The lock-free hand-over from a real-time audio callback to the analysis thread: a preallocated
// single-producer/single-consumer ring whose capacity is in samples, whatever the callback's block size.
// Every block carries the stream index of its first sample and its timestamps, so the reader sees gaps
// (dropped audio, device outages) by index, and after an overrun skips ahead to recent audio.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace e2m::audio {

// When a block's audio was captured, as the callback knew it.
struct BlockStamp {
  double host_adc_time = 0;  // the host's own ADC time of the block's first sample, on the host's clock
                             // (PortAudio: inputBufferAdcTime; JACK: its microsecond clock, in s); 0 = none
  int64_t adc_ns = 0;        // the same instant on the steady clock (steady_ns); 0 = unknown
  int64_t write_ns = 0;      // steady clock when the callback wrote the block
};

// What one read returned. The samples of a read are contiguous: a read stops before a gap.
struct ReadInfo {
  uint64_t index = 0;        // stream index of out[0]: samples since the stream started, gaps included
  size_t frames = 0;         // samples returned (0: nothing was read, the rest is meaningless)
  int64_t adc_ns = 0;        // steady clock when out[0] hit the converter (0 = unknown)
  uint64_t block_index = 0;  // index of the first sample of the block out[0] came from,
  BlockStamp stamp;          // whose timestamps these are
  uint64_t lost = 0;         // frames missing just before out[0] (overrun drops, device outage)
  uint64_t skipped = 0;      // frames the reader skipped just before out[0] to catch up after an overrun
};

class CaptureRing {
 public:
  // capacity_frames: samples the ring holds before the callback starts dropping (an overrun).
  // sample_rate: lets a read time out[0] within its block (0: ReadInfo::adc_ns is the block's).
  // max_backlog_frames: after an overrun the reader skips audio older than this many samples behind the
  // newest (0: never skip, the reader gets every sample that was stored).
  explicit CaptureRing(size_t capacity_frames, double sample_rate = 0, size_t max_backlog_frames = 0);

  // ---- Real-time side (one producer at a time). Never allocates, locks, logs or throws: when the ring
  // is full the block is dropped and counted, and its span of the stream index is left as a gap.
  // Mixes `channels` interleaved channels to mono; nullptr input stores silence.
  void write(const float* interleaved, unsigned long frames, int channels, const BlockStamp& stamp) noexcept;
  // The same, stamped with the current steady clock (a source with no host timestamps).
  void write(const float* interleaved, unsigned long frames, int channels) noexcept;
  // Mixes `channels` separate channel buffers (JACK's layout) to mono.
  void write_planar(const float* const* planes, int channels, unsigned long frames,
                    const BlockStamp& stamp) noexcept;
  // A span of the stream that never arrived (the device was gone): the index moves on, nothing is stored.
  // Call only while no callback runs.
  void skip_input(uint64_t frames) noexcept;

  // ---- Reader side (one consumer thread). Copies up to `max` contiguous samples; returns how many
  // (0 when nothing is waiting). `info`, when given, describes what was read.
  size_t read(float* out, size_t max, ReadInfo* info = nullptr);
  // Steady-clock time at which the newest block the reader has taken was written.
  int64_t last_read_write_ns() const { return last_read_ns_.load(std::memory_order_relaxed); }

  // ---- Counters, readable from any thread (each one current; together not one instant).
  size_t capacity() const { return capacity_; }
  uint64_t frames_written() const { return written_.load(std::memory_order_relaxed); }  // stored + dropped
  uint64_t frames_dropped() const { return dropped_.load(std::memory_order_relaxed); }
  uint64_t overruns() const { return overruns_.load(std::memory_order_relaxed); }  // blocks dropped
  uint64_t frames_lost() const { return lost_.load(std::memory_order_relaxed); }   // gaps seen by the reader
  uint64_t gaps() const { return gaps_.load(std::memory_order_relaxed); }
  uint64_t frames_skipped() const { return skipped_.load(std::memory_order_relaxed); }
  uint64_t next_index() const { return next_index_.load(std::memory_order_acquire); }  // producer's newest
  int64_t last_write_ns() const { return last_write_ns_.load(std::memory_order_relaxed); }

 private:
  struct Block {
    uint64_t index = 0;     // stream index of the first sample
    uint64_t ring_pos = 0;  // where its samples start in the ring (monotonic, modulo capacity)
    uint32_t frames = 0;
    BlockStamp stamp;
  };
  template <class Fill>
  void push(unsigned long frames, const BlockStamp& stamp, Fill fill) noexcept;
  const Block* front() const;
  void pop(const Block& b);
  bool catch_up(const Block& b, uint64_t& at);
  void note_gap(uint64_t at);
  void start_info(const Block& b, uint64_t at, ReadInfo* info);

  const size_t capacity_;       // samples
  const size_t block_slots_;    // block descriptors (blocks of >= kMinBlockFrames fill the samples first)
  const double ns_per_frame_;   // 0 when the rate is unknown
  const uint64_t max_backlog_;  // 0 = never skip
  std::unique_ptr<float[]> samples_;
  std::unique_ptr<Block[]> blocks_;

  // Producer side (atomics: a reopened device's callback runs on a new thread).
  alignas(64) std::atomic<uint64_t> head_pos_{0}, head_block_{0}, next_index_{0};
  std::atomic<int64_t> last_write_ns_{0};
  std::atomic<uint64_t> written_{0}, dropped_{0}, overruns_{0};
  // Consumer side.
  alignas(64) std::atomic<uint64_t> tail_pos_{0}, tail_block_{0};
  std::atomic<uint64_t> lost_{0}, gaps_{0}, skipped_{0};
  std::atomic<int64_t> last_read_ns_{0};
  uint32_t offset_ = 0;    // samples already taken from the front block
  uint64_t expected_ = 0;  // index the next sample should have if nothing was lost
  uint64_t seen_overruns_ = 0;
  bool catching_up_ = false;
  uint64_t pending_lost_ = 0, pending_skipped_ = 0;  // reported with the next sample read
};

// Steady clock in nanoseconds (vDSO, no allocation: safe on the callback).
int64_t steady_ns() noexcept;

}  // namespace e2m::audio
