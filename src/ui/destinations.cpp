// The monitor's OSC destinations (see destinations.h).
#include "ui/destinations.h"

#include <chrono>
#include <thread>

#include "motion/error.h"
#include "net/preset_outputs.h"

namespace e2m::ui {

namespace {

struct MadeOutput {
  std::unique_ptr<live::OutputSink> output;
  const net::Sender* sender = nullptr;
};

MadeOutput make_output(const DestinationSpec& spec) {
  MadeOutput m;
  if (spec.kind == DestinationKind::kVmc) {
    auto o = std::make_unique<net::VmcOutput>(spec.host_port, spec.vmc);
    m.sender = &o->sender();
    m.output = std::move(o);
  } else {
    auto o = std::make_unique<net::VjOutput>(spec.host_port, spec.vj);
    m.sender = &o->sender();
    m.output = std::move(o);
  }
  return m;
}

}  // namespace

std::string describe(const DestinationSpec& spec) {
  return (spec.kind == DestinationKind::kVmc ? "VMC " : "VJ OSC ") + spec.host_port;
}

std::vector<DestinationSpec> destinations_of(const live::Preset& preset) {
  std::vector<DestinationSpec> out;
  if (const auto* vmc = std::get_if<live::VmcPreset>(&preset)) {
    for (const auto& t : vmc->outputs) {
      DestinationSpec d;
      d.host_port = net::host_port(t.host, t.port);
      d.vmc = net::vmc_options(t);
      out.push_back(d);
    }
  } else if (const auto* vj = std::get_if<live::VjPreset>(&preset); vj && vj->pose_messages) {
    DestinationSpec d;
    d.kind = DestinationKind::kVj;
    d.host_port = net::host_port(vj->host, vj->port);
    d.vj = net::vj_options(*vj);
    out.push_back(d);
  }
  return out;
}

live::VmcPreset vmc_preset_of(const std::vector<DestinationInfo>& destinations, const std::string& name) {
  live::VmcPreset p;
  p.name = name;
  for (const auto& d : destinations) {
    if (d.spec.kind != DestinationKind::kVmc) continue;
    const net::Endpoint e = net::parse_endpoint(d.spec.host_port);
    p.outputs.push_back(net::vmc_target(e.host, e.port, d.spec.vmc));
  }
  return p;
}

Destinations::~Destinations() {
  for (int s = 0; s < kSlots; ++s)
    if (slots_[size_t(s)].output) remove(s);
}

int Destinations::add(const DestinationSpec& spec) {
  for (int s = 0; s < kSlots; ++s) {
    Slot& slot = slots_[size_t(s)];
    if (slot.output) continue;
    MadeOutput m = make_output(spec);  // throws before the slot is touched
    slot.output = std::move(m.output);
    slot.sender = m.sender;
    slot.spec = spec;
    slot.on.store(true, std::memory_order_seq_cst);  // publishes the output to the real-time side
    return s;
  }
  throw Error("OSC destinations: all " + std::to_string(kSlots) + " are in use; remove one first");
}

void Destinations::remove(int s) {
  if (s < 0 || s >= kSlots || !slots_[size_t(s)].output) return;
  Slot& slot = slots_[size_t(s)];
  slot.on.store(false, std::memory_order_seq_cst);
  // A send that saw `on` counted itself in `users` before looking: once users reads 0 after the
  // store, no send is inside the output and none will enter it.
  while (slot.users.load(std::memory_order_seq_cst) != 0)
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  slot.output.reset();
  slot.sender = nullptr;
}

std::vector<DestinationInfo> Destinations::list() const {
  std::vector<DestinationInfo> out;
  for (int s = 0; s < kSlots; ++s) {
    const Slot& slot = slots_[size_t(s)];
    if (slot.output) out.push_back({s, slot.spec, slot.sender->stats()});
  }
  return out;
}

bool Destinations::send_test_frame(int s, const live::OutputFrame& frame) const {
  if (s < 0 || s >= kSlots || !slots_[size_t(s)].output) return false;
  const MadeOutput m = make_output(slots_[size_t(s)].spec);
  const uint64_t errors = m.sender->stats().errors;
  m.output->send(frame);
  return m.sender->stats().errors == errors && m.sender->stats().packets > 0;
}

void Destinations::send(const live::OutputFrame& frame) noexcept {
  for (Slot& slot : slots_) {
    slot.users.fetch_add(1, std::memory_order_seq_cst);
    if (slot.on.load(std::memory_order_seq_cst)) slot.output->send(frame);
    slot.users.fetch_sub(1, std::memory_order_release);
  }
}

void Destinations::onset(float strength, double stream_time_s) noexcept {
  for (Slot& slot : slots_) {
    slot.users.fetch_add(1, std::memory_order_seq_cst);
    if (slot.on.load(std::memory_order_seq_cst)) slot.output->onset(strength, stream_time_s);
    slot.users.fetch_sub(1, std::memory_order_release);
  }
}

}  // namespace e2m::ui
