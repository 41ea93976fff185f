// The sending side of udp-probe: datagrams paced by a timer (or as fast as
// the socket takes them), replies counted, ICMP errors tallied; after the
// last send it lingers, then stops the loop.
#pragma once

#include <memory>

#include "core/loop/loop.hpp"
#include "core/net/udp.hpp"
#include "core/net/udp_batch.hpp"
#include "core/probe/probe.hpp"

namespace sluice::probe {

class Sender {
 public:
  Sender(Loop& loop, const ProbeConfig& cfg, const SocketAddr& target, Report& report);
  Result<void> start();
  void finish();  // after the loop: closes the send phase if a signal cut it short

 private:
  uint64_t due() const;  // datagrams that should have been attempted by now
  void pace();
  void send_due();
  bool send_one_batch(std::size_t n);  // false: the socket would block
  void receive();
  void stop_sending();

  Loop& loop_;
  const ProbeConfig& cfg_;
  SocketAddr target_;
  Report& r_;
  MmsgCalls calls_;
  DatagramBatch out_, in_;
  std::unique_ptr<UdpSocket> sock_;
  TimePoint start_;
  Clock::duration interval_{};
  uint64_t ticks_ = 0;
  uint64_t attempted_ = 0;  // sent + failed
  bool sending_ = true;
  TimerId pace_timer_ = 0, duration_timer_ = 0;
};

}  // namespace sluice::probe
