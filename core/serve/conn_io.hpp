// Socket chores both connection kinds (h1, h2) share: reading under a
// budget, writing the output queue, epoll interest, the lingering close, the
// deferred drive, and the lazy per-connection deadline timer.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <string_view>

#include "core/loop/loop.hpp"
#include "core/net/transport.hpp"
#include "core/util/buffer.hpp"

namespace sluice::serve {

// EPOLLERR: reset by the peer. EPOLLHUP: both directions are gone, nothing
// can be sent any more. Either way the connection is over.
inline bool peer_gone(uint32_t events) {
  return (events & (EPOLLERR | EPOLLHUP)) != 0;
}

enum class ReadEnd {
  paused,  // out of budget, not allowed to read on, or the socket is empty
  eof,     // the peer closed its side
  failed,  // reset, or a TLS error
};

inline constexpr std::size_t kReadChunk = 16 * 1024;
inline constexpr std::size_t kReadBudget = 256 * 1024;  // per call: fairness between connections
// The lingering close: after our last byte, how long we wait for the peer's
// FIN, and how many of its bytes we are willing to discard meanwhile.
inline constexpr Millis kLinger{2000};
inline constexpr std::size_t kLingerMax = 1 << 20;

// Reads while allowed() holds, at most kReadBudget per call, handing each
// chunk to on_bytes. After a would-block read, read_wants holds what it waits
// for (TLS: a read may need the socket writable).
template <class Allowed, class OnBytes>
ReadEnd read_budgeted(Transport& t, uint32_t& read_wants, Allowed allowed, OnBytes on_bytes) {
  std::array<char, kReadChunk> buf;
  std::size_t budget = kReadBudget;
  while (allowed() && budget > 0) {
    auto r = t.read(buf);
    if (!r) return ReadEnd::failed;
    if (*r == kWouldBlock) {
      read_wants = t.wants();
      return ReadEnd::paused;
    }
    if (*r == 0) return ReadEnd::eof;
    auto n = static_cast<std::size_t>(*r);
    budget -= std::min(budget, n);
    on_bytes(std::string_view(buf.data(), n));
    if (t.drained()) {  // epoll is level-triggered: it reports what comes next
      read_wants = EPOLLIN;
      return ReadEnd::paused;
    }
  }
  return ReadEnd::paused;
}

// The epoll interest of a connection that wants to read and/or write. A TLS
// read can need the socket writable, and a TLS write readable: the wants
// saved from the last would-block call say which.
inline uint32_t io_interest(bool reading, uint32_t read_wants, bool writing, uint32_t write_wants) {
  uint32_t ev = 0;
  if (reading) ev |= read_wants == EPOLLOUT ? EPOLLOUT : EPOLLIN;
  if (writing) ev |= write_wants;
  return ev;
}

enum class Flushed {
  all,      // the queue is empty
  blocked,  // the socket is full: wait for `wants`
  failed,   // the peer is gone
};

// Writes what `out` holds (writev, 32 blocks at a time). progressed is set
// when any byte left.
Flushed flush_queue(Transport& t, ChainBuffer& out, uint32_t& wants, bool& progressed);

// Our side is done: TLS close_notify / plain FIN. Under TLS the TCP FIN
// follows at once, so the peer sees EOF without waiting for our close.
void shut_down_sending(Transport& t);

// Reads and drops what the peer still sends after our side shut down (raw
// recv, even under TLS). True when done: EOF, error, or past `max` bytes.
bool linger_read(int fd, std::size_t& dropped, std::size_t max);

// Runs fn after the current loop iteration, once however often it is asked
// meanwhile: a callback never re-enters its caller. The owner keeps this
// alive until the call has run (its close defers the destruction behind it)
// and stops asking once closed.
class DeferredCall {
 public:
  DeferredCall(Loop& loop, std::function<void()> fn) : loop_(loop), fn_(std::move(fn)) {}
  DeferredCall(const DeferredCall&) = delete;
  DeferredCall& operator=(const DeferredCall&) = delete;

  void schedule();

 private:
  Loop& loop_;
  std::function<void()> fn_;
  bool scheduled_ = false;
};

// One loop timer per connection, re-armed only when the due time moves
// earlier; when it fires, the owner recomputes its deadline and acts or
// re-arms. No timer churn per byte or per request.
class DeadlineTimer {
 public:
  DeadlineTimer(Loop& loop, std::function<void()> fire) : deadline_(loop, std::move(fire)) {}

  // TimePoint::max(): nothing to arm (a pending timer re-checks when it fires).
  void arm(TimePoint due) {
    if (due == TimePoint::max() || (deadline_.armed() && deadline_.due() <= due)) return;
    deadline_.arm(due);  // fires early, then the owner re-arms: no churn per byte
  }
  void cancel() { deadline_.cancel(); }

 private:
  Deadline deadline_;  // the loop's re-armable timer: no allocation per arm
};

}  // namespace sluice::serve
