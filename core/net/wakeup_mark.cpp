#include "core/net/wakeup_mark.hpp"

#include <sys/socket.h>

namespace sluice {

WakeupMark::WakeupMark(Loop& loop, int fd, bool tls, const uint64_t& bytes_in)
    : loop_(loop), fd_(fd), held_(tls ? kTransportHeld : 0), bytes_in_(bytes_in) {}

WakeupMark::~WakeupMark() {
  if (watch_) loop_.cancel(watch_);
}

void WakeupMark::before_wait(uint64_t coming) {
  // Only for bytes that arrive fast: a trickle is delivered as it comes.
  bool flowing = bytes_in_ - bytes_at_wait_ >= kFlowingBurst;
  bytes_at_wait_ = bytes_in_;
  set(flowing && coming > held_ + static_cast<uint64_t>(kMark) ? kMark : 1);
}

void WakeupMark::detach() {
  if (watch_) loop_.cancel(watch_);
  watch_ = 0;
  fd_ = -1;
}

void WakeupMark::set(int bytes) {
  if (bytes == mark_ || fd_ < 0) return;
  if (::setsockopt(fd_, SOL_SOCKET, SO_RCVLOWAT, &bytes, sizeof bytes) != 0) return;
  mark_ = bytes;
  if (mark_ > 1 && !watch_) watch();
}

// Input that stops short of the mark must still reach the consumer at once,
// as curl would deliver it: when no byte came for a tick, the mark goes back
// to 1 (which wakes us for whatever is queued).
void WakeupMark::watch() {
  watched_bytes_ = bytes_in_;
  watch_ = loop_.after(kTick, [this] {
    watch_ = 0;
    if (mark_ <= 1) return;
    if (bytes_in_ == watched_bytes_) return set(1);
    watch();
  });
}

}  // namespace sluice
