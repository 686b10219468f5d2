// Data-parallel training over LibTorch's c10d (DESIGN.md 7): the rendezvous (TCPStore, rank 0
// serving it), a Gloo process group, and the few collectives the training loop needs: bucketed
// gradient averaging, the start-of-run parameter broadcast, scalar averages and a barrier.
#pragma once
#include <torch/torch.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace e2m::train {

struct TrainOptions;

// Where this process stands in a data-parallel run.
struct DistSettings {
  int world_size = 1;                     // processes in the run; 1: no process group
  int rank = 0;                           // this process, 0..world_size-1; rank 0 writes everything
  std::string master_addr = "127.0.0.1";  // rendezvous address (rank 0's TCPStore)
  int master_port = 29500;                // rendezvous port
  double timeout_s = 60;                  // bounds every wait: rendezvous and each collective
};

// The options' distributed fields where given, else torchrun's environment variables (WORLD_SIZE,
// RANK, MASTER_ADDR, MASTER_PORT), else DistSettings' defaults. Throws e2m::Error on a malformed
// variable or an impossible rank.
DistSettings dist_settings(const TrainOptions& options);

class Distributed {
 public:
  // World size 1 makes no store and no process group: every collective is a no-op. Otherwise
  // waits (up to the timeout) until all ranks have joined the rendezvous.
  explicit Distributed(const DistSettings& settings);
  ~Distributed();
  Distributed(const Distributed&) = delete;
  Distributed& operator=(const Distributed&) = delete;

  int rank() const { return settings_.rank; }
  int world_size() const { return settings_.world_size; }

  // Sums every defined gradient of `params` over the ranks and divides by the world size, in
  // buckets of up to kBucketBytes (one flat tensor per bucket, all buckets in flight at once).
  // Every rank must pass the same parameters with the same set of defined gradients.
  void average_gradients(const std::vector<torch::Tensor>& params);
  // Overwrites `params` with rank 0's values.
  void broadcast_parameters(const std::vector<torch::Tensor>& params);
  double average(double value);      // the mean of `value` over the ranks
  int64_t broadcast(int64_t value);  // rank 0's `value`
  void barrier();

  static constexpr int64_t kBucketBytes = 16 << 20;

 private:
  struct Group;
  DistSettings settings_;
  std::unique_ptr<Group> group_;  // null when world_size is 1
};

}  // namespace e2m::train
