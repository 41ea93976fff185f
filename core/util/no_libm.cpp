#include "core/util/no_libm.hpp"

#include <cstdlib>
#include <string>

namespace sluice {

namespace {

const char* skip_digits(const char* p, const char* end) {
  while (p < end && *p >= '0' && *p <= '9') ++p;
  return p;
}

}  // namespace

// Finds the number's extent by from_chars's grammar, then converts with
// strtod, which sluice can use as is: it never sets a locale, so the
// decimal point is '.'.
DecimalParse parse_decimal(std::string_view s) {
  const char *begin = s.data(), *end = begin + s.size();
  const char* p = begin;
  if (p < end && *p == '-') ++p;
  const char* int_end = skip_digits(p, end);
  const char* frac_end = int_end;
  if (int_end < end && *int_end == '.') frac_end = skip_digits(int_end + 1, end);
  if (int_end == p && frac_end <= int_end + 1) return {0, begin};  // no digit
  const char* num_end = frac_end;
  if (num_end < end && (*num_end == 'e' || *num_end == 'E')) {
    const char* q = num_end + 1;
    if (q < end && (*q == '+' || *q == '-')) ++q;
    if (const char* exp_end = skip_digits(q, end); exp_end > q) num_end = exp_end;
  }
  std::string text(begin, num_end);
  return {std::strtod(text.c_str(), nullptr), num_end};
}

std::optional<double> whole_decimal(std::string_view s) {
  auto [value, end] = parse_decimal(s);
  if (s.empty() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// Newton's method from above: y <- ((n-1) y + x / y^(n-1)) / n falls
// monotonically to the root from any start at or above it.
double nth_root(double x, int n) {
  if (n <= 1 || x <= 1) return x;
  double y = exp2_int(floor_log2(x) / n + 1);  // >= the root
  for (int i = 0; i < 200; ++i) {
    double power = 1;
    for (int k = 1; k < n; ++k) power *= y;
    double next = ((n - 1) * y + x / power) / n;
    if (next >= y) break;
    y = next;
  }
  return y;
}

}  // namespace sluice
