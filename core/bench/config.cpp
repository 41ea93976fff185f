#include "core/bench/config.hpp"

#include <openssl/evp.h>

#include <nlohmann/json.hpp>

namespace sluice::bench {

// Everything that defines the test, not the shard: merging results of
// different tests would produce numbers that mean nothing.
std::string canonical_config(const Config& c) {
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

std::string config_hash(const Config& c) {
  std::string text = canonical_config(c);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_Digest(text.data(), text.size(), md, &len, EVP_sha256(), nullptr);
  std::string hex;
  for (unsigned i = 0; i < len; ++i) hex += fmt::format("{:02x}", md[i]);
  return hex;
}

}  // namespace sluice::bench
