// A latency histogram with HdrHistogram semantics: values (microseconds) are
// kept to a fixed number of significant decimal digits in a flat array of
// counts, so recording is O(1), memory is constant however many samples are
// recorded, and two histograms with the same settings add exactly (the bench
// merge across threads and machines relies on that). The index arithmetic and
// the query semantics follow HdrHistogram, so the encoded form (hdr_codec.hpp)
// is read by standard HdrHistogram tools and percentiles agree with theirs.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <span>
#include <vector>

#include "core/util/error.hpp"

namespace sluice::bench {

struct HistogramSettings {
  std::int64_t lowest = 1;               // lowest discernible value (1 µs)
  std::int64_t highest = 3'600'000'000;  // highest trackable value (1 hour in µs)
  int significant_digits = 3;            // relative precision 10^-digits
  bool operator==(const HistogramSettings&) const = default;
};

class Histogram {
 public:
  // The bench default: 1 µs .. 1 h, 3 significant digits (about 184 KiB).
  Histogram();
  static Histogram make_default() { return Histogram(); }
  // Any HdrHistogram-valid settings (also what a decoded histogram carries).
  static Result<Histogram> make(const HistogramSettings& s);

  // Records one sample, or `count` samples of the same value (count <= 0 is
  // ignored). Values above highest() are recorded as highest(), negative ones
  // as 0; both are counted in clamped_count() so nothing disappears silently.
  void record(std::int64_t value) noexcept { record(value, 1); }
  void record(std::int64_t value, std::int64_t count) noexcept {
    if (count <= 0) [[unlikely]]
      return;
    // One unsigned compare catches both negative and too-large values.
    if (static_cast<std::uint64_t>(value) > static_cast<std::uint64_t>(settings_.highest))
        [[unlikely]]
      value = clamp(value, count);
    counts_[static_cast<std::size_t>(index_of(value))] += count;
    total_ += count;
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
  }
  // Coordinated-omission correction (HdrHistogram's recordValueWithExpectedInterval):
  // records `value`, then the samples a stalled measurement missed, value - k*interval
  // for k = 1.. while >= interval. Costs O(buckets touched), not O(value / interval).
  void record_corrected(std::int64_t value, std::int64_t expected_interval) noexcept;

  // Adds `count` samples to the range at counts()[index] (decoding: a range may
  // lie above highest() yet inside the array, and must come back unclamped).
  void record_at_index(int index, std::int64_t count) noexcept;

  void reset() noexcept;
  // Exact add; refuses histograms whose settings differ.
  Result<void> merge(const Histogram& other);

  // Queries. Values are reported as HdrHistogram does: max and percentiles as the
  // highest value equivalent to the sample, min as the lowest.
  std::int64_t total_count() const noexcept { return total_; }
  std::int64_t clamped_count() const noexcept { return clamped_; }
  std::int64_t min() const noexcept;
  std::int64_t max() const noexcept;
  double mean() const noexcept;
  double stdev() const noexcept;
  // p in [0, 100]; the smallest recorded value v such that at least p% of all
  // samples are <= v (ceil rank), reported as v's highest equivalent value.
  std::int64_t value_at_percentile(double p) const noexcept;

  // Equivalence ranges: all values in one range share a count.
  std::int64_t lowest_equivalent(std::int64_t v) const noexcept;
  std::int64_t highest_equivalent(std::int64_t v) const noexcept;
  std::int64_t median_equivalent(std::int64_t v) const noexcept;
  std::int64_t equivalent_range(std::int64_t v) const noexcept;
  bool equivalent(std::int64_t a, std::int64_t b) const noexcept {
    return lowest_equivalent(a) == lowest_equivalent(b);
  }

  // Layout, for the codec and iteration (HdrHistogram's countsArrayIndex and
  // valueFromIndex).
  const HistogramSettings& settings() const noexcept { return settings_; }
  std::int64_t highest() const noexcept { return settings_.highest; }
  int bucket_count() const noexcept { return bucket_count_; }
  int sub_bucket_count() const noexcept { return 2 * sub_half_count_; }
  std::span<const std::int64_t> counts() const noexcept { return counts_; }
  int index_of(std::int64_t v) const noexcept {
    // The bucket is the power of two above the value (the mask keeps small values
    // in bucket 0); the sub-bucket is the value's top bits within that bucket.
    const int bucket = bucket_of(v);
    const int sub = static_cast<int>(v >> (bucket + unit_mag_));
    return ((bucket + 1) << sub_half_mag_) + (sub - sub_half_count_);
  }
  std::int64_t value_at_index(int index) const noexcept;

 private:
  explicit Histogram(const HistogramSettings& s);
  // The power-of-two bucket of v. __builtin_clzll rather than std::countl_zero:
  // the mask makes the operand non-zero, and the builtin lets the compiler
  // drop the zero check from record().
  int bucket_of(std::int64_t v) const noexcept {
    return lz_base_ - __builtin_clzll(static_cast<std::uint64_t>(v | sub_mask_));
  }
  std::int64_t clamp(std::int64_t value, std::int64_t count) noexcept;

  HistogramSettings settings_;
  int unit_mag_ = 0;        // log2(lowest), floored
  int sub_half_mag_ = 0;    // log2(sub-buckets per bucket) - 1
  int sub_half_count_ = 0;  // sub-buckets per bucket / 2
  std::int64_t sub_mask_ = 0;
  int lz_base_ = 0;  // 64 - unit_mag - sub_half_mag - 1
  int bucket_count_ = 0;
  std::vector<std::int64_t> counts_;
  std::int64_t total_ = 0;
  std::int64_t clamped_ = 0;
  std::int64_t min_ = INT64_MAX;  // raw extremes; reported via equivalents
  std::int64_t max_ = 0;
};

}  // namespace sluice::bench
