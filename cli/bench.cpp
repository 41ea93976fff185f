// `sluice bench`: the load generator's options, its text and JSON reports, and
// `sluice bench merge` for results of several shards or machines.
#include "core/bench/bench.hpp"

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "cli/bench_report.hpp"
#include "cli/commands.hpp"
#include "cli/duration_arg.hpp"
#include "cli/exit_codes.hpp"
#include "cli/http_version_arg.hpp"
#include "core/bench/result_json.hpp"

namespace sluice::cli {

struct BenchArgs {
  std::vector<std::string> urls, headers;
  int connections = 10, threads = 0, max_streams = 0;
  uint64_t requests = 0;
  std::string duration, warmup, timeout = "10s", data, method = "GET", json, shard, cacert;
  double rate = 0;
  int64_t start_at = 0;
  bool http11 = false, http2 = false, http2_prior = false, no_keepalive = false, insecure = false;
};

namespace {

CommandSpec bench_spec(BenchArgs& a) {
  CommandSpec s;
  s.name = "bench";
  s.usage = "sluice bench [OPTIONS] URL...   |   sluice bench merge FILE.json...";
  s.summary =
      "HTTP/1.1 and HTTP/2 load generator: closed and open models, HDR latency, mergeable JSON.";
  s.description =
      "Closed model (default): each connection keeps -m requests in flight and sends the next as "
      "soon as one completes. Open model (--rate): requests fall due at fixed intervals whatever "
      "the server does; latency is reported from when each was due (coordinated omission "
      "corrected, like wrk2) and from when it was sent. One event loop per thread, connections "
      "spread over them, nothing shared while running. Several URLs (one origin) are used "
      "round-robin. `sluice bench merge A.json B.json...` adds results of shards exactly.";
  s.options = {
      value("urls", "URL", "URLs to load (or: merge FILE...)", a.urls),
      value("-c,--connections", "N", "Connections in all (default 10)", a.connections),
      value("-t,--threads", "N", "Threads, one event loop each (default: the number of cores)",
            a.threads),
      value("-m,--max-concurrent-streams", "N",
            "Requests in flight per connection: h2 streams (default 10), h1 pipelining depth "
            "(default 1)",
            a.max_streams),
      value("-n,--requests", "N", "Total requests to send (across threads)", a.requests),
      value("-d,--duration", "TIME", "How long to measure: 10s, 1m, 500ms (default 10s unless -n)",
            a.duration),
      value("--warmup", "TIME", "Load sent before measuring starts (not reported)", a.warmup),
      value("--rate", "R", "Open model: R requests per second in total", a.rate),
      flag("--http1.1", "HTTP/1.1 only", a.http11),
      flag("--http2", "HTTP/2 where the server agrees by ALPN (the default for https)", a.http2),
      flag("--http2-prior-knowledge", "HTTP/2 without negotiation (h2c on http)", a.http2_prior),
      value("-H,--header", "LINE", "Extra request header; repeatable", a.headers),
      value("-X,--request", "METHOD", "Request method (default GET)", a.method),
      value("--data", "DATA", "Request body; @FILE reads a file", a.data),
      flag("--no-keepalive", "A new connection for every request (Connection: close)",
           a.no_keepalive),
      value("--timeout", "TIME", "Per-request timeout (default 10s)", a.timeout),
      flag("-k,--insecure", "Do not verify the server certificate", a.insecure),
      value("--cacert", "FILE", "Trust the CA certificates in FILE", a.cacert, true),
      value("--json", "FILE", "Write the results as JSON to FILE ('-' for stdout)", a.json, true),
      value("--shard", "I/N",
            "Run share I (0-based) of N of a distributed test: its part of -c, -n and --rate",
            a.shard),
      value("--start-at", "EPOCH",
            "Start at this Unix time (seconds), so that all shards start together", a.start_at),
  };
  s.extra_sections = {
      {"Distributed runs",
       "Run the same command on N machines (or pods) with --shard 0/N ... --shard N-1/N and the "
       "same\n"
       "--start-at, each with --json, then: sluice bench merge shard-*.json --json all.json\n"
       "Merging sums the counters and adds the histograms exactly; it refuses results whose\n"
       "configuration hash or histogram settings differ. bench-scripts/k8s/ has an Indexed Job."},
      {"Exit codes",
       "0 the run completed (errors are counted in the report), 2 bad flags, 3 bad URL,\n"
       "6/7/28/35/60 the target could not be reached before any load was sent (curl's numbers)."}};
  return s;
}

Result<std::string> load_data(const std::string& arg) {
  if (!arg.starts_with('@')) return arg;
  std::ifstream f(arg.substr(1), std::ios::binary);
  if (!f) return fail(Errc::read_failed, fmt::format("cannot read {}", arg.substr(1)));
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

Result<bench::Config> make_config(const BenchArgs& a) {
  bench::Config c;
  c.urls = a.urls;
  c.connections = a.connections;
  c.threads = a.threads > 0 ? a.threads
                            : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  c.max_streams = a.max_streams;
  if (a.requests > 0) c.requests = a.requests;
  auto dur = [](const std::string& s, const char* flag) -> Result<Millis> {
    if (s.empty()) return Millis(0);
    auto d = parse_duration(s);
    if (!d)
      return fail(Errc::bad_argument,
                  fmt::format("{}: bad duration '{}' (e.g. 10s, 1m, 500ms)", flag, s));
    return *d;
  };
  auto d = dur(a.duration, "--duration");
  auto w = dur(a.warmup, "--warmup");
  auto t = dur(a.timeout, "--timeout");
  if (!d) return std::unexpected(d.error());
  if (!w) return std::unexpected(w.error());
  if (!t) return std::unexpected(t.error());
  c.duration = *d;
  c.warmup = *w;
  c.timeout = *t;
  if (c.duration.count() == 0 && !c.requests && a.duration.empty() && a.rate <= 0)
    c.duration = Millis(10000);
  c.rate = a.rate;
  auto version = http_version_arg(a.http11, a.http2, a.http2_prior);
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
  if (!a.shard.empty()) {
    int i = 0, n = 0;
    char slash = 0;
    std::istringstream in(a.shard);
    if (!(in >> i >> slash >> n) || slash != '/' || !in.eof())
      return fail(Errc::bad_argument, fmt::format("--shard '{}': expected I/N, e.g. 0/4", a.shard));
    c.shard_index = i;
    c.shard_count = n;
  }
  if (a.start_at > 0) c.start_at_ms = a.start_at * 1000;
  return c;
}

int64_t now_ms() {
  return std::chrono::duration_cast<Millis>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int write_json(const std::string& path, const std::string& text) {
  if (path.empty()) return 0;
  if (path == "-") {
    fmt::print("{}", text);
    return 0;
  }
  std::ofstream f(path);
  f << text;
  if (!f) {
    fmt::print(stderr, "sluice bench: cannot write {}\n", path);
    return 23;
  }
  return 0;
}

int run_merge(const BenchArgs& a) {
  std::vector<std::string> files(a.urls.begin() + 1, a.urls.end());
  if (files.empty()) {
    fmt::print(stderr, "sluice bench merge: give the JSON files to merge\n");
    return 2;
  }
  std::optional<std::pair<bench::Results, bench::RunInfo>> total;
  for (const auto& f : files) {
    std::ifstream in(f);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto run = bench::from_json(text);
    if (!in || !run) {
      fmt::print(stderr, "sluice bench merge: {}: {}\n", f,
                 run ? "cannot read" : run.error().message);
      return 2;
    }
    if (!total) {
      total = std::move(*run);
    } else if (auto m = bench::merge_runs(*total, *run); !m) {
      fmt::print(stderr, "sluice bench merge: {}: {}\n", f, m.error().message);
      return 2;
    }
  }
  bench::Config shown;
  auto cfg = nlohmann::json::parse(total->second.config_json);
  shown.urls = cfg["urls"].get<std::vector<std::string>>();
  shown.connections = cfg["connections"].get<int>();
  shown.rate = cfg["rate"].get<double>();
  shown.threads = 0;
  if (a.json != "-") fmt::print("{}", render_bench_report(shown, total->first));
  return write_json(a.json, bench::to_json(total->first, total->second));
}

int run_bench(BenchArgs& a) {
  if (!a.urls.empty() && a.urls.front() == "merge") return run_merge(a);
  auto cfg = make_config(a);
  if (!cfg) return print_coded_failure("sluice bench", cfg.error());
  bench::Callbacks cb;
  bool tty = ::isatty(STDERR_FILENO);
  if (tty)
    cb.live = [](const bench::LiveReport& l) {
      fmt::print(stderr, "\r  {:6.1f}s {}{:>10} req/s {:>8} errors  p50 {:>9}  p99 {:>9}   ",
                 l.elapsed_s, l.warming_up ? "(warm-up) " : "", static_cast<uint64_t>(l.rate),
                 l.errors, format_us(l.p50_us), format_us(l.p99_us));
    };
  int64_t start = now_ms();
  auto res = bench::run(*cfg, cb);
  if (tty) fmt::print(stderr, "\r{:80}\r", "");
  if (!res) return print_coded_failure("sluice bench", res.error());
  if (a.json != "-") fmt::print("{}", render_bench_report(*cfg, *res));
  bench::RunInfo info{bench::canonical_config(*cfg),
                      bench::config_hash(*cfg),
                      cfg->shard_index,
                      cfg->shard_count,
                      cfg->start_at_ms.value_or(start),
                      now_ms(),
                      {}};
  return write_json(a.json, bench::to_json(*res, info));
}

}  // namespace

Command bench_command() {
  return make_command(bench_spec, run_bench);
}

}  // namespace sluice::cli
