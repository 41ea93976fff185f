#include "core/bench/histogram.hpp"

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_floating_point.hpp>
#include <cmath>
#include <random>
#include <vector>

#include "core/bench/hdr_codec.hpp"
#include "core/bench/histogram_spectrum.hpp"

using sluice::bench::Histogram;
using sluice::bench::HistogramSettings;

namespace {

// Log-uniform values over 1 µs .. 100 s: every decade equally represented.
std::vector<std::int64_t> random_latencies(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> exponent(0.0, 8.0);
  std::vector<std::int64_t> v(n);
  for (auto& x : v) x = static_cast<std::int64_t>(std::pow(10.0, exponent(rng)));
  return v;
}

// The nearest-rank order statistic: the smallest sample with >= p% at or below it.
std::int64_t order_statistic(const std::vector<std::int64_t>& sorted, double p) {
  const double fp = p / 100.0 * static_cast<double>(sorted.size());
  auto rank = static_cast<std::size_t>(std::ceil(fp - 1e-9 * fp));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

bool same_counts(const Histogram& a, const Histogram& b) {
  return std::ranges::equal(a.counts(), b.counts()) && a.total_count() == b.total_count() &&
         a.min() == b.min() && a.max() == b.max();
}

}  // namespace

TEST_CASE("histogram layout matches HdrHistogram for 1us..1h at 3 digits") {
  Histogram h;
  CHECK(h.sub_bucket_count() == 2048);
  CHECK(h.bucket_count() == 22);
  CHECK(h.counts().size() == 23 * 1024);
  // Below 2048 every value is its own range; above, ranges double per bucket.
  CHECK(h.index_of(0) == 0);
  CHECK(h.index_of(2047) == 2047);
  CHECK(h.index_of(2048) == 2048);
  CHECK(h.index_of(2049) == 2048);
  CHECK(h.equivalent_range(1000) == 1);
  CHECK(h.equivalent_range(2048) == 2);
  CHECK(h.equivalent_range(1'000'000) == 512);
  CHECK(h.lowest_equivalent(1'000'001) == 999'936);
  CHECK(h.highest_equivalent(1'000'001) == 1'000'447);
  CHECK(h.median_equivalent(1'000'001) == 1'000'192);
  for (int i = 0; i < static_cast<int>(h.counts().size()); i += 7)
    CHECK(h.index_of(h.value_at_index(i)) == i);
}

TEST_CASE("invalid histogram settings are refused") {
  CHECK_FALSE(Histogram::make({0, 1000, 3}));
  CHECK_FALSE(Histogram::make({1, 1000, 6}));
  CHECK_FALSE(Histogram::make({10, 15, 3}));
  CHECK(Histogram::make({1, 86'400'000'000, 3}));
}

TEST_CASE("percentiles match a sorted reference within the precision") {
  auto values = random_latencies(1'000'000, 42);
  Histogram h;
  for (auto v : values) h.record(v);
  std::ranges::sort(values);
  REQUIRE(h.total_count() == 1'000'000);

  std::vector<double> ps = {0, 0.1, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 99.999, 100};
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> any(0.0, 100.0);
  for (int i = 0; i < 1000; ++i) ps.push_back(any(rng));
  for (double p : ps) {
    const auto exact = order_statistic(values, p);
    const auto got = h.value_at_percentile(p);
    INFO("p=" << p << " exact=" << exact << " got=" << got);
    CHECK(h.equivalent(got, exact));
    CHECK(std::abs(static_cast<double>(got - exact)) <= 0.001 * static_cast<double>(exact));
  }
  CHECK(h.min() == values.front());
  CHECK(h.equivalent(h.max(), values.back()));
}

TEST_CASE("min max mean and stdev agree with exact statistics") {
  auto values = random_latencies(200'000, 3);
  Histogram h;
  double sum = 0, sq = 0;
  for (auto v : values) {
    h.record(v);
    sum += static_cast<double>(v);
  }
  const double mean = sum / static_cast<double>(values.size());
  for (auto v : values) sq += (static_cast<double>(v) - mean) * (static_cast<double>(v) - mean);
  const double stdev = std::sqrt(sq / static_cast<double>(values.size()));
  CHECK_THAT(h.mean(), Catch::Matchers::WithinRel(mean, 0.001));
  CHECK_THAT(h.stdev(), Catch::Matchers::WithinRel(stdev, 0.001));
  CHECK(h.min() == *std::ranges::min_element(values));
  CHECK(h.max() == h.highest_equivalent(*std::ranges::max_element(values)));
  Histogram empty;
  CHECK(empty.min() == 0);
  CHECK(empty.max() == 0);
  CHECK(empty.mean() == 0);
  CHECK(empty.value_at_percentile(99) == 0);
}

TEST_CASE("record with a count equals repeated records") {
  Histogram a, b;
  a.record(12345, 1000);
  a.record(7, 0);   // ignored
  a.record(7, -3);  // ignored
  for (int i = 0; i < 1000; ++i) b.record(12345);
  CHECK(same_counts(a, b));
}

TEST_CASE("merging equals recording the union") {
  const auto xs = random_latencies(100'000, 11), ys = random_latencies(50'000, 12);
  Histogram a, b, both;
  for (auto v : xs) a.record(v), both.record(v);
  for (auto v : ys) b.record(v), both.record(v);
  a.record(-5);  // one clamp each side, so clamped counts add too
  both.record(-5);
  REQUIRE(a.merge(b));
  CHECK(same_counts(a, both));
  CHECK(a.clamped_count() == 1);
  CHECK(a.value_at_percentile(99.9) == both.value_at_percentile(99.9));
  Histogram empty;
  REQUIRE(empty.merge(a));
  CHECK(same_counts(empty, a));
}

TEST_CASE("merging histograms with different settings is refused") {
  Histogram a;
  auto day = Histogram::make({1, 86'400'000'000, 3});
  REQUIRE(day);
  day->record(5);
  auto r = a.merge(*day);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == sluice::Errc::bad_argument);
  CHECK(a.total_count() == 0);
}

TEST_CASE("values out of range are clamped and counted") {
  Histogram h;
  h.record(h.highest() + 1);
  h.record(INT64_MAX, 3);
  h.record(-1);
  h.record(500);
  CHECK(h.total_count() == 6);
  CHECK(h.clamped_count() == 5);
  CHECK(h.max() == h.highest_equivalent(h.highest()));
  CHECK(h.min() == 0);
  CHECK(h.value_at_percentile(50) == h.highest_equivalent(h.highest()));
  h.reset();
  CHECK(h.total_count() == 0);
  CHECK(h.clamped_count() == 0);
  CHECK(h.max() == 0);
}

TEST_CASE("corrected recording adds the synthetic samples") {
  Histogram h;
  h.record_corrected(1000, 100);  // 1000, then 900, 800, ..., 100
  CHECK(h.total_count() == 10);
  CHECK(h.min() == 100);
  CHECK(h.max() == 1000);
  CHECK(h.value_at_percentile(50) == 500);
  Histogram fast;
  fast.record_corrected(99, 100);  // shorter than the interval: nothing missed
  CHECK(fast.total_count() == 1);
  fast.record_corrected(150, 0);  // no interval: plain record
  CHECK(fast.total_count() == 2);
}

TEST_CASE("corrected recording equals the naive HdrHistogram loop") {
  std::mt19937_64 rng(5);
  std::uniform_int_distribution<std::int64_t> value(1, 50'000'000), interval(1, 20'000);
  Histogram fast, naive;
  for (int i = 0; i < 200; ++i) {
    const auto v = value(rng), iv = interval(rng);
    fast.record_corrected(v, iv);
    naive.record(v);
    for (auto missing = v - iv; missing >= iv; missing -= iv) naive.record(missing);
  }
  CHECK(same_counts(fast, naive));
}

TEST_CASE("corrected recording of a huge value stays bounded and clamps") {
  Histogram h;
  h.record_corrected(INT64_MAX, 1);  // clamped to highest, then 3.6e9 synthetic samples
  CHECK(h.clamped_count() == 1);
  CHECK(h.total_count() == h.highest());
  CHECK(h.min() == 1);
}

TEST_CASE("encode decode round trip") {
  Histogram h;
  for (auto v : random_latencies(100'000, 9)) h.record(v);
  h.record(0, 4);
  h.record(h.highest());
  auto b64 = sluice::bench::encode_base64(h);
  REQUIRE(b64);
  CHECK(b64->starts_with("HISTFAAA"));  // cookie 0x1c849314, as every HdrHistogram writes
  auto back = sluice::bench::decode_base64(*b64);
  REQUIRE(back);
  CHECK(back->settings() == h.settings());
  CHECK(same_counts(*back, h));
  Histogram empty;
  auto e = sluice::bench::decode_base64(*sluice::bench::encode_base64(empty));
  REQUIRE(e);
  CHECK(e->total_count() == 0);
}

TEST_CASE("encoding keeps non-default settings") {
  auto h = Histogram::make({1000, 86'400'000'000, 2});
  REQUIRE(h);
  h->record(123'456'789);
  h->record(5'000);
  auto back = sluice::bench::decode_base64(*sluice::bench::encode_base64(*h));
  REQUIRE(back);
  CHECK(back->settings() == h->settings());
  CHECK(same_counts(*back, *h));
}

TEST_CASE("V2 payload uses zigzag varints and zero runs") {
  Histogram h;
  h.record(1);
  h.record(3, 300);
  const auto raw = sluice::bench::encode_v2(h);
  REQUIRE(raw.size() == 40 + 5);
  // index 0: run of 1 zero -> 0; index 1: 1 -> 2; index 2: 0 -> 0; index 3: 300 -> 600 (2 bytes)
  CHECK(raw[40] == 0x00);
  CHECK(raw[41] == 0x02);
  CHECK(raw[42] == 0x00);
  CHECK(raw[43] == ((600 & 0x7f) | 0x80));
  CHECK(raw[44] == (600 >> 7));
  Histogram sparse;
  sparse.record(10);  // ten zeros first: one run, -10 -> 19
  const auto s = sluice::bench::encode_v2(sparse);
  REQUIRE(s.size() == 42);
  CHECK(s[40] == 19);
  CHECK(s[41] == 2);
}

TEST_CASE("decoding rejects damaged input") {
  using sluice::bench::decode_base64;
  CHECK_FALSE(decode_base64(""));
  CHECK_FALSE(decode_base64("not base64!"));
  CHECK_FALSE(decode_base64("AAAAAAAAAAAA"));  // wrong cookie
  Histogram h;
  h.record(42);
  const auto good = *sluice::bench::encode_compressed(h);
  auto truncated = std::vector<std::uint8_t>(good.begin(), good.end() - 3);
  CHECK_FALSE(sluice::bench::decode_compressed(truncated));
  auto corrupt = good;
  corrupt[good.size() / 2] ^= 0x55;
  CHECK_FALSE(sluice::bench::decode_compressed(corrupt));
}

TEST_CASE("base64 matches the standard alphabet and padding") {
  const std::vector<std::uint8_t> bytes = {'f', 'o', 'o', 'b', 'a'};
  CHECK(sluice::bench::base64_encode(bytes) == "Zm9vYmE=");
  CHECK(sluice::bench::base64_encode(std::vector<std::uint8_t>{'f'}) == "Zg==");
  CHECK(*sluice::bench::base64_decode("Zm9vYmE=\n") == bytes);
}

TEST_CASE("percentile spectrum walks to 100 percent like HdrHistogram") {
  Histogram h;
  for (int v = 1; v <= 10'000; ++v) h.record(v);
  const auto pts = sluice::bench::percentile_spectrum(h);
  REQUIRE(pts.size() > 20);
  CHECK(pts.front().value == 1);
  CHECK(pts.front().percentile == 0.0);
  CHECK(pts.back().percentile == 1.0);
  CHECK(pts.back().value == h.max());
  CHECK(pts.back().total_count == 10'000);
  // Ticks: 0, 10, 20, 30, 40, 50 (5 per half distance), then 55, 60, ...
  CHECK_THAT(pts[1].percentile, Catch::Matchers::WithinAbs(0.1, 1e-12));
  CHECK_THAT(pts[6].percentile, Catch::Matchers::WithinAbs(0.55, 1e-12));
  CHECK_THAT(pts[1].inverse, Catch::Matchers::WithinAbs(1 / 0.9, 1e-9));
  for (std::size_t i = 1; i < pts.size(); ++i) {
    CHECK(pts[i].value >= pts[i - 1].value);
    CHECK(pts[i].percentile >= pts[i - 1].percentile);
  }
  const auto text = sluice::bench::format_percentile_distribution(h, 1000.0);
  CHECK(text.starts_with("       Value     Percentile TotalCount 1/(1-Percentile)\n\n"));
  CHECK(text.find("#[Buckets =           22, SubBuckets     =         2048]") != std::string::npos);
}

TEST_CASE("decoding corrupted encodings fails cleanly or decodes something") {
  Histogram h;
  for (auto v : random_latencies(2'000, 21)) h.record(v);
  const auto raw = sluice::bench::encode_v2(h);
  const auto packed = *sluice::bench::encode_compressed(h);
  std::mt19937_64 rng(99);
  for (int i = 0; i < 3000; ++i) {
    auto a = raw, b = packed;
    for (int k = 0; k < 3; ++k) {
      a[rng() % a.size()] = static_cast<std::uint8_t>(rng());
      b[rng() % b.size()] = static_cast<std::uint8_t>(rng());
    }
    // Whatever comes back must be a consistent histogram (the sanitizer
    // builds catch out-of-bounds work on the way).
    if (auto d = sluice::bench::decode_v2(a)) CHECK(d->total_count() >= 0);
    if (auto d = sluice::bench::decode_compressed(b)) CHECK(d->total_count() >= 0);
  }
}
