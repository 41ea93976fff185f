// The HTTP/2 client connection preface (RFC 9113 §3.4), for telling h2c by
// prior knowledge from HTTP/1.1 on the first bytes of a plain connection.
#pragma once

#include <string_view>

namespace sluice::h2 {

inline constexpr std::string_view kClientPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

enum class PrefaceMatch {
  no,       // not HTTP/2: parse as HTTP/1.x
  partial,  // a proper prefix of the preface so far: wait for more bytes
  full,     // starts with the whole preface
};

// No h1 request line starts with "PRI * HTTP/2.0" (PRI is reserved for
// exactly this), so the first differing byte decides.
inline PrefaceMatch match_client_preface(std::string_view first_bytes) {
  std::size_t n = std::min(first_bytes.size(), kClientPreface.size());
  if (first_bytes.substr(0, n) != kClientPreface.substr(0, n)) return PrefaceMatch::no;
  return n == kClientPreface.size() ? PrefaceMatch::full : PrefaceMatch::partial;
}

}  // namespace sluice::h2
