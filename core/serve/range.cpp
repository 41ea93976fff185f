#include "core/serve/range.hpp"

#include <optional>

#include "core/http/headers.hpp"
#include "core/serve/request_target.hpp"

namespace sluice::serve {

namespace {

enum class Spec { malformed, unsatisfiable, ok };

// One "first-last", "first-" or "-suffix" against size.
Spec parse_spec(std::string_view spec, uint64_t size, ByteRange& out) {
  auto dash = spec.find('-');
  if (dash == std::string_view::npos) return Spec::malformed;
  std::string_view a = trim_ows(spec.substr(0, dash)), b = trim_ows(spec.substr(dash + 1));
  if (a.empty()) {  // suffix: the last N bytes
    auto n = parse_u64(b);
    if (!n) return Spec::malformed;
    if (*n == 0 || size == 0) return Spec::unsatisfiable;
    out = {*n >= size ? 0 : size - *n, size - 1};
    return Spec::ok;
  }
  auto first = parse_u64(a);
  if (!first) return Spec::malformed;
  std::optional<uint64_t> last = size == 0 ? 0 : size - 1;
  if (!b.empty()) {
    last = parse_u64(b);
    if (!last || *last < *first) return Spec::malformed;
  }
  if (*first >= size) return Spec::unsatisfiable;
  out = {*first, std::min(*last, size - 1)};
  return Spec::ok;
}

}  // namespace

RangeSet parse_ranges(std::string_view header, uint64_t size) {
  header = trim_ows(header);
  auto eq = header.find('=');
  if (eq == std::string_view::npos || !iequals(trim_ows(header.substr(0, eq)), "bytes")) return {};
  RangeSet set;
  uint64_t total = 0;
  std::size_t specs = 0;
  for (std::string_view rest = header.substr(eq + 1); !rest.empty();) {
    std::string_view spec = next_list_item(rest);
    if (spec.empty()) continue;  // "bytes=0-1, ,5-6": empty list elements are allowed
    if (++specs > kMaxRanges) return {};
    ByteRange r;
    Spec s = parse_spec(spec, size, r);
    if (s == Spec::malformed) return {};
    if (s == Spec::unsatisfiable) continue;
    // total <= size here, so size - total cannot wrap where total + length could.
    if (r.length() > size - total) return {};
    total += r.length();
    set.ranges.push_back(r);
  }
  if (specs == 0) return {};
  set.kind = set.ranges.empty() ? RangeSet::unsatisfiable : RangeSet::satisfiable;
  return set;
}

RangeRequest parse_range(std::string_view header, uint64_t size) {
  RangeSet set = parse_ranges(header, size);
  if (set.kind == RangeSet::unsatisfiable) return {RangeRequest::unsatisfiable};
  if (set.kind == RangeSet::none || set.ranges.size() != 1) return {};
  return {RangeRequest::satisfiable, set.ranges[0].first, set.ranges[0].last};
}

}  // namespace sluice::serve
