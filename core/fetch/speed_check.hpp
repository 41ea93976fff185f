// --speed-limit/--speed-time: curl's low-speed check. The current speed is
// the bytes moved (both ways) over the last five seconds, sampled each
// second; a transfer that stays under the limit for the whole time ends.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "core/loop/loop.hpp"

namespace sluice::fetch {

class SpeedCheck {
 public:
  SpeedCheck(uint64_t limit, Millis time) : limit_(limit), time_(time) {}

  // An attempt's start, `moved` bytes so far: the samples start over, and
  // so does curl's clock of slowness (nothing has moved yet).
  void start(TimePoint now, uint64_t moved) {
    count_ = 0;
    sample(now, moved);
    slow_since_ = now;
  }
  // Once a second: `moved` is every byte so far. A transfer paused for its
  // consumer (backpressure) is not judged, as curl skips paused ones.
  // True when it has been under the limit for the whole time.
  bool too_slow(TimePoint now, uint64_t moved, bool paused);

 private:
  struct Sample {
    TimePoint at;
    uint64_t moved = 0;
  };
  void sample(TimePoint now, uint64_t moved);

  uint64_t limit_;
  Millis time_;
  std::array<Sample, 6> ring_{};  // now and the five seconds before it
  std::size_t count_ = 0;
  std::optional<TimePoint> slow_since_;
};

}  // namespace sluice::fetch
