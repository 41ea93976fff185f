#include "core/bench/result_json.hpp"

#include <nlohmann/json.hpp>

#include "core/bench/hdr_codec.hpp"
#include "core/bench/histogram_spectrum.hpp"

namespace sluice::bench {

using nlohmann::ordered_json;

std::string to_json(const Results& r, const RunInfo& info) {
  ordered_json j;
  j["schema_version"] = kSchemaVersion;
  j["tool"] = "sluice bench";
  j["config"] = ordered_json::parse(info.config_json);
  j["config_hash"] = info.config_hash;
  j["shard"] = {{"index", info.shard_index}, {"count", info.shard_count}};
  if (!info.merged_shards.empty()) j["merged_shards"] = info.merged_shards;
  j["start_ms"] = info.start_ms;
  j["end_ms"] = info.end_ms;
  const Counters& k = r.counters;
  ordered_json errors;
  for (size_t i = 0; i < k.errors.size(); ++i)
    errors[error_kind_name(static_cast<ErrorKind>(i))] = k.errors[i];
  ordered_json status;
  for (auto [code, n] : k.status) status[std::to_string(code)] = n;
  j["counters"] = {{"requests", k.requests},       {"sent", k.sent},   {"bytes", k.bytes},
                   {"connections", k.connections}, {"errors", errors}, {"status", status}};
  j["cpu_us"] = {{"user", static_cast<int64_t>(r.cpu_user_s * 1e6)},
                 {"system", static_cast<int64_t>(r.cpu_sys_s * 1e6)}};
  j["wall_us"] = static_cast<int64_t>(r.wall_s * 1e6);
  // Percentiles in plain numbers too, for people and jq; the histograms below
  // are the exact data.
  auto summary = [](const Histogram& h) {
    ordered_json s;
    s["count"] = h.total_count();
    s["min_us"] = h.total_count() ? h.min() : 0;
    s["mean_us"] = h.mean();
    s["stdev_us"] = h.stdev();
    for (auto [name, p] : {std::pair{"p50_us", 50.0},
                           {"p75_us", 75.0},
                           {"p90_us", 90.0},
                           {"p99_us", 99.0},
                           {"p99_9_us", 99.9},
                           {"p99_99_us", 99.99}})
      s[name] = h.value_at_percentile(p);
    s["max_us"] = h.max();
    // HdrHistogram's percentile spectrum: [percentile, value_us] pairs, for plots.
    ordered_json spectrum = ordered_json::array();
    for (const auto& pt : percentile_spectrum(h))
      spectrum.push_back({pt.percentile * 100, pt.value});
    s["spectrum"] = spectrum;
    return s;
  };
  j["summary"] = {{"latency", summary(r.latency)},
                  {"latency_corrected", summary(r.latency_corrected)}};
  const HistogramSettings& hs = r.latency.settings();
  j["histograms"] = {
      {"unit", "us"},
      {"lowest", hs.lowest},
      {"highest", hs.highest},
      {"significant_digits", hs.significant_digits},
      {"latency", encode_base64(r.latency).value_or("")},
      {"latency_corrected", encode_base64(r.latency_corrected).value_or("")},
  };
  return j.dump(2) + "\n";
}

Result<std::pair<Results, RunInfo>> from_json(const std::string& text) {
  ordered_json j = ordered_json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail(Errc::bad_argument, "not a JSON object");
  if (j.value("schema_version", 0) != kSchemaVersion)
    return fail(Errc::bad_argument,
                fmt::format("unsupported schema_version (want {})", kSchemaVersion));
  try {
    std::pair<Results, RunInfo> out;
    RunInfo& info = out.second;
    info.config_json = j.at("config").dump();
    info.config_hash = j.at("config_hash").get<std::string>();
    info.shard_index = j.at("shard").at("index").get<int>();
    info.shard_count = j.at("shard").at("count").get<int>();
    if (j.contains("merged_shards"))
      info.merged_shards = j["merged_shards"].get<std::vector<int>>();
    else
      info.merged_shards = {info.shard_index};
    info.start_ms = j.at("start_ms").get<int64_t>();
    info.end_ms = j.at("end_ms").get<int64_t>();
    Results& r = out.first;
    const auto& c = j.at("counters");
    r.counters.requests = c.at("requests").get<uint64_t>();
    r.counters.sent = c.at("sent").get<uint64_t>();
    r.counters.bytes = c.at("bytes").get<uint64_t>();
    r.counters.connections = c.at("connections").get<uint64_t>();
    for (size_t i = 0; i < r.counters.errors.size(); ++i)
      r.counters.errors[i] =
          c.at("errors").value(error_kind_name(static_cast<ErrorKind>(i)), uint64_t{0});
    for (auto& [code, n] : c.at("status").items())
      r.counters.status[std::stoi(code)] = n.get<uint64_t>();
    r.cpu_user_s = j.at("cpu_us").at("user").get<int64_t>() / 1e6;
    r.cpu_sys_s = j.at("cpu_us").at("system").get<int64_t>() / 1e6;
    r.wall_s = j.at("wall_us").get<int64_t>() / 1e6;
    const auto& h = j.at("histograms");
    auto lat = decode_base64(h.at("latency").get<std::string>());
    auto cor = decode_base64(h.at("latency_corrected").get<std::string>());
    if (!lat) return std::unexpected(lat.error());
    if (!cor) return std::unexpected(cor.error());
    r.latency = std::move(*lat);
    r.latency_corrected = std::move(*cor);
    return out;
  } catch (const std::exception& e) {
    return fail(Errc::bad_argument, fmt::format("malformed bench result: {}", e.what()));
  }
}

Result<void> merge_runs(std::pair<Results, RunInfo>& a, const std::pair<Results, RunInfo>& b) {
  if (a.second.config_hash != b.second.config_hash)
    return fail(Errc::bad_argument,
                "results come from different test configurations (config_hash differs)");
  for (int s : b.second.merged_shards)
    if (std::find(a.second.merged_shards.begin(), a.second.merged_shards.end(), s) !=
        a.second.merged_shards.end())
      return fail(Errc::bad_argument, fmt::format("shard {} is in the merge twice", s));
  if (auto m = a.first.merge(b.first); !m) return m;
  auto& shards = a.second.merged_shards;
  shards.insert(shards.end(), b.second.merged_shards.begin(), b.second.merged_shards.end());
  std::sort(shards.begin(), shards.end());
  a.second.start_ms = std::min(a.second.start_ms, b.second.start_ms);
  a.second.end_ms = std::max(a.second.end_ms, b.second.end_ms);
  return {};
}

}  // namespace sluice::bench
