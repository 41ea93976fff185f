// The engine behind `sluice udp-probe`: sends datagrams from the event loop
// (or, with a listen address, receives and echoes them) and measures what it
// cost: sends, replies, ICMP errors, loop wake-ups, CPU and wall time.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/net/address.hpp"
#include "core/net/udp.hpp"

namespace sluice::probe {

struct ProbeConfig {
  // Sender: where to send (resolved by run()).
  std::string host;
  uint16_t port = 0;
  Family family = Family::any;
  // Receiver/echo mode when set; host/port are then unused.
  std::optional<SocketAddr> listen;
  bool echo = true;  // the receiver sends each datagram back

  uint64_t count = 0;     // datagrams to send (receiver: to receive); 0 = no limit
  double rate = 10;       // datagrams per second; 0 = as fast as the socket takes them
  double duration_s = 0;  // stop sending (receiver: stop) after this long; 0 = no limit
  double linger_s = 1;    // after the last send, keep handling errors and replies this long
  std::size_t size = 64;  // payload bytes per datagram
  unsigned batch = 32;    // datagrams per sendmmsg/recvmmsg
  bool connected = true;  // connect(); false: every datagram carries its destination
  bool drain = true;      // false never reads the error queue (demonstrates the spin)
};

// One kind of ICMP error and how often it arrived.
struct IcmpCount {
  IcmpError error;
  uint64_t count = 0;
};

struct Report {
  bool listen = false;
  SocketAddr peer;   // the target (sender) or the bound address (receiver)
  SocketAddr local;  // the socket's own address

  uint64_t sent = 0, bytes_sent = 0, send_calls = 0;
  uint64_t send_errors = 0;
  int last_send_errno = 0;
  uint64_t received = 0, bytes_received = 0, recv_calls = 0;
  uint64_t recv_errors = 0;
  uint64_t echo_dropped = 0;  // receiver: replies the socket would not take

  uint64_t icmp_errors = 0;
  std::vector<IcmpCount> icmp;  // distinct errors, in order of first arrival

  uint64_t wakeups = 0;
  double cpu_user_s = 0, cpu_sys_s = 0;
  double wall_s = 0;
  double send_s = 0;                  // from the first send to the last one
  bool interrupted = false;           // stopped by SIGINT/SIGTERM
  std::optional<Error> socket_error;  // the socket was closed (queue and SO_ERROR failed)

  double cpu_share() const { return wall_s > 0 ? (cpu_user_s + cpu_sys_s) / wall_s : 0; }
  double send_rate() const { return send_s > 0 ? static_cast<double>(sent) / send_s : 0; }
};

struct Callbacks {
  std::function<void(const Report&)> progress;       // about once a second, a snapshot
  std::function<void(const SocketAddr&)> listening;  // the receiver is bound and ready
};

// Runs to the end (count/duration reached, then linger; or a signal). Errors
// are data in the report; an Error means the run could not start: bad or
// unresolvable address, no socket, bind failed.
Result<Report> run(const ProbeConfig& config, const Callbacks& callbacks = {});

}  // namespace sluice::probe
