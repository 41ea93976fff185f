// libFuzzer target "range": the Range header parser of serve (parse_ranges,
// parse_range). Input: "SIZE\nHEADER", SIZE the body's length in decimal.
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/serve/range.hpp"

namespace {

using sluice::serve::RangeRequest;
using sluice::serve::RangeSet;

// Satisfiable ranges lie inside the body, are few, and add up to no more
// than it: what serve sends is bounded by the file, whatever is asked.
void check_set(const RangeSet& set, uint64_t size) {
  if (set.kind != RangeSet::satisfiable) {
    if (!set.ranges.empty() && set.kind == RangeSet::none) __builtin_trap();
    return;
  }
  if (set.ranges.empty() || set.ranges.size() > sluice::serve::kMaxRanges) __builtin_trap();
  uint64_t total = 0;
  for (const auto& r : set.ranges) {
    if (r.first > r.last || r.last >= size) __builtin_trap();
    if (__builtin_add_overflow(total, r.length(), &total)) __builtin_trap();
  }
  if (total > size) __builtin_trap();
}

// parse_range is parse_ranges narrowed to one range.
void check_single(const RangeRequest& one, const RangeSet& set) {
  bool single = set.kind == RangeSet::satisfiable && set.ranges.size() == 1;
  if ((one.kind == RangeRequest::satisfiable) != single) __builtin_trap();
  if (single && (one.first != set.ranges[0].first || one.last != set.ranges[0].last))
    __builtin_trap();
  bool unsatisfiable = set.kind == RangeSet::unsatisfiable;
  if ((one.kind == RangeRequest::unsatisfiable) != unsatisfiable) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto nl = input.find('\n');
  if (nl == std::string_view::npos) return 0;
  uint64_t body_size = 0;
  auto [end, ec] = std::from_chars(input.data(), input.data() + nl, body_size);
  if (ec != std::errc() || end != input.data() + nl) return 0;
  std::string_view header = input.substr(nl + 1);
  RangeSet set = sluice::serve::parse_ranges(header, body_size);
  check_set(set, body_size);
  check_single(sluice::serve::parse_range(header, body_size), set);
  return 0;
}
