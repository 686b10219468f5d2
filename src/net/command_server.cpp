// CommandServer: own UDP socket + liblo's dispatcher -> Commands in the caller's queue.
#include "net/command_server.h"

#include <lo/lo.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

#include "motion/error.h"

namespace e2m::net {

namespace {

using Clock = std::chrono::steady_clock;

// `rate` tokens per second on average, at most `burst` saved up. refill() once per datagram (is a
// token left?), take() once per message handled.
class TokenBucket {
 public:
  TokenBucket(double rate, double burst) : rate_(rate), burst_(burst), tokens_(burst), last_(Clock::now()) {}
  bool refill(Clock::time_point now) {
    double dt = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    tokens_ = std::min(burst_, tokens_ + dt * rate_);
    return tokens_ >= 1.0;
  }
  bool take() {
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }

 private:
  double rate_, burst_, tokens_;
  Clock::time_point last_;
};

// A file descriptor closed on destruction.
struct Fd {
  int fd = -1;
  explicit Fd(int f = -1) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

std::string where(const CommandServerOptions& o) { return o.host + ":" + std::to_string(o.port); }

void check_options(const CommandServerOptions& o) {
  std::string w = "command server " + where(o) + ": ";
  if (o.port < 0 || o.port > 65535) throw Error(w + "port must be in 0..65535 (0 = any free port)");
  if (!(o.max_rate > 0) || !(o.burst >= 1)) throw Error(w + "rate limit must be > 0 and burst >= 1");
  if (o.max_packet_bytes < 64 || o.max_packet_bytes > 65536) {
    throw Error(w + "max packet size must be in 64..65536 bytes");
  }
  if (o.prefix.empty() || o.prefix.front() != '/' || o.prefix.back() == '/') {
    throw Error(w + "prefix '" + o.prefix + "' must start with '/' and not end with one (e.g. /e2m)");
  }
}

// Non-blocking UDP socket bound to host:port. The host is an address of this machine, so it must be
// numeric (no DNS lookup at startup); "localhost" means 127.0.0.1.
int bind_udp(const CommandServerOptions& o) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV | AI_NUMERICHOST;
  addrinfo* ai = nullptr;
  const char* host = o.host == "localhost" ? "127.0.0.1" : o.host.c_str();
  int rc = getaddrinfo(host, std::to_string(o.port).c_str(), &hints, &ai);
  if (rc != 0) {
    throw Error("command server " + where(o) + ": host must be a numeric IP address of this machine (" +
                gai_strerror(rc) + ")");
  }
  int err = 0;
  int fd = -1;
  for (addrinfo* a = ai; a && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd >= 0 && bind(fd, a->ai_addr, a->ai_addrlen) != 0) {
      err = errno;
      close(fd);
      fd = -1;
    } else if (fd < 0) {
      err = errno;
    }
  }
  freeaddrinfo(ai);
  if (fd < 0) throw Error("command server " + where(o) + ": cannot bind: " + std::strerror(err));
  return fd;
}

int bound_port(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return 0;
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  return 0;
}

// A lo_server used only as liblo's OSC parser/dispatcher: it listens on a Unix socket in a private
// temporary folder (never read), so it opens no network port.
class LoDispatcher {
 public:
  LoDispatcher() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "e2m-osc-XXXXXX").string();
    if (!mkdtemp(tmpl.data()))
      throw Error("command server: cannot create a folder in " + tmpl + ": " + std::strerror(errno));
    dir_ = tmpl;
    server_ = lo_server_new_with_proto((dir_ + "/lo").c_str(), LO_UNIX, nullptr);
    if (!server_) {
      rmdir(dir_.c_str());
      throw Error("command server: liblo could not create its dispatcher in " + dir_);
    }
    lo_server_enable_queue(server_, 0, 1);  // bundles with future timetags dispatch now, never pile up
  }
  ~LoDispatcher() {
    lo_server_free(server_);  // unlinks the socket file
    rmdir(dir_.c_str());
  }
  LoDispatcher(const LoDispatcher&) = delete;
  LoDispatcher& operator=(const LoDispatcher&) = delete;
  lo_server get() const { return server_; }

 private:
  std::string dir_;
  lo_server server_ = nullptr;
};

bool is_number(char t) { return t == LO_INT32 || t == LO_FLOAT; }

// liblo's argument pointers are only 4-byte aligned (lo_arg wants 8): read through bytes.
double number(char t, const lo_arg* a) {
  if (t == LO_INT32) {
    std::int32_t i;
    std::memcpy(&i, a, sizeof i);
    return i;
  }
  float f;
  std::memcpy(&f, a, sizeof f);
  return f;
}

}  // namespace

struct CommandServer::Impl {
  Impl(CommandQueue& q, const CommandServerOptions& o)
      : queue(q), options(o), bucket(o.max_rate, o.burst), buffer(o.max_packet_bytes) {}

  CommandQueue& queue;
  CommandServerOptions options;
  TokenBucket bucket;
  std::vector<std::byte> buffer;  // sized once
  Fd sock;
  Fd wake;
  LoDispatcher lo;
  int port = 0;
  std::thread thread;
  std::atomic<bool> running{false};
  std::atomic<std::uint64_t> packets{0}, commands{0}, malformed{0}, oversize{0}, rate_limited{0},
      queue_failed{0};

  // What one OSC message turned out to be.
  enum class Parsed { kCommand, kIgnored, kMalformed };

  static int on_message(const char* path, const char* types, lo_arg** argv, int argc, lo_message, void* self);
  Parsed to_command(std::string_view path, std::string_view types, lo_arg** argv, Command& c) const;
  Parsed fill_value(CommandKind kind, std::string_view types, lo_arg** argv, Command& c) const;
  void handle_datagram(ssize_t size);
  int drain(int timeout_ms);
  void run();
};

int CommandServer::Impl::on_message(const char* path, const char* types, lo_arg** argv, int /*argc*/,
                                    lo_message, void* self) {
  auto* impl = static_cast<Impl*>(self);
  if (!impl->bucket.take()) {  // a bundle with more messages than tokens left
    impl->rate_limited.fetch_add(1, std::memory_order_relaxed);
    return 0;
  }
  Command c;
  Parsed parsed = impl->to_command(path, types, argv, c);
  if (parsed == Parsed::kMalformed) {
    impl->malformed.fetch_add(1, std::memory_order_relaxed);
  } else if (parsed == Parsed::kIgnored) {
    // a controller's button release: nothing to do
  } else if (impl->queue.enqueue(c)) {
    impl->commands.fetch_add(1, std::memory_order_relaxed);
  } else {
    impl->queue_failed.fetch_add(1, std::memory_order_relaxed);
  }
  return 0;  // handled: liblo looks no further
}

auto CommandServer::Impl::to_command(std::string_view path, std::string_view types, lo_arg** argv,
                                     Command& c) const -> Parsed {
  const std::string& prefix = options.prefix;
  if (path.size() <= prefix.size() + 1 || !path.starts_with(prefix) || path[prefix.size()] != '/') {
    return Parsed::kMalformed;
  }
  std::optional<CommandKind> kind = command_kind(path.substr(prefix.size() + 1));
  if (!kind) return Parsed::kMalformed;
  c.kind = *kind;
  return fill_value(*kind, types, argv, c);
}

auto CommandServer::Impl::fill_value(CommandKind kind, std::string_view types, lo_arg** argv,
                                     Command& c) const -> Parsed {
  constexpr Parsed kOk = Parsed::kCommand, kBad = Parsed::kMalformed;
  if (has_text(kind)) {
    if (types != "s" && types != "S") return kBad;
    std::string_view text = reinterpret_cast<const char*>(argv[0]);  // s and S are both the chars
    return !text.empty() && c.set_text(text) ? kOk : kBad;
  }
  if (kind == CommandKind::kCancel && types.empty()) return kOk;
  if (types.size() != 1 || !is_number(types[0])) return kBad;
  double v = number(types[0], argv[0]);
  if (!std::isfinite(v)) return kBad;
  if (kind == CommandKind::kCancel && v == 0) return Parsed::kIgnored;  // a button's release
  if (kind == CommandKind::kIntensity) c.value = static_cast<float>(v);
  if (kind == CommandKind::kRootLock) c.flag = v != 0 ? 1 : 0;
  return kOk;
}

void CommandServer::Impl::handle_datagram(ssize_t size) {
  packets.fetch_add(1, std::memory_order_relaxed);
  if (!bucket.refill(Clock::now())) {
    rate_limited.fetch_add(1, std::memory_order_relaxed);
  } else if (static_cast<std::size_t>(size) > buffer.size()) {
    bucket.take();
    oversize.fetch_add(1, std::memory_order_relaxed);
  } else if (lo_server_dispatch_data(lo.get(), buffer.data(), static_cast<std::size_t>(size)) < 0) {
    bucket.take();  // messages dispatched before liblo gave up have taken theirs
    malformed.fetch_add(1, std::memory_order_relaxed);  // not OSC (liblo rejected the bytes)
  }
}

// Wait for the socket (or the stop signal), then handle every waiting datagram, at most kBatch so a
// flood cannot keep stop() waiting.
int CommandServer::Impl::drain(int timeout_ms) {
  constexpr int kBatch = 1024;
  pollfd fds[2] = {{sock.fd, POLLIN, 0}, {wake.fd, POLLIN, 0}};
  if (::poll(fds, 2, timeout_ms) <= 0 || !(fds[0].revents & POLLIN)) return 0;
  int handled = 0;
  while (handled < kBatch) {
    // MSG_TRUNC: the return value is the datagram's real size, so an oversize one is seen as such.
    ssize_t n = recv(sock.fd, buffer.data(), buffer.size(), MSG_TRUNC | MSG_DONTWAIT);
    if (n < 0) break;  // EAGAIN: nothing left (other errors: try again on the next wake)
    handle_datagram(n);
    ++handled;
  }
  return handled;
}

void CommandServer::Impl::run() {
  while (running.load(std::memory_order_acquire)) drain(-1);
}

CommandServer::CommandServer(CommandQueue& queue, const CommandServerOptions& options) {
  check_options(options);
  impl_ = std::make_unique<Impl>(queue, options);
  impl_->sock.fd = bind_udp(options);
  impl_->port = bound_port(impl_->sock.fd);
  impl_->wake.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (impl_->wake.fd < 0) throw Error(std::string("command server: eventfd: ") + std::strerror(errno));
  lo_server_add_method(impl_->lo.get(), nullptr, nullptr, &Impl::on_message, impl_.get());
}

CommandServer::~CommandServer() { stop(); }

int CommandServer::port() const { return impl_->port; }

void CommandServer::start() {
  if (impl_->running.exchange(true)) return;
  impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
}

void CommandServer::stop() {
  if (!impl_->running.exchange(false)) return;
  std::uint64_t one = 1;
  [[maybe_unused]] ssize_t w = write(impl_->wake.fd, &one, sizeof one);
  impl_->thread.join();
  std::uint64_t drained = 0;
  [[maybe_unused]] ssize_t r = read(impl_->wake.fd, &drained, sizeof drained);
}

int CommandServer::poll(int timeout_ms) {
  if (impl_->running.load(std::memory_order_acquire)) return 0;
  return impl_->drain(timeout_ms);
}

CommandServerStats CommandServer::stats() const {
  const Impl& i = *impl_;
  auto get = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  return {get(i.packets),  get(i.commands),     get(i.malformed),
          get(i.oversize), get(i.rate_limited), get(i.queue_failed)};
}

}  // namespace e2m::net
