#include "core/serve/listener.hpp"

#include <sys/socket.h>

#include <cerrno>

#include "core/serve/worker.hpp"

namespace sluice::serve {

namespace {
constexpr int kAcceptBatch = 64;  // then let the loop serve the others
constexpr Millis kRetryAfter{100};
}  // namespace

Result<void> Listener::start() {
  return worker_.loop().add(fd_.get(), EPOLLIN, this);
}

void Listener::close() {
  if (!fd_) return;
  if (retry_) worker_.loop().cancel(retry_);
  retry_ = 0;
  worker_.loop().remove(fd_.get());
  fd_.reset();
}

void Listener::on_io(uint32_t) {
  for (int i = 0; i < kAcceptBatch && fd_; ++i) {
    int fd = ::accept4(fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      worker_.accept(Fd(fd), alt_svc_);
      continue;
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) pause();
    return;  // EAGAIN: all taken (or another thread's socket got them)
  }
}

void Listener::pause() {
  Loop& loop = worker_.loop();
  loop.remove(fd_.get());
  retry_ = loop.after(kRetryAfter, [this] {
    retry_ = 0;
    (void)start();
  });
}

}  // namespace sluice::serve
