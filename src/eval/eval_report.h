// The `e2m eval` report: markdown tables with the real data and the baselines beside each model,
// PNG plots a person can look at, and the same numbers as JSON.
#pragma once
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "eval/music_eval.h"
#include "eval/text_eval.h"

namespace e2m::eval {

struct EvalReport {
  std::string music_model, music_data, text_model, text_data;  // files as given (empty: not evaluated)
  bool quick = false;
  std::optional<MusicReport> music;
  std::optional<TextReport> text;
};

std::string music_markdown(const MusicReport& r, const EvalReport& meta);
std::string text_markdown(const TextReport& r, const EvalReport& meta);
std::string report_markdown(const EvalReport& r);
nlohmann::json report_json(const EvalReport& r);

// report.md, report.json and the PNGs it links (bas_offsets.png, music_scores.png, dance.png,
// text_scores.png, text_cues.png, text_sample.png; only those of the parts evaluated) into `dir`.
// Returns the files written.
std::vector<std::filesystem::path> write_report(const EvalReport& r, const std::filesystem::path& dir);

}  // namespace e2m::eval
