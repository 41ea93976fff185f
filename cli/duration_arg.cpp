#include "cli/duration_arg.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>

#include "core/util/no_libm.hpp"

namespace sluice::cli {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view s) {
  auto [v, p] = parse_decimal(s);
  if (p == s.data() || v < 0 || !std::isfinite(v)) return std::nullopt;
  std::string_view unit(p, static_cast<std::size_t>(s.data() + s.size() - p));
  double ms;
  if (unit.empty() || unit == "s")
    ms = v * 1000;
  else if (unit == "ms")
    ms = v;
  else if (unit == "m")
    ms = v * 60000;
  else if (unit == "h")
    ms = v * 3600000;
  else
    return std::nullopt;
  // Past this, llround overflows (1e45s made a negative duration), and
  // steady_clock's nanoseconds from now wrap long before: 100 years is "never".
  constexpr double kMaxMs = 100.0 * 365 * 24 * 3600 * 1000;
  if (ms > kMaxMs) return std::nullopt;
  return std::chrono::milliseconds(static_cast<long long>(std::llround(ms)));
}

std::optional<std::chrono::nanoseconds> parse_rate(std::string_view s) {
  auto slash = s.find('/');
  std::string_view count = s.substr(0, slash), per = slash == s.npos ? "h" : s.substr(slash + 1);
  uint64_t n = 0, units = 1;
  auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), n);
  if (ec != std::errc() || end != count.data() + count.size() || n == 0) return std::nullopt;
  if (!per.empty() && per.front() >= '0' && per.front() <= '9') {
    auto [e, c] = std::from_chars(per.data(), per.data() + per.size(), units);
    if (c != std::errc() || units == 0) return std::nullopt;
    per.remove_prefix(static_cast<std::size_t>(e - per.data()));
  }
  uint64_t unit_s = per == "s" ? 1 : per == "m" ? 60 : per == "h" ? 3600 : per == "d" ? 86400 : 0;
  if (unit_s == 0 || units > 1'000'000) return std::nullopt;
  return std::chrono::nanoseconds(unit_s * units * 1'000'000'000ULL / n);
}

}  // namespace sluice::cli
