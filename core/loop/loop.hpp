// One epoll loop per thread: fd readiness, timers, signals and deferred work.
// Closes and other teardown go through defer() so no callback frees an object
// that is still on the stack.
#pragma once

#include <sys/epoll.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <queue>
#include <unordered_map>
#include <vector>

#include "core/util/error.hpp"

namespace sluice {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Millis = std::chrono::milliseconds;

class IoHandler {
 public:
  virtual ~IoHandler() = default;
  // events: EPOLLIN / EPOLLOUT / EPOLLERR / EPOLLHUP / EPOLLRDHUP bits.
  virtual void on_io(uint32_t events) = 0;
};

using TimerId = uint64_t;

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
  TimePoint now() const { return now_; }

 private:
  struct Timer {
    TimePoint deadline;
    TimerId id;
    // Equal deadlines fire in the order they were set (ids grow).
    bool operator>(const Timer& o) const {
      return deadline != o.deadline ? deadline > o.deadline : id > o.id;
    }
  };
  int next_timeout_ms();
  void run_timers();
  void run_deferred();

  int epfd_ = -1;
  bool stopped_ = false;
  uint64_t wakeups_ = 0;
  TimePoint now_ = Clock::now();
  std::unordered_map<int, std::pair<uint32_t, IoHandler*>> fds_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timer_heap_;
  std::unordered_map<TimerId, std::function<void()>> timers_;
  TimerId next_timer_ = 1;
  std::vector<std::function<void()>> deferred_;
  class SignalHandler;
  std::unique_ptr<SignalHandler> signals_;
};

}  // namespace sluice
