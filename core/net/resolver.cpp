#include "core/net/resolver.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>

#include "core/net/tcp.hpp"

namespace sluice {

// Lives as long as either side (the loop's object or the thread) needs it.
struct AsyncResolve::Shared {
  Fd event;
  std::mutex mutex;
  std::optional<Result<std::vector<SocketAddr>>> result;
};

AsyncResolve::AsyncResolve(Loop& loop, std::string host, uint16_t port, Family family, Done done)
    : loop_(loop), done_(std::move(done)), shared_(std::make_shared<Shared>()) {
  shared_->event = Fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (shared_->event && loop_.add(shared_->event.get(), EPOLLIN, this)) {
    watching_ = true;
    try {
      std::thread([s = shared_, host, port, family] {
        auto r = resolve(host, port, family);
        {
          std::lock_guard lock(s->mutex);
          s->result = std::move(r);
        }
        uint64_t one = 1;
        (void)::write(s->event.get(), &one, sizeof one);
      }).detach();
      return;
    } catch (const std::system_error&) {  // no thread to be had: ask in line
      loop_.remove(shared_->event.get());
      watching_ = false;
    }
  }
  auto r = resolve(host, port, family);
  loop_.defer([this, r = std::move(r), alive = alive_]() mutable {
    if (*alive) done_(std::move(r));
  });
}

AsyncResolve::~AsyncResolve() {
  *alive_ = false;
  if (watching_) loop_.remove(shared_->event.get());
  // The eventfd stays open until after this iteration, so an event already
  // fetched for its number cannot reach a descriptor that reuses it.
  loop_.defer([s = std::move(shared_)] {});
}

void AsyncResolve::on_io(uint32_t) {
  uint64_t n = 0;
  if (::read(shared_->event.get(), &n, sizeof n) != sizeof n) return;  // spurious
  std::optional<Result<std::vector<SocketAddr>>> r;
  {
    std::lock_guard lock(shared_->mutex);
    r = std::move(shared_->result);
  }
  if (!r) return;
  loop_.remove(shared_->event.get());
  watching_ = false;
  done_(std::move(*r));  // may destroy this object: nothing after it
}

std::unique_ptr<AsyncResolve> lookup(Loop& loop, const std::string& host, uint16_t port,
                                     Family family, const std::vector<SocketAddr>& pinned,
                                     AsyncResolve::Done done) {
  if (!pinned.empty()) {
    done(pinned);
    return nullptr;
  }
  if (resolves_locally(host)) {
    done(resolve(host, port, family));
    return nullptr;
  }
  return std::make_unique<AsyncResolve>(loop, host, port, family, std::move(done));
}

}  // namespace sluice
