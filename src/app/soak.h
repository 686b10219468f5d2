// `e2m live --soak`: a long headless run that checks itself. Two receivers of its own (VMC and VJ OSC,
// on 127.0.0.1) take the show's frames and close and reopen their ports in turn; a cue is fired every
// few seconds through the OSC command port (or the command queue when there is none). Every report
// period (a minute) one line: RSS, underruns, drops, what the receivers got and missed, frame latency
// at the receivers. At the end one PASS or FAIL line against the limits below; the exit code follows.
//
// "Dropped and not counted": a frame a receiver missed while it was listening that neither its sender
// counted as a send error nor the output clock as a missed tick (a tick skipped is never sent), a cue sent
// that neither became a command nor was counted by the command server, or a cue request that neither started
// nor failed.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace e2m::live {
class Engine;
class LatencyHistogram;
}  // namespace e2m::live
namespace e2m::net {
class CommandServer;
class FrameProbe;
class Sender;
}  // namespace e2m::net

namespace e2m::app {

struct SoakOptions {
  double duration_s = 3600;
  double cue_every_s = 5;      // a cue this often, except in the last quiet_end_s
  double toggle_every_s = 10;  // each receiver closes and reopens this often (the two take turns)
  double report_every_s = 60;
  double warmup_s = -1;      // RSS growth is measured after this; < 0: a sixth of the run, 30 s to
                             // 10 min (at most half the run)
  double quiet_end_s = 10;   // no cues at the end, so every cue has started or failed by then
  double rss_growth_mb = 5;  // limits
  int64_t max_underruns = 0;
};

class Soak {
 public:
  explicit Soak(const SoakOptions& options);  // binds the receivers (ports chosen by the OS)
  ~Soak();
  std::string vmc_address() const;  // destinations for the show's outputs, before the engine starts
  std::string vj_address() const;
  // After engine.start(). vmc / vj: the senders of the outputs to the two receivers; server: the OSC
  // command server the cues go through (null: straight into the command queue).
  void start(live::Engine& engine, const net::Sender* vmc, const net::Sender* vj,
             const net::CommandServer* server);
  // From the app's main loop, often: fires cues, toggles receivers, prints a report when one is due.
  void step();
  // After the engine stopped: the last report and the PASS / FAIL line. Returns the exit code.
  int finish();

 private:
  struct Receiver;
  void fire_cue();
  void toggle(Receiver& r);
  void settle(Receiver& r);
  void report(bool last);
  double elapsed_s() const;

  SoakOptions opt_;
  std::vector<std::unique_ptr<Receiver>> receivers_;
  live::Engine* engine_ = nullptr;
  const net::CommandServer* server_ = nullptr;
  void* osc_target_ = nullptr;  // lo_address of the command port
  std::chrono::steady_clock::time_point start_{}, next_cue_{}, next_report_{};
  int64_t cues_sent_ = 0;
  double rss_start_mb_ = 0, rss_warm_mb_ = -1, rss_mb_ = 0;
  std::vector<double> latency_ms_;                       // at the receivers, this report period
  std::unique_ptr<live::LatencyHistogram> run_latency_;  // the whole run (fixed size)
};

}  // namespace e2m::app
