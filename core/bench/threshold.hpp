// --fail-if: conditions on a run's results that make it fail, as k6's
// thresholds do ("p99>50ms,errors>1%,rps<1000"). Parsed before the run, so a
// typo fails at once instead of after a ten-minute test.
#pragma once

#include <string>
#include <vector>

#include "core/bench/result.hpp"
#include "core/util/error.hpp"

namespace sluice::bench {

struct Threshold {
  enum class Metric { percentile, mean, max, errors, error_rate, rps, requests };
  enum class Op { gt, ge, lt, le };
  Metric metric;
  double percentile = 0;  // for Metric::percentile
  Op op;
  double value;      // microseconds for latencies, a fraction for error_rate
  std::string text;  // as the user wrote it, for the message
};

// "p99>50ms,errors>1%,rps<1000". Metrics: p50 p90 p99 p99.9 (any pNN), mean,
// max (latency, with us/ms/s; a bare number is ms), errors (a count, or a
// share of attempts with %), rps (requests/s over the measured window),
// requests (completed). Operators: > >= < <=.
Result<std::vector<Threshold>> parse_thresholds(const std::string& spec);

// The conditions that hold, i.e. that fail the run, each as "p99>50ms (p99 is 73.1ms)".
std::vector<std::string> failed_thresholds(const std::vector<Threshold>& t, const Results& r,
                                           bool open_model);

}  // namespace sluice::bench
