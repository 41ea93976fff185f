// "Range: bytes=..." requests against a body of known size.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace sluice::serve {

struct ByteRange {
  uint64_t first = 0, last = 0;  // inclusive
  uint64_t length() const { return last - first + 1; }
};

struct RangeSet {
  enum Kind {
    none,           // no usable Range: send the whole body (200)
    satisfiable,    // 206: one range, or several as multipart/byteranges
    unsatisfiable,  // 416 with Content-Range: bytes */size
  } kind = none;
  std::vector<ByteRange> ranges;  // satisfiable ones, in the order asked
};

// More ranges than this, or ranges that add up to more than the body (a
// client asking for the same bytes over and over), are ignored and the whole
// body is sent, as RFC 9110 14.2 allows and nginx does for the second case.
inline constexpr std::size_t kMaxRanges = 16;

// Any malformed range, or a unit other than bytes, makes the header ignored
// (`none`). Ranges that start past the end are dropped; if none is left the
// set is unsatisfiable.
RangeSet parse_ranges(std::string_view header, uint64_t size);

struct RangeRequest {
  enum Kind { none, satisfiable, unsatisfiable } kind = none;
  uint64_t first = 0, last = 0;  // inclusive
  uint64_t length() const { return last - first + 1; }
};

// A single range, for bodies that do not offer multipart/byteranges
// (/bytes/N): several ranges give `none`.
RangeRequest parse_range(std::string_view header, uint64_t size);

}  // namespace sluice::serve
