#include "core/bench/histogram_spectrum.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/util/no_libm.hpp"

namespace sluice::bench {

namespace {

// HdrHistogram's step: the closer to 100%, the finer, so every halving of the
// distance to 100% gets the same number of points.
double next_level(double level, int ticks) {
  const int halvings = floor_log2(100.0 / (100.0 - level));
  return level + 100.0 / (ticks * exp2_int(halvings + 1));
}

SpectrumPoint point(std::int64_t value, double level, std::int64_t seen) {
  const double p = level / 100.0;
  return {value, p, seen, 1.0 / (1.0 - p)};
}

}  // namespace

std::vector<SpectrumPoint> percentile_spectrum(const Histogram& h, int ticks) {
  std::vector<SpectrumPoint> out;
  const auto total = h.total_count();
  if (total == 0 || ticks <= 0) return out;
  const auto counts = h.counts();
  double level = 0;
  std::int64_t seen = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] == 0) continue;
    seen += counts[i];
    const auto value = h.highest_equivalent(h.value_at_index(static_cast<int>(i)));
    // One index may cross several levels; each gets its own point.
    while (100.0 * static_cast<double>(seen) / static_cast<double>(total) >= level) {
      out.push_back(point(value, level, seen));
      if (seen == total) {  // all samples seen: one last point at exactly 100%
        out.push_back(point(value, 100.0, seen));
        return out;
      }
      level = next_level(level, ticks);
    }
  }
  return out;
}

std::string format_percentile_distribution(const Histogram& h, double unit_scaling, int ticks) {
  const int digits = h.settings().significant_digits;
  std::string out = fmt::format("{:>12} {:>14} {:>10} {:>14}\n\n", "Value", "Percentile",
                                "TotalCount", "1/(1-Percentile)");
  for (const auto& pt : percentile_spectrum(h, ticks)) {
    const double v = static_cast<double>(pt.value) / unit_scaling;
    if (pt.percentile < 1.0)
      out += fmt::format("{:12.{}f} {:2.12f} {:10d} {:14.2f}\n", v, digits, pt.percentile,
                         pt.total_count, pt.inverse);
    else
      out += fmt::format("{:12.{}f} {:2.12f} {:10d}\n", v, digits, pt.percentile, pt.total_count);
  }
  out += fmt::format("#[Mean    = {:12.{}f}, StdDeviation   = {:12.{}f}]\n",
                     h.mean() / unit_scaling, digits, h.stdev() / unit_scaling, digits);
  out += fmt::format("#[Max     = {:12.{}f}, Total count    = {:12d}]\n",
                     static_cast<double>(h.max()) / unit_scaling, digits, h.total_count());
  out += fmt::format("#[Buckets = {:12d}, SubBuckets     = {:12d}]\n", h.bucket_count(),
                     h.sub_bucket_count());
  return out;
}

}  // namespace sluice::bench
