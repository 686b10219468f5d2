// `e2m bench`: speed and latency figures of every area, as a table or as JSON (--json).
#include <cstdio>
#include <cxxopts.hpp>
#include <string>

#include "app/bench.h"
#include "app/commands.h"
#include "motion/error.h"

namespace e2m::app {

// Replaced by bench_model.cpp when the model area provides one.
__attribute__((weak)) void bench_model(const BenchOptions&, BenchReport&) {}

namespace {

std::string json_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", c);
      o += b;
      continue;
    }
    o += c;
  }
  return o;
}

}  // namespace

int cmd_bench(int argc, char** argv) {
  cxxopts::Options options(
      argv[0],
      "Measure speed and latency: audio feature extraction (multiple of real time), "
      "capture-to-feature latency, model figures.\n\n  e2m bench\n  e2m bench --json --quick\n");
  options.add_options()("json", "print the figures as JSON")("threads", "CPU threads for the measured work",
                                                             cxxopts::value<int>()->default_value("1"))(
      "quick", "fewer repetitions (smoke test)")(
      "only", "one section: audio | model | live | monitor | train-scaling (only on request)",
      cxxopts::value<std::string>())("h,help", "show help");
  const auto args = options.parse(argc, argv);
  if (args.count("help")) {
    std::printf("%s\n", options.help().c_str());
    return 0;
  }
  BenchOptions opt;
  opt.threads = args["threads"].as<int>();
  opt.quick = args.count("quick") > 0;
  if (args.count("only")) opt.only = args["only"].as<std::string>();
  if (opt.threads < 1) throw Error("--threads " + std::to_string(opt.threads) + ": expected at least 1");
  if (!opt.only.empty() && opt.only != "audio" && opt.only != "model" && opt.only != "live" &&
      opt.only != "monitor" && opt.only != "train-scaling")
    throw Error("--only " + opt.only + ": expected audio, model, live, monitor or train-scaling");
  BenchReport report;
  if (opt.only.empty() || opt.only == "audio") bench_audio(opt, report);
  if (opt.only.empty() || opt.only == "model") bench_model(opt, report);
  if (opt.only.empty() || opt.only == "live") bench_live(opt, report);
  if (opt.only.empty() || opt.only == "monitor") bench_monitor(opt, report);
  if (opt.only == "train-scaling") bench_train(opt, report);
  if (args.count("json")) {
    std::printf("{\n  \"threads\": %d,\n  \"quick\": %s,\n  \"figures\": [", opt.threads,
                opt.quick ? "true" : "false");
    for (size_t i = 0; i < report.size(); ++i) {
      const auto& f = report[i];
      std::printf(
          "%s\n    {\"section\": \"%s\", \"name\": \"%s\", \"value\": %.6g, \"unit\": \"%s\", \"note\": "
          "\"%s\"}",
          i ? "," : "", json_escape(f.section).c_str(), json_escape(f.name).c_str(), f.value,
          json_escape(f.unit).c_str(), json_escape(f.note).c_str());
    }
    std::printf("\n  ]\n}\n");
    return 0;
  }
  std::printf("%-8s %-36s %12s %-6s %s\n", "section", "figure", "value", "unit", "note");
  for (const auto& f : report)
    std::printf("%-8s %-36s %12.2f %-6s %s\n", f.section.c_str(), f.name.c_str(), f.value, f.unit.c_str(),
                f.note.c_str());
  return 0;
}

}  // namespace e2m::app
