// Sender: a connected, non-blocking UDP socket per destination; counted, never-throwing sends.
#include "net/sender.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>

#include "motion/error.h"

namespace e2m::net {

namespace {

[[noreturn]] void bad_endpoint(std::string_view text, std::string_view what, std::string_view why) {
  throw Error(std::string(what) + " '" + std::string(text) + "': " + std::string(why) +
              " (expected HOST:PORT, e.g. 127.0.0.1:39539 or [::1]:39539)");
}

int parse_port(std::string_view digits, std::string_view text, std::string_view what) {
  int port = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || port < 1 ||
      port > 65535) {
    bad_endpoint(text, what, "port '" + std::string(digits) + "' is not a number in 1..65535");
  }
  return port;
}

using AddrInfoPtr = std::unique_ptr<addrinfo, decltype(&freeaddrinfo)>;

AddrInfoPtr resolve(const Endpoint& e, std::string_view what) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  int rc = getaddrinfo(e.host.c_str(), std::to_string(e.port).c_str(), &hints, &found);
  if (rc != 0 || !found) {
    throw Error(std::string(what) + " '" + e.host + ":" + std::to_string(e.port) +
                "': cannot resolve host: " + gai_strerror(rc));
  }
  return {found, &freeaddrinfo};
}

}  // namespace

Endpoint parse_endpoint(std::string_view text, std::string_view what) {
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) bad_endpoint(text, what, "no ':PORT'");
  std::string_view host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    bad_endpoint(text, what, "an IPv6 address needs brackets");
  }
  if (host.empty()) bad_endpoint(text, what, "empty host");
  if (host.find_first_of(" \t[]") != std::string_view::npos)
    bad_endpoint(text, what, "bad character in host");
  return {std::string(host), parse_port(text.substr(colon + 1), text, what)};
}

Sender::Sender(std::string_view host_port, std::string_view what)
    : endpoint_(parse_endpoint(host_port, what)) {
  AddrInfoPtr ai = resolve(endpoint_, what);
  int err = 0;
  for (addrinfo* a = ai.get(); a; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      err = errno;
      continue;
    }
    int on = 1;  // a LAN broadcast address is a fair VJ destination
    if (a->ai_family == AF_INET) setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof on);
    if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      fd_ = fd;
      return;
    }
    err = errno;
    close(fd);
  }
  throw Error(std::string(what) + " '" + std::string(host_port) +
              "': cannot open a UDP socket to it: " + std::strerror(err));
}

Sender::~Sender() {
  if (fd_ >= 0) close(fd_);
}

bool Sender::send_packet(std::span<const std::byte> packet) noexcept {
  ssize_t n = ::send(fd_, packet.data(), packet.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  if (n != static_cast<ssize_t>(packet.size())) {
    errors_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  packets_.fetch_add(1, std::memory_order_relaxed);
  bytes_.fetch_add(packet.size(), std::memory_order_relaxed);
  return true;
}

bool Sender::send(const FramePackets& frame) noexcept {
  frames_.fetch_add(1, std::memory_order_relaxed);
  if (!frame.ok()) {
    errors_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  bool all = true;
  for (int i = 0; i < frame.count(); ++i) all = send_packet(frame.packet(i)) && all;
  return all;
}

SenderStats Sender::stats() const noexcept {
  return {frames_.load(std::memory_order_relaxed), packets_.load(std::memory_order_relaxed),
          bytes_.load(std::memory_order_relaxed), errors_.load(std::memory_order_relaxed)};
}

}  // namespace e2m::net
