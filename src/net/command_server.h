// CommandServer: the OSC command input (DESIGN.md 5.3). Receives, with the default prefix /e2m,
//   /e2m/cue s   /e2m/cancel   /e2m/genre s   /e2m/intensity f   /e2m/rootlock i   /e2m/model s
// and pushes each as a Command into the caller's MPMC queue. Lenient where controllers differ:
// intensity takes i or f; rootlock takes i or f (non-zero = on); cancel takes no argument or one number
// (a zero is a button's release and is ignored); text takes s or S. Anything else (an unknown address,
// wrong types or count, text over 127 bytes, a non-finite number, bytes that are not OSC) is counted as
// malformed and dropped. Datagrams over max_packet_bytes are counted and dropped unparsed, and a token
// bucket caps the messages handled per second (a datagram that is not OSC counts as one), so a flood
// cannot eat the machine: beyond it, datagrams are dropped before liblo parses them.
//
// Sockets: liblo 0.31 (Debian 12) can only bind its servers to the wildcard address, and this port
// must default to loopback only (anyone on the LAN could otherwise drive the show). So the server owns
// its UDP socket, bound to options.host, and hands each datagram to liblo's parser and dispatcher
// (lo_server_dispatch_data) on a lo_server that listens only on a private Unix socket in a temporary
// folder, which nothing ever reads. Bundles, validation and type tags are liblo's.
//
// Run it on its own thread (start/stop) or call poll(timeout) from a loop of yours; not both at once.
// This thread is not real-time: liblo allocates per message here, which is fine off the output clock.
#pragma once
#include <concurrentqueue/concurrentqueue.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "live/command.h"

namespace e2m::net {

// The command type belongs to the engine (live); the server is one of its sources.
using live::Command;
using live::command_kind;
using live::command_name;
using live::CommandKind;
using live::has_text;
using live::kNumCommandKinds;
using live::parse_command_line;

using CommandQueue = moodycamel::ConcurrentQueue<Command>;

struct CommandServerOptions {
  std::string host = "127.0.0.1";       // numeric address to bind ("localhost" ok); "0.0.0.0" or "::" = all
  int port = 9000;                      // UDP port; 0 = the OS picks one (see CommandServer::port())
  std::string prefix = "/e2m";          // address prefix of every command
  double max_rate = 2000;               // messages per second handled on average (token bucket refill)
  double burst = 2000;                  // messages handled back to back before the rate applies
  std::size_t max_packet_bytes = 4096;  // larger datagrams are dropped (a cue is < 200 bytes)
};

struct CommandServerStats {
  std::uint64_t packets = 0;       // datagrams received
  std::uint64_t commands = 0;      // commands queued
  std::uint64_t malformed = 0;     // messages (or whole packets) not understood
  std::uint64_t oversize = 0;      // datagrams over max_packet_bytes
  std::uint64_t rate_limited = 0;  // datagrams (or messages in bundles) dropped by the token bucket
  std::uint64_t queue_failed = 0;  // commands the queue could not take (out of memory)
};

class CommandServer {
 public:
  // Binds the socket; throws e2m::Error (naming host and port) when it cannot, or for a bad option.
  CommandServer(CommandQueue& queue, const CommandServerOptions& options = {});
  ~CommandServer();  // stops the thread
  CommandServer(const CommandServer&) = delete;
  CommandServer& operator=(const CommandServer&) = delete;

  int port() const;  // the bound port (the OS's pick when options.port was 0)

  void start();  // handle packets on an own thread until stop(); no-op when running
  void stop();   // wake and join the thread; no-op when not running
  // Wait up to timeout_ms (0 = just look, -1 = forever) for packets and handle all that are waiting,
  // on the caller's thread. Returns the number of datagrams handled; 0 while start()ed.
  int poll(int timeout_ms);

  CommandServerStats stats() const;  // any thread

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace e2m::net
