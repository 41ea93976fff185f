#include "core/http/proxy.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

#include "core/http/headers.hpp"
#include "core/util/base64.hpp"
#include "core/util/percent.hpp"

namespace sluice {

std::string Proxy::authorization() const {
  return credentials.empty() ? "" : "Basic " + base64_encode(credentials);
}

std::string Proxy::str() const {
  bool v6 = host.find(':') != std::string::npos;
  return fmt::format("http://{}{}{}:{}", v6 ? "[" : "", host, v6 ? "]" : "", port);
}

Result<Proxy> parse_proxy(std::string_view s) {
  std::string_view rest = s;
  if (auto sep = s.find("://"); sep != std::string_view::npos) {
    if (!iequals(s.substr(0, sep), "http"))
      return fail(Errc::connect_failed, fmt::format("Unsupported proxy scheme for '{}'", s));
    rest.remove_prefix(sep + 3);
  }
  std::string_view auth = rest.substr(0, rest.find('/'));
  std::size_t at = auth.rfind('@');
  std::string_view hostport = at == std::string_view::npos ? auth : auth.substr(at + 1);
  bool has_port = hostport.starts_with('[') ? hostport.find("]:") != std::string_view::npos
                                            : hostport.find(':') != std::string_view::npos;
  // The URL parser checks host and port as it does for targets.
  auto url = parse_url(fmt::format("http://{}/", auth));
  if (!url)
    return fail(Errc::bad_proxy,
                fmt::format("Unsupported proxy syntax in '{}': {}", s, url.error().message));
  Proxy p{url->host, has_port ? url->port : uint16_t{1080}, ""};
  if (!url->userinfo.empty()) {
    p.credentials = percent_decode(url->userinfo).value_or(url->userinfo);
    if (p.credentials.find(':') == std::string::npos) p.credentials += ':';
  }
  return p;
}

namespace {

struct Network {
  int family = 0;
  unsigned char bytes[16] = {};
};

std::optional<Network> ip_of(std::string_view text) {
  if (text.starts_with('[') && text.ends_with(']')) text = text.substr(1, text.size() - 2);
  std::string s(text);
  Network n;
  if (::inet_pton(AF_INET, s.c_str(), n.bytes) == 1)
    n.family = AF_INET;
  else if (::inet_pton(AF_INET6, s.c_str(), n.bytes) == 1)
    n.family = AF_INET6;
  else
    return std::nullopt;
  return n;
}

// An address entry, "addr" or "addr/bits", against the host's address.
bool ip_matches(std::string_view entry, const Network& host) {
  auto slash = entry.find('/');
  auto net = ip_of(entry.substr(0, slash));
  if (!net || net->family != host.family) return false;
  unsigned max = host.family == AF_INET ? 32 : 128, bits = max;
  if (slash != std::string_view::npos) {
    auto num = entry.substr(slash + 1);
    auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), bits);
    if (ec != std::errc() || p != num.data() + num.size() || bits > max) return false;
  }
  unsigned whole = bits / 8, rest = bits % 8;
  if (std::memcmp(net->bytes, host.bytes, whole) != 0) return false;
  if (rest == 0) return true;
  unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (net->bytes[whole] & mask) == (host.bytes[whole] & mask);
}

bool name_matches(std::string_view entry, std::string_view host) {
  while (entry.starts_with('.')) entry.remove_prefix(1);
  if (entry.ends_with('.')) entry.remove_suffix(1);
  if (entry.empty() || entry.size() > host.size()) return false;
  std::string_view tail = host.substr(host.size() - entry.size());
  if (!iequals(tail, entry)) return false;
  return entry.size() == host.size() || host[host.size() - entry.size() - 1] == '.';
}

}  // namespace

bool no_proxy_matches(std::string_view list, std::string_view host) {
  if (host.ends_with('.')) host.remove_suffix(1);
  if (trim_ows(list) == "*") return true;  // only the whole list, as in curl
  auto ip = ip_of(host);
  std::size_t pos = 0;
  while (pos < list.size()) {
    std::size_t end = list.find_first_of(", \t", pos);
    std::string_view entry = list.substr(pos, end == std::string_view::npos ? end : end - pos);
    pos = end == std::string_view::npos ? list.size() : end + 1;
    if (entry.empty()) continue;
    if (ip ? ip_matches(entry, *ip) : name_matches(entry, host)) return true;
  }
  return false;
}

const Proxy* ProxyConfig::for_url(const Url& u) const {
  const std::optional<Proxy>& p = u.tls() ? https : http;
  if (!p || no_proxy_matches(no_proxy, u.host)) return nullptr;
  return &*p;
}

}  // namespace sluice
