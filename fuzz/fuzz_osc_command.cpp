// Fuzzes the OSC command input the way a controller reaches it: each input is one UDP datagram to a
// real CommandServer on 127.0.0.1, which hands it to liblo's parser and dispatcher
// (lo_server_dispatch_data) and from there to its own handler that turns messages into Commands.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <cstring>

#include "fuzz_support.h"
#include "net/command_server.h"

using namespace e2m;

namespace {

struct Harness {
  net::CommandQueue queue;
  net::CommandServer server{queue, options()};
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in to{};

  Harness() {
    if (fd < 0) std::abort();
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(server.port()));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  }
  ~Harness() { close(fd); }

  static net::CommandServerOptions options() {
    net::CommandServerOptions o;
    o.port = 0;
    // No rate limit (every input must reach the parser) and the largest datagram the server allows.
    o.max_rate = 1e12;
    o.burst = 1e12;
    o.max_packet_bytes = 65536;
    return o;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Harness h;
  // Over UDP's limit the datagram cannot be sent at all; nothing to test.
  if (size > 65507) return 0;
  const std::uint64_t before = h.server.stats().packets;
  if (sendto(h.fd, data, size, 0, reinterpret_cast<const sockaddr*>(&h.to), sizeof h.to) !=
      static_cast<ssize_t>(size)) {
    std::perror("sendto");
    std::abort();
  }
  // Loopback delivers at once; the bounded wait only guards against a busy machine.
  for (int i = 0; i < 100 && h.server.stats().packets == before; ++i) h.server.poll(50);
  E2M_FUZZ_CHECK(h.server.stats().packets == before + 1);
  net::Command c;
  while (h.queue.try_dequeue(c)) {
    E2M_FUZZ_CHECK(static_cast<int>(c.kind) < net::kNumCommandKinds);
    E2M_FUZZ_CHECK(std::memchr(c.text.data(), '\0', c.text.size()) != nullptr);
    if (net::has_text(c.kind)) E2M_FUZZ_CHECK(!c.text_view().empty());
    if (c.kind == net::CommandKind::kIntensity) E2M_FUZZ_CHECK(std::isfinite(c.value));
  }
  return 0;
}
