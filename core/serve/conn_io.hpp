// Socket chores both connection kinds (h1, h2) share: writing the output
// queue, the lingering close, and the lazy per-connection deadline timer.
#pragma once

#include <cstdint>
#include <functional>

#include "core/loop/loop.hpp"
#include "core/net/transport.hpp"
#include "core/util/buffer.hpp"

namespace sluice::serve {

enum class Flushed {
  all,      // the queue is empty
  blocked,  // the socket is full: wait for `wants`
  failed,   // the peer is gone
};

// Writes what `out` holds (writev, 32 blocks at a time). progressed is set
// when any byte left.
Flushed flush_queue(Transport& t, ChainBuffer& out, uint32_t& wants, bool& progressed);

// Reads and drops what the peer still sends after our side shut down (raw
// recv, even under TLS). True when done: EOF, error, or past `max` bytes.
bool linger_read(int fd, std::size_t& dropped, std::size_t max);

// One loop timer per connection, re-armed only when the due time moves
// earlier; when it fires, the owner recomputes its deadline and acts or
// re-arms. No timer churn per byte or per request.
class DeadlineTimer {
 public:
  DeadlineTimer(Loop& loop, std::function<void()> fire) : loop_(loop), fire_(std::move(fire)) {}
  ~DeadlineTimer() { cancel(); }
  DeadlineTimer(const DeadlineTimer&) = delete;
  DeadlineTimer& operator=(const DeadlineTimer&) = delete;

  void arm(TimePoint due);  // TimePoint::max(): nothing to arm
  void cancel();

 private:
  Loop& loop_;
  std::function<void()> fire_;
  TimerId id_ = 0;
  TimePoint due_;
};

}  // namespace sluice::serve
