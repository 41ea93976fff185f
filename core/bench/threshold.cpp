#include "core/bench/threshold.hpp"

#include <cmath>

#include "core/util/no_libm.hpp"

namespace sluice::bench {

namespace {

using Metric = Threshold::Metric;
using Op = Threshold::Op;

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

Result<double> number(std::string_view s, std::string_view whole) {
  auto v = whole_decimal(s);
  if (!v || !std::isfinite(*v) || *v < 0)
    return fail(Errc::bad_argument, fmt::format("--fail-if '{}': '{}' is not a number", whole, s));
  return *v;
}

bool is_latency(Metric m) {
  return m == Metric::percentile || m == Metric::mean || m == Metric::max;
}

Result<Threshold> parse_metric(std::string_view name, Threshold t, std::string_view whole) {
  if (name == "mean") {
    t.metric = Metric::mean;
  } else if (name == "max") {
    t.metric = Metric::max;
  } else if (name == "errors") {
    t.metric = Metric::errors;
  } else if (name == "rps") {
    t.metric = Metric::rps;
  } else if (name == "requests") {
    t.metric = Metric::requests;
  } else if (name.size() > 1 && name[0] == 'p') {
    auto p = number(name.substr(1), whole);
    if (!p || *p <= 0 || *p > 100)
      return fail(Errc::bad_argument,
                  fmt::format("--fail-if '{}': percentile '{}' must be in (0, 100]", whole, name));
    t.metric = Metric::percentile;
    t.percentile = *p;
  } else {
    return fail(Errc::bad_argument,
                fmt::format("--fail-if '{}': unknown metric '{}' (pNN, mean, max, errors, rps, "
                            "requests)",
                            whole, name));
  }
  return t;
}

// The value with its unit: latencies in microseconds, error shares as fractions.
Result<double> parse_value(std::string_view v, Threshold& t, std::string_view whole) {
  double scale = 1;
  if (is_latency(t.metric)) {
    scale = 1000;  // a bare number is milliseconds
    for (auto [suffix, s] : {std::pair{"us", 1.0}, {"ms", 1000.0}, {"s", 1e6}})
      if (v.ends_with(suffix)) {
        v.remove_suffix(std::string_view(suffix).size());
        scale = s;
        break;
      }
  } else if (t.metric == Metric::errors && v.ends_with('%')) {
    v.remove_suffix(1);
    t.metric = Metric::error_rate;
    scale = 0.01;
  }
  auto n = number(v, whole);
  if (!n) return std::unexpected(n.error());
  return *n * scale;
}

Result<Threshold> parse_one(std::string_view text) {
  Threshold t{};
  t.text = std::string(text);
  std::size_t at = text.find_first_of("<>");
  if (at == std::string_view::npos || at == 0)
    return fail(Errc::bad_argument,
                fmt::format("--fail-if '{}': expected METRIC>VALUE or METRIC<VALUE", text));
  bool greater = text[at] == '>';
  bool equal = at + 1 < text.size() && text[at + 1] == '=';
  t.op = greater ? (equal ? Op::ge : Op::gt) : (equal ? Op::le : Op::lt);
  auto metric = parse_metric(trim(text.substr(0, at)), t, text);
  if (!metric) return metric;
  t = *metric;
  auto value = parse_value(trim(text.substr(at + (equal ? 2 : 1))), t, text);
  if (!value) return std::unexpected(value.error());
  t.value = *value;
  return t;
}

// The metric's value in the results (latencies in microseconds).
double measured(const Threshold& t, const Results& r, bool open_model) {
  const Histogram& h = open_model ? r.latency_corrected : r.latency;
  const Counters& k = r.counters;
  uint64_t status_errors = k.errors[static_cast<size_t>(ErrorKind::status)];
  uint64_t attempts = k.requests + (k.error_total() - status_errors);
  switch (t.metric) {
    case Metric::percentile:
      return static_cast<double>(h.value_at_percentile(t.percentile));
    case Metric::mean:
      return h.mean();
    case Metric::max:
      return static_cast<double>(h.max());
    case Metric::errors:
      return static_cast<double>(k.error_total());
    case Metric::error_rate:
      return attempts ? static_cast<double>(k.error_total()) / static_cast<double>(attempts) : 0;
    case Metric::rps:
      return r.window_s > 0 ? static_cast<double>(k.requests) / r.window_s : 0;
    case Metric::requests:
      return static_cast<double>(k.requests);
  }
  return 0;
}

std::string shown(const Threshold& t, double v) {
  if (is_latency(t.metric)) {
    if (v < 1000) return fmt::format("{:.0f}us", v);
    if (v < 1e6) return fmt::format("{:.2f}ms", v / 1000);
    return fmt::format("{:.2f}s", v / 1e6);
  }
  if (t.metric == Metric::error_rate) return fmt::format("{:.2f}%", v * 100);
  if (t.metric == Metric::rps) return fmt::format("{:.1f}/s", v);
  return fmt::format("{:.0f}", v);
}

}  // namespace

Result<std::vector<Threshold>> parse_thresholds(const std::string& spec) {
  std::vector<Threshold> out;
  std::string_view rest = spec;
  for (bool more = !spec.empty(); more;) {
    std::size_t comma = rest.find(',');
    std::string_view one = trim(rest.substr(0, comma));
    more = comma != std::string_view::npos;
    if (more) rest.remove_prefix(comma + 1);
    if (one.empty())
      return fail(Errc::bad_argument, fmt::format("--fail-if '{}': empty condition", spec));
    auto t = parse_one(one);
    if (!t) return std::unexpected(t.error());
    out.push_back(std::move(*t));
  }
  if (out.empty()) return fail(Errc::bad_argument, "--fail-if: no condition given");
  return out;
}

std::vector<std::string> failed_thresholds(const std::vector<Threshold>& ts, const Results& r,
                                           bool open_model) {
  std::vector<std::string> failed;
  for (const auto& t : ts) {
    double v = measured(t, r, open_model);
    bool holds = t.op == Op::gt   ? v > t.value
                 : t.op == Op::ge ? v >= t.value
                 : t.op == Op::lt ? v < t.value
                                  : v <= t.value;
    if (holds) failed.push_back(fmt::format("{} (measured {})", t.text, shown(t, v)));
  }
  return failed;
}

}  // namespace sluice::bench
