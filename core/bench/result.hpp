// Counters and latency histograms of a bench run: per worker while it runs,
// merged after the join, and merged again across machines (same code).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "core/bench/histogram.hpp"
#include "core/util/error.hpp"

namespace sluice::bench {

enum class ErrorKind { connect, tls, read, timeout, status, protocol, count_ };
const char* error_kind_name(ErrorKind k);
ErrorKind classify(Errc code);

struct Counters {
  uint64_t requests = 0;     // responses completed (any status)
  uint64_t sent = 0;         // requests sent
  uint64_t bytes = 0;        // response bytes (head + body)
  uint64_t connections = 0;  // connections opened
  std::array<uint64_t, static_cast<size_t>(ErrorKind::count_)> errors{};
  std::map<int, uint64_t> status;  // status code -> count

  uint64_t error_total() const;
  void add(const Counters& o);
};

struct Results {
  Counters counters;
  Histogram latency = Histogram::make_default();            // from when each request was sent
  Histogram latency_corrected = Histogram::make_default();  // open model: from when it was due
  double cpu_user_s = 0, cpu_sys_s = 0;
  double wall_s = 0;  // measured time (warm-up excluded)

  Result<void> merge(const Results& o);  // wall: max; everything else summed
};

}  // namespace sluice::bench
