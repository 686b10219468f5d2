// `e2m live`: dance to live audio (or a file played in real time) and stream the motion to VTuber
// (VMC) and VJ (OSC) receivers; cues typed on stdin, sent over OSC (/e2m/cue) or from MIDI.
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cxxopts.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "app/commands.h"
#include "audio/source.h"
#include "live/engine.h"
#include "model/inference.h"
#include "motion/error.h"
#include "net/command_server.h"
#include "net/live_outputs.h"

namespace e2m::app {
namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }

// Lines typed on stdin become commands (a cue, or /cancel, /genre NAME ...); a bad line is one error
// line and the show goes on. Polls so that the thread ends with the engine.
void stdin_loop(moodycamel::ConcurrentQueue<live::Command>& queue, const std::atomic<bool>& done) {
  std::string pending;
  char buf[512];
  while (!done) {
    pollfd p{STDIN_FILENO, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n <= 0) return;  // end of input: the show goes on without a keyboard
    pending.append(buf, size_t(n));
    for (size_t nl; (nl = pending.find('\n')) != std::string::npos; pending.erase(0, nl + 1)) {
      try {
        if (auto c = live::parse_command_line(pending.substr(0, nl))) queue.enqueue(*c);
      } catch (const Error& e) {
        std::fprintf(stderr, "e2m live: %s\n", e.what());
      }
    }
  }
}

std::filesystem::path default_model(const std::string& name) {
  for (const char* dir : {"models", "out"}) {
    const auto p = std::filesystem::path(dir) / name;
    if (std::filesystem::exists(p)) return p;
  }
  return std::filesystem::path("models") / name;
}

cxxopts::Options make_options(const char* prog) {
  cxxopts::Options options(
      prog,
      "Dance to live audio and stream the motion: VMC to VTuber avatars (VSeeFace, Warudo, VNyan, Unity),\n"
      "the VJ OSC layout to TouchDesigner or Resolume. Type a cue and Enter (\"wave\", \"bow\"; /cancel,\n"
      "/now TEXT, /upper TEXT, /genre NAME, /intensity X, /rootlock 0|1); OSC commands on --command-port.\n\n"
      "  e2m live                                   (the demo track to VMC 127.0.0.1:39539)\n"
      "  e2m live --input device --vmc 127.0.0.1:39539 --osc 127.0.0.1:7000\n"
      "  e2m live --input play:song.ogg --genre waltz --record show.bvh\n");
  options.add_options()("i,input", audio::kInputHelp, cxxopts::value<std::string>()->default_value("synth"))(
      "vmc", "VMC receiver HOST:PORT (repeatable)", cxxopts::value<std::vector<std::string>>())(
      "osc", "VJ OSC receiver HOST:PORT (repeatable)", cxxopts::value<std::vector<std::string>>())(
      "vmc-unbundled", "send every VMC message as its own packet")(
      "m,model", "music2dance model (default models/music2dance.e2mm, else out/)",
      cxxopts::value<std::string>())(
      "text-model", "text2motion model for cues (default models/text2motion.e2mm, else out/)",
      cxxopts::value<std::string>())("genre", "dance genre (default: the model's first)",
                                     cxxopts::value<std::string>()->default_value(""))(
      "rate", "output rate in Hz", cxxopts::value<double>()->default_value("60"))(
      "duration", "stop after this many seconds (default: until the input ends or Ctrl-C)",
      cxxopts::value<double>()->default_value("0"))("root-lock", "dance in place")(
      "command-port", "OSC command port on 127.0.0.1 (0: none)",
      cxxopts::value<int>()->default_value("9000"))(
      "command-host", "address the OSC command server binds",
      cxxopts::value<std::string>()->default_value("127.0.0.1"))(
      "headless", "no monitor window: print the stats once a second")("q,quiet", "no stats lines")(
      "threads", "CPU threads for the generators", cxxopts::value<int>()->default_value("1"))(
      "slow-generator-ms", "testing: add this much time to every chunk",
      cxxopts::value<double>()->default_value("0"))("h,help", "show help");
  return options;
}

template <class T>
std::vector<std::unique_ptr<live::OutputSink>> make_outputs(const std::vector<std::string>& targets,
                                                            auto opts) {
  std::vector<std::unique_ptr<live::OutputSink>> out;
  for (const auto& t : targets) out.push_back(std::make_unique<T>(t, opts));
  return out;
}

void print_stats(const live::Engine& engine, const std::vector<std::unique_ptr<live::OutputSink>>& outs) {
  (void)outs;
  std::printf("%s\n", engine.status_line().c_str());
  std::fflush(stdout);
}

}  // namespace

int cmd_live(int argc, char** argv) {
  cxxopts::Options options = make_options(argv[0]);
  const auto args = options.parse(argc, argv);
  if (args.count("help")) {
    std::printf("%s\n", options.help().c_str());
    return 0;
  }
  model::configure_cpu_runtime();
  const auto dance_path = args.count("model") ? std::filesystem::path(args["model"].as<std::string>())
                                              : default_model("music2dance.e2mm");
  model::MusicToDance dance;
  dance.load(dance_path, args["threads"].as<int>());
  model::TextToMotion text;
  const auto text_path = args.count("text-model")
                             ? std::filesystem::path(args["text-model"].as<std::string>())
                             : default_model("text2motion.e2mm");
  const bool have_text = args.count("text-model") || std::filesystem::exists(text_path);
  if (have_text) text.load(text_path, args["threads"].as<int>());

  live::EngineOptions eo;
  eo.input = args["input"].as<std::string>();
  eo.genre = args["genre"].as<std::string>();
  eo.rate_hz = args["rate"].as<double>();
  eo.duration_s = args["duration"].as<double>();
  eo.root_lock = args.count("root-lock") > 0;
  eo.slow_generator_ms = args["slow-generator-ms"].as<double>();
  eo.log = [](const std::string& line) { std::fprintf(stderr, "e2m live: %s\n", line.c_str()); };

  std::vector<std::string> vmc = args.count("vmc") ? args["vmc"].as<std::vector<std::string>>()
                                                   : std::vector<std::string>{"127.0.0.1:39539"};
  std::vector<std::string> osc =
      args.count("osc") ? args["osc"].as<std::vector<std::string>>() : std::vector<std::string>{};
  net::VmcOptions vo;
  vo.bundled = !args.count("vmc-unbundled");
  auto outputs = make_outputs<net::VmcOutput>(vmc, vo);
  for (auto& o : make_outputs<net::VjOutput>(osc, net::VjOptions{})) outputs.push_back(std::move(o));

  live::Engine engine(eo, dance, have_text ? &text : nullptr);
  for (auto& o : outputs) engine.add_sink(o.get());
  std::unique_ptr<net::CommandServer> server;
  if (args["command-port"].as<int>() > 0) {
    net::CommandServerOptions so;
    so.host = args["command-host"].as<std::string>();
    so.port = args["command-port"].as<int>();
    server = std::make_unique<net::CommandServer>(engine.commands(), so);
    server->start();
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  engine.start();
  const bool quiet = args.count("quiet") > 0;
  if (!quiet)
    std::fprintf(
        stderr,
        "e2m live: dancing (motion plays %.0f ms behind the audio it follows); VMC to %zu, VJ OSC to %zu "
        "receiver(s)%s; type a cue and Enter, Ctrl-C to stop\n",
        1000 * engine.play_delay_s(), vmc.size(), osc.size(),
        server ? (", OSC commands on " + args["command-host"].as<std::string>() + ":" +
                  std::to_string(server->port()))
                     .c_str()
               : "");
  std::atomic<bool> done{false};
  std::thread keyboard([&] { stdin_loop(engine.commands(), done); });
  auto next_print = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (!g_stop && engine.poll()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (!quiet && std::chrono::steady_clock::now() >= next_print) {
      print_stats(engine, outputs);
      next_print += std::chrono::seconds(1);
    }
  }
  done = true;
  engine.stop();
  keyboard.join();
  if (server) server->stop();
  if (!quiet) {
    print_stats(engine, outputs);
    std::fprintf(stderr, "e2m live: stopped\n");
  }
  return 0;
}

}  // namespace e2m::app
