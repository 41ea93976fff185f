#include "core/bench/result_json.hpp"

#include <signal.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <utility>

#include "core/bench/hdr_codec.hpp"
#include "core/bench/histogram_spectrum.hpp"

namespace sluice::bench {

using nlohmann::ordered_json;

namespace {

// The per-second timeline: counts, p50/p99 for people and plots, and the
// second's histogram for exact merges.
ordered_json timeline_json(const std::vector<Second>& seconds) {
  ordered_json points = ordered_json::array();
  for (std::size_t t = 0; t < seconds.size(); ++t) {
    const Second& s = seconds[t];
    int64_t p50 = 0, p99 = 0;
    if (!s.histogram.empty())
      if (auto h = decode_base64(s.histogram)) {
        p50 = h->value_at_percentile(50);
        p99 = h->value_at_percentile(99);
      }
    points.push_back({{"t_s", t},
                      {"requests", s.requests},
                      {"errors", s.errors},
                      {"p50_us", p50},
                      {"p99_us", p99},
                      {"histogram", s.histogram}});
  }
  return {{"interval_ms", 1000}, {"points", points}};
}

// Seconds as whole microseconds (truncated, or rounded), saturated: a result
// read back holds any int64 of them, and the largest, divided by 1e6 and
// multiplied again, is past int64's range (converting it was undefined).
int64_t micros(double s, bool round = false) {
  constexpr double kMax = 9.2e18;  // just under 2^63
  double us = std::clamp(s * 1e6, -kMax, kMax);
  return static_cast<int64_t>(round ? std::round(us) : us);
}

// An integer field as T: a JSON integer within T's range, else out_of_range
// (a malformed result, caught in from_json). nlohmann's get<T>() converts
// 1e30 to an int with a cast that is undefined, and -1 to a uint64 silently.
template <typename T>
T integer(const ordered_json& v) {
  if (v.is_number_unsigned()) {
    if (auto u = v.get<uint64_t>(); std::in_range<T>(u)) return static_cast<T>(u);
  } else if (v.is_number_integer()) {
    if (auto i = v.get<int64_t>(); std::in_range<T>(i)) return static_cast<T>(i);
  }
  throw std::out_of_range("not an integer in range: " + v.dump());
}

// The field, or fallback when the object lacks it.
template <typename T>
T integer_or(const ordered_json& j, const char* key, T fallback) {
  return j.contains(key) ? integer<T>(j.at(key)) : fallback;
}

std::vector<Second> timeline_from_json(const ordered_json& j) {
  std::vector<Second> out;
  if (!j.is_object() || !j.contains("points")) return out;
  for (const auto& p : j.at("points")) {
    auto t = integer<std::size_t>(p.at("t_s"));
    if (t > 10'000'000) throw std::out_of_range("timeline second out of range");
    if (out.size() <= t) out.resize(t + 1);
    out[t].requests = integer<uint64_t>(p.at("requests"));
    out[t].errors = integer<uint64_t>(p.at("errors"));
    out[t].histogram = p.value("histogram", std::string());
  }
  return out;
}

}  // namespace

std::string to_json(const Results& r, const RunInfo& info) {
  ordered_json j;
  j["schema_version"] = kSchemaVersion;
  j["tool"] = "sluice bench";
  j["config"] = ordered_json::parse(info.config_json);
  j["config_hash"] = info.config_hash;
  // A merge is not one shard: it names the shards it holds instead.
  if (info.merged_shards.size() > 1)
    j["merged_shards"] = info.merged_shards;
  else
    j["shard"] = {{"index", info.shard_index}, {"count", info.shard_count}};
  j["shard_count"] = info.shard_count;
  j["start_ms"] = info.start_ms;
  j["end_ms"] = info.end_ms;
  const Counters& k = r.counters;
  ordered_json errors;
  for (size_t i = 0; i < k.errors.size(); ++i)
    errors[error_kind_name(static_cast<ErrorKind>(i))] = k.errors[i];
  ordered_json status = ordered_json::object();
  for (auto [code, n] : k.status) status[std::to_string(code)] = n;
  j["partial"] = r.partial();
  if (r.partial()) j["stopped_by"] = r.stopped_by == SIGTERM ? "SIGTERM" : "SIGINT";
  j["threads"] = r.threads;
  j["connections"] = r.connections;
  j["counters"] = {{"requests", k.requests}, {"sent", k.sent},
                   {"bytes", k.bytes},       {"connections", k.connections},
                   {"retried", k.retried},   {"in_flight_at_stop", k.in_flight_at_stop},
                   {"unsent", k.unsent},     {"waited", k.waited},
                   {"errors", errors},       {"status", status}};
  j["cpu_us"] = {{"user", micros(r.cpu_user_s)}, {"system", micros(r.cpu_sys_s)}};
  // Every rate is over the real window (first send to last completion or the
  // stop), never over the requested duration.
  auto window_us = micros(r.window_s, true);
  j["window_us"] = window_us;
  j["wall_us"] = micros(r.wall_s);
  double window = static_cast<double>(window_us) / 1e6;  // exactly what the file says
  j["rates"] = {{"requests_per_s", window_us > 0 ? static_cast<double>(k.requests) / window : 0.0},
                {"bytes_per_s", window_us > 0 ? static_cast<double>(k.bytes) / window : 0.0}};
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
                  {"latency_corrected", summary(r.latency_corrected)},
                  {"send_lag", summary(r.send_lag)}};
  j["connection"] = {{"protocol", r.protocol},
                     {"tls_version", r.tls_version},
                     {"cipher", r.cipher},
                     {"setup", summary(r.setup_time)},
                     {"connect", summary(r.connect_time)},
                     {"tls_handshake", summary(r.tls_time)},
                     {"first_response", summary(r.first_response_time)}};
  j["timeline"] = timeline_json(r.timeline);
  // Seconds from t_s = 0 to the stop: later points are requests finishing in the grace period.
  j["timeline"]["stop_s"] = r.stop_s >= 0 ? ordered_json(r.stop_s) : ordered_json(nullptr);
  j["timeline"]["latency"] = "from due in the open model, from send in the closed model";
  const HistogramSettings& hs = r.latency.settings();
  j["histograms"] = {
      {"unit", "us"},
      {"lowest", hs.lowest},
      {"highest", hs.highest},
      {"significant_digits", hs.significant_digits},
  };
  for (const auto& h : kResultHistograms)
    j["histograms"][h.name] = encode_base64(r.*h.member).value_or("");
  return j.dump(2) + "\n";
}

namespace {

// An absent or empty field is an empty histogram with the settings `empty` has.
Result<Histogram> histogram_field(const ordered_json& h, const char* name, Histogram empty) {
  if (!h.contains(name)) return empty;
  auto text = h.at(name).get<std::string>();
  if (text.empty()) return empty;
  auto decoded = decode_base64(text);
  if (!decoded)
    return fail(decoded.error().code, fmt::format("{}: {}", name, decoded.error().message));
  return decoded;
}

void read_counters(const ordered_json& c, Counters& k) {
  k.requests = integer<uint64_t>(c.at("requests"));
  k.sent = integer<uint64_t>(c.at("sent"));
  k.bytes = integer<uint64_t>(c.at("bytes"));
  k.connections = integer<uint64_t>(c.at("connections"));
  k.retried = integer_or<uint64_t>(c, "retried", 0);
  k.in_flight_at_stop = integer_or<uint64_t>(c, "in_flight_at_stop", 0);
  k.unsent = integer_or<uint64_t>(c, "unsent", 0);
  k.waited = integer_or<uint64_t>(c, "waited", 0);
  for (size_t i = 0; i < k.errors.size(); ++i)
    k.errors[i] =
        integer_or<uint64_t>(c.at("errors"), error_kind_name(static_cast<ErrorKind>(i)), 0);
  if (c.at("status").is_object())
    for (auto& [code, n] : c.at("status").items()) k.status[std::stoi(code)] = integer<uint64_t>(n);
}

void read_info(const ordered_json& j, RunInfo& info) {
  info.config_json = j.at("config").dump();
  info.config_hash = j.at("config_hash").get<std::string>();
  if (j.contains("shard")) {
    info.shard_index = integer<int>(j.at("shard").at("index"));
    info.shard_count = integer<int>(j.at("shard").at("count"));
  } else {
    info.shard_count = integer<int>(j.at("shard_count"));
  }
  if (j.contains("merged_shards")) {
    if (!j.at("merged_shards").is_array()) throw std::out_of_range("merged_shards: not an array");
    for (const auto& s : j.at("merged_shards")) info.merged_shards.push_back(integer<int>(s));
  } else {
    info.merged_shards = {info.shard_index};
  }
  info.start_ms = integer<int64_t>(j.at("start_ms"));
  info.end_ms = integer<int64_t>(j.at("end_ms"));
}

// What the file says must agree with itself: a hand-edited or truncated result
// would otherwise merge into numbers that mean nothing.
Result<void> check_consistent(const Results& r) {
  auto requests = static_cast<int64_t>(r.counters.requests);
  if (r.latency.total_count() != requests)
    return fail(Errc::bad_argument,
                fmt::format("counters.requests is {} but the latency histogram holds {} samples",
                            requests, r.latency.total_count()));
  if (r.latency_corrected.total_count() != 0 && r.latency_corrected.total_count() != requests)
    return fail(Errc::bad_argument,
                fmt::format("counters.requests is {} but the corrected histogram holds {} samples",
                            requests, r.latency_corrected.total_count()));
  return {};
}

}  // namespace

Result<std::pair<Results, RunInfo>> from_json(const std::string& text) {
  ordered_json j = ordered_json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail(Errc::bad_argument, "not a JSON object");
  try {
    int version = integer_or(j, "schema_version", 0);  // "2" or 2.5 throws: caught below
    if (version != 1 && version != kSchemaVersion)
      return fail(Errc::bad_argument,
                  fmt::format("unsupported schema_version (want 1 or {})", kSchemaVersion));
    std::pair<Results, RunInfo> out;
    read_info(j, out.second);
    Results& r = out.first;
    read_counters(j.at("counters"), r.counters);
    r.cpu_user_s = static_cast<double>(integer<int64_t>(j.at("cpu_us").at("user"))) / 1e6;
    r.cpu_sys_s = static_cast<double>(integer<int64_t>(j.at("cpu_us").at("system"))) / 1e6;
    r.wall_s = static_cast<double>(integer<int64_t>(j.at("wall_us"))) / 1e6;
    r.window_s =
        static_cast<double>(integer_or(j, "window_us", integer<int64_t>(j.at("wall_us")))) / 1e6;
    r.threads = integer_or(j, "threads", 0);
    r.connections = integer_or(j, "connections", 0);
    if (j.value("partial", false))
      r.stopped_by = j.value("stopped_by", std::string()) == "SIGTERM" ? SIGTERM : SIGINT;
    const auto& h = j.at("histograms");
    if (h.value("unit", std::string()) != "us")
      return fail(Errc::bad_argument, "histograms.unit is not \"us\" (microseconds)");
    for (const auto& named : kResultHistograms) {  // r's are still empty: their settings
      auto hist = histogram_field(h, named.name, r.*named.member);
      if (!hist) return std::unexpected(hist.error());
      r.*named.member = std::move(*hist);
    }
    if (j.contains("connection")) {
      const auto& c = j.at("connection");
      r.protocol = c.value("protocol", std::string());
      r.tls_version = c.value("tls_version", std::string());
      r.cipher = c.value("cipher", std::string());
    }
    if (j.contains("timeline")) {
      r.timeline = timeline_from_json(j.at("timeline"));
      const auto& stop = j.at("timeline").value("stop_s", ordered_json(nullptr));
      if (stop.is_number()) r.stop_s = stop.get<double>();
    }
    if (auto c = check_consistent(r); !c) return std::unexpected(c.error());
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
  // In doubles: two int64 times read from files may be further apart than int64 holds.
  double apart_ms =
      std::abs(static_cast<double>(a.second.start_ms) - static_cast<double>(b.second.start_ms));
  if (apart_ms > 1000)
    a.second.warnings.push_back(
        fmt::format("shards started {:.1f} s apart: their windows overlap only in part "
                    "(use the same --start-at)",
                    apart_ms / 1000.0));
  auto& shards = a.second.merged_shards;
  shards.insert(shards.end(), b.second.merged_shards.begin(), b.second.merged_shards.end());
  std::sort(shards.begin(), shards.end());
  a.second.start_ms = std::min(a.second.start_ms, b.second.start_ms);
  a.second.end_ms = std::max(a.second.end_ms, b.second.end_ms);
  return {};
}

std::vector<int> missing_shards(const RunInfo& info) {
  std::vector<int> missing;
  for (int i = 0; i < info.shard_count; ++i)
    if (std::find(info.merged_shards.begin(), info.merged_shards.end(), i) ==
        info.merged_shards.end())
      missing.push_back(i);
  return missing;
}

}  // namespace sluice::bench
