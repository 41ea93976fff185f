#include "core/serve/multipart.hpp"

#include <fmt/format.h>

namespace sluice::serve {

PlannedBody plan_byteranges(const std::vector<ByteRange>& ranges, uint64_t size,
                            std::string_view part_type, std::string_view boundary) {
  PlannedBody body;
  body.content_type = fmt::format("multipart/byteranges; boundary={}", boundary);
  for (const ByteRange& r : ranges) {
    BodyPiece p{fmt::format("\r\n--{}\r\nContent-Type: {}\r\nContent-Range: bytes {}-{}/{}\r\n\r\n",
                            boundary, part_type, r.first, r.last, size),
                r.first, r.length()};
    body.length += p.text.size() + p.length;
    body.pieces.push_back(std::move(p));
  }
  body.tail = fmt::format("\r\n--{}--\r\n", boundary);
  body.length += body.tail.size();
  return body;
}

std::string next_boundary() {
  thread_local uint64_t counter = 0;
  return fmt::format("{:020}", ++counter);
}

}  // namespace sluice::serve
