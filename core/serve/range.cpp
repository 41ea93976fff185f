#include "core/serve/range.hpp"

#include "core/http/headers.hpp"
#include "core/serve/target.hpp"

namespace sluice::serve {

static std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

RangeRequest parse_range(std::string_view header, uint64_t size) {
  header = trim(header);
  auto eq = header.find('=');
  if (eq == std::string_view::npos || !iequals(trim(header.substr(0, eq)), "bytes")) return {};
  std::string_view spec = trim(header.substr(eq + 1));
  if (spec.find(',') != std::string_view::npos) return {};  // multipart/byteranges: not offered
  auto dash = spec.find('-');
  if (dash == std::string_view::npos) return {};
  std::string_view a = trim(spec.substr(0, dash)), b = trim(spec.substr(dash + 1));
  RangeRequest r;
  if (a.empty()) {  // suffix: the last N bytes
    auto n = parse_u64(b);
    if (!n) return {};
    if (*n == 0 || size == 0) return {RangeRequest::unsatisfiable};
    r.first = *n >= size ? 0 : size - *n;
    r.last = size - 1;
  } else {
    auto first = parse_u64(a);
    if (!first) return {};
    std::optional<uint64_t> last = size == 0 ? 0 : size - 1;
    if (!b.empty()) {
      last = parse_u64(b);
      if (!last || *last < *first) return {};
    }
    if (*first >= size) return {RangeRequest::unsatisfiable};
    r.first = *first;
    r.last = std::min(*last, size - 1);
  }
  r.kind = RangeRequest::satisfiable;
  return r;
}

}  // namespace sluice::serve
