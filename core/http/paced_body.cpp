#include "core/http/paced_body.hpp"

#include <algorithm>

namespace sluice {

namespace {
// A read takes at most a tenth of a second's worth, so a low rate is met in
// small steps rather than as one block and a long silence.
constexpr uint64_t kStepsPerSecond = 10;
}  // namespace

TimePoint PacedBody::due() const {
  std::chrono::duration<double> secs(static_cast<double>(taken_) / static_cast<double>(rate_));
  return *start_ + std::chrono::duration_cast<Clock::duration>(secs);
}

Result<ssize_t> PacedBody::read(std::span<char> buf) {
  TimePoint now = Clock::now();
  if (!start_) start_ = now;
  ahead_ = due() > now;
  if (ahead_) return kWouldBlock;
  std::size_t step = static_cast<std::size_t>(std::max<uint64_t>(rate_ / kStepsPerSecond, 1));
  auto n = inner_->read(buf.first(std::min(buf.size(), step)));
  if (n && *n > 0) taken_ += static_cast<uint64_t>(*n);
  return n;
}

void PacedBody::wait(Loop& loop, std::function<void()> ready) {
  if (!ahead_) return inner_->wait(loop, std::move(ready));
  stop_waiting();
  loop_ = &loop;
  timer_ = loop.timer(due(), [this, ready = std::move(ready)] {
    timer_ = 0;
    loop_ = nullptr;
    ready();
  });
}

void PacedBody::stop_waiting() {
  if (timer_ && loop_) loop_->cancel(timer_);
  timer_ = 0;
  loop_ = nullptr;
  inner_->stop_waiting();
}

bool PacedBody::rewind() {
  stop_waiting();
  start_.reset();
  taken_ = 0;
  ahead_ = false;
  return inner_->rewind();
}

}  // namespace sluice
