// The text report of `sluice bench`: throughput, latency percentiles, a
// latency histogram drawn in the terminal, statuses, errors and the
// generator's own CPU.
#pragma once

#include <string>

#include "core/bench/config.hpp"
#include "core/bench/result.hpp"

namespace sluice::cli {

std::string render_bench_report(const bench::Config& cfg, const bench::Results& r);
std::string format_us(int64_t us);  // "812us", "12.30ms", "1.20s"

}  // namespace sluice::cli
