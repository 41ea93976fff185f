// `get`'s proxy flags and the environment's proxy variables, with curl's
// precedence, into the ProxyConfig the fetch engine routes by.
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "core/http/proxy.hpp"

namespace sluice::cli {

struct ProxyArgs {
  std::vector<std::string> proxy;    // -x, each occurrence (the last counts)
  std::string user;                  // -U "user:password" ("" for none)
  std::vector<std::string> noproxy;  // --noproxy, each occurrence
  bool tunnel = false;               // -p
  std::vector<std::string> headers;  // --proxy-header: "Name: value", "Name;" (empty), @FILE
};

// The first of the environment's variables that is set and not empty ("" if none).
std::string first_env(std::initializer_list<const char*> names);

// -x over the environment (-x "" turns both off); http_proxy in lower case
// only, as curl (a CGI program's HTTP_PROXY comes from its client), then
// all_proxy/ALL_PROXY; https_proxy/HTTPS_PROXY, then the same; --noproxy
// over no_proxy/NO_PROXY. -U replaces the credentials of the proxy URL.
Result<ProxyConfig> proxy_config(const ProxyArgs& a);

}  // namespace sluice::cli
