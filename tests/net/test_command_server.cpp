// Command server: commands sent by a real liblo client arrive in the queue; malformed, oversize and
// flooding packets are counted and dropped and the server still answers; the stdin line parser.
#include <lo/lo.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "motion/error.h"
#include "net/command_server.h"

using namespace e2m;
using namespace e2m::net;

namespace {

CommandServerOptions any_port() {
  CommandServerOptions o;
  o.port = 0;
  return o;
}

// A liblo client aimed at the server.
struct Client {
  lo_address addr;
  explicit Client(int port) : addr(lo_address_new("127.0.0.1", std::to_string(port).c_str())) {}
  ~Client() { lo_address_free(addr); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
};

// Wait (bounded) for the next command in the queue.
bool next(CommandQueue& q, Command& c, int timeout_ms = 2000) {
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < end) {
    if (q.try_dequeue(c)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

// Wait until the server has seen `packets` datagrams.
void wait_packets(const CommandServer& s, std::uint64_t packets, int timeout_ms = 2000) {
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (s.stats().packets < packets && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

// Raw UDP datagrams to the server.
struct RawSocket {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in to{};
  explicit RawSocket(int port) {
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(port));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  }
  ~RawSocket() { close(fd); }
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;
  void send(const std::string& bytes) {
    sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
  }
};

}  // namespace

TEST_CASE("command server: binds an OS-chosen port on 127.0.0.1 and queues every command with its value") {
  CommandQueue queue;
  CommandServer server(queue, any_port());
  REQUIRE(server.port() > 0);
  server.start();
  Client c(server.port());
  Command cmd;

  lo_send(c.addr, "/e2m/cue", "s", "wave");
  REQUIRE(next(queue, cmd));
  CHECK(cmd.kind == CommandKind::kCue);
  CHECK(cmd.text_view() == "wave");

  lo_send(c.addr, "/e2m/cancel", "");
  REQUIRE(next(queue, cmd));
  CHECK(cmd.kind == CommandKind::kCancel);

  lo_send(c.addr, "/e2m/genre", "s", "waltz");
  REQUIRE(next(queue, cmd));
  CHECK(cmd.kind == CommandKind::kGenre);
  CHECK(cmd.text_view() == "waltz");

  lo_send(c.addr, "/e2m/intensity", "f", 0.75f);
  REQUIRE(next(queue, cmd));
  CHECK(cmd.kind == CommandKind::kIntensity);
  CHECK(cmd.value == 0.75f);

  lo_send(c.addr, "/e2m/rootlock", "i", 1);
  REQUIRE(next(queue, cmd));
  CHECK(cmd.kind == CommandKind::kRootLock);
  CHECK(cmd.flag == 1);

  lo_send(c.addr, "/e2m/model", "s", "models/e2m-small.e2mm");
  REQUIRE(next(queue, cmd));
  CHECK(cmd.kind == CommandKind::kModel);
  CHECK(cmd.text_view() == "models/e2m-small.e2mm");

  // controllers' numbers: an int intensity, a float rootlock, a cancel button's press and release
  lo_send(c.addr, "/e2m/intensity", "i", 1);
  REQUIRE(next(queue, cmd));
  CHECK(cmd.value == 1.0f);
  lo_send(c.addr, "/e2m/rootlock", "f", 0.0f);
  REQUIRE(next(queue, cmd));
  CHECK(cmd.flag == 0);
  lo_send(c.addr, "/e2m/cancel", "f", 0.0f);  // release: ignored
  lo_send(c.addr, "/e2m/cancel", "f", 1.0f);  // press
  REQUIRE(next(queue, cmd));
  CHECK(cmd.kind == CommandKind::kCancel);
  CHECK_FALSE(next(queue, cmd, 50));

  server.stop();
  auto st = server.stats();
  CHECK(st.commands == 9);
  CHECK(st.malformed == 0);
}

TEST_CASE("command server: a bundle of commands is dispatched whole") {
  CommandQueue queue;
  CommandServer server(queue, any_port());
  server.start();
  Client c(server.port());
  lo_bundle b = lo_bundle_new(LO_TT_IMMEDIATE);
  lo_message g = lo_message_new();
  lo_message_add_string(g, "tango");
  lo_message i = lo_message_new();
  lo_message_add_float(i, 0.25f);
  lo_bundle_add_message(b, "/e2m/genre", g);
  lo_bundle_add_message(b, "/e2m/intensity", i);
  lo_send_bundle(c.addr, b);
  lo_bundle_free_recursive(b);
  Command cmd;
  REQUIRE(next(queue, cmd));
  CHECK(cmd.kind == CommandKind::kGenre);
  REQUIRE(next(queue, cmd));
  CHECK(cmd.kind == CommandKind::kIntensity);
  CHECK(cmd.value == 0.25f);
}

TEST_CASE("command server: malformed messages are counted and not queued") {
  CommandQueue queue;
  CommandServer server(queue, any_port());
  Client c(server.port());
  std::string long_text(200, 'x');
  lo_send(c.addr, "/e2m/intensity", "s", "loud");       // wrong type
  lo_send(c.addr, "/e2m/cue", "i", 3);                  // wrong type
  lo_send(c.addr, "/e2m/cue", "ss", "wave", "bow");     // wrong count
  lo_send(c.addr, "/e2m/rootlock", "");                 // missing value
  lo_send(c.addr, "/e2m/dance", "s", "salsa");          // unknown address
  lo_send(c.addr, "/other/cue", "s", "wave");           // other prefix
  lo_send(c.addr, "/e2m/cue", "s", long_text.c_str());  // text over 127 bytes
  lo_send(c.addr, "/e2m/cue", "s", "");                 // empty cue
  lo_send(c.addr, "/e2m/intensity", "f", std::numeric_limits<float>::infinity());
  RawSocket raw(server.port());
  raw.send("not osc at all");
  raw.send(std::string("/e2m/cue\0\0\0\0", 12));  // no type tag string
  int handled = 0;
  for (int k = 0; k < 50 && handled < 11; ++k) handled += server.poll(100);  // the poll() mode
  auto st = server.stats();
  CHECK(st.packets == 11);
  CHECK(st.malformed == 11);
  CHECK(st.commands == 0);
  Command cmd;
  CHECK_FALSE(queue.try_dequeue(cmd));
  lo_send(c.addr, "/e2m/cue", "s", "bow");  // and it still answers
  server.poll(1000);
  REQUIRE(queue.try_dequeue(cmd));
  CHECK(cmd.text_view() == "bow");
}

TEST_CASE(
    "command server: an oversize packet and a flood are dropped and counted, and the server still answers") {
  CommandQueue queue;
  CommandServerOptions opt = any_port();
  opt.max_rate = 200;  // low, so the flood surely outruns the bucket
  opt.burst = 100;
  CommandServer server(queue, opt);
  server.start();
  RawSocket raw(server.port());
  raw.send(std::string(8192, 'j'));
  wait_packets(server, 1);
  CHECK(server.stats().oversize == 1);

  const std::string junk("#junk\0\0\0", 8);
  for (int k = 0; k < 20000; ++k) raw.send(junk);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto flood = server.stats();
  CHECK(flood.packets > 1);
  CHECK(flood.rate_limited > 0);
  CHECK(flood.malformed >= 1);
  CHECK(flood.malformed <= 100 + 200 * 30);  // never more than the bucket lets through
  CHECK(flood.commands == 0);

  // The bucket refills at 200/s: a command gets through within a few tries.
  Client c(server.port());
  Command cmd;
  bool answered = false;
  for (int k = 0; k < 40 && !answered; ++k) {
    lo_send(c.addr, "/e2m/cue", "s", "bow");
    answered = next(queue, cmd, 50);
  }
  CHECK(answered);
  CHECK(cmd.text_view() == "bow");
  server.stop();
}

TEST_CASE("command server: the rate limit counts messages, also inside one bundle") {
  CommandQueue queue;
  CommandServerOptions opt = any_port();
  opt.max_rate = 0.5;  // no refill to speak of during the test
  opt.burst = 3;
  CommandServer server(queue, opt);
  Client c(server.port());
  lo_bundle b = lo_bundle_new(LO_TT_IMMEDIATE);
  for (int k = 0; k < 5; ++k) {
    lo_message m = lo_message_new();
    lo_message_add_string(m, "wave");
    lo_bundle_add_message(b, "/e2m/cue", m);
  }
  lo_send_bundle(c.addr, b);
  lo_bundle_free_recursive(b);
  REQUIRE(server.poll(1000) == 1);
  auto st = server.stats();
  CHECK(st.commands == 3);
  CHECK(st.rate_limited == 2);
  lo_send(c.addr, "/e2m/cancel", "");  // the bucket is empty: dropped before parsing
  REQUIRE(server.poll(1000) == 1);
  CHECK(server.stats().rate_limited == 3);
  CHECK(queue.size_approx() == 3);
}

TEST_CASE("command server: a taken port or a bad option is an e2m::Error naming host and port") {
  CommandQueue queue;
  CommandServer first(queue, any_port());
  CommandServerOptions same;
  same.port = first.port();
  CHECK_THROWS_WITH(CommandServer(queue, same), Catch::Contains("127.0.0.1:" + std::to_string(first.port())));
  CommandServerOptions bad_port;
  bad_port.port = 70000;
  CHECK_THROWS_AS(CommandServer(queue, bad_port), Error);
  CommandServerOptions bad_host;
  bad_host.host = "not a host";
  bad_host.port = 0;
  CHECK_THROWS_WITH(CommandServer(queue, bad_host), Catch::Contains("numeric IP address"));
  CommandServerOptions local;
  local.host = "localhost";
  local.port = 0;
  CHECK_NOTHROW(CommandServer(queue, local));
}

TEST_CASE("command server: start and stop are idempotent and stop is prompt") {
  CommandQueue queue;
  CommandServer server(queue, any_port());
  server.start();
  server.start();
  auto t0 = std::chrono::steady_clock::now();
  server.stop();
  server.stop();
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(500));
  server.start();  // and runs again
  Client c(server.port());
  lo_send(c.addr, "/e2m/cancel", "");
  Command cmd;
  CHECK(next(queue, cmd));
}

TEST_CASE("command line: slash commands, plain text cues, and clear errors") {
  auto cue = parse_command_line("wave both hands\n");
  REQUIRE(cue);
  CHECK(cue->kind == CommandKind::kCue);
  CHECK(cue->text_view() == "wave both hands");

  auto genre = parse_command_line("/genre waltz");
  REQUIRE(genre);
  CHECK(genre->kind == CommandKind::kGenre);
  CHECK(genre->text_view() == "waltz");

  CHECK(parse_command_line("/cancel")->kind == CommandKind::kCancel);
  CHECK(parse_command_line("  /intensity 0.5 ")->value == 0.5f);
  CHECK(parse_command_line("/rootlock 1")->flag == 1);
  CHECK(parse_command_line("/rootlock off")->flag == 0);
  CHECK(parse_command_line("/cue take a bow")->text_view() == "take a bow");
  CHECK(parse_command_line("/e2m/genre tango")->text_view() == "tango");
  CHECK(parse_command_line("/model models/a.e2mm")->kind == CommandKind::kModel);
  CHECK_FALSE(parse_command_line(""));
  CHECK_FALSE(parse_command_line("   \r\n"));

  CHECK_THROWS_WITH(parse_command_line("/dance now"), Catch::Contains("unknown command '/dance'"));
  CHECK_THROWS_WITH(parse_command_line("/intensity loud"), Catch::Contains("not a finite number"));
  CHECK_THROWS_AS(parse_command_line("/intensity"), Error);
  CHECK_THROWS_AS(parse_command_line("/intensity nan"), Error);
  CHECK_THROWS_WITH(parse_command_line("/rootlock 2"), Catch::Contains("not 0 or 1"));
  CHECK_THROWS_AS(parse_command_line("/genre"), Error);
  CHECK_THROWS_AS(parse_command_line("/cancel now"), Error);
  CHECK_THROWS_WITH(parse_command_line(std::string(200, 'x')), Catch::Contains("longer than 127 bytes"));
  CHECK(parse_command_line(std::string(127, 'x'))->text_view().size() == 127);
}
