// LatencyHistogram: piecewise-linear bins (10 us / 100 us / 1 ms) and percentiles over them.
#include "live/latency_histogram.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace e2m::live {

namespace {

constexpr int64_t kUs = 1000;

}  // namespace

int LatencyHistogram::bin_of(int64_t ns) noexcept {
  int64_t us = std::max<int64_t>(ns, 0) / kUs;
  if (us < 1000) return static_cast<int>(us / 10);
  if (us < 10000) return 100 + static_cast<int>((us - 1000) / 100);
  if (us < 100000) return 190 + static_cast<int>((us - 10000) / 1000);
  return kBins - 1;
}

int64_t LatencyHistogram::bin_upper_ns(int bin) noexcept {
  if (bin < 100) return (bin + 1) * 10 * kUs;
  if (bin < 190) return (1000 + (bin - 99) * 100) * kUs;
  if (bin < 280) return (10000 + (bin - 189) * 1000) * kUs;
  return std::numeric_limits<int64_t>::max();
}

void LatencyHistogram::record(int64_t ns) noexcept {
  ns = std::max<int64_t>(ns, 0);
  bins_[bin_of(ns)].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(ns, std::memory_order_relaxed);
  int64_t seen = max_.load(std::memory_order_relaxed);
  while (ns > seen && !max_.compare_exchange_weak(seen, ns, std::memory_order_relaxed)) {
  }
  // Counted last, so a reader never sees more samples than the bins hold.
  count_.fetch_add(1, std::memory_order_release);
}

void LatencyHistogram::reset() noexcept {
  for (auto& b : bins_) b.store(0, std::memory_order_relaxed);
  count_.store(0, std::memory_order_relaxed);
  sum_.store(0, std::memory_order_relaxed);
  max_.store(0, std::memory_order_relaxed);
}

double LatencyHistogram::mean_ns() const noexcept {
  uint64_t n = count();
  return n ? static_cast<double>(sum_.load(std::memory_order_relaxed)) / static_cast<double>(n) : 0.0;
}

int64_t LatencyHistogram::percentile_ns(double p) const noexcept {
  uint64_t n = count_.load(std::memory_order_acquire);
  if (n == 0) return 0;
  double q = std::clamp(std::isnan(p) ? 0.0 : p, 0.0, 1.0);
  // The sample of rank ceil(q n) (at least the first) decides the bin.
  uint64_t rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(n))));
  uint64_t seen = 0;
  for (int b = 0; b < kBins; ++b) {
    seen += bins_[b].load(std::memory_order_relaxed);
    if (seen >= rank) return std::min(bin_upper_ns(b), max_ns());
  }
  return max_ns();
}

}  // namespace e2m::live
