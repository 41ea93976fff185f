// Number parsing and the few floating-point functions sluice needs, written
// so that the binary does not link libm.
//
// Why: loading libm costs every run ~0.45 MiB of RSS (the dynamic loader
// relocates it and resolves its IFUNCs before main), about 8% of a plain
// `get`'s whole footprint, for a handful of calls in bench's reports. Calls
// GCC inlines are fine (sqrt, floor, ceil, round, llround: CMakeLists.txt
// builds with -fno-math-errno -fno-trapping-math); what it cannot inline is
// here. libstdc++'s floating-point std::from_chars needs libm's fesetround,
// hence parse_decimal.
#pragma once

#include <bit>
#include <cstdint>
#include <optional>
#include <string_view>

namespace sluice {

// A decimal number at the start of s, as std::from_chars(s, double) reads it
// in its general format: an optional '-', digits with an optional '.', an
// optional exponent. end == s.data() when there is none (no "inf", "nan",
// hex or leading '+'/space, as from_chars); a value out of range is ±HUGE_VAL
// (not finite) or 0.
struct DecimalParse {
  double value = 0;
  const char* end = nullptr;
};
DecimalParse parse_decimal(std::string_view s);

// s as a whole is such a number (not empty, nothing after it); nullopt else.
std::optional<double> whole_decimal(std::string_view s);

// The distance from x to the next double up (x finite and >= 0):
// std::nextafter(x, INFINITY) - x.
inline double ulp_above(double x) {
  return std::bit_cast<double>(std::bit_cast<uint64_t>(x) + 1) - x;
}

// floor(log2(x)) for a normal x >= 1.
inline int floor_log2(double x) {
  return static_cast<int>((std::bit_cast<uint64_t>(x) >> 52) & 0x7ff) - 1023;
}

// 2^k for -1022 <= k <= 1023.
inline double exp2_int(int k) {
  return std::bit_cast<double>(static_cast<uint64_t>(k + 1023) << 52);
}

// The n-th root of x (x >= 1, n >= 1), to within a few ulps.
double nth_root(double x, int n);

}  // namespace sluice
