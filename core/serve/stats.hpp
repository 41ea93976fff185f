// Per-process counters for /stats and the final report. Each worker counts in
// its own cache line; readers sum them, so the hot path shares nothing.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

namespace sluice::serve {

struct alignas(64) WorkerCounters {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> connections{0};   // accepted
  std::atomic<uint64_t> quic_retries{0};  // Retry packets sent (address validation)
};

class Stats {
 public:
  explicit Stats(int workers)
      : workers_(workers), counters_(std::make_unique<WorkerCounters[]>(workers)) {}
  WorkerCounters& worker(int i) { return counters_[i]; }

  uint64_t requests() const { return sum(&WorkerCounters::requests); }
  uint64_t connections() const { return sum(&WorkerCounters::connections); }
  uint64_t quic_retries() const { return sum(&WorkerCounters::quic_retries); }

  // Open connections, shared by all workers for --max-connections (touched
  // once per connection, not per request).
  std::atomic<int64_t> open{0};

 private:
  uint64_t sum(std::atomic<uint64_t> WorkerCounters::*field) const {
    uint64_t total = 0;
    for (int i = 0; i < workers_; ++i)
      total += (counters_[i].*field).load(std::memory_order_relaxed);
    return total;
  }
  int workers_;
  std::unique_ptr<WorkerCounters[]> counters_;
};

}  // namespace sluice::serve
