#include "cli/bench_args.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include "cli/duration_arg.hpp"
#include "cli/http_version_arg.hpp"
#include "core/loop/loop.hpp"  // Millis
#include "core/util/no_libm.hpp"

namespace sluice::cli {

namespace {

Result<std::string> load_data(const std::string& arg) {
  if (!arg.starts_with('@')) return arg;
  std::ifstream f(arg.substr(1), std::ios::binary);
  if (!f) return fail(Errc::read_failed, fmt::format("cannot read {}", arg.substr(1)));
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

// A whole number >= min, or a one-line reason.
Result<uint64_t> count_arg(const std::string& s, const char* flag, uint64_t min) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty())
    return fail(Errc::bad_argument, fmt::format("{} '{}': expected a whole number", flag, s));
  if (v < min) return fail(Errc::bad_argument, fmt::format("{} must be at least {}", flag, min));
  return v;
}

// A duration; `positive` refuses 0 (a 0 s run or timeout means nothing).
Result<Millis> duration_arg(const std::string& s, const char* flag, bool positive) {
  auto d = parse_duration(s);
  if (!d)
    return fail(Errc::bad_argument,
                fmt::format("{}: bad duration '{}' (e.g. 10s, 1m, 500ms)", flag, s));
  if (positive && d->count() <= 0)
    return fail(Errc::bad_argument, fmt::format("{} must be longer than 0", flag));
  return *d;
}

Result<double> rate_arg(const std::string& s) {
  auto v = whole_decimal(s);
  if (!v || !std::isfinite(*v))
    return fail(Errc::bad_argument, fmt::format("--rate '{}': expected requests per second", s));
  if (*v <= 0)
    return fail(Errc::bad_argument, "--rate must be above 0 (leave it out for the closed model)");
  return *v;
}

Result<void> shard_arg(const std::string& s, bench::BenchConfig& c) {
  int i = 0, n = 0;
  char slash = 0;
  std::istringstream in(s);
  if (!(in >> i >> slash >> n) || slash != '/' || !in.eof())
    return fail(Errc::bad_argument, fmt::format("--shard '{}': expected I/N, e.g. 0/4", s));
  c.shard_index = i;
  c.shard_count = n;
  return {};
}

Result<void> load_numbers(const BenchArgs& a, bench::BenchConfig& c) {
  if (!a.requests.empty()) {
    auto n = count_arg(a.requests, "-n/--requests", 1);
    if (!n) return std::unexpected(n.error());
    c.requests = *n;
  }
  if (!a.max_streams.empty()) {
    auto m = count_arg(a.max_streams, "-m/--max-concurrent-streams", 1);
    if (!m) return std::unexpected(m.error());
    if (*m > 1'000'000)
      return fail(Errc::bad_argument, "-m/--max-concurrent-streams is at most 1000000");
    c.max_streams = static_cast<int>(*m);
  }
  if (!a.rate.empty()) {
    auto r = rate_arg(a.rate);
    if (!r) return std::unexpected(r.error());
    c.rate = *r;
  }
  return {};
}

Result<void> load_durations(const BenchArgs& a, bench::BenchConfig& c) {
  if (!a.duration.empty()) {
    auto d = duration_arg(a.duration, "-d/--duration", true);
    if (!d) return std::unexpected(d.error());
    c.duration = *d;
  } else if (!c.requests && !c.open_model()) {
    c.duration = Millis(10000);
  }
  if (!a.warmup.empty()) {
    auto w = duration_arg(a.warmup, "--warmup", false);
    if (!w) return std::unexpected(w.error());
    c.warmup = *w;
  }
  auto t = duration_arg(a.timeout, "--timeout", true);
  if (!t) return std::unexpected(t.error());
  c.timeout = *t;
  auto g = duration_arg(a.grace, "--grace", false);
  if (!g) return std::unexpected(g.error());
  c.grace = *g;
  return {};
}

}  // namespace

Result<bench::BenchConfig> make_bench_config(const BenchArgs& a) {
  bench::BenchConfig c;
  c.urls = a.urls;
  c.connections = a.connections;
  c.threads = a.threads > 0 ? a.threads
                            : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (auto r = load_numbers(a, c); !r) return std::unexpected(r.error());
  if (auto r = load_durations(a, c); !r) return std::unexpected(r.error());
  auto version = http_version_arg({a.http11, a.http2, a.http2_prior, a.http3, a.http3_only});
  if (!version) return std::unexpected(version.error());
  c.http_version = *version;
  c.method = a.method;
  c.headers = a.headers;
  if (!a.data.empty()) {
    auto body = load_data(a.data);
    if (!body) return std::unexpected(body.error());
    c.data = std::move(*body);
    if (c.method == "GET") c.method = "POST";
  }
  c.keepalive = !a.no_keepalive;
  c.tls.verify = !a.insecure;
  c.tls.ca_file = a.cacert;
  if (!a.shard.empty())
    if (auto r = shard_arg(a.shard, c); !r) return std::unexpected(r.error());
  if (a.start_at > 0) c.start_at_ms = a.start_at * 1000;
  return c;
}

}  // namespace sluice::cli
