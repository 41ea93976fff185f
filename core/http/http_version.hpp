// Which HTTP version a client speaks, as curl's --http1.1 / --http2 /
// --http2-prior-knowledge / --http3 / --http3-only choose it, and what that means on the wire: the
// ALPN list offered over TLS, and whether a new connection speaks h2.
// Shared by `get` and `bench` through the Dialer (dialer.hpp).
#pragma once

#include <string>
#include <vector>

#include "core/net/transport.hpp"

namespace sluice {

enum class HttpVersion {
  negotiate,    // https: offer h2 and http/1.1 by ALPN; http: HTTP/1.1
  http1_1,      // HTTP/1.1 only
  http2,        // https: as negotiate; http: HTTP/1.1 asking "Upgrade: h2c" (get only)
  http2_prior,  // h2 without negotiation, also on plain TCP (h2c)
  http3,        // https: QUIC first, TCP (h2, http/1.1 by ALPN) after a head start or a failure
  http3_only,   // https: QUIC and h3 or nothing
};

// Whether an origin is tried over QUIC: HTTP/3 is for https only, as in curl.
inline bool tries_h3(HttpVersion v, bool tls) {
  return tls && (v == HttpVersion::http3 || v == HttpVersion::http3_only);
}

// The ALPN protocols a TLS client context offers for v.
inline std::vector<std::string> alpn_for(HttpVersion v) {
  if (v == HttpVersion::http1_1) return {"http/1.1"};
  return {"h2", "http/1.1"};
}

// Whether a new connection speaks h2: ALPN chose it, or prior knowledge on a
// plain connection. Over TLS ALPN has the last word, as in curl (a server that
// picked http/1.1 is spoken to in HTTP/1.1).
inline bool speaks_h2(HttpVersion v, const Transport& t) {
  return (v == HttpVersion::http2_prior && !t.is_tls()) || t.alpn() == "h2";
}

}  // namespace sluice
