#include "core/serve/conn_io.hpp"

#include <sys/socket.h>

#include <array>
#include <cerrno>

namespace sluice::serve {

Flushed flush_queue(Transport& t, ChainBuffer& out, uint32_t& wants, bool& progressed) {
  while (!out.empty()) {
    std::array<iovec, 32> iov;
    int n = out.peek(iov.data(), static_cast<int>(iov.size()));
    auto r = t.writev(iov.data(), n);
    if (!r) return Flushed::failed;
    if (*r == kWouldBlock) {
      wants = t.wants() ? t.wants() : EPOLLOUT;
      return Flushed::blocked;
    }
    out.consume(static_cast<std::size_t>(*r));
    progressed = true;
  }
  std::size_t staged = t.pending_bytes();
  auto sent = t.flush();
  if (!sent) return Flushed::failed;
  if (t.pending_bytes() < staged) progressed = true;  // a slow reader still moves
  if (!*sent) {
    wants = EPOLLOUT;
    return Flushed::blocked;
  }
  return Flushed::all;
}

void shut_down_sending(Transport& t) {
  t.shutdown();
  if (t.is_tls()) ::shutdown(t.fd(), SHUT_WR);
}

bool linger_read(int fd, std::size_t& dropped, std::size_t max) {
  std::array<char, 16 * 1024> buf;
  for (;;) {
    ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return false;
    dropped += n > 0 ? static_cast<std::size_t>(n) : 0;
    if (n <= 0 || dropped > max) return true;
  }
}

void DeferredCall::schedule() {
  if (scheduled_) return;
  scheduled_ = true;
  loop_.defer([this] {
    scheduled_ = false;
    fn_();
  });
}

}  // namespace sluice::serve
