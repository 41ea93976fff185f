// The receiving side of udp-probe (--listen): counts what arrives and, unless
// told otherwise, sends each datagram straight back to its sender.
#pragma once

#include <memory>

#include "core/loop/loop.hpp"
#include "core/net/udp.hpp"
#include "core/net/udp_batch.hpp"
#include "core/probe/probe.hpp"

namespace sluice::probe {

class Receiver {
 public:
  Receiver(Loop& loop, const ProbeConfig& cfg, Report& report);
  Result<void> start();

 private:
  void receive();
  void echo(std::size_t n);

  Loop& loop_;
  const ProbeConfig& cfg_;
  Report& r_;
  MmsgCalls calls_;
  DatagramBatch in_;
  std::unique_ptr<UdpSocket> sock_;
};

}  // namespace sluice::probe
