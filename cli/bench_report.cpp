#include "cli/bench_report.hpp"

#include <fmt/format.h>
#include <signal.h>

#include <algorithm>
#include <cmath>

#include "core/bench/bench.hpp"
#include "core/util/no_libm.hpp"

namespace sluice::cli {

std::string format_us(int64_t us) {
  if (us < 1000) return fmt::format("{}us", us);
  if (us < 1000000) return fmt::format("{:.2f}ms", us / 1000.0);
  return fmt::format("{:.2f}s", us / 1e6);
}

namespace {

std::string bytes_text(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int i = 0;
  while (b >= 1024 && i < 4) {
    b /= 1024;
    ++i;
  }
  return fmt::format("{:.2f} {}", b, units[i]);
}

std::string latency_block(const char* title, const bench::Histogram& h) {
  if (h.total_count() == 0) return fmt::format("  {}: no samples\n", title);
  std::string out = fmt::format(
      "  {}: mean {}, stdev {}, min {}, max {}\n", title, format_us(static_cast<int64_t>(h.mean())),
      format_us(static_cast<int64_t>(h.stdev())), format_us(h.min()), format_us(h.max()));
  out += "   ";
  for (double p : {50.0, 75.0, 90.0, 99.0, 99.9, 99.99})
    out += fmt::format(" p{:<5} {:>9}", p, format_us(h.value_at_percentile(p)));
  return out + "\n";
}

// Samples with values in [lo, hi).
uint64_t count_between(const bench::Histogram& h, int64_t lo, int64_t hi) {
  if (hi <= lo) return 0;
  auto counts = h.counts();
  int from = h.index_of(std::min(lo, h.highest()));
  int to = h.index_of(std::min(hi, h.highest()));
  int64_t n = 0;
  for (int i = from; i < to && i < static_cast<int>(counts.size()); ++i)
    n += counts[static_cast<size_t>(i)];
  if (hi > h.highest()) n += counts[static_cast<size_t>(to)];
  return static_cast<uint64_t>(n);
}

// Log-spaced buckets between min and max, one bar each.
std::string terminal_histogram(const bench::Histogram& h) {
  if (h.total_count() == 0) return "";
  constexpr int kRows = 12, kWidth = 50;
  double lo = std::max<double>(1, h.min()), hi = std::max<double>(lo * 1.01, h.max());
  double step = nth_root(hi / lo, kRows);
  std::vector<uint64_t> rows(kRows);
  uint64_t peak = 1;
  double edge = lo;
  for (int i = 0; i < kRows; ++i) {
    double next = i == kRows - 1 ? hi + 1 : edge * step;
    rows[static_cast<size_t>(i)] =
        count_between(h, static_cast<int64_t>(edge), static_cast<int64_t>(next));
    peak = std::max(peak, rows[static_cast<size_t>(i)]);
    edge = next;
  }
  std::string out = "  latency histogram (from send):\n";
  edge = lo;
  for (int i = 0; i < kRows; ++i) {
    auto n = rows[static_cast<size_t>(i)];
    int bar =
        static_cast<int>(std::llround(static_cast<double>(n) * kWidth / static_cast<double>(peak)));
    out += fmt::format("  {:>9} {:<{}} {}\n", format_us(static_cast<int64_t>(edge)),
                       std::string(static_cast<size_t>(bar), '#'), kWidth, n);
    edge *= step;
  }
  return out;
}

}  // namespace

namespace {

std::string rate_text(double r) {
  return r >= 100 ? fmt::format("{:.0f}", r) : fmt::format("{:.3g}", r);
}

// What was run: the threads and connections actually used, this shard's share.
std::string header_line(const bench::BenchConfig& cfg, const bench::Results& r,
                        const ReportContext& ctx) {
  std::string model = cfg.open_model()
                          ? fmt::format("open model, {}/s requested", rate_text(ctx.requested_rate))
                          : "closed model";
  std::string shard;
  if (!ctx.merged_shards.empty())
    shard = fmt::format(", merge of {} of {} shards", ctx.merged_shards.size(), cfg.shard_count);
  else if (cfg.shard_count > 1)
    shard = fmt::format(", shard {}/{}: {} of {} connections", cfg.shard_index, cfg.shard_count,
                        r.connections, cfg.connections);
  std::string out = fmt::format("sluice bench: {} ({} connections, {} threads, {}{})\n",
                                cfg.urls.front(), r.connections, r.threads, model, shard);
  if (r.partial())
    out += fmt::format("  PARTIAL: stopped by {} before the end\n",
                       r.stopped_by == SIGTERM ? "SIGTERM" : "SIGINT");
  return out;
}

// Open model: whether requests went out when due, and if not, whose fault.
std::string schedule_lines(const bench::Results& r, double requested) {
  const auto& k = r.counters;
  double window = std::max(r.window_s, 1e-9);
  double achieved = k.requests / window, sent = k.sent / window;
  std::string out = fmt::format("  rate: requested {}/s, sent {:.1f}/s, achieved {:.1f}/s\n",
                                rate_text(requested), sent, achieved);
  int64_t lag99 = r.send_lag.value_at_percentile(99), lag_max = r.send_lag.max();
  bool late = r.send_lag.total_count() > 0 && lag99 > 1000;
  bool waited = k.waited * 100 > k.sent;  // over 1 % found no free connection
  if (waited)
    out += fmt::format(
        "  BEHIND: the target did not keep up: {} of {} requests waited for a free connection "
        "(send lag p99 {}, max {})\n",
        k.waited, k.sent, format_us(lag99), format_us(lag_max));
  else if (late)
    out += fmt::format(
        "  BEHIND: the generator sent late (send lag p99 {}, max {}): give it more threads or "
        "shards\n",
        format_us(lag99), format_us(lag_max));
  else if (r.send_lag.total_count() > 0)
    out += fmt::format("  send lag: p99 {}, max {}\n", format_us(lag99), format_us(lag_max));
  return out;
}

std::string percentiles(const bench::Histogram& h) {
  return fmt::format("p50 {}, p99 {}, max {}", format_us(h.value_at_percentile(50)),
                     format_us(h.value_at_percentile(99)), format_us(h.max()));
}

// As h2load prints them: what was negotiated, and the cost of new connections.
std::string connection_lines(const bench::Results& r) {
  const auto& k = r.counters;
  std::string out = fmt::format("  connections opened: {}", k.connections);
  if (!r.protocol.empty()) out += fmt::format(", {}", r.protocol);
  if (!r.tls_version.empty()) out += fmt::format(", {} {}", r.tls_version, r.cipher);
  out += "\n";
  if (r.setup_time.total_count()) out += fmt::format("    set-up {}\n", percentiles(r.setup_time));
  if (r.connect_time.total_count())
    out += fmt::format("    TCP connect {}\n", percentiles(r.connect_time));
  if (r.tls_time.total_count())
    out += fmt::format("    TLS handshake {}\n", percentiles(r.tls_time));
  if (r.first_response_time.total_count())
    out += fmt::format("    connect to first response {}\n", percentiles(r.first_response_time));
  return out;
}

std::string stop_lines(const bench::Results& r) {
  const auto& k = r.counters;
  std::string out;
  if (k.in_flight_at_stop || k.unsent)
    out += fmt::format(
        "  at the stop: {} in flight (not counted as completed or failed), {} due but never "
        "sent\n",
        k.in_flight_at_stop, k.unsent);
  if (k.retried)
    out += fmt::format(
        "  retried: {} requests the server closed on before processing them were sent again\n",
        k.retried);
  return out;
}

}  // namespace

std::string start_line(const bench::BenchConfig& cfg) {
  bench::Results planned;
  planned.connections =
      static_cast<int>(bench::shard_part(cfg.connections, cfg.shard_index, cfg.shard_count));
  planned.threads = std::min(cfg.threads, std::max(planned.connections, 1));
  ReportContext ctx;
  ctx.requested_rate = cfg.rate / cfg.shard_count;
  return header_line(cfg, planned, ctx);
}

std::string render_bench_report(const bench::BenchConfig& cfg, const bench::Results& r,
                                const ReportContext& ctx) {
  const auto& k = r.counters;
  double window = std::max(r.window_s, 1e-9);
  std::string out = header_line(cfg, r, ctx);
  out += fmt::format("  requests: {} in {:.2f}s, {:.1f}/s; {} transferred, {}/s\n", k.requests,
                     r.window_s, k.requests / window, bytes_text(static_cast<double>(k.bytes)),
                     bytes_text(k.bytes / window));
  if (cfg.open_model()) out += schedule_lines(r, ctx.requested_rate);
  out += stop_lines(r);
  out += latency_block("latency from send", r.latency);
  if (cfg.open_model()) out += latency_block("latency from due (corrected)", r.latency_corrected);
  out += terminal_histogram(r.latency);
  out += "  status:";
  for (auto [code, n] : k.status) out += fmt::format(" {}: {}", code, n);
  out += k.status.empty() ? " none\n" : "\n";
  out += "  errors:";
  for (size_t i = 0; i < k.errors.size(); ++i) {
    auto kind = static_cast<bench::ErrorKind>(i);
    // The QUIC and HTTP/3 kinds only where they can happen (or did).
    bool h3_kind = kind == bench::ErrorKind::quic || kind == bench::ErrorKind::h3;
    if (h3_kind && k.errors[i] == 0 && r.protocol != "h3" && r.protocol != "mixed") continue;
    out += fmt::format(" {} {}", bench::error_kind_name(kind), k.errors[i]);
  }
  out += fmt::format("\n");
  out += connection_lines(r);
  double cpu = r.cpu_user_s + r.cpu_sys_s;
  out += fmt::format(
      "  generator CPU: {:.2f}s user + {:.2f}s system = {:.0f}% of a core; {:.2f} us per request\n",
      r.cpu_user_s, r.cpu_sys_s, 100 * cpu / window,
      k.requests ? cpu * 1e6 / static_cast<double>(k.requests) : 0.0);
  return out;
}

}  // namespace sluice::cli
