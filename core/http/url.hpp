// URL parsing for http:// and https:// (RFC 3986 subset that curl users type).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/util/error.hpp"

namespace sluice {

struct Url {
  std::string scheme;    // "http" or "https", lower case
  std::string host;      // lower case, IPv6 without brackets
  uint16_t port = 0;     // always set (default from scheme)
  std::string target;    // path + "?query", at least "/"; no fragment
  std::string userinfo;  // "user:password" before '@', still percent-encoded; never in str()
  std::string fragment;  // "#..." as typed, or empty: never sent, only reported (%{url_effective})

  bool tls() const { return scheme == "https"; }
  bool default_port() const { return port == (tls() ? 443 : 80); }
  std::string authority() const;  // Host header value: host[:port], v6 bracketed
  std::string origin() const;     // scheme://authority
  std::string str() const { return origin() + target; }
  std::string str_with_fragment() const { return str() + fragment; }
  std::string file_name() const;  // last path segment, for -O
};

// curl's exit 1 for a scheme sluice does not speak or --proto refuses.
Error protocol_refused(std::string_view scheme);

// A URL without a scheme is taken as http:// like curl does. Its path's
// "/./" and "/../" are resolved (RFC 3986 5.2.4) unless path_as_is
// (curl's --path-as-is).
Result<Url> parse_url(std::string_view s, bool path_as_is = false);
// Resolves a Location header against the base URL.
Result<Url> resolve_reference(const Url& base, std::string_view ref);

}  // namespace sluice
