#include "core/bench/config.hpp"

#include <nlohmann/json.hpp>

namespace sluice::bench {

// Everything that defines the test, not the shard: merging results of
// different tests would produce numbers that mean nothing.
std::string canonical_config(const BenchConfig& c) {
  nlohmann::ordered_json j;
  j["urls"] = c.urls;
  j["connections"] = c.connections;
  j["max_streams"] = c.max_streams;
  j["requests"] = c.requests ? nlohmann::json(*c.requests) : nlohmann::json(nullptr);
  j["duration_ms"] = c.duration.count();
  j["warmup_ms"] = c.warmup.count();
  j["rate"] = c.rate;
  j["http_version"] = static_cast<int>(c.http_version);
  j["method"] = c.method;
  j["headers"] = c.headers;
  j["data_bytes"] = c.data ? c.data->size() : 0;
  j["keepalive"] = c.keepalive;
  j["timeout_ms"] = c.timeout.count();
  j["grace_ms"] = c.grace.count();
  j["shards"] = c.shard_count;
  return j.dump();
}

// SHA-256 is OpenSSL's, in the TLS module: loaded here, at the end of a
// run, when a plain http:// bench has not loaded it already.
Result<std::string> config_hash(const BenchConfig& c) {
  auto m = tls::load_module();
  if (!m) return std::unexpected(m.error());
  return (*m)->sha256_hex(canonical_config(c));
}

}  // namespace sluice::bench
