#include "cli/get_proxy.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <string_view>

#include "core/http/headers.hpp"

namespace sluice::cli {

std::string first_env(std::initializer_list<const char*> names) {
  for (const char* name : names)
    if (const char* v = std::getenv(name); v && *v) return v;
  return "";
}

namespace {

Result<std::optional<Proxy>> proxy_for(const std::string& text, const std::string& user) {
  if (text.empty()) return std::nullopt;
  auto p = parse_proxy(text);
  if (!p) return std::unexpected(p.error());
  if (!user.empty()) p->credentials = user;
  return p;
}

// One --proxy-header as it is sent: "Name: value\r\n", "Name;" as "Name:\r\n";
// "Name:" alone (curl's way to drop a header it adds) sends nothing.
std::string proxy_header_line(std::string_view line) {
  auto colon = line.find(':');
  if (colon == std::string_view::npos)
    return line.ends_with(';') ? std::string(line.substr(0, line.size() - 1)) + ":\r\n" : "";
  std::string_view value = trim_ows(line.substr(colon + 1));
  if (value.empty() || iequals(trim_ows(line.substr(0, colon)), "host")) return "";  // ours stays
  return fmt::format("{}: {}\r\n", line.substr(0, colon), value);
}

}  // namespace

Result<ProxyConfig> proxy_config(const ProxyArgs& a) {
  std::string http = first_env({"http_proxy", "all_proxy", "ALL_PROXY"});
  std::string https = first_env({"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"});
  if (!a.proxy.empty()) http = https = a.proxy.back();
  ProxyConfig c;
  auto for_http = proxy_for(http, a.user);
  if (!for_http) return std::unexpected(for_http.error());
  auto for_https = proxy_for(https, a.user);
  if (!for_https) return std::unexpected(for_https.error());
  c.http = *for_http;
  c.https = *for_https;
  c.no_proxy = a.noproxy.empty() ? first_env({"no_proxy", "NO_PROXY"}) : a.noproxy.back();
  c.tunnel_http = a.tunnel;
  bool own_authorization = false;
  for (const auto& line : a.headers) {
    std::string sent = proxy_header_line(line);
    std::string_view name = trim_ows(std::string_view(line).substr(0, line.find(':')));
    own_authorization |= !sent.empty() && iequals(name, "proxy-authorization");
    c.headers += sent;
  }
  // The user's own Proxy-Authorization replaces the one -U (or the proxy URL) would make.
  if (own_authorization)
    for (auto* p : {&c.http, &c.https})
      if (*p) (*p)->credentials.clear();
  return c;
}

}  // namespace sluice::cli
