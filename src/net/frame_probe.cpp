// FrameProbe: a loopback UDP socket, a receiving thread, and just enough OSC reading to find a frame.
#include "net/frame_probe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <string_view>

#include "motion/error.h"

namespace e2m::net {

namespace {

constexpr int kMaxBundleDepth = 4;

uint32_t be32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return ntohl(v);
}

// The OSC string at `at` (NUL-terminated within data) and the offset after its padding; false when
// it runs off the end.
bool osc_string(std::span<const char> data, size_t at, std::string_view& out, size_t& next) {
  if (at >= data.size()) return false;
  const void* nul = std::memchr(data.data() + at, '\0', data.size() - at);
  if (!nul) return false;
  out = std::string_view(data.data() + at, size_t(static_cast<const char*>(nul) - (data.data() + at)));
  next = (at + out.size() + 1 + 3) & ~size_t{3};
  return true;
}

}  // namespace

FrameProbe::FrameProbe(ProbeKind kind, int port, std::string vj_prefix)
    : frame_address_(kind == ProbeKind::kVmc ? "/VMC/Ext/T" : vj_prefix + "/frame"), port_(port) {
  open();
}

FrameProbe::~FrameProbe() { close(); }

void FrameProbe::set_schedule(std::chrono::steady_clock::time_point start, double rate_hz) {
  std::lock_guard<std::mutex> lock(mutex_);
  start_ = start;
  rate_hz_ = rate_hz;
}

void FrameProbe::bind_socket() {
  fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw Error(std::string("frame probe: cannot open a UDP socket: ") + std::strerror(errno));
  int size = 4 << 20;  // a few seconds of frames, should the receiving thread be starved for a moment
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(uint16_t(port_));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int err = errno;
    ::close(fd_);
    fd_ = -1;
    throw Error("frame probe: cannot listen on 127.0.0.1:" + std::to_string(port_) + ": " +
                std::strerror(err));
  }
  port_ = ntohs(addr.sin_port);
}

void FrameProbe::open() {
  if (listening()) return;
  bind_socket();
  last_frame_ = -1;
  stop_ = false;
  thread_ = std::thread([this] { run(); });
}

void FrameProbe::close() {
  if (!listening()) return;
  stop_ = true;
  thread_.join();
  ::close(fd_);
  fd_ = -1;
}

ProbeWindow FrameProbe::take() {
  std::lock_guard<std::mutex> lock(mutex_);
  ProbeWindow out = std::move(window_);
  window_ = ProbeWindow{};
  return out;
}

void FrameProbe::run() {
  std::vector<char> buf(65536);
  while (!stop_) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    for (;;) {
      const ssize_t n = ::recv(fd_, buf.data(), buf.size(), MSG_DONTWAIT);
      if (n < 0) break;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        ++window_.packets;
      }
      on_datagram({buf.data(), size_t(n)});
    }
  }
}

void FrameProbe::on_datagram(std::span<const char> data) {
  if (data.size() >= 16 && std::memcmp(data.data(), "#bundle", 8) == 0) {
    on_message(data, 0);
  } else {
    on_message(data, -1);
  }
}

// depth < 0: a plain message; otherwise a bundle at that nesting depth, whose elements are read in turn.
void FrameProbe::on_message(std::span<const char> msg, int depth) {
  if (depth >= 0) {
    for (size_t at = 16; depth < kMaxBundleDepth && at + 4 <= msg.size();) {
      const size_t size = be32(msg.data() + at);
      if (size > msg.size() - at - 4) return;
      const auto element = msg.subspan(at + 4, size);
      const bool bundle = size >= 16 && std::memcmp(element.data(), "#bundle", 8) == 0;
      on_message(element, bundle ? depth + 1 : -1);
      at += 4 + size;
    }
    return;
  }
  std::string_view address, tags;
  size_t after_address = 0, after_tags = 0;
  if (!osc_string(msg, 0, address, after_address) || address != frame_address_) return;
  if (!osc_string(msg, after_address, tags, after_tags) || after_tags + 4 > msg.size()) return;
  const uint32_t bits = be32(msg.data() + after_tags);
  if (tags == ",i") {  // VJ's tick k, sent at the clock's (k + 1)th period: numbered as VMC's time is
    on_frame(int64_t(int32_t(bits)) + 1);
  } else if (tags == ",f") {  // VMC's seconds since the clock started, in 1 / rate steps
    float seconds;
    std::memcpy(&seconds, &bits, 4);
    double rate = 60;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (rate_hz_ > 0) rate = rate_hz_;
    }
    if (std::isfinite(seconds)) on_frame(std::llround(double(seconds) * rate));
  }
}

void FrameProbe::on_frame(int64_t number) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(mutex_);
  ++window_.frames;
  ++total_frames_;
  if (last_frame_ >= 0 && number > last_frame_ + 1) window_.missing += uint64_t(number - last_frame_ - 1);
  if (number > last_frame_) last_frame_ = number;
  if (rate_hz_ > 0 && start_ != std::chrono::steady_clock::time_point{}) {
    const auto due = start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                  std::chrono::duration<double>(double(number) / rate_hz_));
    window_.latency_ms.push_back(std::chrono::duration<double, std::milli>(now - due).count());
  }
}

}  // namespace e2m::net
