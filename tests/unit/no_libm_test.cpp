// The libm-free helpers (core/util/no_libm.hpp) against the standard
// library's own answers.
#include "core/util/no_libm.hpp"

#include <catch2/catch_test_macros.hpp>
#include <charconv>
#include <cmath>
#include <random>
#include <string>

using namespace sluice;

namespace {

// What std::from_chars (general format) reads from s: value and length.
std::pair<double, std::ptrdiff_t> std_parse(const std::string& s) {
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc::invalid_argument) return {0, 0};
  return {v, p - s.data()};
}

}  // namespace

TEST_CASE("parse_decimal reads what std::from_chars reads", "[no_libm]") {
  for (std::string s : {"0",
                        "1",
                        "-1",
                        "1.5",
                        ".5",
                        "5.",
                        "-.25",
                        "1e3",
                        "1E-3",
                        "2.5e+2",
                        "1e",
                        "1e+",
                        "7ms",
                        "1.5s",
                        "3h",
                        "0.000001",
                        "123456789012345678901234567890",
                        "1e308",
                        "00012",
                        "1..2",
                        "1.2.3",
                        "12abc",
                        "-0",
                        "0.1e1x"}) {
    INFO(s);
    auto [value, len] = std_parse(s);
    auto got = parse_decimal(s);
    CHECK(got.end - s.data() == len);
    if (len > 0) CHECK(got.value == value);
  }
}

TEST_CASE("parse_decimal refuses what std::from_chars refuses, and inf and nan", "[no_libm]") {
  for (std::string s : {"", "-", ".", "-.", "+1", " 1", "e5", "x", "0x10", "inf", "nan", "-inf"}) {
    INFO(s);
    auto got = parse_decimal(s);
    // from_chars takes "0x10" as 0 followed by "x10"; so do we.
    if (s == "0x10") {
      CHECK(got.end - s.data() == 1);
      continue;
    }
    CHECK(got.end == s.data());
  }
}

TEST_CASE("whole_decimal takes a whole string that is one number, nothing else", "[no_libm]") {
  CHECK(whole_decimal("2.5e2") == 250.0);
  CHECK(whole_decimal("-0.5") == -0.5);
  for (std::string s : {"", "1s", "1 ", " 1", "+1", "x", "1e"}) {
    INFO(s);
    CHECK_FALSE(whole_decimal(s).has_value());
  }
}

TEST_CASE("ulp_above, floor_log2 and exp2_int equal libm's answers", "[no_libm]") {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> exponent(0, 300);
  for (int i = 0; i < 2000; ++i) {
    double x = std::pow(2.0, exponent(rng));
    INFO(x);
    CHECK(ulp_above(x) == std::nextafter(x, INFINITY) - x);
    CHECK(floor_log2(x) == static_cast<int>(std::floor(std::log2(x))));
  }
  CHECK(ulp_above(0.0) == std::nextafter(0.0, INFINITY));
  CHECK(floor_log2(1.0) == 0);
  CHECK(floor_log2(1.9999) == 0);
  CHECK(floor_log2(2.0) == 1);
  for (int k = -1022; k <= 1023; ++k) CHECK(exp2_int(k) == std::ldexp(1.0, k));
}

// pow(x, 1.0 / n) is itself off by up to ln(x) ulps (1/n is rounded), so
// the check is relative: far finer than the terminal histogram's bars need.
TEST_CASE("nth_root agrees with pow(x, 1/n) to 1e-13", "[no_libm]") {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> exponent(0, 60);
  for (int n : {1, 2, 3, 12}) {
    for (int i = 0; i < 500; ++i) {
      double x = std::pow(2.0, exponent(rng));
      double want = std::pow(x, 1.0 / n);
      INFO(x << " " << n);
      CHECK(std::fabs(nth_root(x, n) - want) <= 1e-13 * want);
    }
  }
  CHECK(nth_root(1.0, 12) == 1.0);
  CHECK(nth_root(4096.0, 12) == 2.0);
}
