// Sender: HOST:PORT parsing, counters, and sends that fail without throwing.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <memory>
#include <thread>

#include "lo_receiver.h"
#include "motion/error.h"
#include "net/sender.h"

using namespace e2m;
using namespace e2m::net;

TEST_CASE("sender: HOST:PORT parses names, IPv4 and bracketed IPv6") {
  Endpoint a = parse_endpoint("127.0.0.1:39539");
  CHECK(a.host == "127.0.0.1");
  CHECK(a.port == 39539);
  Endpoint b = parse_endpoint("localhost:9000");
  CHECK(b.host == "localhost");
  CHECK(b.port == 9000);
  Endpoint c = parse_endpoint("[::1]:7000");
  CHECK(c.host == "::1");
  CHECK(c.port == 7000);
}

TEST_CASE("sender: bad HOST:PORT is an e2m::Error that names the text and what was expected") {
  for (const char* bad : {"localhost", "host:", ":9000", "host:0", "host:65536", "host:9x", "host:-1",
                          "::1:9000", "[]:9000", "a b:9000", ""}) {
    CHECK_THROWS_AS(parse_endpoint(bad, "--vmc"), Error);
  }
  CHECK_THROWS_WITH(parse_endpoint("127.0.0.1:abc", "--vmc"),
                    Catch::Contains("--vmc '127.0.0.1:abc'") && Catch::Contains("expected HOST:PORT"));
  CHECK_THROWS_WITH(Sender("nowhere"), Catch::Contains("no ':PORT'"));
}

TEST_CASE("sender: counts packets and bytes, readable from another thread") {
  e2m::test::LoReceiver rx;
  Sender tx(rx.address(), "--osc");
  auto frame = std::make_unique<FramePackets>(0);
  for (int k = 0; k < 3; ++k) {
    frame->begin_message("/e2m/frame", 1).add_int(k);
    frame->end_message();
  }
  REQUIRE(tx.send(*frame));
  REQUIRE(rx.receive(3) == 3);
  SenderStats st;
  std::thread reader([&] { st = tx.stats(); });
  reader.join();
  CHECK(st.frames == 1);
  CHECK(st.packets == 3);
  CHECK(st.bytes == 60);
  CHECK(st.errors == 0);
  CHECK(rx.messages.size() == 3);
}

TEST_CASE("sender: a frame that is not ok is dropped and counted, not sent") {
  e2m::test::LoReceiver rx;
  Sender tx(rx.address());
  auto frame = std::make_unique<FramePackets>();
  frame->begin_message("/a", 2).add_int(1);
  frame->end_message();  // one argument short
  REQUIRE_FALSE(frame->ok());
  CHECK_FALSE(tx.send(*frame));
  CHECK(tx.stats().errors == 1);
  CHECK(tx.stats().packets == 0);
}

TEST_CASE("sender: sending to a port nobody listens on counts errors and never throws") {
  int port = 0;
  {  // a port that was free a moment ago
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    close(fd);
  }
  Sender tx("127.0.0.1:" + std::to_string(port));
  auto frame = std::make_unique<FramePackets>(0);
  frame->begin_message("/e2m/frame", 1).add_int(1);
  frame->end_message();
  for (int k = 0; k < 10; ++k) {
    CHECK_NOTHROW(tx.send(*frame));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  auto st = tx.stats();
  CHECK(st.frames == 10);
  CHECK(st.errors > 0);  // the kernel reports the ICMP port-unreachable on the connected socket
  CHECK(st.packets + st.errors == 10);
}
