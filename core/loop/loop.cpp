#include "core/loop/loop.hpp"

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>

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
  auto i = static_cast<std::size_t>(fd);
  if (i >= fds_.size()) fds_.resize(std::max(i + 1, fds_.size() * 2));
  if (!fds_[i].handler) ++registered_;
  fds_[i] = {events, h};
  return {};
}

void Loop::modify(int fd, uint32_t events) {
  Registration* r = find(fd);
  if (!r || r->events == events) return;
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  ::epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev);
  r->events = events;
}

void Loop::remove(int fd) {
  Registration* r = find(fd);
  if (!r) return;
  *r = {};
  --registered_;
  ::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
}

uint32_t Loop::interest(int fd) const {
  const Registration* r = find(fd);
  return r ? r->events : 0;
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

TimePoint Loop::next_deadline() {
  while (!timer_heap_.empty() && !timers_.count(timer_heap_.top().id)) timer_heap_.pop();
  TimePoint next = timer_heap_.empty() ? TimePoint::max() : timer_heap_.top().deadline;
  if (!deadlines_.empty()) next = std::min(next, deadlines_.front()->due_);
  return next;
}

// Waits for I/O until the next timer. epoll_pwait2 takes a timespec, so a
// timer fires within the kernel's timer slack instead of on the next whole
// millisecond (bench pacing at high rates, QUIC's expiry); kernels without it
// get epoll_wait with the wait rounded up, so a timer never fires early.
int Loop::wait(epoll_event* events, int max) {
  TimePoint next = next_deadline();
  auto left = next == TimePoint::max() ? Clock::duration::max() : next - Clock::now();
  if (left < Clock::duration::zero() || !deferred_.empty()) left = Clock::duration::zero();
  if (precise_wait_) {
    timespec ts = to_timespec(left);
    int n =
        ::epoll_pwait2(epfd_, events, max, left == Clock::duration::max() ? nullptr : &ts, nullptr);
    if (n >= 0 || errno != ENOSYS) return n;
    precise_wait_ = false;
  }
  int ms = left == Clock::duration::max()
               ? -1
               : static_cast<int>(std::min<int64_t>(std::chrono::ceil<Millis>(left).count(),
                                                    std::numeric_limits<int>::max()));
  return ::epoll_wait(epfd_, events, max, ms);
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

void Loop::run_deadlines() {
  while (!deadlines_.empty() && deadlines_.front()->due_ <= now_) {
    Deadline* d = deadlines_.front();
    heap_remove(0);
    d->fire_();  // may re-arm d, or destroy it
  }
}

void Loop::heap_place(Deadline* d, std::size_t slot) {
  deadlines_[slot] = d;
  d->slot_ = slot;
}

void Loop::heap_sift_up(std::size_t slot) {
  Deadline* d = deadlines_[slot];
  while (slot > 0) {
    std::size_t parent = (slot - 1) / 2;
    if (deadlines_[parent]->due_ <= d->due_) break;
    heap_place(deadlines_[parent], slot);
    slot = parent;
  }
  heap_place(d, slot);
}

void Loop::heap_sift_down(std::size_t slot) {
  Deadline* d = deadlines_[slot];
  std::size_t n = deadlines_.size();
  for (;;) {
    std::size_t child = 2 * slot + 1;
    if (child >= n) break;
    if (child + 1 < n && deadlines_[child + 1]->due_ < deadlines_[child]->due_) ++child;
    if (d->due_ <= deadlines_[child]->due_) break;
    heap_place(deadlines_[child], slot);
    slot = child;
  }
  heap_place(d, slot);
}

void Loop::heap_remove(std::size_t slot) {
  Deadline* gone = deadlines_[slot];
  Deadline* last = deadlines_.back();
  deadlines_.pop_back();
  gone->slot_ = Deadline::kUnarmed;
  if (gone == last) return;
  heap_place(last, slot);
  heap_sift_up(slot);
  heap_sift_down(last->slot_);
}

void Deadline::arm(TimePoint due) {
  if (due == TimePoint::max()) return cancel();
  bool earlier = armed() && due < due_;
  due_ = due;
  auto& heap = loop_.deadlines_;
  if (!armed()) {
    heap.push_back(this);
    slot_ = heap.size() - 1;
    loop_.heap_sift_up(slot_);
  } else if (earlier) {
    loop_.heap_sift_up(slot_);
  } else {
    loop_.heap_sift_down(slot_);
  }
}

void Deadline::cancel() {
  if (armed()) loop_.heap_remove(slot_);
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
    std::size_t user_fds = registered_ - (signals_ ? 1 : 0);
    if (user_fds == 0 && timers_.empty() && deadlines_.empty() && deferred_.empty()) break;
    int n = wait(events, kMaxEvents);
    ++wakeups_;
    now_ = Clock::now();
    for (int i = 0; i < n; ++i) {
      Registration* r = find(events[i].data.fd);
      if (!r) continue;  // removed by an earlier callback this round
      r->handler->on_io(events[i].events);
    }
    run_timers();
    run_deadlines();
    run_deferred();
  }
}

}  // namespace sluice
