#include "core/net/splice_pipe.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sluice {

Result<SplicePipe> SplicePipe::create(std::size_t capacity) {
  int fds[2];
  if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0)
    return fail(Errc::internal, fmt::format("pipe: {}", std::strerror(errno)), errno);
  Fd r(fds[0]), w(fds[1]);
  int want = static_cast<int>(std::min<std::size_t>(capacity, 1 << 20));
  if (::fcntl(fds[1], F_GETPIPE_SZ) < want) ::fcntl(fds[1], F_SETPIPE_SZ, want);  // best effort
  int got = ::fcntl(fds[1], F_GETPIPE_SZ);
  if (got <= 0) return fail(Errc::internal, "pipe: cannot read its size");
  return SplicePipe(std::move(r), std::move(w), static_cast<std::size_t>(got));
}

Result<ssize_t> SplicePipe::fill_from(int fd, std::size_t max) {
  std::size_t len = std::min(max, room());
  if (len == 0) return kWouldBlock;
  for (;;) {
    ssize_t n = ::splice(fd, nullptr, w_.get(), nullptr, len, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (n >= 0) {
      bytes_ += static_cast<std::size_t>(n);
      return n;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return kWouldBlock;
    return fail(Errc::recv_failed, fmt::format("Recv failure: {}", std::strerror(errno)), errno);
  }
}

std::size_t SplicePipe::fill_from_memory(std::string_view bytes) {
  std::size_t len = std::min(bytes.size(), room());
  if (len == 0) return 0;
  ssize_t n;
  do {
    n = ::write(w_.get(), bytes.data(), len);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return 0;  // full after all: the caller keeps the bytes
  bytes_ += static_cast<std::size_t>(n);
  return static_cast<std::size_t>(n);
}

Result<std::size_t> SplicePipe::drain_to(int fd) {
  std::size_t moved = 0;
  while (bytes_ > 0) {
    ssize_t n = ::splice(r_.get(), nullptr, fd, nullptr, bytes_, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (n > 0) {
      bytes_ -= static_cast<std::size_t>(n);
      moved += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    int err = n < 0 ? errno : EIO;
    if (moved > 0) break;  // report what moved; the error comes back on the next call
    return fail(Errc::write_failed, std::strerror(err), err);
  }
  return moved;
}

Result<void> SplicePipe::spill(ChainBuffer& buf) {
  while (bytes_ > 0) {
    auto room = buf.tail_room();
    ssize_t n = ::read(r_.get(), room.data(), std::min(room.size(), bytes_));
    if (n > 0) {
      buf.commit(static_cast<std::size_t>(n));
      bytes_ -= static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    int err = n < 0 ? errno : EIO;
    return fail(Errc::internal, fmt::format("pipe: {}", std::strerror(err)), err);
  }
  return {};
}

bool can_splice_into(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return false;
  if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) return true;
  if (S_ISCHR(st.st_mode)) return major(st.st_rdev) == 1 && minor(st.st_rdev) == 3;  // /dev/null
  if (!S_ISREG(st.st_mode)) return false;
  int flags = ::fcntl(fd, F_GETFL);
  return flags >= 0 && !(flags & O_APPEND);
}

}  // namespace sluice
