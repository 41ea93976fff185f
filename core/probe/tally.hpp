// Bookkeeping shared by the sender and the receiver: ICMP errors grouped by
// kind, and the batch system calls wrapped so every call is counted.
#pragma once

#include "core/net/udp_batch.hpp"
#include "core/probe/probe.hpp"

namespace sluice::probe {

void record_icmp(Report& r, const IcmpError& e);

// The real sendmmsg/recvmmsg, counting calls into r.send_calls / r.recv_calls.
MmsgCalls counted_calls(Report& r);

}  // namespace sluice::probe
