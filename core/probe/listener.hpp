// The receiving side of udp-probe (--listen): counts what arrives and, unless
// told otherwise, sends each datagram straight back to its sender.
#pragma once

#include <memory>

#include "core/loop/loop.hpp"
#include "core/net/udp.hpp"
#include "core/net/udp_batch.hpp"
#include "core/probe/probe.hpp"

namespace sluice::probe {

class Listener {
 public:
  Listener(Loop& loop, const Config& cfg, Report& report);
  Result<void> start();

 private:
  void receive();
  void echo(std::size_t n);

  Loop& loop_;
  const Config& cfg_;
  Report& r_;
  MmsgCalls calls_;
  DatagramBatch in_;
  std::unique_ptr<UdpSocket> sock_;
};

}  // namespace sluice::probe
