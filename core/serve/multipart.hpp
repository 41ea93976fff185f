// The body of a multi-range response (RFC 9110 14.6, multipart/byteranges),
// laid out as nginx sends it: each part is a text header followed by a slice
// of the file, and a closing delimiter ends the body.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/serve/range.hpp"

namespace sluice::serve {

// Text, then `length` file bytes from `offset`; a whole-file or single-range
// body is one piece with empty text.
struct BodyPiece {
  std::string text;
  uint64_t offset = 0, length = 0;
};

struct PlannedBody {
  std::string content_type;  // "multipart/byteranges; boundary=..."
  std::vector<BodyPiece> pieces;
  std::string tail;     // the closing delimiter
  uint64_t length = 0;  // Content-Length: every piece's text and bytes, and the tail
};

// part_type: the file's own Content-Type, repeated in each part.
PlannedBody plan_byteranges(const std::vector<ByteRange>& ranges, uint64_t size,
                            std::string_view part_type, std::string_view boundary);

// A boundary that differs per response (a per-thread counter, as nginx uses).
std::string next_boundary();

}  // namespace sluice::serve
