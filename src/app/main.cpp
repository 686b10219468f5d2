// e2m: one binary, subcommands. Dispatches to cmd_<name>.cpp and turns errors into one clear line.
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "app/commands.h"
#include "motion/error.h"

namespace {

using e2m::app::Command;

// Add a line here when a subcommand lands (keep the order of DESIGN.md section 1).
const std::vector<Command> kCommands = {
    {"import", "import a dataset folder into a dataset cache (.e2md)", e2m::app::cmd_import},
    {"export", "list a dataset cache or export one of its clips as BVH", e2m::app::cmd_export},
    {"render", "draw frames of a BVH file or cached clip to a PNG", e2m::app::cmd_render},
    {"features", "audio features at 30 fps (.npy) of a file, the demo track or a device",
     e2m::app::cmd_features},
    {"beats", "beat times and tempo of an audio file (--eval: the clock against real dances)",
     e2m::app::cmd_beats},
    {"train", "train a vae, text2motion or music2dance model from dataset caches", e2m::app::cmd_train},
    {"launch", "run N ranks of a data-parallel e2m train on this machine", e2m::app::cmd_launch},
    {"eval", "score the models against the real data and baselines: report.md, PNG plots, --json",
     e2m::app::cmd_eval},
    {"dance", "dance BVH from an audio file or the demo track with a music2dance model", e2m::app::cmd_dance},
    {"text", "motion BVH from a sentence with a text2motion model", e2m::app::cmd_text},
    {"live", "dance to live audio and stream it to VMC avatars and VJ OSC, with typed/OSC cues",
     e2m::app::cmd_live},
    {"devices", "list audio devices (PortAudio)", e2m::app::cmd_devices},
    {"bench", "speed and latency figures (--json)", e2m::app::cmd_bench},
};

void print_usage() {
  std::printf("e2m %s: live music-and-text-to-motion\n\nusage: e2m <command> [options]\n\ncommands:\n",
              E2M_VERSION);
  for (const auto& c : kCommands) std::printf("  %-10s %s\n", c.name, c.summary);
  std::printf("\n'e2m <command> --help' shows the options of a command.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") ||
      !std::strcmp(argv[1], "help")) {
    print_usage();
    return argc < 2 ? 2 : 0;
  }
  if (!std::strcmp(argv[1], "--version")) {
    std::printf("e2m %s\n", E2M_VERSION);
    return 0;
  }
  for (const auto& c : kCommands) {
    if (std::strcmp(argv[1], c.name) != 0) continue;
    std::string prog = std::string("e2m ") + c.name;
    argv[1] = prog.data();
    try {
      return c.run(argc - 1, argv + 1);
    } catch (const e2m::Error& e) {
      std::fprintf(stderr, "e2m %s: error: %s\n", c.name, e.what());
      return 1;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "e2m %s: error: %s\n", c.name, e.what());
      return 1;
    }
  }
  std::fprintf(stderr, "e2m: unknown command '%s' (see 'e2m --help')\n", argv[1]);
  return 2;
}
