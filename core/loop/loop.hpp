// One epoll loop per thread: fd readiness, timers, signals and deferred work.
// Closes and other teardown go through defer() so no callback frees an object
// that is still on the stack.
#pragma once

#include <sys/epoll.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <functional>
#include <queue>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/util/error.hpp"

namespace sluice {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Millis = std::chrono::milliseconds;

// A non-negative duration as the timespec that epoll_pwait2, sigtimedwait and
// friends take.
inline timespec to_timespec(Clock::duration d) {
  auto ns = std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
  return {static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
}

class IoHandler {
 public:
  virtual ~IoHandler() = default;
  // events: EPOLLIN / EPOLLOUT / EPOLLERR / EPOLLHUP / EPOLLRDHUP bits.
  virtual void on_io(uint32_t events) = 0;
};

using TimerId = uint64_t;

class Loop;

// A re-armable deadline owned by its user: arm() moves it (earlier or later)
// at the cost of a heap sift, with no allocation and no map insert, so it can
// follow a deadline that changes on every read or write (ngtcp2's expiry, a
// bench schedule, idle timeouts). The callback runs once per arming, from the
// loop; it may re-arm. Destroying an armed Deadline disarms it.
class Deadline {
 public:
  Deadline(Loop& loop, std::function<void()> fire) : loop_(loop), fire_(std::move(fire)) {}
  ~Deadline() { cancel(); }
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

  void arm(TimePoint due);  // TimePoint::max() disarms
  void cancel();
  bool armed() const { return slot_ != kUnarmed; }
  TimePoint due() const { return due_; }

 private:
  friend class Loop;
  static constexpr std::size_t kUnarmed = SIZE_MAX;
  Loop& loop_;
  std::function<void()> fire_;
  TimePoint due_{};
  std::size_t slot_ = kUnarmed;  // index in the loop's deadline heap
};

class Loop {
 public:
  Loop();
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  Result<void> add(int fd, uint32_t events, IoHandler* h);
  void modify(int fd, uint32_t events);  // no-op when unchanged
  void remove(int fd);
  uint32_t interest(int fd) const;

  TimerId timer(TimePoint deadline, std::function<void()> fn);
  TimerId after(Millis d, std::function<void()> fn) {
    return timer(Clock::now() + d, std::move(fn));
  }
  void cancel(TimerId id);

  void defer(std::function<void()> fn);  // runs after the current iteration

  // SIGINT/SIGTERM (and any others given) delivered through a signalfd.
  Result<void> watch_signals(std::vector<int> signals, std::function<void(int)> fn);

  void run();  // until stop() or nothing left to wait for
  void stop() { stopped_ = true; }
  bool stopped() const { return stopped_; }
  uint64_t wakeups() const { return wakeups_; }
  // Timers fire within the kernel's slack (epoll_pwait2), not on whole
  // milliseconds; known for sure once the loop has waited once.
  bool precise_timers() const { return precise_wait_; }
  TimePoint now() const { return now_; }

 private:
  friend class Deadline;
  struct Timer {
    TimePoint deadline;
    TimerId id;
    // Equal deadlines fire in the order they were set (ids grow).
    bool operator>(const Timer& o) const {
      return deadline != o.deadline ? deadline > o.deadline : id > o.id;
    }
  };
  TimePoint next_deadline();               // TimePoint::max() when nothing is due
  int wait(epoll_event* events, int max);  // epoll's count, or -1
  void run_timers();
  void run_deadlines();
  // The deadline heap: a binary min-heap of Deadline*, each knowing its slot.
  void heap_place(Deadline* d, std::size_t slot);
  void heap_sift_up(std::size_t slot);
  void heap_sift_down(std::size_t slot);
  void heap_remove(std::size_t slot);
  void run_deferred();

  int epfd_ = -1;
  bool stopped_ = false;
  uint64_t wakeups_ = 0;
  TimePoint now_ = Clock::now();
  // Indexed by fd (small integers): one load per event, no hashing.
  struct Registration {
    uint32_t events = 0;
    IoHandler* handler = nullptr;  // nullptr: not registered
  };
  std::vector<Registration> fds_;
  std::size_t registered_ = 0;
  const Registration* find(int fd) const {
    auto i = static_cast<std::size_t>(fd);
    return fd >= 0 && i < fds_.size() && fds_[i].handler ? &fds_[i] : nullptr;
  }
  Registration* find(int fd) { return const_cast<Registration*>(std::as_const(*this).find(fd)); }
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timer_heap_;
  std::unordered_map<TimerId, std::function<void()>> timers_;
  TimerId next_timer_ = 1;
  std::vector<std::function<void()>> deferred_;
  std::vector<Deadline*> deadlines_;
  bool precise_wait_ = true;  // epoll_pwait2 works (not ENOSYS)
  class SignalHandler;
  std::unique_ptr<SignalHandler> signals_;
};

}  // namespace sluice
