// /encoded/CODING/N: N bytes of the /bytes pattern, compressed on the fly
// with Content-Encoding CODING (gzip, deflate, br or zstd) and sent chunked.
// The pattern repeats every 36 bytes, so a gigabyte travels as about a
// megabyte: the test and benchmark source for `get --compressed`, and for a
// client's memory bound when a body expands a thousandfold.
#pragma once

#include <memory>
#include <string_view>

#include "core/serve/exchange.hpp"

namespace sluice::serve {

// rest: "CODING/N". A 400 for an unknown coding or a bad size.
std::unique_ptr<Endpoint> encoded(std::string_view rest);

// A short body (JSON, for httpbin's /gzip and its siblings) coded whole with
// CODING (gzip, deflate, br or zstd), whatever the request accepts; 501 when
// brotli is not available.
std::unique_ptr<Endpoint> encoded_text(std::string_view coding, std::string_view text,
                                       std::string_view content_type);

}  // namespace sluice::serve
