// What `sluice bench` runs: the load model, the requests and the connections.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/http/http_version.hpp"
#include "core/net/tls.hpp"

namespace sluice::bench {

using Millis = std::chrono::milliseconds;

struct BenchConfig {
  std::vector<std::string> urls;  // round-robin over them
  int connections = 10;
  int threads = 1;
  int max_streams = 0;               // per connection; 0: 10 for h2/h3, 1 (no pipelining) for h1
  std::optional<uint64_t> requests;  // -n: total, across threads
  Millis duration{0};                // -d: measured time (after warm-up)
  Millis warmup{0};
  double rate = 0;  // > 0: open model, requests per second in total
  HttpVersion http_version = HttpVersion::negotiate;
  std::string method = "GET";
  std::vector<std::string> headers;
  std::optional<std::string> data;
  bool keepalive = true;
  Millis timeout{10000};  // per request
  Millis grace{1000};     // after the stop, for requests in flight
  TlsClientConfig tls;
  int shard_index = 0, shard_count = 1;  // this run is share I of N
  std::optional<int64_t> start_at_ms;    // wall clock (Unix ms) to start at

  bool open_model() const { return rate > 0; }
  // Requests in flight per connection: streams of a multiplexed one (h2, h3).
  int depth(bool multiplexed) const {
    return max_streams > 0 ? max_streams : (multiplexed ? 10 : 1);
  }
};

// The part of the configuration that all shards of one test share; its hash
// lets `bench merge` refuse results of different tests.
std::string canonical_config(const BenchConfig& c);
Result<std::string> config_hash(const BenchConfig& c);  // hex SHA-256 of canonical_config

}  // namespace sluice::bench
