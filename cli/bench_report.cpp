#include "cli/bench_report.hpp"

#include <fmt/format.h>

#include <cmath>

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
  double step = std::pow(hi / lo, 1.0 / kRows);
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

std::string render_bench_report(const bench::Config& cfg, const bench::Results& r) {
  const auto& k = r.counters;
  double wall = std::max(r.wall_s, 1e-9);
  std::string out;
  out += fmt::format(
      "sluice bench: {} ({} connections, {} threads, {}{})\n", cfg.urls.front(), cfg.connections,
      cfg.threads,
      cfg.open_model() ? fmt::format("open model, {}/s requested", cfg.rate) : "closed model",
      cfg.shard_count > 1 ? fmt::format(", shard {}/{}", cfg.shard_index, cfg.shard_count) : "");
  out += fmt::format("  requests: {} in {:.2f}s, {:.1f}/s; {} transferred, {}/s\n", k.requests,
                     wall, k.requests / wall, bytes_text(static_cast<double>(k.bytes)),
                     bytes_text(k.bytes / wall));
  if (cfg.open_model()) {
    double achieved = k.requests / wall;
    out += fmt::format(
        "  rate: requested {:.0f}/s, achieved {:.1f}/s{}\n", cfg.rate / cfg.shard_count, achieved,
        achieved < 0.99 * cfg.rate / cfg.shard_count ? "  (the target did not keep up)" : "");
  }
  out += latency_block("latency from send", r.latency);
  if (cfg.open_model()) out += latency_block("latency from due (corrected)", r.latency_corrected);
  out += terminal_histogram(r.latency);
  out += "  status:";
  for (auto [code, n] : k.status) out += fmt::format(" {}: {}", code, n);
  out += k.status.empty() ? " none\n" : "\n";
  out += "  errors:";
  for (size_t i = 0; i < k.errors.size(); ++i)
    out += fmt::format(" {} {}", bench::error_kind_name(static_cast<bench::ErrorKind>(i)),
                       k.errors[i]);
  out += fmt::format("\n  connections opened: {}\n", k.connections);
  double cpu = r.cpu_user_s + r.cpu_sys_s;
  out += fmt::format(
      "  generator CPU: {:.2f}s user + {:.2f}s system = {:.0f}% of a core; {:.2f} us per request\n",
      r.cpu_user_s, r.cpu_sys_s, 100 * cpu / wall,
      k.requests ? cpu * 1e6 / static_cast<double>(k.requests) : 0.0);
  return out;
}

}  // namespace sluice::cli
