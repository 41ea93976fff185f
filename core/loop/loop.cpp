#include "core/loop/loop.hpp"

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sluice {

class Loop::SignalHandler : public IoHandler {
 public:
  int fd = -1;
  std::function<void(int)> fn;
  ~SignalHandler() override {
    if (fd >= 0) ::close(fd);
  }
  void on_io(uint32_t) override {
    signalfd_siginfo si;
    while (::read(fd, &si, sizeof si) == sizeof si) fn(static_cast<int>(si.ssi_signo));
  }
};

Loop::Loop() {
  epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
}

Loop::~Loop() {
  if (signals_) remove(signals_->fd);
  if (epfd_ >= 0) ::close(epfd_);
}

Result<void> Loop::add(int fd, uint32_t events, IoHandler* h) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) < 0)
    return fail(Errc::internal, fmt::format("epoll_ctl add: {}", std::strerror(errno)), errno);
  fds_[fd] = {events, h};
  return {};
}

void Loop::modify(int fd, uint32_t events) {
  auto it = fds_.find(fd);
  if (it == fds_.end() || it->second.first == events) return;
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  ::epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev);
  it->second.first = events;
}

void Loop::remove(int fd) {
  if (fds_.erase(fd)) ::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
}

uint32_t Loop::interest(int fd) const {
  auto it = fds_.find(fd);
  return it == fds_.end() ? 0 : it->second.first;
}

TimerId Loop::timer(TimePoint deadline, std::function<void()> fn) {
  TimerId id = next_timer_++;
  timers_.emplace(id, std::move(fn));
  timer_heap_.push({deadline, id});
  return id;
}

void Loop::cancel(TimerId id) {
  timers_.erase(id);
}

void Loop::defer(std::function<void()> fn) {
  deferred_.push_back(std::move(fn));
}

Result<void> Loop::watch_signals(std::vector<int> signals, std::function<void(int)> fn) {
  sigset_t set;
  sigemptyset(&set);
  for (int s : signals) sigaddset(&set, s);
  if (::pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0)
    return fail(Errc::internal, "cannot block signals");
  signals_ = std::make_unique<SignalHandler>();
  signals_->fd = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  signals_->fn = std::move(fn);
  if (signals_->fd < 0) return fail(Errc::internal, "signalfd failed", errno);
  return add(signals_->fd, EPOLLIN, signals_.get());
}

int Loop::next_timeout_ms() {
  if (!deferred_.empty()) return 0;
  while (!timer_heap_.empty() && !timers_.count(timer_heap_.top().id)) timer_heap_.pop();
  if (timer_heap_.empty()) return -1;
  auto d = timer_heap_.top().deadline - Clock::now();
  if (d <= Clock::duration::zero()) return 0;
  // Round up so a timer never fires early and makes us spin on a 0 ms wait.
  return static_cast<int>(std::chrono::ceil<Millis>(d).count());
}

void Loop::run_timers() {
  now_ = Clock::now();
  while (!timer_heap_.empty() && timer_heap_.top().deadline <= now_) {
    TimerId id = timer_heap_.top().id;
    timer_heap_.pop();
    auto it = timers_.find(id);
    if (it == timers_.end()) continue;
    auto fn = std::move(it->second);
    timers_.erase(it);
    fn();
  }
}

void Loop::run_deferred() {
  while (!deferred_.empty()) {
    auto batch = std::move(deferred_);
    deferred_.clear();
    for (auto& fn : batch) fn();
  }
}

void Loop::run() {
  constexpr int kMaxEvents = 128;
  epoll_event events[kMaxEvents];
  stopped_ = false;
  while (!stopped_) {
    std::size_t user_fds = fds_.size() - (signals_ ? 1 : 0);
    if (user_fds == 0 && timers_.empty() && deferred_.empty()) break;
    int n = ::epoll_wait(epfd_, events, kMaxEvents, next_timeout_ms());
    ++wakeups_;
    now_ = Clock::now();
    for (int i = 0; i < n; ++i) {
      auto it = fds_.find(events[i].data.fd);
      if (it == fds_.end()) continue;  // removed by an earlier callback this round
      it->second.second->on_io(events[i].events);
    }
    run_timers();
    run_deferred();
  }
}

}  // namespace sluice
