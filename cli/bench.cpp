// `sluice bench`: the load generator's options, its text and JSON reports,
// `sluice bench merge` for results of several shards or machines, and
// `sluice bench report` for an HTML page of charts of several results.
#include "core/bench/bench.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "cli/bench_args.hpp"
#include "cli/bench_html.hpp"
#include "cli/bench_report.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/option_binders.hpp"
#include "core/bench/histogram_spectrum.hpp"
#include "core/bench/result_json.hpp"
#include "core/bench/threshold.hpp"
#include "core/loop/loop.hpp"  // Millis

namespace sluice::cli {

namespace {

CommandSpec bench_spec(BenchArgs& a) {
  CommandSpec s;
  s.name = "bench";
  s.usage =
      "sluice bench [OPTIONS] URL...   |   sluice bench merge FILE.json...   |   "
      "sluice bench report FILE.json... -o FILE.html";
  s.summary =
      "HTTP/1.1, HTTP/2 and HTTP/3 load generator: closed and open models, HDR latency, mergeable "
      "JSON.";
  s.description =
      "Closed model (default): each connection keeps -m requests in flight and sends the next as "
      "soon as one completes. Open model (--rate): requests fall due at fixed intervals whatever "
      "the server does, from when the connections are set up (at most 2 s after the start, as "
      "wrk2 starts its clock once connected); latency is reported from when each was due "
      "(coordinated omission corrected, like wrk2) and from when it was sent. One event loop per "
      "thread, connections spread over them, nothing shared while running. Several URLs (one "
      "origin) are used round-robin. `sluice bench merge A.json B.json...` adds results of shards "
      "exactly. `sluice bench report A.json B.json... -o report.html` draws them in one "
      "self-contained HTML page: latency by percentile, corrected vs uncorrected, requests and "
      "errors over time.";
  s.options = {
      value("urls", "URL", "URLs to load (or: merge FILE..., report FILE...)", a.urls),
      value("-c,--connections", "N", "Connections in all (default 10)", a.connections),
      value("-t,--threads", "N", "Threads, one event loop each (default: the number of cores)",
            a.threads),
      value("-m,--max-concurrent-streams", "N",
            "Requests in flight per connection: h2 and h3 streams (default 10), h1 pipelining "
            "depth (default 1)",
            a.max_streams),
      value("-n,--requests", "N",
            "Total requests to complete (across threads; warm-up requests are extra)", a.requests),
      value("-d,--duration", "TIME",
            "How long to measure: 10s, 1m, 500ms (default 10s unless -n). Sending stops then; "
            "requests in flight get --grace",
            a.duration),
      value("--grace", "TIME",
            "After the stop, how long requests in flight may take before they are counted as "
            "'in flight at the stop' (default 1s)",
            a.grace),
      value("--warmup", "TIME", "Load sent before measuring starts (not reported)", a.warmup),
      value("--rate", "R", "Open model: R requests per second in total (may be fractional)",
            a.rate),
      flag("--http1.1", "HTTP/1.1 only", a.http11),
      flag("--http2", "HTTP/2 where the server agrees by ALPN (the default for https)", a.http2),
      flag("--http2-prior-knowledge", "HTTP/2 without negotiation (h2c on http)", a.http2_prior),
      flag("--http3",
           "HTTP/3 over QUIC on https, each connection falling back to TCP (h2, HTTP/1.1) if "
           "QUIC fails or is not connected after 200 ms",
           a.http3),
      flag("--http3-only", "HTTP/3 over QUIC only (https); -m streams per QUIC connection",
           a.http3_only),
      value("-H,--header", "LINE", "Extra request header; repeatable", a.headers),
      completes(value("-X,--request", "METHOD", "Request method (default GET)", a.method),
                {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"}),
      value("--data", "DATA", "Request body; @FILE reads a file", a.data),
      flag("--no-keepalive",
           "A new connection for every request (h1: Connection: close; h2: one stream each)",
           a.no_keepalive),
      value("--timeout", "TIME", "Per-request timeout (default 10s)", a.timeout),
      flag("-k,--insecure", "Do not verify the server certificate", a.insecure),
      value("--cacert", "FILE", "Trust the CA certificates in FILE", a.cacert, true),
      value("--json", "FILE",
            "Write the results as JSON to FILE ('-' for stdout; the report then goes to stderr)",
            a.json, true),
      value("--hgrm", "FILE",
            "Write the latency percentile distribution (HdrHistogram's .hgrm text, milliseconds; "
            "corrected latency in the open model) to FILE",
            a.hgrm, true),
      value("--fail-if", "COND",
            "Exit 99 if any condition holds, e.g. 'p99>50ms,errors>1%,rps<1000' (pNN, mean, max; "
            "errors as a count or %; rps; requests; > >= < <=)",
            a.fail_if),
      flag("--progress",
           "Print the live line once a second on stderr as its own line, also when stderr is "
           "not a terminal (CI logs)",
           a.progress),
      value("-o,--output", "FILE", "bench report: write the HTML page to FILE ('-' for stdout)",
            a.output, true),
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
      {"Honest numbers",
       "Every rate is over the measured window: first request sent to the last response, or to\n"
       "the stop if that came later -- never over the requested duration. At -d (or SIGINT/\n"
       "SIGTERM) nothing more is sent; requests in flight get --grace, then count as 'in flight\n"
       "at the stop'. In the open model the report says when requests went out late, and\n"
       "whether the target (no free connection) or the generator (CPU) was behind. Requests a\n"
       "server closed on unprocessed (Connection: close, GOAWAY) are sent again and counted as\n"
       "retried."},
      {"Progress line",
       "On a terminal (or with --progress, one line per second): seconds since the start,\n"
       "responses completed in the last second, errors so far, and p50/p99 latency from send\n"
       "so far, e.g.  '  12.0s      4321 req/s        0 errors  p50   1.20ms  p99   3.40ms'."},
      {"Exit codes",
       "0 the run completed (errors are counted in the report), 2 bad flags, 3 bad URL,\n"
       "6/7/28/35/60 the target could not be reached before any load was sent (curl's numbers),\n"
       "23 the --json/--hgrm file cannot be written (checked before the run), 99 a --fail-if\n"
       "condition held, 130 stopped by SIGINT, 143 stopped by SIGTERM (the partial report and\n"
       "JSON, marked partial, are still written)."}};
  return s;
}

int64_t now_ms() {
  return std::chrono::duration_cast<Millis>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// An output file (--json, --hgrm) opened before the run: a path that cannot
// be written fails in a second, not after a ten-minute test.
struct OutFile {
  std::string path;
  std::FILE* f = nullptr;
  ~OutFile() {
    if (f && f != stdout) std::fclose(f);
  }
  Result<void> open(const std::string& p) {
    path = p;
    if (p.empty()) return {};
    f = p == "-" ? stdout : std::fopen(p.c_str(), "w");
    if (!f)
      return fail(Errc::write_failed, fmt::format("cannot write {}: {}", p, std::strerror(errno)));
    return {};
  }
  // The run failed before it had results: leave no empty file behind.
  void discard() {
    if (!f || f == stdout) return;
    std::fclose(f);
    f = nullptr;
    std::remove(path.c_str());
  }
  int write(const std::string& text) {
    if (!f) return 0;
    bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size() && std::fflush(f) == 0;
    if (f != stdout) ok = std::fclose(f) == 0 && ok;
    f = nullptr;
    if (ok) return 0;
    fmt::print(stderr, "sluice bench: cannot write {}\n", path);
    return 23;
  }
};

// The report goes to stdout, or to stderr when stdout carries the JSON.
void print_report(const std::string& json_path, const std::string& text) {
  fmt::print(json_path == "-" ? stderr : stdout, "{}", text);
}

// A result file, whole; nullopt when it cannot be read.
std::optional<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in) return std::nullopt;
  return text;
}

int run_merge(const BenchArgs& a) {
  std::vector<std::string> files(a.urls.begin() + 1, a.urls.end());
  if (files.empty()) {
    fmt::print(stderr, "sluice bench merge: give the JSON files to merge\n");
    return 2;
  }
  std::optional<std::pair<bench::Results, bench::RunInfo>> total;
  for (const auto& f : files) {
    auto text = read_text_file(f);
    auto run = text ? bench::from_json(*text) : fail(Errc::read_failed, "cannot read");
    if (!run) {
      fmt::print(stderr, "sluice bench merge: {}: {}\n", f, run.error().message);
      return 2;
    }
    if (!total) {
      total = std::move(*run);
    } else if (auto m = bench::merge_runs(*total, *run); !m) {
      fmt::print(stderr, "sluice bench merge: {}: {}\n", f, m.error().message);
      return 2;
    }
  }
  auto& [results, info] = *total;
  for (const auto& w : info.warnings) fmt::print(stderr, "sluice bench merge: warning: {}\n", w);
  auto missing = bench::missing_shards(info);
  if (!missing.empty())
    fmt::print(stderr,
               "sluice bench merge: warning: shard(s) {} of {} missing: the totals cover {} of {} "
               "shards\n",
               fmt::join(missing, ", "), info.shard_count, info.merged_shards.size(),
               info.shard_count);
  bench::BenchConfig shown;
  auto cfg = nlohmann::json::parse(info.config_json);
  shown.urls = cfg["urls"].get<std::vector<std::string>>();
  shown.connections = cfg["connections"].get<int>();
  shown.rate = cfg["rate"].get<double>();
  shown.shard_count = info.shard_count;
  ReportContext ctx;
  // The rate the shards present were asked for, not the whole test's.
  ctx.requested_rate =
      shown.rate * static_cast<double>(info.merged_shards.size()) / std::max(1, info.shard_count);
  ctx.merged_shards = info.merged_shards;
  OutFile json;
  if (auto o = json.open(a.json); !o) return print_coded_failure("sluice bench merge", o.error());
  print_report(a.json, render_bench_report(shown, results, ctx));
  return json.write(bench::to_json(results, info));
}

void print_live(const bench::LiveReport& l, bool lines) {
  fmt::print(stderr, "{}  {:6.1f}s {}{:>10} req/s {:>8} errors  p50 {:>9}  p99 {:>9}{}",
             lines ? "" : "\r", l.elapsed_s, l.warming_up ? "(warm-up) " : "",
             static_cast<uint64_t>(l.rate), l.errors, format_us(l.p50_us), format_us(l.p99_us),
             lines ? "\n" : "   ");
}

// Exit code of a finished run: a signal first, then --fail-if, then output.
int finish_run(const BenchArgs& a, const bench::BenchConfig& cfg, const bench::Results& res,
               const std::vector<bench::Threshold>& thresholds, OutFile& json, OutFile& hgrm) {
  ReportContext ctx;
  ctx.requested_rate = cfg.rate / cfg.shard_count;
  print_report(a.json, render_bench_report(cfg, res, ctx));
  auto failed = bench::failed_thresholds(thresholds, res, cfg.open_model());
  for (const auto& f : failed) fmt::print(stderr, "sluice bench: --fail-if: {}\n", f);
  auto hash = bench::config_hash(cfg);
  if (!hash) {  // a broken install: the report stands, no result file can be made
    fmt::print(stderr, "sluice bench: {}\n", hash.error().message);
    return exit_code(hash.error().code);
  }
  bench::RunInfo info{
      bench::canonical_config(cfg), *hash, cfg.shard_index, cfg.shard_count, 0, 0, {}, {}};
  info.end_ms = now_ms();
  info.start_ms = info.end_ms - static_cast<int64_t>(res.wall_s * 1000);
  int written = json.write(bench::to_json(res, info));
  const auto& latency = cfg.open_model() ? res.latency_corrected : res.latency;
  int written_hgrm = hgrm.write(bench::format_percentile_distribution(latency, 1000.0));
  if (res.stopped_by) return res.stopped_by == SIGTERM ? 143 : 130;
  if (!failed.empty()) return 99;
  return written ? written : written_hgrm;
}

// Reads and checks every file before writing anything, so that bad input
// leaves no page behind; the page goes to a temporary name first, so that a
// failed write does not leave half a page either.
int run_report(const BenchArgs& a) {
  std::vector<std::string> files(a.urls.begin() + 1, a.urls.end());
  if (files.empty() || a.output.empty()) {
    fmt::print(stderr, "sluice bench report: {}\n",
               files.empty() ? "give the JSON files to draw"
                             : "-o FILE is required (the HTML page to write, '-' for stdout)");
    return 2;
  }
  auto labels = report_labels(files);
  std::vector<nlohmann::json> runs;
  for (size_t i = 0; i < files.size(); ++i) {
    auto text = read_text_file(files[i]);
    auto j = nlohmann::json::parse(text.value_or(""), nullptr, false);
    Result<nlohmann::json> run = fail(Errc::bad_argument, text ? "not JSON" : "cannot read");
    if (text && !j.is_discarded()) run = bench_page_run(j, labels[i]);
    if (!run) {
      fmt::print(stderr, "sluice bench report: {}: {}\n", files[i], run.error().message);
      return 2;
    }
    runs.push_back(std::move(*run));
  }
  std::string page = render_bench_html(runs);
  if (a.output == "-") {
    fmt::print("{}", page);
    return 0;
  }
  std::string partial = a.output + ".partial";
  std::ofstream out(partial);
  out << page;
  out.close();
  if (!out || std::rename(partial.c_str(), a.output.c_str()) != 0) {
    std::remove(partial.c_str());
    fmt::print(stderr, "sluice bench report: cannot write {}\n", a.output);
    return 23;
  }
  return 0;
}

int run_bench(BenchArgs& a) {
  if (!a.urls.empty() && a.urls.front() == "merge") return run_merge(a);
  if (!a.urls.empty() && a.urls.front() == "report") return run_report(a);
  if (!a.output.empty()) {
    fmt::print(stderr, "sluice bench: -o is for `sluice bench report` (results go to --json)\n");
    return 2;
  }
  auto cfg = make_bench_config(a);
  if (!cfg) return print_coded_failure("sluice bench", cfg.error());
  std::vector<bench::Threshold> thresholds;
  if (!a.fail_if.empty()) {
    auto t = bench::parse_thresholds(a.fail_if);
    if (!t) return print_coded_failure("sluice bench", t.error());
    thresholds = std::move(*t);
  }
  OutFile json, hgrm;
  if (auto o = json.open(a.json); !o) return print_coded_failure("sluice bench", o.error());
  if (auto o = hgrm.open(a.hgrm); !o) return print_coded_failure("sluice bench", o.error());
  bench::Callbacks cb;
  bool tty = ::isatty(STDERR_FILENO);
  if (tty || a.progress) {
    // What is about to run, above the live line (the report repeats it).
    fmt::print(stderr, "{}", start_line(*cfg));
    cb.live = [lines = !tty || a.progress](const bench::LiveReport& l) { print_live(l, lines); };
  }
  auto res = bench::run(*cfg, cb);
  if (tty && !a.progress) fmt::print(stderr, "\r{:80}\r", "");
  if (!res) {
    json.discard();
    hgrm.discard();
    return print_coded_failure("sluice bench", res.error());
  }
  return finish_run(a, *cfg, *res, thresholds, json, hgrm);
}

}  // namespace

Command bench_command() {
  return make_command(bench_spec, run_bench);
}

}  // namespace sluice::cli
