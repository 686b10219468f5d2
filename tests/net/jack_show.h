// The live engine dancing to the capture ports of a JACK dummy server of the test's own, streaming VMC
// to a real liblo receiver: the setup of the tests that take the server away under a running show.
// Include after live_models.h (LibTorch before Catch).
#pragma once
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "jack_server.h"
#include "live/engine.h"
#include "lo_receiver.h"
#include "net/live_outputs.h"

namespace e2m::test {

// Polls the engine for `seconds`, or until `done` holds; false when the engine stopped first.
template <class Done>
bool run_until(live::Engine& engine, double seconds, Done done) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end && !done()) {
    if (!engine.poll()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}
inline bool run_for(live::Engine& engine, double seconds) {
  return run_until(engine, seconds, [] { return false; });
}

struct JackShow {
  jack::JackServer server;
  model::MusicToDance dance;
  ListeningReceiver vmc;
  std::unique_ptr<net::VmcOutput> out;
  std::unique_ptr<live::Engine> engine;

  // Starts the server (named after `tag`) and the show on its capture ports; false when the server
  // did not come up.
  bool start(const std::string& tag, const std::filesystem::path& dir) {
    if (!jack::start_jack(server, tag, dir)) return false;
    load_tiny_dance(dance);
    live::EngineOptions opt;
    opt.input = "device:system";  // the dummy driver's capture ports
    out = std::make_unique<net::VmcOutput>(vmc.rx.address());
    engine = std::make_unique<live::Engine>(opt, dance, nullptr);
    engine->add_sink(out.get());
    engine->start();
    return true;
  }
  void finish() {
    engine->stop();
    vmc.finish();
  }
};

}  // namespace e2m::test
