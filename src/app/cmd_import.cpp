// `e2m import`: turn a published dataset folder (or one BVH file) into a dataset cache (.e2md)
// that training reads.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cxxopts.hpp>
#include <map>

#include "app/commands.h"
#include "io/importers.h"
#include "motion/error.h"

namespace e2m::app {

namespace {

// A one-line bar redrawn in place on a terminal; every 10% as plain lines when stderr is a file.
class ProgressBar {
 public:
  void update(int done, int total, const std::string& item) {
    if (total <= 0) return;
    if (tty_) {
      const int width = 30, filled = done * width / total;
      std::fprintf(stderr, "\r[%s%s] %d/%d %-40.40s", std::string(filled, '#').c_str(),
                   std::string(width - filled, '.').c_str(), done, total, item.c_str());
      std::fflush(stderr);
    } else if (done * 10 / total != last_decile_) {
      last_decile_ = done * 10 / total;
      std::fprintf(stderr, "  %d/%d %s\n", done, total, item.c_str());
    }
  }
  void finish(int total) {
    if (tty_)
      std::fprintf(stderr, "\r[%s] %d/%d %-40s\n", std::string(30, '#').c_str(), total, total, "done");
  }

 private:
  bool tty_ = isatty(fileno(stderr)) != 0;
  int last_decile_ = -1;
};

// --explain: each distinct joint mapping once, with the files that used it.
void print_rigs(const std::vector<io::RigUse>& rigs) {
  constexpr size_t kFilesShown = 4;
  for (size_t i = 0; i < rigs.size(); ++i) {
    const auto& r = rigs[i];
    std::string files;
    for (size_t k = 0; k < r.files.size() && k < kFilesShown; ++k) files += (k ? ", " : "") + r.files[k];
    if (r.files.size() > kFilesShown)
      files += ", ... " + std::to_string(r.files.size() - kFilesShown) + " more";
    std::printf("\nrig %zu of %zu, %zu file(s): %s\n%s", i + 1, rigs.size(), r.files.size(), files.c_str(),
                r.mapping.c_str());
  }
}

std::string group_of(const motion::ClipMeta& m) {
  if (!m.genre.empty()) return m.genre;
  if (m.dataset == "bandai") return m.name.substr(0, m.name.find('_'));
  return m.dataset;
}

// Clips and frames per group and per split, counted as the clips stream into the cache.
struct Summary {
  struct Tally {
    int clips = 0;
    long frames = 0;
  };
  std::map<std::string, Tally> groups;
  std::map<io::Split, int> splits;
  int clips = 0;
  long frames = 0;
  void add(const motion::Clip& c, io::Split split) {
    auto& g = groups[group_of(c.meta)];
    ++g.clips;
    g.frames += c.frames();
    ++clips;
    frames += c.frames();
    ++splits[split];
  }
  void print(const std::string& dataset) const {
    std::printf("\n%-16s %6s %9s %8s\n", "group", "clips", "frames", "minutes");
    if (!(groups.size() == 1 && groups.begin()->first == dataset))
      for (const auto& [name, g] : groups)
        std::printf("%-16s %6d %9ld %8.1f\n", name.c_str(), g.clips, g.frames,
                    g.frames / io::kDatasetFps / 60.0);
    std::printf("%-16s %6d %9ld %8.1f   (30 fps)\n", dataset.c_str(), clips, frames,
                frames / io::kDatasetFps / 60.0);
    std::printf("split:");
    for (const auto& [s, n] : splits) std::printf(" %s %d", std::string(io::split_name(s)).c_str(), n);
    std::printf("\n");
  }
};

void print_problems(const io::ImportResult& res) {
  for (const auto& w : res.warnings) std::printf("warning: %s\n", w.c_str());
  std::printf("rejected: %zu\n", res.rejected.size());
  for (const auto& r : res.rejected) {
    // Most reasons already start with the file name.
    if (r.reason.starts_with(r.item))
      std::printf("  %s\n", r.reason.c_str());
    else
      std::printf("  %s: %s\n", r.item.c_str(), r.reason.c_str());
  }
}

}  // namespace

int cmd_import(int argc, char** argv) {
  cxxopts::Options options(
      argv[0],
      "Import a dataset folder into a dataset cache (.e2md): canonical skeleton, 30 fps, labels, captions,\n"
      "audio reference and a deterministic train/validation split.\n\n"
      "  e2m import bandai ../shared/data/bandai -o bandai.e2md\n"
      "  e2m import ../shared/data/tang-dance -o tang.e2md        (kind detected)\n"
      "  e2m import --explain walk.bvh           (one BVH of any humanoid rig; prints the joint mapping)\n"
      "kinds: bandai | tang | humanml3d | aist | bvh   (aist: run training/aist_pkl_to_npy.py first)\n"
      "bvh: a folder or one file of any humanoid rig, recognised by joint names (Mixamo, CMU, Bandai,\n"
      "SMPL, VRM, Rigify, ...) or else by the hierarchy's shape; --name-map overrides both.\n");
  options.positional_help("[kind] <folder|file.bvh>");
  options.add_options()("o,output", "output cache file (default <kind>.e2md)", cxxopts::value<std::string>())(
      "name-map", "bvh: joint name map file (default: recognise the rig from names or topology)",
      cxxopts::value<std::string>())("explain", "bvh: print the joint mapping chosen for each rig")(
      "labels", "bvh: labels file (default labels.csv or labels.json in the folder)",
      cxxopts::value<std::string>())("validation-percent",
                                     "share of clips put in validation by the name hash",
                                     cxxopts::value<int>()->default_value("10"))(
      "limit", "import only the first N items (quick checks)", cxxopts::value<int>()->default_value("0"))(
      "captions", "captions generated per clip for label-only datasets",
      cxxopts::value<int>()->default_value("12"))("h,help", "show this help")(
      "args", "kind and folder (or .bvh file)", cxxopts::value<std::vector<std::string>>());
  options.parse_positional({"args"});
  auto args = options.parse(argc, argv);
  if (args.count("help")) {
    std::printf("%s\n", options.help().c_str());
    return 0;
  }
  std::vector<std::string> pos;
  if (args.count("args")) pos = args["args"].as<std::vector<std::string>>();
  if (pos.empty() || pos.size() > 2) {
    std::fprintf(stderr, "%s\n", options.help().c_str());
    return 2;
  }
  const std::filesystem::path folder = pos.back();
  if (!std::filesystem::exists(folder)) throw Error(folder.string() + ": no such file or folder");
  std::string kind = pos.size() == 2 ? pos[0] : io::detect_dataset_kind(folder);
  if (kind.empty())
    throw Error(folder.string() +
                ": cannot tell the dataset kind; give it: e2m import <bandai|tang|humanml3d|aist|bvh> " +
                folder.string());
  const std::filesystem::path out = args.count("output") ? args["output"].as<std::string>() : kind + ".e2md";

  io::ImportOptions opt;
  opt.validation_percent = args["validation-percent"].as<int>();
  opt.max_items = args["limit"].as<int>();
  opt.captions_per_clip = args["captions"].as<int>();
  if (args.count("name-map")) opt.name_map = args["name-map"].as<std::string>();
  if (args.count("labels")) opt.labels = args["labels"].as<std::string>();
  ProgressBar bar;
  opt.progress = [&bar](int done, int total, const std::string& item) { bar.update(done, total, item); };

  // The clips stream into the cache as they are made: the import holds one item at a time.
  io::DatasetWriter writer(out, kind);  // each importer names its dataset after its kind
  Summary summary;
  opt.on_clip = [&](motion::Clip&& clip, io::Split split) {
    writer.add(clip, split);
    summary.add(clip, split);
  };
  std::printf("importing %s from %s\n", kind.c_str(), folder.string().c_str());
  std::fflush(stdout);
  const auto t0 = std::chrono::steady_clock::now();
  io::ImportResult res = io::import_dataset(kind, folder, opt);
  bar.finish(static_cast<int>(summary.clips + res.rejected.size()));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  if (summary.clips > 0) writer.finish();  // else the writer removes its temporary block file
  if (args.count("explain")) print_rigs(res.rigs);
  summary.print(res.dataset.name);
  print_problems(res);
  std::printf("import took %.1f s\n", seconds);
  if (summary.clips == 0) {
    std::fprintf(stderr, "e2m import: no clip could be imported; nothing written\n");
    return 1;
  }
  std::printf("wrote %s\n", out.string().c_str());
  return 0;
}

}  // namespace e2m::app
