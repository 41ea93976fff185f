// Writes bytes to an fd (stdout, a file) from the loop without ever blocking it.
// Pipes, sockets and terminals are switched to O_NONBLOCK (restored on
// destruction) and drained on EPOLLOUT; regular files and /dev/null are written
// directly, since they never block for long and epoll cannot watch them.
// Tracks buffered bytes against high/low water marks for backpressure.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "core/loop/loop.hpp"
#include "core/util/buffer.hpp"

namespace sluice {

// Where a transfer's bytes go: a file, stdout, or a lane of ordered stdout.
class Output {
 public:
  virtual ~Output() = default;
  // Queues or writes bytes. Returns false once the output has failed.
  virtual bool write(std::string_view bytes) = 0;
  virtual bool above_high() const = 0;
  virtual bool idle() const = 0;  // everything written reached the destination
  virtual const std::optional<Error>& error() const = 0;
  // Starts over (a retried transfer): only files can take bytes back.
  virtual bool rewind() { return false; }

  std::function<void()> on_low;    // drained below low water after being above high
  std::function<void()> on_empty;  // everything written
  std::function<void()> on_failed;
  std::function<void(std::size_t)> on_written;  // n bytes reached the destination
};

class OutputWriter final : public Output, private IoHandler {
 public:
  // fd is not owned unless own_fd. high: pause threshold; low: resume threshold.
  OutputWriter(Loop& loop, int fd, bool own_fd, std::size_t high, std::size_t low);
  ~OutputWriter() override;
  OutputWriter(const OutputWriter&) = delete;
  OutputWriter& operator=(const OutputWriter&) = delete;

  bool write(std::string_view bytes) override;
  bool above_high() const override { return queue_.size() >= high_; }
  bool idle() const override { return queue_.empty(); }
  const std::optional<Error>& error() const override { return error_; }
  bool rewind() override;
  std::size_t buffered() const { return queue_.size(); }
  uint64_t written() const { return written_; }
  int fd() const { return fd_; }

  // Restores the original file status flags of every fd we made non-blocking
  // (safe to call from anywhere, e.g. before exit).
  static void restore_all();

 private:
  void on_io(uint32_t events) override;
  void flush();
  bool write_now(std::string_view& bytes);
  void set_failed(int err);
  void count_written(std::size_t n);

  Loop& loop_;
  int fd_;
  bool own_fd_;
  bool pollable_ = false;
  bool registered_ = false;
  bool was_high_ = false;
  int saved_flags_ = -1;
  std::size_t high_, low_;
  ChainBuffer queue_;
  uint64_t written_ = 0;
  std::optional<Error> error_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sluice
