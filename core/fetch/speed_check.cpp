#include "core/fetch/speed_check.hpp"

#include <algorithm>

namespace sluice::fetch {

void SpeedCheck::sample(TimePoint now, uint64_t moved) {
  ring_[count_ % ring_.size()] = {now, moved};
  ++count_;
}

bool SpeedCheck::too_slow(TimePoint now, uint64_t moved, bool paused) {
  sample(now, moved);
  const Sample& oldest = ring_[count_ < ring_.size() ? 0 : count_ % ring_.size()];
  if (paused) {
    slow_since_.reset();
    return false;
  }
  auto span = std::max<int64_t>(
      1, std::chrono::duration_cast<std::chrono::milliseconds>(now - oldest.at).count());
  uint64_t delta = moved > oldest.moved ? moved - oldest.moved : 0;
  uint64_t speed = delta * 1000 / static_cast<uint64_t>(span);
  if (speed >= limit_) {
    slow_since_.reset();
    return false;
  }
  if (!slow_since_) slow_since_ = now;
  return now - *slow_since_ >= time_;
}

}  // namespace sluice::fetch
