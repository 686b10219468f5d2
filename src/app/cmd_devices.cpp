// `e2m devices`: the audio devices PortAudio sees, with host API, channels and default rate.
#include <cstdio>
#include <cxxopts.hpp>
#include <string>

#include "app/commands.h"
#include "audio/source.h"

namespace e2m::app {

int cmd_devices(int argc, char** argv) {
  cxxopts::Options options(
      argv[0],
      "List audio devices (PortAudio): index, name, host API, input/output channels, default "
      "rate.\nUse one with --input device:NAME or device:INDEX.\n");
  options.add_options()("h,help", "show help");
  const auto args = options.parse(argc, argv);
  if (args.count("help")) {
    std::printf("%s\n", options.help().c_str());
    return 0;
  }
  const auto devices = audio::list_devices();
  if (devices.empty()) {
    std::string apis;
    for (const auto& h : audio::host_apis()) apis += (apis.empty() ? "" : ", ") + h;
    std::fprintf(
        stderr,
        "no audio devices found (PortAudio host APIs: %s). Connect an audio interface or start JACK;\n"
        "without a device use --input file:PATH or --input synth.\n",
        apis.empty() ? "none" : apis.c_str());
    return 1;
  }
  std::printf("%-5s %-40s %-28s %4s %4s %8s\n", "index", "name", "host API", "in", "out", "rate");
  for (const auto& d : devices) {
    std::string mark = d.default_input ? " (default in)" : "";
    if (d.default_output) mark += " (default out)";
    std::printf("%-5d %-40.40s %-28.28s %4d %4d %8.0f%s\n", d.index, d.name.c_str(), d.host_api.c_str(),
                d.max_input_channels, d.max_output_channels, d.default_sample_rate, mark.c_str());
  }
  std::printf(
      "\nUse one with --input device:NAME or device:INDEX. To dance to what this computer plays: with\n"
      "PulseAudio or PipeWire, make an output's \".monitor\" source the default capture (pactl\n"
      "set-default-source ...monitor) and use --input device; with JACK use --input device:system or\n"
      "connect the player's outputs to e2m's input ports.\n");
  return 0;
}

}  // namespace e2m::app
