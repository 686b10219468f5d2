// A low-latency onset detector for what must react at once (the VJ /e2m/onset message). Per block of
// about 2.9 ms it measures two energies: the signal's own (kicks and bass notes) and that of its first
// difference (broadband attacks: snares, hats, clicks; the difference weights the high end as the HFC
// onset function does, Masri 1996). An attack is a block whose energy in either rises 9 dB over the
// recent average (about 20 ms). The spectral-flux onset column of the features needs a 46 ms window and
// reports a peak about 35 ms late; this reports an attack within a block or two.
#pragma once
#include <cstddef>

namespace e2m::audio {

class TransientDetector {
 public:
  using Callback = void (*)(void* context, float strength, double time_s);
  // rate: sample rate of what push() gets; block: samples per block (default 64). An attack is a
  // block `ratio` times (default 8, 9 dB) over the average of the last `average_s` (default 0.02 s);
  // onsets are at least `refractory_s` (default 0.05 s) apart.
  explicit TransientDetector(int rate, int block = 64, double ratio = 8.0, double average_s = 0.02,
                             double refractory_s = 0.05);
  // Calls fn for every attack: strength in [0, 1] (1 = 20 dB over the average) and the time of the
  // end of its block in seconds since the first sample. No allocation.
  void push(const float* x, std::size_t n, Callback fn, void* context) noexcept;

 private:
  struct Band {
    double energy = 0, average = 0;
    double rise(double floor) const;  // energy over average, 0 when silent
  };
  void end_block(Callback fn, void* context) noexcept;

  int rate_, block_;
  double ratio_, avg_coef_;
  long refractory_blocks_;
  int fill_ = 0;
  Band level_, attack_;  // the signal, its first difference
  float prev_ = 0;
  long blocks_ = 0, last_onset_ = -1000000;
};

}  // namespace e2m::audio
