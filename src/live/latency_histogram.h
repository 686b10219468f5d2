// A fixed-size histogram of durations (nanoseconds) written by one real-time thread and read by any
// other: wake-up jitter and work time of the output clock, later of the audio callback.
//
// Bins: 10 us wide below 1 ms, 100 us wide to 10 ms, 1 ms wide to 100 ms, then one overflow bin.
// Every counter is an atomic (relaxed), so a reader may call percentile_ns() while the writer
// records; a percentile read during recording mixes bins from slightly different moments.
#pragma once
#include <array>
#include <atomic>
#include <cstdint>

namespace e2m::live {

class LatencyHistogram {
 public:
  static constexpr int kBins = 100 + 90 + 90 + 1;

  // Real-time side: never allocates, locks or throws. Negative durations count as 0.
  void record(int64_t ns) noexcept;
  // Not while another thread records.
  void reset() noexcept;

  uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }
  int64_t max_ns() const noexcept { return max_.load(std::memory_order_relaxed); }
  double mean_ns() const noexcept;
  // Upper edge of the bin holding the p-quantile (p in [0, 1]), never above max_ns(): an estimate
  // at most one bin width high. 0 when empty.
  int64_t percentile_ns(double p) const noexcept;
  // Samples in one bin so far (the monitor graphs the change between two reads).
  uint64_t bin_count(int bin) const noexcept { return bins_[size_t(bin)].load(std::memory_order_relaxed); }

  static int bin_of(int64_t ns) noexcept;
  static int64_t bin_upper_ns(int bin) noexcept;  // exclusive upper edge; the overflow bin: INT64_MAX

 private:
  std::array<std::atomic<uint64_t>, kBins> bins_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<int64_t> sum_{0};
  std::atomic<int64_t> max_{0};
};

}  // namespace e2m::live
