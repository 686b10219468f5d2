// Training logs: the CSV of losses (step, train_loss, val_loss, lr, seconds) and its loss-curve PNG.
#pragma once
#include <filesystem>
#include <fstream>
#include <optional>
#include <vector>

namespace e2m::train {

struct LogRow {
  int64_t step = 0;
  double train_loss = 0;
  std::optional<double> val_loss;  // empty cell when not evaluated at this step
  double lr = 0;
  double seconds = 0;  // wall time since the run started (continued across resumes)
};

// Reads a log written by CsvLog; throws e2m::Error naming the file and line when malformed.
std::vector<LogRow> read_log(const std::filesystem::path& path);

class CsvLog {
 public:
  // Creates the file with its header, or (resume) keeps the rows up to and including
  // `resume_step` of an existing log and appends after them.
  CsvLog(const std::filesystem::path& path, bool resume, int64_t resume_step);
  void write(const LogRow& row);
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::ofstream out_;
};

// A line plot of train (blue) and validation (orange) loss against step: axes, grid, tick labels,
// log-scale y when the losses span more than a factor of 20. Throws e2m::Error when it cannot write.
void write_loss_plot(const std::vector<LogRow>& rows, const std::filesystem::path& png, int width = 800,
                     int height = 480);

}  // namespace e2m::train
