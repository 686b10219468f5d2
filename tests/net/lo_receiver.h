// A real liblo receiver for the net tests: a lo_server on an OS-chosen UDP port that records every
// message it dispatches (path, type tags, arguments), every datagram's size and every bundle.
// liblo 0.31 binds its servers to the wildcard address only; the tests send to 127.0.0.1.
#pragma once
#include <lo/lo.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace e2m::test {

struct OscArg {
  char type = 0;
  std::int32_t i = 0;
  float f = 0;
  std::string s;
};

struct OscMessage {
  std::string path, types;
  std::vector<OscArg> args;
  int packet = 0;   // index of the datagram it came in
  int bundle = -1;  // index of the bundle it was in, -1 when unbundled
};

class LoReceiver {
 public:
  // port 0: the OS picks one; another: that port (a receiver that comes back where it was).
  explicit LoReceiver(int port = 0) {
    server_ = lo_server_new_with_proto(std::to_string(port).c_str(), LO_UDP, nullptr);
    if (!server_) throw std::runtime_error("liblo receiver: lo_server_new_with_proto failed");
    lo_server_enable_queue(server_, 0, 1);
    lo_server_add_method(server_, nullptr, nullptr, &LoReceiver::on_message, this);
    lo_server_add_bundle_handlers(server_, &LoReceiver::on_bundle_start, &LoReceiver::on_bundle_end, this);
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    getsockname(lo_server_get_socket_fd(server_), reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port
                                             : reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  }
  ~LoReceiver() { lo_server_free(server_); }
  LoReceiver(const LoReceiver&) = delete;
  LoReceiver& operator=(const LoReceiver&) = delete;

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  // Receive until `packets` datagrams have arrived in total or timeout_ms passed; returns the total.
  int receive(int packets, int timeout_ms = 2000) {
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (static_cast<int>(sizes.size()) < packets && std::chrono::steady_clock::now() < end) {
      int n = lo_server_recv_noblock(server_, 20);
      if (n > 0) sizes.push_back(n);
    }
    return static_cast<int>(sizes.size());
  }

  std::vector<const OscMessage*> with_path(const std::string& path) const {
    std::vector<const OscMessage*> out;
    for (const auto& m : messages)
      if (m.path == path) out.push_back(&m);
    return out;
  }

  void clear() {
    messages.clear();
    sizes.clear();
    bundles = 0;
  }

  std::vector<OscMessage> messages;
  std::vector<int> sizes;  // bytes per datagram
  int bundles = 0;

 private:
  static int on_message(const char* path, const char* types, lo_arg** argv, int argc, lo_message,
                        void* self) {
    auto* r = static_cast<LoReceiver*>(self);
    OscMessage m{path, types, {}, static_cast<int>(r->sizes.size()), r->in_bundle_ ? r->bundles - 1 : -1};
    for (int k = 0; k < argc; ++k) {
      OscArg a;
      a.type = types[k];
      // liblo's argument pointers are only 4-byte aligned: read through bytes, not lo_arg members
      if (a.type == LO_INT32) std::memcpy(&a.i, argv[k], 4);
      if (a.type == LO_FLOAT) std::memcpy(&a.f, argv[k], 4);
      if (a.type == LO_STRING) a.s = reinterpret_cast<const char*>(argv[k]);
      m.args.push_back(a);
    }
    r->messages.push_back(std::move(m));
    return 0;
  }
  static int on_bundle_start(lo_timetag, void* self) {
    auto* r = static_cast<LoReceiver*>(self);
    ++r->bundles;
    r->in_bundle_ = true;
    return 0;
  }
  static int on_bundle_end(void* self) {
    static_cast<LoReceiver*>(self)->in_bundle_ = false;
    return 0;
  }

  lo_server server_ = nullptr;
  int port_ = 0;
  bool in_bundle_ = false;
};

// A LoReceiver that receives on its own thread while the engine runs.
struct ListeningReceiver {
  LoReceiver rx;
  std::atomic<bool> stop{false};
  std::thread thread;
  explicit ListeningReceiver(int port = 0) : rx(port) {
    thread = std::thread([this] {
      while (!stop) rx.receive(int(rx.sizes.size()) + 1000000, 50);
    });
  }
  ~ListeningReceiver() { finish(); }
  // Stop listening, then take what is still in the socket (the last frames sent before the engine stopped).
  void finish() {
    stop = true;
    if (thread.joinable()) thread.join();
    for (size_t before = size_t(-1); before != rx.sizes.size();) {
      before = rx.sizes.size();
      rx.receive(int(before) + 1, 100);
    }
  }
};

// VMC frames whose /VMC/Ext/T is not 1/60 s after the previous frame's: 0 when the output kept its rate.
inline int broken_steps(const LoReceiver& rx) {
  const auto times = rx.with_path("/VMC/Ext/T");
  int broken = 0;
  for (size_t i = 1; i < times.size(); ++i)
    broken += std::abs(times[i]->args[0].f - times[i - 1]->args[0].f - 1.0f / 60) > 1e-3f;
  return broken;
}

}  // namespace e2m::test
