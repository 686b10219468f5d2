// `e2m live --soak`: receivers that come and go, cues every few seconds, a report a minute and a
// verdict at the end (see soak.h).
#include <lo/lo.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>

#include "app/soak.h"
#include "live/engine.h"
#include "live/latency_histogram.h"
#include "net/command_server.h"
#include "net/frame_probe.h"
#include "net/sender.h"

namespace e2m::app {

namespace {

using Clock = std::chrono::steady_clock;

// Words any text model of ours knows (the test models' vocabulary too).
constexpr std::array<const char*, 4> kCues = {"wave", "bow", "a person waves", "a person bows"};

double rss_mb() {
  std::ifstream statm("/proc/self/statm");
  double pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * double(::sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

Clock::time_point after(Clock::time_point t, double seconds) {
  return t + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

}  // namespace

struct Soak::Receiver {
  std::string name;
  std::unique_ptr<net::FrameProbe> probe;
  const net::Sender* sender = nullptr;
  Clock::time_point next_toggle{};
  uint64_t errors_seen = 0;  // the sender's errors at the last settle
  int64_t missed_seen = 0;   // the output clock's missed ticks at the last settle
  uint64_t frames = 0, missing = 0, uncounted = 0, errors_listening = 0, errors_closed = 0, reopens = 0;
};

Soak::Soak(const SoakOptions& options)
    : opt_(options), run_latency_(std::make_unique<live::LatencyHistogram>()) {
  if (opt_.warmup_s < 0)
    opt_.warmup_s = std::min(std::clamp(opt_.duration_s / 6, 30.0, 600.0), opt_.duration_s / 2);
  for (auto kind : {net::ProbeKind::kVmc, net::ProbeKind::kVj}) {
    auto r = std::make_unique<Receiver>();
    r->name = kind == net::ProbeKind::kVmc ? "VMC" : "VJ";
    r->probe = std::make_unique<net::FrameProbe>(kind);
    receivers_.push_back(std::move(r));
  }
}

Soak::~Soak() {
  if (osc_target_) lo_address_free(static_cast<lo_address>(osc_target_));
}

std::string Soak::vmc_address() const { return receivers_[0]->probe->address(); }
std::string Soak::vj_address() const { return receivers_[1]->probe->address(); }

double Soak::elapsed_s() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

void Soak::start(live::Engine& engine, const net::Sender* vmc, const net::Sender* vj,
                 const net::CommandServer* server) {
  engine_ = &engine;
  server_ = server;
  if (server) osc_target_ = lo_address_new("127.0.0.1", std::to_string(server->port()).c_str());
  start_ = Clock::now();
  next_cue_ = after(start_, opt_.cue_every_s);
  next_report_ = after(start_, opt_.report_every_s);
  rss_start_mb_ = rss_mb();
  receivers_[0]->sender = vmc;
  receivers_[1]->sender = vj;
  for (size_t i = 0; i < receivers_.size(); ++i) {
    Receiver& r = *receivers_[i];
    r.probe->set_schedule(engine.output_start(), engine.output_rate());
    r.next_toggle = after(start_, opt_.toggle_every_s * (1.0 + 0.5 * double(i)));  // they take turns
  }
  std::printf(
      "soak: %.1f min; receivers VMC %s and VJ %s close and reopen every %.0f s; a cue every %.0f s "
      "(%s); a report every %.0f s; RSS growth measured after %.0f s\n",
      opt_.duration_s / 60, vmc_address().c_str(), vj_address().c_str(), opt_.toggle_every_s,
      opt_.cue_every_s, server ? "over the OSC command port" : "into the command queue", opt_.report_every_s,
      opt_.warmup_s);
  std::fflush(stdout);
}

void Soak::fire_cue() {
  const char* text = kCues[size_t(cues_sent_) % kCues.size()];
  ++cues_sent_;
  if (osc_target_) {
    lo_send(static_cast<lo_address>(osc_target_), "/e2m/cue", "s", text);
    return;
  }
  live::Command c;
  c.kind = live::CommandKind::kCue;
  c.set_text(text);
  engine_->commands().enqueue(c);
}

// Books what a receiver got since the last settle against its sender's error count.
void Soak::settle(Receiver& r) {
  net::ProbeWindow w = r.probe->take();
  const uint64_t errors = r.sender ? r.sender->stats().errors : 0;
  const uint64_t new_errors = errors - r.errors_seen;
  r.errors_seen = errors;
  // A tick the output clock skipped (its thread woke more than a period late) is a frame number no
  // receiver gets; the engine counts it as missed.
  const int64_t missed = engine_ ? engine_->stats().missed_ticks.load() : 0;
  const uint64_t new_missed = uint64_t(std::max<int64_t>(0, missed - r.missed_seen));
  r.missed_seen = missed;
  if (!r.probe->listening()) {
    r.errors_closed += new_errors;
    return;
  }
  r.frames += w.frames;
  r.missing += w.missing;
  r.errors_listening += new_errors;
  const uint64_t counted = new_errors + new_missed;
  r.uncounted += w.missing > counted ? w.missing - counted : 0;
  latency_ms_.insert(latency_ms_.end(), w.latency_ms.begin(), w.latency_ms.end());
}

void Soak::toggle(Receiver& r) {
  settle(r);
  if (r.probe->listening()) {
    r.probe->close();
  } else {
    r.probe->open();
    ++r.reopens;
  }
  r.next_toggle = after(r.next_toggle, opt_.toggle_every_s);
}

void Soak::step() {
  const auto now = Clock::now();
  const double t = elapsed_s();
  if (now >= next_cue_) {
    if (t < opt_.duration_s - opt_.quiet_end_s) fire_cue();
    next_cue_ = after(next_cue_, opt_.cue_every_s);
  }
  for (auto& r : receivers_)
    if (now >= r->next_toggle) toggle(*r);
  if (rss_warm_mb_ < 0 && t >= opt_.warmup_s) rss_warm_mb_ = rss_mb();
  if (now >= next_report_) {
    report(false);
    next_report_ = after(next_report_, opt_.report_every_s);
  }
}

void Soak::report(bool last) {
  uint64_t frames = 0, missing = 0, uncounted = 0, errors_listening = 0, errors_closed = 0;
  for (auto& r : receivers_) {
    settle(*r);
    frames += r->frames;
    missing += r->missing;
    uncounted += r->uncounted;
    errors_listening += r->errors_listening;
    errors_closed += r->errors_closed;
  }
  rss_mb_ = rss_mb();
  std::sort(latency_ms_.begin(), latency_ms_.end());
  auto pct = [&](double p) {
    return latency_ms_.empty() ? 0.0 : latency_ms_[size_t(p * double(latency_ms_.size() - 1))];
  };
  for (double ms : latency_ms_) run_latency_->record(int64_t(ms * 1e6));
  const live::EngineStats& st = engine_->stats();
  std::printf(
      "soak %5.1f min%s | rss %.1f MB | underruns %lld | missed ticks %lld | late chunks %lld | "
      "frames dropped %lld | receivers: %llu frames, %llu missing while listening (%llu not counted), "
      "send errors %llu listening + %llu closed | latency p50 %.2f p99 %.2f max %.2f ms | "
      "cues %lld sent, %lld started, %lld failed\n",
      elapsed_s() / 60, last ? " (end)" : "", rss_mb_, (long long)st.underruns.load(),
      (long long)st.missed_ticks.load(), (long long)st.late_chunks.load(),
      (long long)st.frames_dropped.load(), (unsigned long long)frames, (unsigned long long)missing,
      (unsigned long long)uncounted, (unsigned long long)errors_listening, (unsigned long long)errors_closed,
      pct(0.5), pct(0.99), latency_ms_.empty() ? 0.0 : latency_ms_.back(), (long long)cues_sent_,
      (long long)st.cues_started.load(), (long long)st.cues_failed.load());
  std::fflush(stdout);
  latency_ms_.clear();
}

int Soak::finish() {
  report(true);
  const live::EngineStats& st = engine_->stats();
  uint64_t server_dropped = 0;
  if (server_) {
    const net::CommandServerStats s = server_->stats();
    server_dropped = s.malformed + s.oversize + s.rate_limited + s.queue_failed;
  }
  // A cue that never became a command (lost between here and the engine, uncounted by the server) or
  // a request that neither started nor failed.
  const int64_t commands_lost = cues_sent_ - st.commands.load() - int64_t(server_dropped);
  const int64_t cues_lost = st.cues_requested.load() - st.cues_started.load() - st.cues_failed.load();
  uint64_t frames = 0, frames_lost = 0;
  for (const auto& r : receivers_) {
    frames += r->frames;
    frames_lost += r->uncounted;
  }
  const int64_t uncounted = int64_t(frames_lost) + std::max<int64_t>(0, commands_lost) + std::abs(cues_lost);
  const double warm = rss_warm_mb_ >= 0 ? rss_warm_mb_ : rss_start_mb_;
  const double growth = rss_mb_ - warm;
  const bool pass = growth < opt_.rss_growth_mb && st.underruns.load() <= opt_.max_underruns &&
                    uncounted == 0 && frames > 0;
  std::printf(
      "soak %s: %.1f min | RSS %.1f -> %.1f MB after the %.0f s warm-up (%+.2f MB, limit %.0f MB) | "
      "underruns %lld (limit %lld) | dropped and not counted %lld (limit 0: receiver frames %llu, "
      "commands %lld, cues %lld) | %llu frames received | receiver latency p99 %.2f ms, max %.2f ms\n",
      pass ? "PASS" : "FAIL", elapsed_s() / 60, warm, rss_mb_, opt_.warmup_s, growth, opt_.rss_growth_mb,
      (long long)st.underruns.load(), (long long)opt_.max_underruns, (long long)uncounted,
      (unsigned long long)frames_lost, (long long)commands_lost, (long long)cues_lost,
      (unsigned long long)frames, double(run_latency_->percentile_ns(0.99)) / 1e6,
      double(run_latency_->max_ns()) / 1e6);
  std::fflush(stdout);
  return pass ? 0 : 1;
}

}  // namespace e2m::app
