// `e2m eval`: score the music2dance and text2motion models against the real data and the baselines
// (DESIGN.md 6) and write report.md, report.json and PNG plots.
#include <chrono>
#include <cstdio>
#include <cxxopts.hpp>
#include <memory>

#include "app/commands.h"
#include "app/default_models.h"
#include "eval/eval_report.h"
#include "io/dataset_cache.h"
#include "motion/error.h"
#include "train/progress.h"

namespace e2m::app {
namespace {

// One progress bar per stage of the evaluation; each stage is named when it starts and timed when
// the next one starts.
class StageBars {
 public:
  explicit StageBars(bool enabled) : enabled_(enabled) {}
  void operator()(const std::string& stage, int done, int total) {
    if (!enabled_) return;
    if (stage != stage_) {
      close();
      std::fprintf(stderr, "%s...\n", stage.c_str());
      bar_ = std::make_unique<train::ProgressBar>(total);
      stage_ = stage;
      start_ = std::chrono::steady_clock::now();
    }
    bar_->update(done, "");
  }
  ~StageBars() { close(); }

 private:
  void close() {
    if (!bar_) return;
    bar_->finish();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    std::fprintf(stderr, "  %s: %.1f s\n", stage_.c_str(), s);
    bar_.reset();
  }
  bool enabled_;
  std::string stage_;
  std::unique_ptr<train::ProgressBar> bar_;
  std::chrono::steady_clock::time_point start_;
};

struct Plan {
  std::string music_model, text_model, music_data = "tang.e2md", text_data = "bandai.e2md";
  bool music = true, text = true, real_only = false;
};

// Dataset caches go to the part that uses them: a cache of audio-aligned dances (tang, aist) to
// music2dance, any other to text2motion. A cache that does not exist yet goes by its file name, so
// that check_files can name it with the rest.
void assign_data(const std::vector<std::string>& caches, Plan& plan) {
  for (const auto& c : caches) {
    std::string name = std::filesystem::path(c).stem().string();
    if (std::filesystem::exists(c)) io::read_dataset_index(c, &name);
    const bool music = name.find("tang") != std::string::npos || name.find("aist") != std::string::npos;
    (music ? plan.music_data : plan.text_data) = c;
  }
}

// Every file the plan needs, checked before any long work; one line per missing file.
void check_files(const Plan& plan) {
  std::string missing;
  auto need = [&](bool on, const std::string& path, const std::string& how) {
    if (on && !std::filesystem::exists(path)) missing += "\n  " + path + ": not found (" + how + ")";
  };
  need(plan.music, plan.music_data, "e2m import tang <tang-dance folder> -o " + plan.music_data);
  need(plan.text, plan.text_data, "e2m import bandai <bandai folder> -o " + plan.text_data);
  need(plan.music && !plan.real_only, plan.music_model, "train it: training/README.md, or --real-only");
  need(plan.text && !plan.real_only, plan.text_model, "train it: training/README.md, or --real-only");
  if (!missing.empty()) throw Error("missing files:" + missing);
}

void apply_quick(eval::MusicEvalOptions& m, eval::TextEvalOptions& t) {
  m.max_clip_s = 20;
  m.bootstrap = 20;
  m.sweep_s = 4;
  m.classifier.steps = 60;
  m.classifier.batch = 8;
  t.bootstrap = 20;
  t.pools = 5;
  t.judge.steps = 60;
  t.judge.batch = 8;
  t.cue_seeds = 2;
  t.cue_frames = 60;
  t.multimodality_texts = 2;
  t.multimodality_samples = 2;
}

void run_music(const Plan& plan, const eval::MusicEvalOptions& opt, int threads,
               const eval::StageProgress& progress, eval::EvalReport& report) {
  std::fprintf(stderr, "music2dance: loading %s...\n", plan.music_data.c_str());
  const auto data = train::TrainingData::load({plan.music_data}, {.need_audio = true});
  model::MusicToDance m2d;
  if (!plan.real_only) m2d.load(plan.music_model, threads);
  report.music_model = plan.real_only ? "" : plan.music_model;
  report.music_data = plan.music_data;
  report.music = eval::evaluate_music(data, plan.real_only ? nullptr : &m2d, opt, progress);
}

void run_text(const Plan& plan, eval::TextEvalOptions opt, int threads, const eval::StageProgress& progress,
              eval::EvalReport& report) {
  std::fprintf(stderr, "text2motion: loading %s...\n", plan.text_data.c_str());
  const auto data = train::TrainingData::load({plan.text_data}, {.need_captions = true});
  model::TextToMotion t2m;
  if (!plan.real_only) {
    t2m.load(plan.text_model, threads);
    // Real and generated motion are judged over the same frames: no more than the model makes.
    opt.max_frames = std::min(opt.max_frames, t2m.meta().config.text.max_frames);
  }
  report.text_model = plan.real_only ? "" : plan.text_model;
  report.text_data = plan.text_data;
  report.text = eval::evaluate_text(data, plan.real_only ? nullptr : &t2m, opt, progress);
}

cxxopts::Options eval_options(const char* prog) {
  cxxopts::Options options(
      prog,
      "Score the models against the real data and the baselines (DESIGN.md section 6). Music2dance: Beat\n"
      "Align Score both ways, FID_k / FID_g with a real-vs-real row and bootstrap intervals, diversity, "
      "foot\n"
      "skating, jerk, bone drift, seams, genre. Text2motion: R-precision, MM-Dist, FID, diversity,\n"
      "content/style accuracy and the cue check. Writes <out>/report.md, report.json and PNG plots. The\n"
      "classifiers and the text evaluator are trained on the real data once and kept in --judges.\n\n"
      "  e2m eval                                # the default models on tang.e2md and bandai.e2md\n"
      "  e2m eval --only music --music-model m.e2mm --data tang.e2md --out eval_m\n"
      "  e2m eval --real-only --only music      # the real data and baselines, no model\n"
      "  e2m eval --quick --out /tmp/smoke      # a small smoke run\n");
  options.add_options()("music-model",
                        "music2dance model file (default " + default_model_help(kDefaultMusicModel) + ")",
                        cxxopts::value<std::string>())(
      "text-model", "text2motion model file (default " + default_model_help(kDefaultTextModel) + ")",
      cxxopts::value<std::string>())(
      "data", "dataset caches (comma-separated; tang/aist caches go to music2dance, others to text2motion)",
      cxxopts::value<std::vector<std::string>>()->default_value("tang.e2md,bandai.e2md"))(
      "only", "music | text (default: both)", cxxopts::value<std::string>())(
      "real-only", "no model: the real data and the music-agnostic baselines only")(
      "o,out", "report folder", cxxopts::value<std::string>()->default_value("eval_report"))(
      "json", "print the report as JSON on stdout (the markdown is still written)")(
      "quick", "small smoke run: 20 s of each song, few resamples, briefly trained judges (in <out>/judges)")(
      "judges", "folder of the trained classifier / evaluator files (default: models, --quick: <out>/judges)",
      cxxopts::value<std::string>())("retrain-judges", "train the classifiers and the evaluator again")(
      "seed", "seed of pools, bootstraps and the replayed baseline",
      cxxopts::value<uint64_t>()->default_value("1"))(
      "threads", "CPU threads", cxxopts::value<int>()->default_value("2"))("no-progress", "no progress bars")(
      "h,help", "show this help");
  return options;
}

}  // namespace

int cmd_eval(int argc, char** argv) {
  cxxopts::Options options = eval_options(argv[0]);
  auto args = options.parse(argc, argv);
  if (args.count("help")) {
    std::printf("%s\n", options.help().c_str());
    return 0;
  }
  Plan plan;
  plan.music_model = args.count("music-model") ? std::filesystem::path(args["music-model"].as<std::string>())
                                               : default_model(kDefaultMusicModel);
  plan.text_model = args.count("text-model") ? std::filesystem::path(args["text-model"].as<std::string>())
                                             : default_model(kDefaultTextModel);
  plan.real_only = args.count("real-only") > 0;
  if (args.count("only")) {
    const std::string only = args["only"].as<std::string>();
    if (only != "music" && only != "text") {
      std::fprintf(stderr, "e2m eval: --only %s: expected music or text\n", only.c_str());
      return 2;
    }
    plan.music = only == "music";
    plan.text = only == "text";
  }
  assign_data(args["data"].as<std::vector<std::string>>(), plan);
  check_files(plan);

  const bool quick = args.count("quick") > 0;
  const std::filesystem::path out = args["out"].as<std::string>();
  std::filesystem::path judges = quick ? out / "judges" : "models";
  if (args.count("judges")) judges = args["judges"].as<std::string>();
  eval::MusicEvalOptions mopt;
  eval::TextEvalOptions topt;
  if (quick) apply_quick(mopt, topt);
  mopt.seed = topt.seed = args["seed"].as<uint64_t>();
  mopt.retrain = topt.retrain = args.count("retrain-judges") > 0;
  mopt.classifier_file = judges / "eval_genre_classifier.e2mj";
  topt.classifier_file = judges / "eval_content_style_classifier.e2mj";
  topt.evaluator_file = judges / "eval_text_evaluator.e2mj";
  const int threads = std::max(1, args["threads"].as<int>());
  model::configure_cpu_runtime();
  torch::set_num_threads(threads);
  StageBars bars(!args.count("no-progress"));
  auto progress = [&bars](const std::string& s, int d, int n) { bars(s, d, n); };

  eval::EvalReport report;
  report.quick = quick;
  if (plan.music) run_music(plan, mopt, threads, progress, report);
  if (plan.text) run_text(plan, topt, threads, progress, report);
  const auto files = eval::write_report(report, out);
  if (args.count("json"))
    std::printf("%s\n", eval::report_json(report).dump(2).c_str());
  else
    std::printf("%s", eval::report_markdown(report).c_str());
  std::fprintf(stderr, "wrote %zu files to %s (report.md)\n", files.size(), out.string().c_str());
  return 0;
}

}  // namespace e2m::app
