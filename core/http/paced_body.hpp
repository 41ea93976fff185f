// --limit-rate for a request body: the wrapped source is read no faster than
// `rate` bytes per second on average since its first read (a rewind starts
// over). Ahead of the rate, read() says kWouldBlock and wait() arms a timer
// for when it is due, so every session's upload path, which already waits on
// a source that has nothing yet (a pipe), paces it with no code of its own;
// and the bytes wait in the file, not in a queue.
#pragma once

#include <memory>

#include "core/http/body_source.hpp"
#include "core/loop/loop.hpp"
#include "core/net/transport.hpp"  // kWouldBlock

namespace sluice {

class PacedBody final : public BodySource {
 public:
  PacedBody(std::shared_ptr<BodySource> inner, uint64_t rate)
      : inner_(std::move(inner)), rate_(rate) {}
  ~PacedBody() override { stop_waiting(); }
  PacedBody(const PacedBody&) = delete;
  PacedBody& operator=(const PacedBody&) = delete;

  std::optional<uint64_t> length() const override { return inner_->length(); }
  Result<ssize_t> read(std::span<char> buf) override;
  void wait(Loop& loop, std::function<void()> ready) override;
  void stop_waiting() override;
  bool rewind() override;

 private:
  TimePoint due() const;  // when the bytes read so far are within the rate

  std::shared_ptr<BodySource> inner_;
  uint64_t rate_;
  std::optional<TimePoint> start_;  // the first read since the last rewind
  bool ahead_ = false;              // the last read said kWouldBlock for the rate
  Loop* loop_ = nullptr;            // set while a timer waits
  TimerId timer_ = 0;
};

}  // namespace sluice
