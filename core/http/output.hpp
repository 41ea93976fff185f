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
#include "core/net/splice_pipe.hpp"
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
  // Zero-copy: whether splice_from() may be used now (nothing queued, and an
  // fd the kernel can splice into).
  virtual bool can_splice() { return false; }
  // Moves up to max bytes from socket fd to the output without copying them:
  // > 0 bytes, 0 at the socket's EOF, kWouldBlock. Errors are the socket's; a
  // failing output reports through error() and on_failed as write() does.
  virtual Result<ssize_t> splice_from(int /*fd*/, std::size_t /*max*/) { return kWouldBlock; }
  // The transfer ended well: an output that waited for its first byte to
  // exist (a file) comes into being now. False: error() says why.
  virtual bool finish_ok() { return true; }

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
  bool above_high() const override { return buffered() >= high_ || pipe_full_; }
  bool idle() const override { return buffered() == 0; }
  const std::optional<Error>& error() const override { return error_; }
  bool rewind() override;
  bool can_splice() override;
  Result<ssize_t> splice_from(int fd, std::size_t max) override;
  std::size_t buffered() const { return queue_.size() + (pipe_ ? pipe_->bytes() : 0); }
  uint64_t written() const { return written_; }
  int fd() const { return fd_; }

  // Restores the original file status flags of every fd we made non-blocking
  // (safe to call from anywhere, e.g. before exit).
  static void restore_all();

 private:
  void on_io(uint32_t events) override;
  void flush();
  void flush_pipe();
  void write_queue();
  void park_queue();
  void spill_pipe();
  void want_writable();
  void park_in_pipe(std::string_view& bytes);
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
  // Spliced bytes on their way to fd_; older than anything in queue_.
  std::optional<SplicePipe> pipe_;
  bool splice_ok_ = false;
  bool pipe_full_ = false;  // the last splice found no room: pause the socket
  uint64_t written_ = 0;
  std::optional<Error> error_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sluice
