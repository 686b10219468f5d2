// `e2m export`: list the clips of a dataset cache, or write one back out as BVH.
#include <cstdio>
#include <cxxopts.hpp>

#include "app/commands.h"
#include "io/bvh.h"
#include "io/dataset_cache.h"
#include "motion/error.h"

namespace e2m::app {

int cmd_export(int argc, char** argv) {
  cxxopts::Options options(
      argv[0],
      "List the clips of a dataset cache or export one as BVH (canonical skeleton, centimetres).\n\n"
      "  e2m export bandai.e2md --list\n"
      "  e2m export bandai.e2md --clip dataset-1_bow_active_001 -o bow.bvh\n");
  options.positional_help("<cache.e2md>");
  options.add_options()("list", "list the clips (index, name, frames, split, labels, first caption)")(
      "clip", "clip name", cxxopts::value<std::string>())("index", "clip index", cxxopts::value<int>())(
      "o,output", "output BVH file", cxxopts::value<std::string>())(
      "scale", "BVH units per metre", cxxopts::value<double>()->default_value("100"))(
      "h,help", "show this help")("cache", "dataset cache", cxxopts::value<std::string>());
  options.parse_positional({"cache"});
  auto args = options.parse(argc, argv);
  if (args.count("help")) {
    std::printf("%s\n", options.help().c_str());
    return 0;
  }
  if (!args.count("cache")) {
    std::fprintf(stderr, "%s\n", options.help().c_str());
    return 2;
  }
  const std::filesystem::path cache = args["cache"].as<std::string>();
  if (args.count("list")) {
    std::string name;
    const auto index = io::read_dataset_index(cache, &name);
    std::printf("%s: dataset '%s', %zu clips\n", cache.string().c_str(), name.c_str(), index.size());
    for (size_t i = 0; i < index.size(); ++i) {
      const auto& c = index[i];
      std::string labels = c.meta.content;
      if (!c.meta.style.empty()) labels += "/" + c.meta.style;
      if (!c.meta.genre.empty()) labels += (labels.empty() ? "" : " ") + c.meta.genre;
      std::printf("%4zu  %-44s %6d fr %7.1f s  %-10s %-28s %s\n", i, c.meta.name.c_str(), c.frames,
                  c.frames / c.fps, std::string(io::split_name(c.split)).c_str(), labels.c_str(),
                  c.meta.captions.empty() ? "" : c.meta.captions[0].c_str());
    }
    return 0;
  }
  if (!args.count("output") || (args.count("clip") == args.count("index")))
    throw Error("export needs exactly one of --clip NAME or --index I, and -o out.bvh (or --list)");
  const io::Dataset ds = io::read_dataset(cache);
  int idx = -1;
  if (args.count("index")) {
    idx = args["index"].as<int>();
    if (idx < 0 || idx >= static_cast<int>(ds.clips.size()))
      throw Error(cache.string() + ": --index " + std::to_string(idx) + " out of range (0.." +
                  std::to_string(static_cast<int>(ds.clips.size()) - 1) + ")");
  } else {
    const std::string want = args["clip"].as<std::string>();
    for (size_t i = 0; i < ds.clips.size(); ++i)
      if (ds.clips[i].meta.name == want) idx = static_cast<int>(i);
    if (idx < 0) throw Error(cache.string() + ": no clip named '" + want + "' (see --list)");
  }
  const auto& clip = ds.clips[idx];
  const std::filesystem::path out = args["output"].as<std::string>();
  io::write_bvh(io::clip_to_bvh(clip, args["scale"].as<double>()), out);
  std::printf("wrote %s: %s, %d frames at %.0f fps\n", out.string().c_str(), clip.meta.name.c_str(),
              clip.frames(), clip.fps);
  return 0;
}

}  // namespace e2m::app
