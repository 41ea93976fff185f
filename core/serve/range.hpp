// A single "Range: bytes=..." request against a body of known size.
#pragma once

#include <cstdint>
#include <string_view>

namespace sluice::serve {

struct RangeRequest {
  enum Kind {
    none,           // no usable Range: send the whole body (200)
    satisfiable,    // 206 with first..last
    unsatisfiable,  // 416 with Content-Range: bytes */size
  } kind = none;
  uint64_t first = 0, last = 0;  // inclusive
  uint64_t length() const { return last - first + 1; }
};

// Multiple ranges and malformed values are ignored (RFC 9110 allows serving
// the whole body), so they give `none`.
RangeRequest parse_range(std::string_view header, uint64_t size);

}  // namespace sluice::serve
