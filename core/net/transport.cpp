#include "core/net/transport.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sluice {

Result<ssize_t> PlainTransport::read(std::span<char> buf) {
  for (;;) {
    ssize_t n = ::recv(fd_.get(), buf.data(), buf.size(), 0);
    drained_ = n > 0 && static_cast<std::size_t>(n) < buf.size();
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return kWouldBlock;
    return fail(Errc::recv_failed, fmt::format("Recv failure: {}", std::strerror(errno)), errno);
  }
}

ssize_t send_iov(int fd, const iovec* iov, int count) {
  msghdr msg{};
  msg.msg_iov = const_cast<iovec*>(iov);
  msg.msg_iovlen = static_cast<size_t>(count);
  ssize_t n;
  do {
    n = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n;
}

Result<ssize_t> PlainTransport::writev(const iovec* iov, int count) {
  ssize_t n = send_iov(fd_.get(), iov, count);
  if (n >= 0) return n;
  if (errno == EAGAIN || errno == EWOULDBLOCK) return kWouldBlock;
  return fail(Errc::send_failed, fmt::format("Send failure: {}", std::strerror(errno)), errno);
}

void PlainTransport::shutdown() {
  ::shutdown(fd_.get(), SHUT_WR);
}

}  // namespace sluice
