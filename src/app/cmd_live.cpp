// `e2m live`: dance to live audio (or a file played in real time) and stream the motion to VTuber
// (VMC) and VJ (OSC) receivers; cues typed on stdin, sent over OSC (/e2m/cue) or from MIDI.
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <cxxopts.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "app/commands.h"
#include "app/default_models.h"
#include "app/soak.h"
#include "audio/source.h"
#include "live/engine.h"
#include "live/preset.h"
#include "live/recorder_output.h"
#include "live/tempo_source.h"
#include "model/inference.h"
#include "motion/error.h"
#include "net/command_server.h"
#include "net/live_outputs.h"
#include "net/preset_outputs.h"
#include "ui/cue_text.h"
#include "ui/monitor.h"

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

cxxopts::Options make_options(const char* prog) {
  cxxopts::Options options(
      prog,
      "Dance to live audio and stream the motion: VMC to VTuber avatars (VSeeFace, Warudo, VNyan, Unity),\n"
      "the VJ OSC layout to TouchDesigner or Resolume. Type a cue and Enter (\"wave\", \"bow\"; /cancel,\n"
      "/now TEXT, /upper TEXT, /genre NAME, /intensity X, /rootlock 0|1, /learn PARAMETER); OSC commands\n"
      "on --command-port.\n\n"
      "  e2m live                                   (the demo track to VMC 127.0.0.1:39539)\n"
      "  e2m live --input device --vmc 127.0.0.1:39539 --osc 127.0.0.1:7000\n"
      "  e2m live --input play:song.ogg --genre waltz --record show.bvh\n");
  options.add_options()("i,input", audio::kInputHelp, cxxopts::value<std::string>()->default_value("synth"))(
      "vmc", "VMC receiver HOST:PORT (repeatable)", cxxopts::value<std::vector<std::string>>())(
      "osc", "VJ OSC receiver HOST:PORT (repeatable)", cxxopts::value<std::vector<std::string>>())(
      "vmc-unbundled", "send every VMC message as its own packet")(
      "preset", "preset file (repeatable): VMC targets, a VJ layout, a MIDI map or a cue bank (see presets/)",
      cxxopts::value<std::vector<std::string>>())("record", "record what is sent to a BVH file (crash-safe)",
                                                  cxxopts::value<std::string>())(
      "m,model", "music2dance model (default " + default_model_help(kDefaultMusicModel) + ")",
      cxxopts::value<std::string>())(
      "text-model", "text2motion model for cues (default " + default_model_help(kDefaultTextModel) + ")",
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
      "midi",
      "MIDI input port: 'virtual' (creates port e2m), a name or an index; pads fire cues, CCs set parameters",
      cxxopts::value<std::string>())("midi-backend", "alsa | jack",
                                     cxxopts::value<std::string>()->default_value("alsa"))(
      "tempo-source", "tempo and phase for the outputs: audio | midi | link",
      cxxopts::value<std::string>()->default_value("audio"))(
      "link", "join an Ableton Link session (implies --tempo-source link)")(
      "threads", "CPU threads for the generators", cxxopts::value<int>()->default_value("1"))(
      "slow-generator-ms", "testing: add this much time to every chunk",
      cxxopts::value<double>()->default_value("0"))(
      "soak",
      "long-run check, headless: receivers of its own come and go, a cue every 5 s, a report a minute, "
      "PASS or FAIL at the end (--duration, default an hour)")("soak-report", "soak: seconds between reports",
                                                               cxxopts::value<double>()->default_value("60"))(
      "h,help", "show help");
  return options;
}

struct Outputs {
  std::vector<std::unique_ptr<live::OutputSink>> sinks;
  std::vector<std::unique_ptr<live::GatedSink>> gates;  // one per sink: the engine sends through these
  std::unique_ptr<live::RecorderOutput> recorder;
  int vmc = 0, osc = 0;
  // Every destination's sender, to report failing sends once and count them.
  std::vector<std::pair<std::string, const net::Sender*>> senders;
  std::vector<bool> failing;
  template <class T, class... A>
  void add(const std::string& what, A&&... a) {
    auto sink = std::make_unique<T>(std::forward<A>(a)...);
    senders.emplace_back(what, &sink->sender());
    failing.push_back(false);
    gates.push_back(std::make_unique<live::GatedSink>(*sink));
    sinks.push_back(std::move(sink));
  }
  live::MidiMap midi_map;  // from a "midi" preset
  live::CueBank cues;      // from a "cues" preset
};

void add_preset(const std::filesystem::path& file, Outputs& out) {
  const live::Preset preset = live::load_preset(file);
  if (const auto* vmc = std::get_if<live::VmcPreset>(&preset)) {
    for (const auto& t : vmc->outputs) {
      const std::string to = net::host_port(t.host, t.port);
      out.add<net::VmcOutput>("VMC " + to, to, net::vmc_options(t));
      ++out.vmc;
    }
  } else if (const auto* vj = std::get_if<live::VjPreset>(&preset)) {
    const std::string to = net::host_port(vj->host, vj->port);
    if (vj->pose_messages) out.add<net::VjOutput>("VJ OSC " + to, to, net::vj_options(*vj));
    std::vector<net::ScalarMapping> maps;
    for (const auto& m : vj->mappings)
      maps.push_back(
          {net::ScalarMapping::Source(int(m.source)), m.address, float(m.range_min), float(m.range_max)});
    if (!maps.empty()) out.add<net::ScalarOutput>("OSC " + to, to, maps, vj->bundled);
    ++out.osc;
  } else if (const auto* map = std::get_if<live::MidiMap>(&preset)) {
    out.midi_map = *map;
  } else if (const auto* cues = std::get_if<live::CueBank>(&preset)) {
    out.cues = *cues;
  }
}

// soak: its receivers are destinations too (and then the default VMC destination is not added).
Outputs make_outputs(const cxxopts::ParseResult& args, const Soak* soak) {
  Outputs out;
  const auto list = [&](const char* name) {
    return args.count(name) ? args[name].as<std::vector<std::string>>() : std::vector<std::string>{};
  };
  for (const auto& file : list("preset")) add_preset(file, out);
  net::VmcOptions vo;
  vo.bundled = !args.count("vmc-unbundled");
  auto vmc = list("vmc");
  auto osc = list("osc");
  if (soak) {
    vmc.push_back(soak->vmc_address());
    osc.push_back(soak->vj_address());
  }
  if (vmc.empty() && out.vmc == 0) vmc.push_back("127.0.0.1:39539");
  for (const auto& t : vmc) out.add<net::VmcOutput>("VMC " + t, t, vo);
  out.vmc += int(vmc.size());
  for (const auto& t : osc) out.add<net::VjOutput>("VJ OSC " + t, t, net::VjOptions{});
  out.osc += int(osc.size());
  return out;
}

// MIDI input and the tempo source (MIDI clock or Link) the outputs follow.
struct Control {
  std::unique_ptr<live::MidiInputOptions> midi_options;
  std::unique_ptr<live::MidiInput> midi;
  std::unique_ptr<live::LinkClock> link;
  std::unique_ptr<live::TempoSource> tempo;
};

Control make_control(const cxxopts::ParseResult& args, const Outputs& outputs, live::EngineOptions& eo) {
  Control c;
  std::string source = args.count("link") ? "link" : args["tempo-source"].as<std::string>();
  if (source != "audio" && source != "midi" && source != "link")
    throw Error("--tempo-source " + source + ": expected audio, midi or link");
  if (args.count("midi")) {
    c.midi_options = std::make_unique<live::MidiInputOptions>();
    c.midi_options->port = args["midi"].as<std::string>();
    const std::string backend = args["midi-backend"].as<std::string>();
    if (backend != "alsa" && backend != "jack")
      throw Error("--midi-backend " + backend + ": expected alsa or jack");
    c.midi_options->backend = backend == "jack" ? live::MidiBackend::kJack : live::MidiBackend::kAlsa;
    c.midi_options->follow_clock = source == "midi";
    c.midi_options->map = outputs.midi_map;
    c.midi_options->cues = outputs.cues;
  } else if (source == "midi") {
    throw Error("--tempo-source midi needs a MIDI input: give --midi PORT");
  }
  if (source == "link") {
    c.link = std::make_unique<live::LinkClock>();
    c.link->enable(true);
    c.tempo = std::make_unique<live::LinkTempo>(*c.link);
  }
  eo.tempo_source = c.tempo.get();
  return c;
}

// A destination whose sends start failing is reported once (the show goes on); returns all send errors.
uint64_t check_senders(Outputs& out) {
  uint64_t errors = 0;
  for (size_t i = 0; i < out.senders.size(); ++i) {
    const net::SenderStats st = out.senders[i].second->stats();
    errors += st.errors;
    if (st.errors > 0 && !out.failing[i]) {
      out.failing[i] = true;
      std::fprintf(stderr, "e2m live: %s: sends are failing (%llu so far); is the receiver there?\n",
                   out.senders[i].first.c_str(), (unsigned long long)st.errors);
    }
  }
  return errors;
}

// A recording that stopped (disk full, file size limit) is reported once, when it happens.
void check_recorder(const Outputs& out, bool& reported) {
  if (!out.recorder || reported) return;
  const auto st = out.recorder->stats();
  if (st.write_errors == 0) return;
  reported = true;
  std::fprintf(stderr, "e2m live: recording to %s stopped after %llu frames: %s; the show goes on\n",
               out.recorder->path().string().c_str(), (unsigned long long)st.frames_written,
               std::strerror(st.last_errno));
}

const net::Sender* find_sender(const Outputs& out, const std::string& what) {
  for (const auto& [name, sender] : out.senders)
    if (name == what) return sender;
  return nullptr;
}

// "/learn intensity": the next CC moved on the MIDI input drives that parameter.
void learn(Control& control, const live::Command& c) {
  const std::string what(c.text_view());
  if (!control.midi) {
    std::fprintf(stderr, "e2m live: /learn %s: no MIDI input (give --midi PORT)\n", what.c_str());
    return;
  }
  live::MidiTarget t;
  if (what == "intensity")
    t.kind = live::MidiTargetKind::kIntensity;
  else if (what == "smoothing")
    t.kind = live::MidiTargetKind::kSmoothing;
  else if (what == "rootlock")
    t.kind = live::MidiTargetKind::kRootLock;
  else if (what == "genre")
    t.kind = live::MidiTargetKind::kGenre;
  else {
    std::fprintf(stderr, "e2m live: /learn %s: expected intensity, smoothing, genre or rootlock\n",
                 what.c_str());
    return;
  }
  // A learned genre control names no genres: it picks from the playing model's, even after /model.
  control.midi->router().learn(t);
  std::fprintf(stderr, "e2m live: move a control on the MIDI input to drive %s\n", what.c_str());
}

ui::MonitorOptions monitor_options(const model::MusicToDance& dance, const model::TextToMotion* text,
                                   const Outputs& outputs, Control& control, const std::string& tempo) {
  ui::MonitorOptions mo;
  mo.genres = dance.genres();
  mo.vocabulary = ui::cue_vocabulary(text);
  mo.cues_enabled = text != nullptr;
  mo.cue_bank = outputs.cues;
  mo.midi_map = outputs.midi_map;
  mo.tempo_source = tempo == "midi" ? "MIDI clock" : tempo == "link" ? "Link" : "audio";
  mo.midi = control.midi.get();
  for (size_t i = 0; i < outputs.senders.size(); ++i)
    mo.app_outputs.push_back({outputs.senders[i].first, outputs.senders[i].second, outputs.gates[i].get()});
  return mo;
}

std::unique_ptr<Soak> make_soak(const cxxopts::ParseResult& args) {
  if (!args.count("soak")) return nullptr;
  SoakOptions so;
  so.duration_s = args["duration"].as<double>() > 0 ? args["duration"].as<double>() : 3600;
  so.report_every_s = args["soak-report"].as<double>();
  return std::make_unique<Soak>(so);
}

// The dance model (--model or the default) and the text model when there is one.
struct Models {
  model::MusicToDance dance;
  model::TextToMotion text;
  bool have_text = false;
  model::TextToMotion* text_or_null() { return have_text ? &text : nullptr; }
};

void load_models(const cxxopts::ParseResult& args, Models& m) {
  model::configure_cpu_runtime();
  const int threads = args["threads"].as<int>();
  m.dance.load(args.count("model") ? std::filesystem::path(args["model"].as<std::string>())
                                   : default_model(kDefaultMusicModel),
               threads);
  const auto text_path = args.count("text-model")
                             ? std::filesystem::path(args["text-model"].as<std::string>())
                             : default_model(kDefaultTextModel);
  m.have_text = args.count("text-model") || std::filesystem::exists(text_path);
  if (m.have_text) m.text.load(text_path, threads);
}

live::EngineOptions engine_options(const cxxopts::ParseResult& args, bool soak) {
  live::EngineOptions eo;
  eo.input = args["input"].as<std::string>();
  eo.genre = args["genre"].as<std::string>();
  eo.rate_hz = args["rate"].as<double>();
  eo.duration_s = soak && args["duration"].as<double>() <= 0 ? 3600 : args["duration"].as<double>();
  eo.root_lock = args.count("root-lock") > 0;
  eo.slow_generator_ms = args["slow-generator-ms"].as<double>();
  eo.log = [](const std::string& line) { std::fprintf(stderr, "e2m live: %s\n", line.c_str()); };
  return eo;
}

// MIDI input (and MIDI clock as the tempo source) into the engine, then the outputs.
void connect(live::Engine& engine, Control& control, Outputs& outputs) {
  if (control.midi_options) {
    control.midi = std::make_unique<live::MidiInput>(*control.midi_options, engine.commands());
    if (control.midi_options->follow_clock) {
      control.tempo = std::make_unique<live::MidiTempo>(control.midi->clock());
      engine.set_tempo_source(control.tempo.get());
    }
  }
  for (auto& g : outputs.gates) engine.add_sink(g.get());
  if (outputs.recorder) engine.add_sink(outputs.recorder.get());
}

std::unique_ptr<net::CommandServer> start_command_server(const cxxopts::ParseResult& args,
                                                         live::Engine& engine) {
  if (args["command-port"].as<int>() <= 0) return nullptr;
  net::CommandServerOptions so;
  so.host = args["command-host"].as<std::string>();
  so.port = args["command-port"].as<int>();
  auto server = std::make_unique<net::CommandServer>(engine.commands(), so);
  server->start();
  return server;
}

void print_banner(const cxxopts::ParseResult& args, const live::Engine& engine, const Outputs& outputs,
                  const net::CommandServer* server) {
  const std::string commands = server ? ", OSC commands on " + args["command-host"].as<std::string>() + ":" +
                                            std::to_string(server->port())
                                      : "";
  std::fprintf(
      stderr,
      "e2m live: dancing (motion plays %.0f ms behind the audio it follows); VMC to %d, VJ OSC to %d "
      "receiver(s)%s; type a cue and Enter, Ctrl-C to stop\n",
      1000 * engine.play_delay_s(), outputs.vmc, outputs.osc, commands.c_str());
}

// Until the show ends or Ctrl-C. With the monitor, its frames poll the engine and show the stats;
// headless, this loop does, with a status line a second unless quiet.
void run_show(live::Engine& engine, ui::Monitor* monitor, Outputs& outputs, Soak* soak, bool quiet) {
  auto next_print = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  bool recorder_reported = false;
  while (!g_stop && (monitor ? monitor->frame() : engine.poll())) {
    check_recorder(outputs, recorder_reported);
    if (soak) soak->step();
    if (monitor) continue;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (!quiet && std::chrono::steady_clock::now() >= next_print) {
      const uint64_t errors = check_senders(outputs);
      std::printf("%s | send errors %llu\n", engine.status_line().c_str(), (unsigned long long)errors);
      std::fflush(stdout);
      next_print += std::chrono::seconds(1);
    }
  }
}

void close_recording(Outputs& outputs) {
  if (!outputs.recorder) return;
  outputs.recorder->close();
  const auto st = outputs.recorder->stats();
  std::fprintf(stderr, "e2m live: recorded %llu frames to %s%s\n", (unsigned long long)st.frames_written,
               outputs.recorder->path().string().c_str(),
               st.write_errors ? " (stopped early: write error)" : "");
}

}  // namespace

int cmd_live(int argc, char** argv) {
  cxxopts::Options options = make_options(argv[0]);
  const auto args = options.parse(argc, argv);
  if (args.count("help")) {
    std::printf("%s\n", options.help().c_str());
    return 0;
  }
  std::unique_ptr<Soak> soak = make_soak(args);
  // The window first: without a display this fails in a moment, before the models load.
  std::unique_ptr<ui::Window> window;
  if (!args.count("headless") && !soak) window = std::make_unique<ui::Window>();
  // Outputs and presets next: a bad preset is one clear error before the models take their time.
  Outputs outputs = make_outputs(args, soak.get());
  Models models;
  load_models(args, models);
  if (args.count("record"))  // once the models are in: a failed start leaves no empty recording behind
    outputs.recorder =
        std::make_unique<live::RecorderOutput>(args["record"].as<std::string>(), args["rate"].as<double>());

  live::EngineOptions eo = engine_options(args, soak != nullptr);
  Control control = make_control(args, outputs, eo);
  eo.on_command = [&control](const live::Command& c) { learn(control, c); };
  live::Engine engine(eo, models.dance, models.text_or_null());
  connect(engine, control, outputs);
  std::unique_ptr<net::CommandServer> server = start_command_server(args, engine);
  std::unique_ptr<ui::Monitor> monitor;
  if (window)
    monitor = std::make_unique<ui::Monitor>(
        *window, engine,
        monitor_options(models.dance, models.text_or_null(), outputs, control,
                        args.count("link") ? "link" : args["tempo-source"].as<std::string>()));
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  // A file size limit reached while recording fails the write (EFBIG: the recording stops cleanly)
  // instead of killing the show.
  std::signal(SIGXFSZ, SIG_IGN);
  engine.start();
  if (soak)
    soak->start(engine, find_sender(outputs, "VMC " + soak->vmc_address()),
                find_sender(outputs, "VJ OSC " + soak->vj_address()), server.get());
  const bool quiet = args.count("quiet") > 0 || soak;
  if (!quiet) print_banner(args, engine, outputs, server.get());
  std::atomic<bool> done{false};
  std::thread keyboard([&] { stdin_loop(engine.commands(), done); });
  run_show(engine, monitor.get(), outputs, soak.get(), quiet);
  done = true;
  engine.stop();
  keyboard.join();
  if (server) server->stop();
  close_recording(outputs);
  if (!quiet) std::printf("%s\ne2m live: stopped\n", engine.status_line().c_str());
  return soak ? soak->finish() : 0;
}

}  // namespace e2m::app
