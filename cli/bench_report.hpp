// The text report of `sluice bench`: throughput, latency percentiles, a
// latency histogram drawn in the terminal, statuses, errors and the
// generator's own CPU.
#pragma once

#include <string>
#include <vector>

#include "core/bench/config.hpp"
#include "core/bench/result.hpp"

namespace sluice::cli {

// What the report needs beyond the config and the numbers.
struct ReportContext {
  double requested_rate = 0;       // open model: the share of --rate these results ran
  std::vector<int> merged_shards;  // a merge: the shards in it
};

// The header as the run starts: the threads and connections this run will use.
std::string start_line(const bench::BenchConfig& cfg);

std::string render_bench_report(const bench::BenchConfig& cfg, const bench::Results& r,
                                const ReportContext& ctx);
std::string format_us(int64_t us);  // "812us", "12.30ms", "1.20s"

}  // namespace sluice::cli
