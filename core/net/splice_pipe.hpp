// A kernel pipe used as a zero-copy buffer: body bytes are spliced from a
// socket into it and from it into the output (a pipe, file, socket or
// /dev/null), so they never pass through user space. The pipe's pages are the
// kernel's: they do not count in our RSS.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string_view>

#include "core/net/transport.hpp"
#include "core/util/buffer.hpp"

namespace sluice {

class SplicePipe {
 public:
  // A non-blocking pipe sized towards `capacity` (capped by pipe-max-size).
  static Result<SplicePipe> create(std::size_t capacity);

  // Moves up to max bytes from a socket into the pipe: > 0 bytes, 0 at EOF,
  // kWouldBlock when the socket is empty or the pipe full. Errors are the socket's.
  Result<ssize_t> fill_from(int fd, std::size_t max);
  // Copies what fits of bytes into the pipe (they leave by splice later):
  // bytes taken, maybe 0.
  std::size_t fill_from_memory(std::string_view bytes);
  // Moves what the pipe holds into fd: bytes moved (maybe 0: fd would block).
  // errno-style failure: EINVAL means fd takes no splice (use spill()).
  Result<std::size_t> drain_to(int fd);
  // Reads what the pipe holds into buf (when the output cannot take a splice).
  Result<void> spill(ChainBuffer& buf);

  std::size_t bytes() const { return bytes_; }
  std::size_t room() const { return capacity_ - bytes_; }

 private:
  SplicePipe(Fd r, Fd w, std::size_t capacity)
      : r_(std::move(r)), w_(std::move(w)), capacity_(capacity) {}
  Fd r_, w_;
  std::size_t capacity_;
  std::size_t bytes_ = 0;
};

// Whether the kernel can splice a pipe into fd, judged from its type: pipes,
// sockets, regular files not opened O_APPEND, and /dev/null.
bool can_splice_into(int fd);

}  // namespace sluice
