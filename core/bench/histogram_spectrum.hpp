// The percentile spectrum of a histogram: HdrHistogram's percentile iteration
// (outputPercentileDistribution), as data for the report and as its standard
// text so the output can be fed to existing HdrHistogram plotting tools.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/bench/histogram.hpp"

namespace sluice::bench {

struct SpectrumPoint {
  std::int64_t value = 0;        // highest equivalent value reached
  double percentile = 0;         // level iterated to, as a fraction 0..1
  std::int64_t total_count = 0;  // samples <= value
  double inverse = 0;            // 1 / (1 - percentile); infinity at 1
};

// Steps of 1/(2*ticks) of the remaining distance to 100% per halving, ending
// with a point at 100% (the max) as HdrHistogram's PercentileIterator does.
std::vector<SpectrumPoint> percentile_spectrum(const Histogram& h, int ticks_per_half_distance = 5);

// The classic text (header, one line per point, #[Mean ...] footer), values
// divided by `unit_scaling` (e.g. 1000.0 for milliseconds).
std::string format_percentile_distribution(const Histogram& h, double unit_scaling = 1.0,
                                           int ticks_per_half_distance = 5);

}  // namespace sluice::bench
