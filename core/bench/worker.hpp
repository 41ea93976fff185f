// One bench worker: its own loop, connections and counters on one thread;
// nothing is shared with other workers while it runs (h2load's model).
#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "core/bench/config.hpp"
#include "core/bench/result.hpp"
#include "core/http/connector.hpp"
#include "core/http/message.hpp"
#include "core/http/session.hpp"
#include "core/loop/loop.hpp"

namespace sluice::bench {

// This worker's share of the test.
struct Share {
  int connections = 1;
  std::optional<uint64_t> requests;  // nullopt: until the duration ends
  double rate = 0;                   // requests/s, open model only
};

// Live numbers the main thread reads once a second (relaxed atomics: only
// the worker writes them).
struct Live {
  std::atomic<uint64_t> requests{0}, errors{0};
};

class Worker {
 public:
  Worker(const Config& cfg, Share share, std::vector<Request> requests,
         std::shared_ptr<TlsContext> tls, TimePoint start);
  ~Worker();
  void run();  // on the worker's thread; returns when its share is done
  Results& results() { return results_; }
  const Live& live() const { return live_; }
  // A copy of the latency histogram so far (for the live line).
  Histogram snapshot();

 private:
  struct Conn;
  struct Slot;

  void open(Conn& c);
  void on_connected(Conn& c, Result<Connected> r);
  void fill(Conn& c);
  bool issue(Conn& c, TimePoint due);
  void completed(Slot& s, const Error* e);
  void conn_lost(Conn& c);
  void tick();  // open model: requests become due
  void dispatch(Conn& c);
  void sweep();  // per-request timeouts, warm-up end, duration end
  bool may_send() const;
  void maybe_finish();
  void record_success(Slot& s, TimePoint now);

  const Config& cfg_;
  Share share_;
  std::vector<Request> requests_;
  std::shared_ptr<TlsContext> tls_;
  Loop loop_;
  std::vector<std::unique_ptr<Conn>> conns_;
  Results results_;
  Live live_;
  std::mutex snapshot_mutex_;
  Histogram published_ = Histogram::make_default();
  TimePoint start_, measure_start_, measure_end_;
  TimePoint next_due_, last_publish_;
  Clock::duration interval_{};
  std::deque<TimePoint> backlog_;  // open model: due, not yet sent
  TimerId tick_timer_ = 0;
  std::size_t next_conn_ = 0;
  uint64_t sent_ = 0;
  uint64_t connecting_ = 0;  // connections being set up
  std::size_t next_request_ = 0;
  bool measuring_ = false, stopping_ = false, finished_ = false;
};

}  // namespace sluice::bench
