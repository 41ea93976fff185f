#include "core/bench/histogram.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "core/util/no_libm.hpp"

namespace sluice::bench {

namespace {

// Smallest m with 2^m >= n (n >= 1).
int ceil_log2(std::int64_t n) {
  return 64 - std::countl_zero(static_cast<std::uint64_t>(n - 1));
}

// Buckets needed so that the last one still covers `highest` (HdrHistogram's
// getBucketsNeededToCoverValue): each bucket doubles the range of the one before.
int buckets_needed(std::int64_t highest, std::int64_t sub_bucket_count, int unit_mag) {
  std::int64_t smallest_untrackable = sub_bucket_count << unit_mag;
  int buckets = 1;
  while (smallest_untrackable <= highest) {
    if (smallest_untrackable > std::numeric_limits<std::int64_t>::max() / 2) return buckets + 1;
    smallest_untrackable <<= 1;
    ++buckets;
  }
  return buckets;
}

std::string describe(const HistogramSettings& s) {
  return "lowest " + std::to_string(s.lowest) + ", highest " + std::to_string(s.highest) + ", " +
         std::to_string(s.significant_digits) + " significant digits";
}

}  // namespace

Histogram::Histogram() : Histogram(HistogramSettings{}) {}

Result<Histogram> Histogram::make(const HistogramSettings& s) {
  // The limits HdrHistogram itself enforces, so anything we accept it accepts.
  if (s.lowest < 1) return fail(Errc::bad_argument, "histogram: lowest value must be >= 1");
  if (s.significant_digits < 0 || s.significant_digits > 5)
    return fail(Errc::bad_argument, "histogram: significant digits must be 0..5");
  if (s.highest / 2 < s.lowest)  // not 2 * lowest: that can overflow
    return fail(Errc::bad_argument, "histogram: highest value must be >= 2 * lowest");
  const int unit_mag = 63 - std::countl_zero(static_cast<std::uint64_t>(s.lowest));
  std::int64_t single_unit = 2;
  for (int i = 0; i < s.significant_digits; ++i) single_unit *= 10;
  if (unit_mag + std::max(ceil_log2(single_unit), 1) - 1 > 61)
    return fail(Errc::bad_argument, "histogram: lowest value too large for the precision");
  return Histogram(s);
}

Histogram::Histogram(const HistogramSettings& s) : settings_(s) {
  std::int64_t single_unit = 2;  // values below this are kept exactly
  for (int i = 0; i < s.significant_digits; ++i) single_unit *= 10;
  unit_mag_ = 63 - std::countl_zero(static_cast<std::uint64_t>(s.lowest));
  sub_half_mag_ = std::max(ceil_log2(single_unit), 1) - 1;
  sub_half_count_ = 1 << sub_half_mag_;
  const std::int64_t sub_count = std::int64_t{2} * sub_half_count_;
  sub_mask_ = (sub_count - 1) << unit_mag_;
  lz_base_ = 64 - unit_mag_ - sub_half_mag_ - 1;
  bucket_count_ = buckets_needed(s.highest, sub_count, unit_mag_);
  counts_.assign(static_cast<std::size_t>(bucket_count_ + 1) * sub_half_count_, 0);
}

std::int64_t Histogram::clamp(std::int64_t value, std::int64_t count) noexcept {
  clamped_ += count;
  return value < 0 ? 0 : settings_.highest;
}

void Histogram::record_corrected(std::int64_t value, std::int64_t expected_interval) noexcept {
  // Clamp first, so the synthetic samples descend from what was recorded.
  if (value < 0 || value > settings_.highest) value = clamp(value, 1);
  record(value);
  if (expected_interval <= 0 || value / expected_interval < 2) return;
  // The missing samples form an arithmetic series from `bottom` up to `top`.
  // Walk it one equivalence range at a time, adding every element of the series
  // that falls in the range at once.
  const std::int64_t n = value / expected_interval - 1;
  const std::int64_t top = value - expected_interval;
  const std::int64_t bottom = value - n * expected_interval;
  for (std::int64_t x = bottom; x <= top;) {
    const std::int64_t hi = std::min(highest_equivalent(x), top);
    const std::int64_t k = (hi - x) / expected_interval + 1;
    counts_[static_cast<std::size_t>(index_of(x))] += k;
    x += k * expected_interval;
  }
  total_ += n;
  min_ = std::min(min_, bottom);
}

void Histogram::record_at_index(int index, std::int64_t count) noexcept {
  if (count <= 0 || index < 0 || static_cast<std::size_t>(index) >= counts_.size()) return;
  counts_[static_cast<std::size_t>(index)] += count;
  total_ += count;
  const auto v = value_at_index(index);
  min_ = std::min(min_, v);
  max_ = std::max(max_, v);
}

void Histogram::reset() noexcept {
  std::fill(counts_.begin(), counts_.end(), 0);
  total_ = clamped_ = max_ = 0;
  min_ = INT64_MAX;
}

Result<void> Histogram::merge(const Histogram& other) {
  if (other.settings_ != settings_)
    return fail(Errc::bad_argument, "histogram settings differ (" + describe(settings_) + " vs " +
                                        describe(other.settings_) + ")");
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  total_ += other.total_;
  clamped_ += other.clamped_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  return {};
}

std::int64_t Histogram::value_at_index(int index) const noexcept {
  int bucket = (index >> sub_half_mag_) - 1;
  int sub = (index & (sub_half_count_ - 1)) + sub_half_count_;
  if (bucket < 0) {  // the first half of bucket 0 lives below the first "+1" bucket
    sub -= sub_half_count_;
    bucket = 0;
  }
  return static_cast<std::int64_t>(sub) << (bucket + unit_mag_);
}

std::int64_t Histogram::equivalent_range(std::int64_t v) const noexcept {
  const int bucket = bucket_of(v);
  const std::int64_t sub = v >> (bucket + unit_mag_);
  // A sub-bucket index past the bucket's end means the value belongs one bucket up.
  const int adjusted = sub >= 2 * sub_half_count_ ? bucket + 1 : bucket;
  return std::int64_t{1} << (unit_mag_ + adjusted);
}

std::int64_t Histogram::lowest_equivalent(std::int64_t v) const noexcept {
  const int bucket = bucket_of(v);
  const std::int64_t sub = v >> (bucket + unit_mag_);
  return sub << (bucket + unit_mag_);
}

std::int64_t Histogram::highest_equivalent(std::int64_t v) const noexcept {
  // The range's top may be 2^63: its last value is not, but the sum on the way is.
  return lowest_equivalent(v) + (equivalent_range(v) - 1);
}

std::int64_t Histogram::median_equivalent(std::int64_t v) const noexcept {
  return lowest_equivalent(v) + (equivalent_range(v) >> 1);
}

std::int64_t Histogram::min() const noexcept {
  return total_ == 0 ? 0 : lowest_equivalent(min_);
}

std::int64_t Histogram::max() const noexcept {
  return total_ == 0 ? 0 : highest_equivalent(max_);
}

// Mean and stdev weigh each range by its median value, as HdrHistogram does.
double Histogram::mean() const noexcept {
  if (total_ == 0) return 0;
  double sum = 0;
  const int last = index_of(max_);
  for (int i = 0; i <= last; ++i) {
    const auto c = counts_[static_cast<std::size_t>(i)];
    if (c != 0) sum += static_cast<double>(median_equivalent(value_at_index(i))) * c;
  }
  return sum / static_cast<double>(total_);
}

double Histogram::stdev() const noexcept {
  if (total_ == 0) return 0;
  const double m = mean();
  double sum = 0;
  const int last = index_of(max_);
  for (int i = 0; i <= last; ++i) {
    const auto c = counts_[static_cast<std::size_t>(i)];
    if (c == 0) continue;
    const double d = static_cast<double>(median_equivalent(value_at_index(i))) - m;
    sum += d * d * static_cast<double>(c);
  }
  return std::sqrt(sum / static_cast<double>(total_));
}

std::int64_t Histogram::value_at_percentile(double p) const noexcept {
  if (total_ == 0) return 0;
  p = std::clamp(p, 0.0, 100.0);
  // Rank = ceil(p% of total), minus one ulp first so that a product like
  // 0.999 * 1000 = 999.0000000000001 does not skip a rank (as HdrHistogram does).
  const double fp = p / 100.0 * static_cast<double>(total_);
  const double ulp = ulp_above(fp);
  const auto rank = std::max<std::int64_t>(static_cast<std::int64_t>(std::ceil(fp - ulp)), 1);
  std::int64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const auto v = value_at_index(static_cast<int>(i));
      return p == 0.0 ? lowest_equivalent(v) : highest_equivalent(v);
    }
  }
  return max();
}

}  // namespace sluice::bench
