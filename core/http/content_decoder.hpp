// Content-Encoding decoders for `sluice get --compressed`: gzip, deflate,
// br and zstd through zlib, libbrotli and libzstd. Each decodes a bounded
// amount per call, so a small compressed input never becomes an unbounded
// buffer: the caller decodes again once its output has drained.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/util/error.hpp"

namespace sluice {

class ContentDecoder {
 public:
  virtual ~ContentDecoder() = default;
  // Decodes from the front of `in` (advancing it past what was used) and
  // appends at most max_out bytes to `out`. Fails on corrupt input.
  virtual Result<void> decode(std::string_view& in, std::string& out, std::size_t max_out) = 0;
  // The encoded stream's end was seen. zstd's may go on with another frame,
  // which it then takes; the others take nothing after it (it is ignored).
  virtual bool finished() const = 0;
};

// A decoder for one coding name ("gzip", "x-gzip", "deflate", "br", "zstd";
// case-insensitive); nullptr for any other.
std::unique_ptr<ContentDecoder> make_content_decoder(std::string_view coding);

// What --compressed sends as Accept-Encoding.
inline constexpr std::string_view kAcceptEncoding = "deflate, gzip, br, zstd";

}  // namespace sluice
