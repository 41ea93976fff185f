// HTTP forward proxies as curl uses them: the proxy URL (-x, http_proxy and
// the like), the no-proxy list (--noproxy, NO_PROXY), and which proxy, if any,
// a target URL goes through. What a connection to a proxy looks like on the
// wire is the Connector's (CONNECT tunnels) and H1ClientSession's (absolute-form).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/http/url.hpp"
#include "core/util/error.hpp"

namespace sluice {

struct Proxy {
  std::string host;  // lower case, IPv6 without brackets
  uint16_t port = 1080;
  std::string credentials;  // "user:password", percent-decoded; empty: none
  // "Basic dXNlcjpwYXNz" for Proxy-Authorization, or "" without credentials.
  std::string authorization() const;
  std::string str() const;  // "http://host:port", no credentials
};

// "[http://][user:password@]host[:port][/]": a scheme other than http is
// refused (curl's exit 7, "Unsupported proxy scheme"), no port means 1080.
Result<Proxy> parse_proxy(std::string_view s);

// curl's no-proxy rule: list holds names and addresses separated by commas
// (or spaces); a list that is just "*" matches every host; a name matches itself and its
// subdomains (a leading dot is ignored); an IP address matches itself and an
// address/bits entry its network.
bool no_proxy_matches(std::string_view list, std::string_view host);

// The proxies of a run, already chosen between -x and the environment.
struct ProxyConfig {
  std::optional<Proxy> http, https;  // for http:// and https:// targets
  std::string no_proxy;              // --noproxy, else NO_PROXY
  bool tunnel_http = false;          // -p: CONNECT for http:// targets too
  std::string headers;  // --proxy-header: lines for the proxy only, "Name: value\r\n" each
  // The proxy a request to u goes through, or nullptr for a direct connection.
  const Proxy* for_url(const Url& u) const;
  bool tunnels(const Url& u) const { return u.tls() || tunnel_http; }
};

}  // namespace sluice
