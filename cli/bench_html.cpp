#include "cli/bench_html.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <set>
#include <stdexcept>
#include <string_view>

#include "cli/bench_html_template.hpp"  // generated from cli/bench_html_template.html
#include "core/bench/result_json.hpp"

namespace sluice::cli {

using Json = nlohmann::json;

namespace {

constexpr std::string_view kDataMarker = "__SLUICE_BENCH_DATA__";

// A field the page needs is missing or of the wrong type; becomes the one-line error.
struct BadField : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The value at a dotted path ("summary.latency.p50_us"), or nullptr.
const Json* field_at(const Json& j, std::string_view path) {
  const Json* at = &j;
  for (size_t from = 0; from <= path.size();) {
    size_t dot = std::min(path.find('.', from), path.size());
    if (!at->is_object()) return nullptr;
    auto it = at->find(std::string(path.substr(from, dot - from)));
    if (it == at->end()) return nullptr;
    at = &*it;
    from = dot + 1;
  }
  return at;
}

const Json& need(const Json& j, std::string_view path, bool (Json::*is)() const noexcept,
                 const char* what) {
  const Json* v = field_at(j, path);
  if (!v || !(v->*is)()) throw BadField(fmt::format("{} is missing or not {}", path, what));
  return *v;
}

double number(const Json& j, std::string_view path) {
  return need(j, path, &Json::is_number, "a number").get<double>();
}

// A latency summary: the percentiles of the table and the spectrum of the charts,
// checked so that the page's script can trust them.
Json latency(const Json& j, const std::string& path) {
  Json out;
  for (const char* key :
       {"count", "mean_us", "p50_us", "p90_us", "p99_us", "p99_9_us", "p99_99_us", "max_us"})
    out[key] = need(j, path + "." + key, &Json::is_number, "a number");
  const Json& spectrum = need(j, path + ".spectrum", &Json::is_array, "an array");
  for (const Json& pt : spectrum)
    if (!pt.is_array() || pt.size() != 2 || !pt[0].is_number() || !pt[1].is_number())
      throw BadField(path + ".spectrum holds something other than [percentile, value] pairs");
  out["spectrum"] = spectrum;
  return out;
}

// The per-second timeline, optional: null when the file has none. In a second
// without completions the percentiles may be null.
Json timeline(const Json& j) {
  if (!j.contains("timeline") || j["timeline"].is_null()) return nullptr;
  Json out;
  out["interval_ms"] = need(j, "timeline.interval_ms", &Json::is_number, "a number");
  if (out["interval_ms"].get<double>() <= 0) throw BadField("timeline.interval_ms is not > 0");
  const Json* stop = field_at(j["timeline"], "stop_s");
  out["stop_s"] = stop && stop->is_number() ? *stop : Json(nullptr);
  out["points"] = Json::array();
  for (const Json& p : need(j, "timeline.points", &Json::is_array, "an array")) {
    Json pt;
    for (const char* key : {"t_s", "requests", "errors"})
      pt[key] = need(p, key, &Json::is_number, "a number in every timeline point");
    for (const char* key : {"p50_us", "p99_us"}) {
      const Json* v = field_at(p, key);
      pt[key] = v && v->is_number() ? *v : Json(nullptr);
    }
    out["points"].push_back(std::move(pt));
  }
  return out;
}

// What the page shows of one result file.
Json page_run(const std::string& label, const Json& j) {
  if (!j.is_object()) throw BadField("not a JSON object");
  int version = j.value("schema_version", 0);
  if (version != 1 && version != bench::kSchemaVersion)  // 1: before the timeline
    throw BadField(fmt::format("not a sluice bench result (schema_version 1 or {} expected)",
                               bench::kSchemaVersion));
  Json r;
  r["label"] = label;
  r["config"] = need(j, "config", &Json::is_object, "an object");
  for (const char* key : {"shard", "merged_shards", "start_ms"})
    r[key] = j.contains(key) ? j[key] : Json(nullptr);
  r["requests"] = need(j, "counters.requests", &Json::is_number, "a number");
  r["status"] = need(j, "counters.status", &Json::is_object, "an object");
  r["errors"] = need(j, "counters.errors", &Json::is_object, "an object");
  double errors = 0;
  for (const auto& [kind, n] : r["errors"].items()) errors += number(r["errors"], kind);
  r["errors_total"] = errors;
  // Newer files name the measured window itself (window_us); older ones have wall_us.
  double window_us = j.contains("window_us") ? number(j, "window_us") : number(j, "wall_us");
  r["window_s"] = window_us / 1e6;
  r["rate"] = window_us > 0 ? r["requests"].get<double>() * 1e6 / window_us : 0.0;
  r["latency"] = latency(j, "summary.latency");
  r["corrected"] = field_at(j, "summary.latency_corrected")
                       ? latency(j, "summary.latency_corrected")
                       : Json(nullptr);
  r["timeline"] = timeline(j);
  return r;
}

// JSON inside <script>: a "</script>" in a label or URL must not end the element.
// '<' occurs only inside JSON strings, where \u003c means the same.
std::string script_safe(const Json& data) {
  std::string text = data.dump(-1, ' ', false, Json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  for (char c : text) out += c == '<' ? std::string("\\u003c") : std::string(1, c);
  return out;
}

}  // namespace

Result<nlohmann::json> bench_page_run(const nlohmann::json& result, const std::string& label) {
  try {
    return page_run(label, result);
  } catch (const std::exception& e) {  // BadField, or one of json's own type errors
    return fail(Errc::bad_argument, e.what());
  }
}

std::string render_bench_html(const std::vector<nlohmann::json>& page_runs) {
  // CMakeLists.txt refuses a template without the marker (a static_assert on
  // it is not a constant expression under ASan with g++ 12).
  Json data = Json::object();
  data["runs"] = page_runs;
  std::string page(kBenchHtmlTemplate);
  page.replace(page.find(kDataMarker), kDataMarker.size(), script_safe(data));
  return page;
}

std::vector<std::string> report_labels(const std::vector<std::string>& paths) {
  std::vector<std::string> names;
  std::set<std::string> distinct;
  for (const auto& p : paths) {
    names.push_back(std::filesystem::path(p).filename().string());
    distinct.insert(names.back());
  }
  bool usable = distinct.size() == paths.size() && !distinct.contains("");
  return usable ? names : paths;
}

}  // namespace sluice::cli
