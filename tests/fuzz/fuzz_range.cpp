// libFuzzer target "range": the Range header parser of serve (parse_ranges,
// parse_range), and the multipart/byteranges body planned from what it
// accepts (plan_byteranges). Input: "SIZE\nHEADER", SIZE the body's length
// in decimal.
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/serve/multipart.hpp"
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

// The file's byte at offset i (any fixed function will do).
char file_byte(uint64_t i) {
  return static_cast<char>((i * 31 + 7) % 251);
}

// Reads "bytes FIRST-LAST/SIZE" at the start of s.
bool read_content_range(std::string_view s, uint64_t& first, uint64_t& last, uint64_t& size) {
  if (!s.starts_with("bytes ")) return false;
  const char* p = s.data() + 6;
  const char* end = s.data() + s.size();
  auto a = std::from_chars(p, end, first);
  if (a.ec != std::errc() || a.ptr == end || *a.ptr != '-') return false;
  auto b = std::from_chars(a.ptr + 1, end, last);
  if (b.ec != std::errc() || b.ptr == end || *b.ptr != '/') return false;
  auto c = std::from_chars(b.ptr + 1, end, size);
  return c.ec == std::errc();
}

// A multi-range body, assembled from its plan as serve sends it, read back
// as a client reads multipart/byteranges: every part says which bytes it
// holds and holds exactly those, in the order asked, and Content-Length is
// the body's length.
void check_multipart(const RangeSet& set, uint64_t size) {
  const std::string boundary = "00000000000000000042";
  auto plan = sluice::serve::plan_byteranges(set.ranges, size, "text/plain", boundary);
  if (plan.content_type != "multipart/byteranges; boundary=" + boundary) __builtin_trap();
  if (plan.pieces.size() != set.ranges.size()) __builtin_trap();
  std::string body;
  for (const auto& piece : plan.pieces) {
    body += piece.text;
    for (uint64_t i = 0; i < piece.length; ++i) body += file_byte(piece.offset + i);
  }
  body += plan.tail;
  if (body.size() != plan.length) __builtin_trap();
  std::string_view rest(body);
  const std::string delimiter = "\r\n--" + boundary;
  for (const auto& r : set.ranges) {
    if (!rest.starts_with(delimiter + "\r\n")) __builtin_trap();
    auto head_end = rest.find("\r\n\r\n", delimiter.size());
    if (head_end == std::string_view::npos) __builtin_trap();
    std::string_view head = rest.substr(0, head_end);
    auto at = head.find("Content-Range: ");
    uint64_t first = 0, last = 0, total = 0;
    if (at == std::string_view::npos ||
        !read_content_range(head.substr(at + 15), first, last, total))
      __builtin_trap();
    if (first != r.first || last != r.last || total != size) __builtin_trap();
    rest.remove_prefix(head_end + 4);
    if (rest.size() < r.length()) __builtin_trap();
    for (uint64_t i = 0; i < r.length(); ++i)
      if (rest[i] != file_byte(first + i)) __builtin_trap();
    rest.remove_prefix(r.length());
  }
  if (rest != delimiter + "--\r\n") __builtin_trap();
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
  // The body is built in memory here: keep it small.
  if (set.kind == RangeSet::satisfiable && set.ranges.size() > 1 && body_size <= (1 << 16))
    check_multipart(set, body_size);
  check_single(sluice::serve::parse_range(header, body_size), set);
  return 0;
}
