// `e2m render`: draw a few frames of a BVH file or a cached clip as stick figures into a PNG.
#include <cstdio>
#include <cxxopts.hpp>
#include <sstream>

#include "app/commands.h"
#include "eval/render_png.h"
#include "io/bvh.h"
#include "io/dataset_cache.h"
#include "motion/error.h"

namespace e2m::app {

namespace {

std::vector<int> parse_frames(const std::string& s) {
  std::vector<int> out;
  std::stringstream ss(s);
  for (std::string tok; std::getline(ss, tok, ',');) {
    try {
      size_t used = 0;
      out.push_back(std::stoi(tok, &used));
      if (used != tok.size()) throw std::invalid_argument(tok);
    } catch (const std::exception&) {
      throw Error("--frames: '" + tok + "' is not a frame number (expected e.g. 0,30,60)");
    }
  }
  return out;
}

}  // namespace

int cmd_render(int argc, char** argv) {
  cxxopts::Options options(
      argv[0],
      "Draw frames of a BVH file or a cached clip as stick figures (front view above, side view\n"
      "from the character's right below; red = the character's left, blue = right, green = facing).\n\n"
      "  e2m render walk.bvh -o walk.png --frames 0,30,60,90\n"
      "  e2m render tang.e2md --clip DANCE_W_23 -o w23.png\n");
  options.positional_help("<file.bvh | cache.e2md>");
  options.add_options()("o,output", "output PNG", cxxopts::value<std::string>())(
      "frames", "comma-separated frame numbers", cxxopts::value<std::string>())(
      "count", "number of evenly spaced frames when --frames is not given",
      cxxopts::value<int>()->default_value("6"))(
      "clip", "clip name (cache input)", cxxopts::value<std::string>())("index", "clip index (cache input)",
                                                                        cxxopts::value<int>())(
      "panel", "panel width in pixels (height is 1.3 x)", cxxopts::value<int>()->default_value("200"))(
      "raw", "BVH input: draw the file's own joints even when it uses the canonical skeleton")(
      "h,help", "show this help")("input", "BVH file or dataset cache", cxxopts::value<std::string>());
  options.parse_positional({"input"});
  auto args = options.parse(argc, argv);
  if (args.count("help")) {
    std::printf("%s\n", options.help().c_str());
    return 0;
  }
  if (!args.count("input") || !args.count("output")) {
    std::fprintf(stderr, "%s\n", options.help().c_str());
    return 2;
  }
  const std::filesystem::path input = args["input"].as<std::string>();
  const std::filesystem::path out = args["output"].as<std::string>();
  eval::RenderOptions ro;
  ro.panel_width = args["panel"].as<int>();
  ro.panel_height = ro.panel_width * 13 / 10;
  if (ro.panel_width < 60 || ro.panel_width > 2000) throw Error("--panel must be between 60 and 2000 pixels");
  auto pick = [&](int frames) {
    std::vector<int> f = args.count("frames") ? parse_frames(args["frames"].as<std::string>())
                                              : eval::spread_frames(frames, args["count"].as<int>());
    for (int x : f)
      if (x < 0 || x >= frames)
        throw Error("frame " + std::to_string(x) + " is outside the clip (0.." + std::to_string(frames - 1) +
                    ")");
    if (f.empty()) throw Error("no frames to draw");
    return f;
  };

  eval::SkeletonFrames sk;
  if (input.extension() == ".bvh") {
    const io::Bvh bvh = io::read_bvh(input);
    const auto frames = pick(bvh.frames);
    ro.title = input.filename().string();
    bool canonical = false;
    if (!args.count("raw")) {
      try {
        const motion::Clip clip = io::bvh_to_clip(bvh);
        sk = eval::clip_frames(clip, frames);
        canonical = true;
      } catch (const Error&) {
        // Not the canonical skeleton: draw the file's own joints.
      }
    }
    if (!canonical) sk = eval::bvh_frames(bvh, frames);
  } else {
    const io::Dataset ds = io::read_dataset(input);
    int idx = -1;
    if (args.count("index")) idx = args["index"].as<int>();
    if (args.count("clip"))
      for (size_t i = 0; i < ds.clips.size(); ++i)
        if (ds.clips[i].meta.name == args["clip"].as<std::string>()) idx = static_cast<int>(i);
    if (idx < 0 || idx >= static_cast<int>(ds.clips.size()))
      throw Error(input.string() +
                  ": give --clip NAME or --index I of an existing clip (see 'e2m export --list')");
    const auto& clip = ds.clips[idx];
    ro.title = clip.meta.name;
    sk = eval::clip_frames(clip, pick(clip.frames()));
  }
  eval::write_png(eval::render_frames(sk, ro), out);
  std::printf("wrote %s (%zu frames)\n", out.string().c_str(), sk.frames.size());
  return 0;
}

}  // namespace e2m::app
