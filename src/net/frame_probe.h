// FrameProbe: a receiver for soak runs and fault drills. It listens on a UDP port of 127.0.0.1 for one
// e2m output, finds each frame's marker (VMC: /VMC/Ext/T f seconds; VJ: <prefix>/frame i tick), and
// counts the frames that arrived, the frames missing between two that arrived while it listened, and
// how late each one came against the output clock's schedule. Frames are numbered n = T * rate (VMC)
// or tick + 1 (VJ): frame n was due at start + n / rate.
// It can close its port and open it again on the same number: a receiver app quitting and coming back.
//
// Its own socket and a small OSC reader (messages and nested bundles), not liblo: liblo 0.31 binds
// its servers to the wildcard address only, and a soak listens on loopback. Not real-time code.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

namespace e2m::net {

enum class ProbeKind { kVmc, kVj };

// Counters since the previous take().
struct ProbeWindow {
  uint64_t frames = 0;             // frames that arrived
  uint64_t missing = 0;            // frame numbers skipped between two frames that arrived while listening
  uint64_t packets = 0;            // datagrams
  std::vector<double> latency_ms;  // per frame: arrival - due (needs set_schedule)
};

class FrameProbe {
 public:
  // Binds 127.0.0.1 on port (0: the OS picks) and listens. vj_prefix: the VJ layout's address prefix.
  // Throws e2m::Error when the port cannot be bound.
  explicit FrameProbe(ProbeKind kind, int port = 0, std::string vj_prefix = "/e2m");
  ~FrameProbe();
  FrameProbe(const FrameProbe&) = delete;
  FrameProbe& operator=(const FrameProbe&) = delete;

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // The output clock's start (steady clock) and rate, for the latencies. Before frames arrive.
  void set_schedule(std::chrono::steady_clock::time_point start, double rate_hz);

  // Stop listening and free the port (a frame sent now is refused by the kernel).
  void close();
  // Listen again on the same port; throws e2m::Error when another socket took it meanwhile. A gap
  // in the frame numbers across a close/open is not counted as missing.
  void open();
  bool listening() const { return thread_.joinable(); }

  ProbeWindow take();
  uint64_t total_frames() const { return total_frames_.load(); }

 private:
  void bind_socket();
  void run();
  void on_datagram(std::span<const char> data);
  void on_message(std::span<const char> msg, int depth);
  void on_frame(int64_t number);

  std::string frame_address_;
  int port_ = 0;
  int fd_ = -1;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> total_frames_{0};
  std::mutex mutex_;  // the window and the schedule, shared by the receiving thread and take()
  ProbeWindow window_;
  std::chrono::steady_clock::time_point start_{};
  double rate_hz_ = 0;
  int64_t last_frame_ = -1;  // receiving thread: the previous frame number since open()
};

}  // namespace e2m::net
