// Bench results as JSON: what --json writes and what `bench merge` reads.
// Counters are integers; histograms are HdrHistogram's compressed base64, so
// other HdrHistogram tools can read them too.
#pragma once

#include <string>

#include "core/bench/config.hpp"
#include "core/bench/result.hpp"

namespace sluice::bench {

inline constexpr int kSchemaVersion = 2;

struct RunInfo {
  std::string config_json;  // canonical_config
  std::string config_hash;
  int shard_index = 0, shard_count = 1;
  int64_t start_ms = 0, end_ms = 0;   // wall clock, Unix ms
  std::vector<int> merged_shards;     // after a merge: which shards are in it
  std::vector<std::string> warnings;  // from merging: worth saying, not fatal
};

std::string to_json(const Results& r, const RunInfo& info);
Result<std::pair<Results, RunInfo>> from_json(const std::string& text);

// Adds b into a; refuses results of different tests or histogram settings.
Result<void> merge_runs(std::pair<Results, RunInfo>& a, const std::pair<Results, RunInfo>& b);

// Shards 0..shard_count-1 that are not in the (merged) result.
std::vector<int> missing_shards(const RunInfo& info);

}  // namespace sluice::bench
