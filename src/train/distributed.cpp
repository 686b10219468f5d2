// Data-parallel training over c10d's TCPStore and ProcessGroupGloo; see distributed.h.
#include "train/distributed.h"

// Debian's libtorch is built with Gloo, but ProcessGroupGloo.hpp declares the class only when the
// build defines USE_C10D_GLOO (setup.py does; a CMake consumer must).
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO 1
#endif
#include <csignal>
#include <cstdlib>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "motion/error.h"
#include "train/trainer.h"

namespace e2m::train {

namespace {

// The first line of an exception's message, without Gloo's "[file.cc:123] " source prefix.
std::string one_line(const std::exception& e) {
  std::string s = e.what();
  s = s.substr(0, s.find('\n'));
  if (!s.empty() && s[0] == '[') {
    const size_t end = s.find("] ");
    if (end != std::string::npos) s = s.substr(end + 2);
  }
  return s;
}

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  const long x = std::strtol(v, &end, 10);
  if (*end != '\0' || x < 0 || x > 1 << 20)
    throw Error(std::string("train: environment variable ") + name + "='" + v + "' is not a valid number");
  return static_cast<int>(x);
}

std::string env_string(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

// Groups consecutive tensors of one dtype into buckets of at most `max_bytes` (a larger tensor is
// a bucket of its own).
std::vector<std::vector<torch::Tensor>> buckets(const std::vector<torch::Tensor>& tensors,
                                                int64_t max_bytes) {
  std::vector<std::vector<torch::Tensor>> out;
  int64_t bytes = 0;
  for (const auto& t : tensors) {
    const int64_t b = t.numel() * static_cast<int64_t>(t.element_size());
    if (out.empty() || bytes + b > max_bytes || out.back().front().scalar_type() != t.scalar_type()) {
      out.emplace_back();
      bytes = 0;
    }
    out.back().push_back(t);
    bytes += b;
  }
  return out;
}

torch::Tensor flatten(const std::vector<torch::Tensor>& bucket) {
  std::vector<torch::Tensor> flat;
  for (const auto& t : bucket) flat.push_back(t.reshape({-1}));
  return torch::cat(flat);
}

void unflatten(const torch::Tensor& flat, const std::vector<torch::Tensor>& bucket) {
  int64_t at = 0;
  for (const auto& t : bucket) {
    t.copy_(flat.slice(0, at, at + t.numel()).view_as(t));
    at += t.numel();
  }
}

// GLOO_SOCKET_IFNAME picks the interface on multi-homed machines, as in PyTorch; a loopback
// rendezvous (one machine) keeps the traffic on loopback; else the address the hostname resolves to.
std::shared_ptr<::gloo::transport::Device> gloo_device(const std::string& master_addr) {
  const std::string ifname = env_string("GLOO_SOCKET_IFNAME", "");
  if (!ifname.empty()) return c10d::ProcessGroupGloo::createDeviceForInterface(ifname);
  if (master_addr.rfind("127.", 0) == 0 || master_addr == "localhost")
    return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

}  // namespace

DistSettings dist_settings(const TrainOptions& o) {
  DistSettings s;
  s.world_size = o.world_size > 0 ? o.world_size : env_int("WORLD_SIZE", 1);
  s.rank = o.rank >= 0 ? o.rank : env_int("RANK", 0);
  s.master_addr = !o.master_addr.empty() ? o.master_addr : env_string("MASTER_ADDR", s.master_addr);
  s.master_port = o.master_port > 0 ? o.master_port : env_int("MASTER_PORT", s.master_port);
  s.timeout_s = o.dist_timeout_s;
  if (s.world_size < 1) throw Error("train: the world size must be at least 1");
  if (s.rank < 0 || s.rank >= s.world_size)
    throw Error("train: rank " + std::to_string(s.rank) + " is outside 0.." +
                std::to_string(s.world_size - 1) + " (world size " + std::to_string(s.world_size) + ")");
  if (s.master_port < 1 || s.master_port > 65535)
    throw Error("train: master port " + std::to_string(s.master_port) + " is not a TCP port");
  if (!(s.timeout_s > 0)) throw Error("train: the distributed timeout must be positive");
  return s;
}

struct Distributed::Group {
  c10::intrusive_ptr<c10d::TCPStore> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
  std::chrono::milliseconds timeout{0};

  // Runs one collective step; any c10d or Gloo failure (a peer gone, a timeout) becomes one line.
  template <typename F>
  void guard(int rank, const char* what, F&& f) {
    try {
      f();
    } catch (const std::exception& e) {
      throw Error("train: rank " + std::to_string(rank) + " lost contact with the other ranks during " +
                  what + " (" + one_line(e) + ")");
    }
  }

  void wait_all(const std::vector<c10::intrusive_ptr<c10d::Work>>& works) {
    for (const auto& w : works) w->wait(timeout);
  }
};

Distributed::Distributed(const DistSettings& settings) : settings_(settings) {
  if (settings_.world_size <= 1) return;
  // A peer that dies closes its sockets; writing to them must give an error here, not kill this
  // process with SIGPIPE before it can say what happened.
  std::signal(SIGPIPE, SIG_IGN);
  group_ = std::make_unique<Group>();
  group_->timeout = std::chrono::milliseconds(static_cast<int64_t>(settings_.timeout_s * 1000));
  const std::string where = settings_.master_addr + ":" + std::to_string(settings_.master_port);
  try {
    c10d::TCPStoreOptions so;
    so.port = static_cast<uint16_t>(settings_.master_port);
    so.isServer = settings_.rank == 0;
    so.numWorkers = settings_.world_size;
    so.waitWorkers = true;
    so.timeout = group_->timeout;
    group_->store = c10::make_intrusive<c10d::TCPStore>(settings_.master_addr, so);
    auto opts = c10d::ProcessGroupGloo::Options::create(group_->timeout);
    opts->devices.push_back(gloo_device(settings_.master_addr));
    group_->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(group_->store, settings_.rank,
                                                             settings_.world_size, opts);
  } catch (const std::exception& e) {
    throw Error("train: rank " + std::to_string(settings_.rank) + " could not join the " +
                std::to_string(settings_.world_size) + "-rank rendezvous at " + where + " (" + one_line(e) +
                ")");
  }
}

Distributed::~Distributed() = default;

// The buckets' all-reduces all go out before the first wait, so Gloo's threads work on them
// together. Not overlapped with backward through gradient hooks: on CPU, backward and Gloo compete
// for the same cores, a hook-driven reducer needs torch's Reducer bookkeeping (bucket readiness in
// autograd order, unused parameters), and our models fit in one or two 16 MB buckets, so there is
// little to overlap.
void Distributed::average_gradients(const std::vector<torch::Tensor>& params) {
  if (!group_) return;
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> grads;
  for (const auto& p : params)
    if (p.grad().defined()) grads.push_back(p.grad());
  const auto groups = buckets(grads, kBucketBytes);
  std::vector<std::vector<torch::Tensor>> flats(groups.size());
  group_->guard(rank(), "the gradient all-reduce", [&] {
    std::vector<c10::intrusive_ptr<c10d::Work>> works;
    for (size_t i = 0; i < groups.size(); ++i) {
      flats[i] = {flatten(groups[i])};
      works.push_back(group_->pg->allreduce(flats[i]));
    }
    group_->wait_all(works);
  });
  for (size_t i = 0; i < groups.size(); ++i) unflatten(flats[i][0].div_(world_size()), groups[i]);
}

void Distributed::broadcast_parameters(const std::vector<torch::Tensor>& params) {
  if (!group_) return;
  torch::NoGradGuard no_grad;
  const auto groups = buckets(params, kBucketBytes);
  std::vector<std::vector<torch::Tensor>> flats(groups.size());
  group_->guard(rank(), "the parameter broadcast", [&] {
    std::vector<c10::intrusive_ptr<c10d::Work>> works;
    for (size_t i = 0; i < groups.size(); ++i) {
      flats[i] = {flatten(groups[i])};
      works.push_back(group_->pg->broadcast(flats[i]));
    }
    group_->wait_all(works);
  });
  for (size_t i = 0; i < groups.size(); ++i) unflatten(flats[i][0], groups[i]);
}

double Distributed::average(double value) {
  if (!group_) return value;
  std::vector<torch::Tensor> t = {torch::full({1}, value, torch::kFloat64)};
  group_->guard(rank(), "the loss all-reduce", [&] { group_->wait_all({group_->pg->allreduce(t)}); });
  return t[0].item<double>() / world_size();
}

int64_t Distributed::broadcast(int64_t value) {
  if (!group_) return value;
  std::vector<torch::Tensor> t = {torch::full({1}, value, torch::kInt64)};
  group_->guard(rank(), "a broadcast", [&] { group_->wait_all({group_->pg->broadcast(t)}); });
  return t[0].item<int64_t>();
}

void Distributed::barrier() {
  if (!group_) return;
  group_->guard(rank(), "the barrier", [&] { group_->wait_all({group_->pg->barrier()}); });
}

}  // namespace e2m::train
