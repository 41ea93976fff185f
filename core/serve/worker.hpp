// One worker per thread: its own Loop, its own SO_REUSEPORT listening sockets
// and the connections they accepted. Nothing is shared with other workers
// except the read-only Env and the Stats counters; each has its own Router
// (and so its own open-file cache).
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/loop/loop.hpp"
#include "core/net/tcp.hpp"
#include "core/serve/config.hpp"
#include "core/serve/h2_connection.hpp"
#include "core/serve/router.hpp"
#include "core/serve/served_connection.hpp"
#include "core/serve/stats.hpp"

namespace sluice {
class TlsContext;
class Transport;
}  // namespace sluice

namespace sluice::h3 {
class QuicListener;
}

namespace sluice::serve {

class Listener;

class Worker final : private IoHandler, public RequestRouter {
 public:
  Worker(int index, const ServeConfig& cfg, const Env& env, Stats& stats,
         std::shared_ptr<TlsContext> tls);
  ~Worker() override;
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  Result<void> init();  // before run(), on any thread
  void add_listener(Fd fd, std::string alt_svc = {});
  void add_quic_listener(std::unique_ptr<h3::QuicListener> l);  // --http3
  void run();  // returns once drained (or force-closed)
  // Thread-safe: graceful (finish in-flight responses, bounded by
  // shutdown_timeout) or forced (close everything now).
  void request_stop(bool force);

  // For listeners and connections of this worker.
  Loop& loop() { return loop_; }
  const ServeConfig& config() const { return cfg_; }
  Router& router() { return router_; }
  WorkerCounters& counters() { return stats_.worker(index_); }
  void accept(Fd fd, std::string_view alt_svc = {});
  // An h1 connection found h2 (ALPN, the h2c preface or an h2c Upgrade): it
  // has let go of the transport; an H2Connection takes it, with the bytes
  // already read.
  void hand_over_h2(ServedConnection* from, std::unique_ptr<Transport> t, std::string already_read,
                    std::optional<H2cUpgrade> upgrade = std::nullopt,
                    std::string_view alt_svc = {});
  void release(ServedConnection* c);  // c has closed: destroy it after this iteration

  // RequestRouter, for the HTTP/3 module's connections.
  std::unique_ptr<Endpoint> route(const RequestHead& req) override { return router_.route(req); }
  void count_connection() override {
    counters().connections.fetch_add(1, std::memory_order_relaxed);
  }
  void count_request() override { counters().requests.fetch_add(1, std::memory_order_relaxed); }
  void count_retry() override { counters().quic_retries.fetch_add(1, std::memory_order_relaxed); }

 private:
  void on_io(uint32_t events) override;  // wake-up from request_stop
  void begin_drain();
  void force_close();
  void finish_if_drained();
  void add_connection(std::unique_ptr<ServedConnection> c);
  void maybe_trim();
  void trim();

  int index_;
  const ServeConfig& cfg_;
  Stats& stats_;
  std::shared_ptr<TlsContext> tls_;
  Loop loop_;
  Router router_;                // after loop_, which it uses
  Fd wake_fd_;                   // eventfd: other threads' stop requests
  std::atomic<int> command_{0};  // 1: drain, 2: force
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::vector<std::unique_ptr<h3::QuicListener>> quic_listeners_;
  std::size_t quic_drained_ = 0;  // quic listeners with no connection left, while draining
  std::unordered_map<ServedConnection*, std::unique_ptr<ServedConnection>> connections_;
  bool draining_ = false;
  TimerId grace_timer_ = 0;
  // Giving memory back after a burst (maybe_trim): the most connections
  // held since the last trim, when that was, and the pending trim.
  std::size_t peak_ = 0;
  bool in_burst_ = false;  // has held kTrimPeak connections, not yet trimmed back
  TimePoint last_trim_{};
  TimerId trim_timer_ = 0;
};

}  // namespace sluice::serve
