// A token bucket: `burst` events at once, then `per_second` on average. The
// h2 server's defences (rapid reset, control-frame floods) each count one
// kind of event in one of these, per connection.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace sluice::h2 {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  TokenBucket(uint32_t burst, uint32_t per_second)
      : burst_(burst), per_second_(per_second), tokens_(burst) {}

  // Takes one token; false when the bucket is empty (the peer is over its rate).
  bool take(Clock::time_point now) {
    refill(now);
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }
  double tokens() const { return tokens_; }

 private:
  void refill(Clock::time_point now) {
    if (last_ == Clock::time_point{}) last_ = now;
    double secs = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    if (secs > 0) tokens_ = std::min<double>(burst_, tokens_ + secs * per_second_);
  }

  uint32_t burst_, per_second_;
  double tokens_;
  Clock::time_point last_{};
};

}  // namespace sluice::h2
