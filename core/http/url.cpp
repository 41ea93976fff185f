#include "core/http/url.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <vector>

namespace sluice {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool valid_host_char(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '%';
}

bool bad_target_char(unsigned char c) {
  return c <= 0x20 || c == 0x7f;
}

bool scheme_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
}

// Length of "scheme" when s starts with "scheme://", else npos. A "://" later
// on (in a query, say) is not a scheme separator.
std::size_t scheme_length(std::string_view s) {
  auto sep = s.find("://");
  if (sep == std::string_view::npos || sep == 0) return std::string_view::npos;
  if (!std::isalpha(static_cast<unsigned char>(s[0]))) return std::string_view::npos;
  for (std::size_t i = 0; i < sep; ++i)
    if (!scheme_char(s[i])) return std::string_view::npos;
  return sep;
}

// RFC 3986 5.2.4: removes "." and ".." segments from the path, keeps the query.
std::string remove_dot_segments(std::string_view target) {
  auto q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string_view query = q == std::string_view::npos ? "" : target.substr(q);
  std::vector<std::string_view> out;
  std::size_t pos = 1;  // path starts with '/'
  bool trailing_slash = false;
  while (pos <= path.size()) {
    auto end = path.find('/', pos);
    std::string_view seg = path.substr(pos, end == std::string_view::npos ? end : end - pos);
    trailing_slash = false;
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
      trailing_slash = true;
    } else if (seg == ".") {
      trailing_slash = true;
    } else {
      out.push_back(seg);
    }
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  std::string result;
  for (auto seg : out) (result += '/') += seg;
  if (trailing_slash || result.empty()) result += '/';
  return result + std::string(query);
}

Result<void> parse_authority(std::string_view auth, Url& u) {
  if (auto at = auth.rfind('@'); at != std::string_view::npos) {
    u.userinfo = auth.substr(0, at);
    auth.remove_prefix(at + 1);
  }
  std::string_view port_str;
  if (auth.starts_with('[')) {
    auto close = auth.find(']');
    if (close == std::string_view::npos)
      return fail(Errc::bad_url, "URL rejected: Bad IPv6 address");
    u.host = lower(auth.substr(1, close - 1));
    in6_addr tmp;
    if (::inet_pton(AF_INET6, u.host.c_str(), &tmp) != 1)
      return fail(Errc::bad_url, "URL rejected: Bad IPv6 address");
    auto rest = auth.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return fail(Errc::bad_url, "URL rejected: Bad IPv6 address");
      port_str = rest.substr(1);
    }
  } else {
    auto colon = auth.find(':');
    u.host = lower(auth.substr(0, colon));
    if (colon != std::string_view::npos) port_str = auth.substr(colon + 1);
    if (!std::all_of(u.host.begin(), u.host.end(),
                     [](char c) { return valid_host_char(static_cast<unsigned char>(c)); }))
      return fail(Errc::bad_url, "URL rejected: Bad hostname");
  }
  if (u.host.empty()) return fail(Errc::bad_url, "URL rejected: No host part in the URL");
  if (!port_str.empty()) {
    unsigned port = 0;
    auto [p, ec] = std::from_chars(port_str.data(), port_str.data() + port_str.size(), port);
    if (ec != std::errc() || p != port_str.data() + port_str.size() || port > 65535 || port == 0)
      return fail(Errc::bad_url,
                  "URL rejected: Port number was not a decimal number between 0 and 65535");
    u.port = static_cast<uint16_t>(port);
  }
  return {};
}

}  // namespace

std::string Url::authority() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (!default_port()) h.append(":").append(std::to_string(port));
  return h;
}

std::string Url::origin() const {
  return scheme + "://" + authority();
}

std::string Url::file_name() const {
  std::string_view path = target;
  path = path.substr(0, path.find('?'));
  auto slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

Error protocol_refused(std::string_view scheme) {
  return Error{Errc::unsupported_protocol,
               fmt::format("Protocol \"{}\" not supported or disabled in sluice", scheme)};
}

Result<Url> parse_url(std::string_view s, bool path_as_is) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  if (s.empty()) return fail(Errc::bad_url, "URL rejected: No URL given");
  Url u;
  auto sep = scheme_length(s);
  if (sep != std::string_view::npos) {
    u.scheme = lower(s.substr(0, sep));
    s.remove_prefix(sep + 3);
  } else if (auto bad = s.find("://");
             bad != std::string_view::npos && bad < s.find_first_of("/?#")) {
    return fail(Errc::bad_url, "URL rejected: Bad scheme");
  } else {
    u.scheme = "http";
  }
  if (u.scheme != "http" && u.scheme != "https") return std::unexpected(protocol_refused(u.scheme));
  u.port = u.tls() ? 443 : 80;
  auto auth_end = s.find_first_of("/?#");
  if (auto r = parse_authority(s.substr(0, auth_end), u); !r) return std::unexpected(r.error());
  std::string_view rest = auth_end == std::string_view::npos ? "" : s.substr(auth_end);
  if (auto hash = rest.find('#'); hash != std::string_view::npos) {
    u.fragment = std::string(rest.substr(hash));
    rest = rest.substr(0, hash);
  }
  if (std::any_of(rest.begin(), rest.end(),
                  [](char c) { return bad_target_char(static_cast<unsigned char>(c)); }))
    return fail(Errc::bad_url, "URL rejected: Malformed input to a URL function");
  u.target = rest.starts_with('/') ? std::string(rest) : "/" + std::string(rest);
  if (!path_as_is) u.target = remove_dot_segments(u.target);
  return u;
}

namespace {
// Servers put raw spaces and UTF-8 in Location; like curl, send them
// percent-encoded instead of refusing to follow.
std::string escape_location(std::string_view ref) {
  std::string out;
  for (unsigned char c : ref) {
    if (c == ' ' || c >= 0x80)
      out += fmt::format("%{:02X}", c);
    else
      out += static_cast<char>(c);
  }
  return out;
}
}  // namespace

Result<Url> resolve_reference(const Url& base, std::string_view raw_ref) {
  std::string escaped = escape_location(raw_ref);
  std::string_view ref = escaped;
  if (scheme_length(ref) != std::string_view::npos) return parse_url(ref);
  if (ref.starts_with("//")) return parse_url(base.scheme + ":" + std::string(ref));
  Url u = base;
  u.fragment.clear();
  if (auto hash = ref.find('#'); hash != std::string_view::npos) {
    u.fragment = std::string(ref.substr(hash));
    ref = ref.substr(0, hash);
  }
  if (ref.starts_with('/')) {
    u.target = std::string(ref);
  } else if (ref.starts_with('?')) {
    u.target = base.target.substr(0, base.target.find('?')) + std::string(ref);
  } else {
    std::string dir = base.target.substr(0, base.target.find('?'));
    dir = dir.substr(0, dir.rfind('/') + 1);
    u.target = dir + std::string(ref);
  }
  u.target = remove_dot_segments(u.target);
  if (std::any_of(u.target.begin(), u.target.end(),
                  [](char c) { return bad_target_char(static_cast<unsigned char>(c)); }))
    return fail(Errc::bad_url, "URL rejected: Malformed Location header");
  return u;
}

}  // namespace sluice
