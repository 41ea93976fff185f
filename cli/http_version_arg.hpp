// The protocol switches get and bench share: --http1.1, --http2,
// --http2-prior-knowledge, --http3 and --http3-only, at most one of them.
#pragma once

#include "core/http/http_version.hpp"
#include "core/util/error.hpp"

namespace sluice::cli {

struct VersionFlags {
  bool http11 = false, http2 = false, http2_prior = false, http3 = false, http3_only = false;
};

// None negotiates by ALPN (h2 for https, HTTP/1.1 for http); --http2 does the
// same, and get also asks "Upgrade: h2c" on http (bench does not).
Result<HttpVersion> http_version_arg(const VersionFlags& f);

}  // namespace sluice::cli
