// One load generator (h2load's "worker"): its own loop, connections and
// counters on one thread; nothing is shared with the other generators while
// it runs (h2load's model).
//
// Phases: warm-up (load sent, nothing counted), measuring, then the stop (at
// -d, at the end of -n, or on request): nothing more is sent, requests in
// flight get the grace period to finish, and what is still open then is
// counted as in flight at the stop, neither completed nor failed.
#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "core/bench/config.hpp"
#include "core/bench/result.hpp"
#include "core/http/client_session.hpp"
#include "core/http/dialer.hpp"
#include "core/http/message.hpp"
#include "core/loop/loop.hpp"

namespace sluice::bench {

// How every connection of the run is dialled (the preflight's too). One depth
// for either protocol, known before ALPN answers: the session made is h1
// (pipelined that deep), h2 or h3 (that many streams).
DialOptions dial_options(const BenchConfig& cfg);

// This worker's share of the test.
struct Share {
  int connections = 1;
  std::optional<uint64_t> requests;  // nullopt: until the duration ends
  double rate = 0;                   // requests/s, open model only
  Clock::duration phase{};           // open model: its first request is due this long after start
};

// Live numbers the main thread reads once a second (relaxed atomics: only
// the worker writes them).
struct Live {
  std::atomic<uint64_t> requests{0}, errors{0};
};

class Generator {
 public:
  Generator(const BenchConfig& cfg, Share share, std::vector<Request> requests,
            std::shared_ptr<TlsContext> tls, TimePoint start);
  ~Generator();
  void run();  // on the worker's thread; returns when its share is done
  // From any thread: stop sending now and finish as at the end of -d.
  void request_stop() { stop_requested_.store(true, std::memory_order_relaxed); }
  Results& results() { return results_; }
  const Live& live() const { return live_; }
  // A copy of the latency histogram so far (for the live line).
  Histogram snapshot();
  // The measured window: first measured send, and the last completion or the
  // stop, whichever came later. first_send() is TimePoint::max() if nothing was sent.
  TimePoint first_send() const { return first_send_; }
  TimePoint window_end() const { return std::max(last_done_, stop_at_); }
  // When sending stopped (-d or a signal); TimePoint::min() for a -n run that ended.
  TimePoint stop_at() const { return stop_at_; }
  // Where this worker's timeline starts: the start plus the warm-up, and in
  // the open model plus the connections' set-up (begin_schedule).
  TimePoint measure_start() const { return measure_start_; }

 private:
  struct Conn;
  struct Slot;
  enum class Phase { warmup, measuring, draining, done };
  // A request waiting to be sent: due (open model) and which attempt it is.
  struct Pending {
    TimePoint due;
    int attempt = 1;
  };

  void open(Conn& c);
  void on_connected(Conn& c, Result<Dialed> r);
  void connect_failed(Conn& c, const Error& e);
  void reopen_later(Conn& c);  // after kReconnectDelay
  void record_connection(const Conn& c, const Dialed& d);
  void first_response(Conn& c, bool measured);
  void fill(Conn& c);
  bool issue(Conn& c, Slot& s, Pending p);
  Slot* free_slot(Conn& c);
  bool has_room(const Conn& c) const;
  bool spent(const Conn& c) const;
  void reopen_idle();
  void completed(Slot& s, const Error* e);
  bool retry(Slot& s, const Error& e);
  void after_completion(Conn& c);
  void conn_lost(Conn& c);  // replaced at once
  void drop_session(Conn& c);
  void idle_closed(Conn& c);
  void tick();  // open model: requests become due
  void dispatch(Conn& c);
  bool due_now(TimePoint now) const;
  void sweep();           // per-request timeouts, stop requests, live histogram
  void on_phase_timer();  // warm-up end, -d end, grace end
  void begin_schedule();  // open model: once the connections are set up
  void start_measuring();
  void begin_stop(TimePoint now);
  void end_grace();
  bool may_send() const;
  bool budget_left() const;
  void maybe_finish();
  void finish();
  void record_success(Slot& s, TimePoint now);
  void count_second(TimePoint now, int64_t latency_us, bool error);
  void close_second();

  const BenchConfig& cfg_;
  Share share_;
  std::vector<Request> requests_;
  std::shared_ptr<TlsContext> tls_;
  Loop loop_;
  std::vector<std::unique_ptr<Conn>> conns_;
  Results results_;
  Live live_;
  std::atomic<bool> stop_requested_{false};
  std::mutex snapshot_mutex_;
  Histogram published_ = Histogram::make_default();
  Phase phase_ = Phase::warmup;
  TimePoint start_, measure_start_, measure_end_;
  TimePoint first_send_ = TimePoint::max(), last_done_ = TimePoint::min();
  TimePoint stop_at_ = TimePoint::min(), grace_end_ = TimePoint::max();
  TimePoint next_due_ = TimePoint::max(), last_publish_;
  Clock::duration interval_{};
  Deadline pace_;         // open model: the next due request
  Deadline phase_timer_;  // the next phase change
  Deadline setup_wait_;   // open model: the schedule starts at the latest then
  bool scheduled_ = false;
  // Unprocessed requests to send again, before any new one (open model: with
  // their due time). Due requests of the open model are not queued: they are
  // the schedule from next_due_ up to now, sent as connections have room, so
  // an overloaded run holds no backlog in memory.
  std::deque<Pending> retries_;
  TimePoint no_room_until_ =
      TimePoint::min();  // requests due by then found no connection with room
  std::size_t next_conn_ = 0;
  uint64_t budget_used_ = 0;  // -n: measured requests sent and not given back by a retry
  uint64_t connecting_ = 0;   // connections being set up
  std::size_t next_request_ = 0;
  bool measured_ = false;  // the measuring phase began
  double cpu_at_start_user_ = 0, cpu_at_start_sys_ = 0;
  // The timeline's current second and its latency histogram.
  std::size_t second_ = 0;
  Histogram second_hist_;
};

}  // namespace sluice::bench
