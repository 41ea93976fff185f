#include "cli/duration_arg.hpp"

#include <cmath>

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

}  // namespace sluice::cli
