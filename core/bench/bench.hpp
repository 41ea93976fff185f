// The engine behind `sluice bench`: checks the target, starts one worker per
// thread at the agreed moment, reports live numbers, joins and merges.
#pragma once

#include <functional>

#include "core/bench/config.hpp"
#include "core/bench/result.hpp"

namespace sluice::bench {

struct LiveReport {
  double elapsed_s = 0;
  uint64_t requests = 0, errors = 0;
  double rate = 0;  // requests/s over the last second
  int64_t p50_us = 0, p99_us = 0;
  bool warming_up = false;
};

struct Callbacks {
  std::function<void(const LiveReport&)> live;  // about once a second
};

// Validates the configuration and the target (one connection to each origin)
// before any load is sent.
Result<Results> run(const BenchConfig& cfg, const Callbacks& cb);

// This shard's part of a total: I of N gets total/N, plus one of the remainder.
uint64_t shard_part(uint64_t total, int index, int count);

}  // namespace sluice::bench
