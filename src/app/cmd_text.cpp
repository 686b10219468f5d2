// `e2m text`: generate a BVH clip from a sentence with a text2motion model file.
#include <cctype>
#include <cstdio>
#include <cxxopts.hpp>
#include <memory>

#include "app/commands.h"
#include "app/default_models.h"
#include "io/bvh.h"
#include "model/clip_encoder.h"
#include "model/cue_caption.h"
#include "model/inference.h"
#include "motion/error.h"

namespace e2m::app {

namespace {

// "A person waves!" -> "a_person_waves": lower-case letters and digits, words joined by '_', at most
// 48 characters; "motion" when nothing is left.
std::string file_stem_for(const std::string& text) {
  std::string out;
  for (unsigned char ch : text) {
    if (std::isalnum(ch)) {
      out += static_cast<char>(std::tolower(ch));
    } else if (!out.empty() && out.back() != '_') {
      out += '_';
    }
    if (out.size() >= 48) break;
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out.empty() ? "motion" : out;
}

}  // namespace

int cmd_text(int argc, char** argv) {
  cxxopts::Options options(argv[0],
                           "Generate motion from a sentence with a text2motion model and write it as BVH.\n\n"
                           "  e2m text \"a person waves\" -o wave.bvh --frames 120\n");
  options.positional_help("\"<sentence>\"");
  options.add_options()(
      "m,model", "text2motion model file (.e2mm; default " + default_model_help(kDefaultTextModel) + ")",
      cxxopts::value<std::string>())(
      "o,output", "output BVH file (default: the sentence's words, e.g. a_person_waves.bvh)",
      cxxopts::value<std::string>())("frames", "number of frames at 30 fps",
                                     cxxopts::value<int>()->default_value("120"))(
      "seed", "sampling seed (0 = deterministic)", cxxopts::value<uint64_t>()->default_value("0"))(
      "threads", "CPU threads", cxxopts::value<int>()->default_value("2"))(
      "clip-model", "CLIP TorchScript file (models trained with the CLIP text encoder)",
      cxxopts::value<std::string>())("clip-vocab", "CLIP BPE vocabulary bpe_simple_vocab_16e6.txt.gz",
                                     cxxopts::value<std::string>())("h,help", "show this help")(
      "text", "the sentence", cxxopts::value<std::string>());
  options.parse_positional({"text"});
  auto args = options.parse(argc, argv);
  if (args.count("help")) {
    std::printf("%s\n", options.help().c_str());
    return 0;
  }
  if (!args.count("text")) {
    std::fprintf(stderr,
                 "e2m text: give a sentence, e.g. e2m text \"a person waves\" (--help for the options)\n");
    return 2;
  }
  const std::string text = args["text"].as<std::string>();
  const int frames = args["frames"].as<int>();
  if (frames < 1) throw Error("--frames must be at least 1");

  model::TextToMotion t2m;
  t2m.load(args.count("model") ? std::filesystem::path(args["model"].as<std::string>())
                               : default_model(kDefaultTextModel),
           args["threads"].as<int>());
  const auto& cfg = t2m.meta().config;
  if (frames > cfg.text.max_frames)
    throw Error("--frames " + std::to_string(frames) + ": this model makes at most " +
                std::to_string(cfg.text.max_frames) + " frames");
  if (cfg.text.encoder == "clip") {
    std::string clip_model =
        args.count("clip-model") ? args["clip-model"].as<std::string>() : cfg.text.clip_model;
    if (clip_model.empty() || !args.count("clip-vocab"))
      throw Error(
          "this model uses the CLIP text encoder: give --clip-model <file.pt> and --clip-vocab <bpe.txt.gz>");
    auto encoder = std::make_shared<model::ClipTextEncoder>(clip_model);
    encoder->set_tokenizer(std::make_shared<model::ClipTokenizer>(args["clip-vocab"].as<std::string>()));
    const int max_tokens = cfg.text.max_tokens;
    t2m.set_frontend(
        [encoder, max_tokens](const std::string& s) { return encoder->text_input({s}, max_tokens); });
  }
  motion::Clip clip = t2m.generate(text, frames, args["seed"].as<uint64_t>());
  const std::string out =
      args.count("output") ? args["output"].as<std::string>() : file_stem_for(text) + ".bvh";
  io::write_bvh(io::clip_to_bvh(clip), out);
  // Say what the model was given when the cue was put in the captions' form ("bow" -> "a person bows").
  const std::string given = model::caption_for_cue(text);
  const std::string as_given = given == text ? "" : " (given as \"" + given + "\")";
  std::printf("wrote %s: %d frames (%.1f s) for \"%s\"%s\n", out.c_str(), clip.frames(), clip.duration(),
              text.c_str(), as_given.c_str());
  return 0;
}

}  // namespace e2m::app
