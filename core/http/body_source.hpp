// A request body as the sessions send it: pulled a piece at a time, only when
// the connection can take more (h1: its write queue is below the mark; h2:
// nghttp2 asks within the stream and connection windows), so a large upload
// never sits in memory whole. A body given in memory (-d, -F, bench --data)
// is one more source, read the same way.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "core/util/error.hpp"

namespace sluice {

class Loop;
struct Request;

class BodySource {
 public:
  virtual ~BodySource() = default;
  // The whole length when known up front (Content-Length); nullopt: h1 sends
  // it chunked, h2 as DATA frames until END_STREAM.
  virtual std::optional<uint64_t> length() const = 0;
  // Up to buf.size() bytes: > 0, 0 at the end, kWouldBlock (-1) when none are
  // ready yet (then wait()). Fails on a read error, or a file that ends short
  // of the length it announced.
  virtual Result<ssize_t> read(std::span<char> buf) = 0;
  // After read() said kWouldBlock: ready() runs from the loop once it may say
  // more. One waiter at a time; stop_waiting() forgets it.
  virtual void wait(Loop& loop, std::function<void()> ready) = 0;
  virtual void stop_waiting() {}
  // Back to the first byte, to send it again (a redirect, a retry); false
  // when that is impossible (stdin already read).
  virtual bool rewind() = 0;
  // Bytes read since the last rewind: what the session took to send.
  uint64_t taken() const { return taken_; }

 protected:
  uint64_t taken_ = 0;
};

// A body held in memory, one reader each: every stream that sends it reads
// its own copy's offset, so one Request may be submitted many times (bench).
class MemoryBody final : public BodySource {
 public:
  explicit MemoryBody(std::string bytes) : bytes_(std::move(bytes)) {}
  std::optional<uint64_t> length() const override { return bytes_.size(); }
  Result<ssize_t> read(std::span<char> buf) override;
  void wait(Loop& loop, std::function<void()> ready) override;
  bool rewind() override;

 private:
  std::string bytes_;
};

// A stream's hold on its body source: a wait still armed when the stream
// ends is disarmed with it, so no descriptor stays watched for a stream
// that is gone (the loop would never run dry).
class BodyHold {
 public:
  BodyHold() = default;
  explicit BodyHold(std::shared_ptr<BodySource> source) : source_(std::move(source)) {}
  BodyHold(BodyHold&& o) noexcept = default;
  BodyHold& operator=(BodyHold&& o) noexcept {
    if (this != &o) {
      release();
      source_ = std::move(o.source_);
    }
    return *this;
  }
  ~BodyHold() { release(); }
  void release() {
    if (source_) source_->stop_waiting();
    source_.reset();
  }
  BodySource* operator->() const { return source_.get(); }
  explicit operator bool() const { return source_ != nullptr; }

 private:
  std::shared_ptr<BodySource> source_;
};

// The body a request sends, as a source for one stream: its upload (shared,
// one sender at a time) or a reader of its in-memory body; nullptr for none.
std::shared_ptr<BodySource> body_of(const Request& req);

// Content-Length of the request's body; nullopt when it has none or its
// length is unknown (chunked).
std::optional<uint64_t> body_length(const Request& req);

}  // namespace sluice
