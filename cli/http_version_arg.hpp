// The protocol switches get and bench share: --http1.1, --http2 and
// --http2-prior-knowledge, at most one of them.
#pragma once

#include "core/http/http_version.hpp"
#include "core/util/error.hpp"

namespace sluice::cli {

// None negotiates by ALPN (h2 for https, HTTP/1.1 for http); --http2 does the
// same, and get also asks "Upgrade: h2c" on http (bench does not).
Result<HttpVersion> http_version_arg(bool http11, bool http2, bool http2_prior);

}  // namespace sluice::cli
