// SO_RCVLOWAT for a reader that knows a long body is on its way: the kernel
// wakes it once a mark's worth of bytes is queued rather than at every packet.
// A sleeping reader costs the sender a wake-up per packet (over loopback the
// sender's CPU runs the receive path too), and a saturated server is slower by
// exactly that. The mark is raised only while the peer still owes well over
// it, so the last bytes always wake us; it drops back to 1 for a trickle and
// when the input stalls, so a slow sender's bytes still reach the consumer at
// once. Any other stall short of the mark (a reset, a GOAWAY, a PING) costs
// one watchdog tick, 50-100 ms, before the bytes are read.
#pragma once

#include <cstdint>

#include "core/loop/loop.hpp"

namespace sluice {

class WakeupMark {
 public:
  static constexpr int kMark = 128 * 1024;
  // Ciphertext OpenSSL may already hold (its read-ahead buffer plus a record):
  // bytes the socket will never see again.
  static constexpr uint64_t kTransportHeld = 96 * 1024;
  static constexpr Millis kTick{50};
  static constexpr uint64_t kFlowingBurst = 16 * 1024;  // read between two waits

  // bytes_in: the session's count of bytes read, which the mark watches.
  WakeupMark(Loop& loop, int fd, bool tls, const uint64_t& bytes_in);
  ~WakeupMark();
  WakeupMark(const WakeupMark&) = delete;
  WakeupMark& operator=(const WakeupMark&) = delete;

  // Before waiting for input: `coming` is how many bytes the peer will still
  // send without hearing from us (0: unknown, or the reader will not take them).
  void before_wait(uint64_t coming);
  void reset() { set(1); }  // wake at the first byte (a head, the next response)
  void detach();            // the fd is being closed: never touch it again

 private:
  void set(int bytes);
  void watch();

  Loop& loop_;
  int fd_;
  uint64_t held_;
  const uint64_t& bytes_in_;
  int mark_ = 1;
  TimerId watch_ = 0;
  uint64_t watched_bytes_ = 0;
  uint64_t bytes_at_wait_ = 0;
};

}  // namespace sluice
