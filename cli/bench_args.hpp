// `sluice bench`'s command line: the raw values as typed, and their checked
// translation into the engine's BenchConfig. Numbers are read here, not by CLI11,
// so that each bad one gets its own one-line reason (exit 2).
#pragma once

#include <string>
#include <vector>

#include "core/bench/config.hpp"

namespace sluice::cli {

struct BenchArgs {
  std::vector<std::string> urls, headers;
  int connections = 10, threads = 0;
  // Given as text: "" means not given.
  std::string requests, max_streams, rate;
  std::string duration, warmup, timeout = "10s", grace = "1s", data, method = "GET", json, shard,
                                cacert, fail_if, hgrm, output;
  int64_t start_at = 0;
  bool http11 = false, http2 = false, http2_prior = false, http3 = false, http3_only = false,
       no_keepalive = false, insecure = false, progress = false;
};

Result<bench::BenchConfig> make_bench_config(const BenchArgs& a);

}  // namespace sluice::cli
