// `e2m bench`: each area adds its figures to one report, printed as a table or as JSON (--json).
#pragma once
#include <string>
#include <vector>

namespace e2m::app {

struct BenchFigure {
  std::string section;  // "audio", "model", ...
  std::string name;     // "features_realtime_factor"
  double value = 0;
  std::string unit;  // "x", "ms", "count", ...
  std::string note;  // target or context, e.g. "target >= 300x"
};

struct BenchOptions {
  int threads = 1;     // CPU threads for the measured work
  bool quick = false;  // fewer repetitions (for smoke tests)
  std::string only;    // run one section only ("audio", "model", "train-scaling"), empty = all
};

using BenchReport = std::vector<BenchFigure>;

// Defined in bench_<section>.cpp next to this header.
void bench_audio(const BenchOptions& opt, BenchReport& report);
void bench_model(const BenchOptions& opt, BenchReport& report);
void bench_live(const BenchOptions& opt, BenchReport& report);
void bench_monitor(const BenchOptions& opt, BenchReport& report);
void bench_train(const BenchOptions& opt, BenchReport& report);  // --only train-scaling

}  // namespace e2m::app
