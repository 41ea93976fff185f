#include "core/fetch/cookie_jar.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <limits>

#include "core/h1/http_date.hpp"
#include "core/http/headers.hpp"

namespace sluice::fetch {

namespace {

bool is_ip_literal(std::string_view host) {
  return host.find(':') != std::string_view::npos ||
         std::all_of(host.begin(), host.end(),
                     [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

// RFC 6265 5.1.3: host is domain, or ends with "." + domain (not for IPs).
bool domain_match(std::string_view host, std::string_view domain) {
  if (host == domain) return true;
  return host.size() > domain.size() && host.ends_with(domain) &&
         host[host.size() - domain.size() - 1] == '.' && !is_ip_literal(host);
}

// The path of a request target, without its query.
std::string_view path_of(const Url& url) {
  std::string_view t = url.target;
  return t.substr(0, t.find('?'));
}

// RFC 6265 5.1.4: the cookie's path is the request path, or a prefix of it
// that ends at a '/'.
bool path_match(std::string_view request_path, std::string_view cookie_path) {
  if (!request_path.starts_with(cookie_path)) return false;
  return request_path.size() == cookie_path.size() || cookie_path.ends_with('/') ||
         request_path[cookie_path.size()] == '/';
}

// RFC 6265 5.1.4's default-path: the request path up to its last '/'.
std::string default_path(const Url& url) {
  std::string_view p = path_of(url);
  auto slash = p.rfind('/');
  if (!p.starts_with('/') || slash == 0 || slash == std::string_view::npos) return "/";
  return std::string(p.substr(0, slash));
}

// Expires as servers write it: an HTTP date, or Netscape's dashed form
// ("Wed, 09-Jun-2021 10:18:14 GMT").
std::optional<std::time_t> cookie_date(std::string_view text) {
  if (auto t = parse_http_date(text)) return t;
  std::string spaced(text);
  std::replace(spaced.begin(), spaced.end(), '-', ' ');
  return parse_http_date(spaced);
}

std::optional<long long> parse_ll(std::string_view s) {
  long long v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc::result_out_of_range)
    return s.starts_with('-') ? std::numeric_limits<long long>::min()
                              : std::numeric_limits<long long>::max();
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::time_t plus_seconds(std::time_t now, long long seconds) {
  constexpr long long kFar = 400LL * 365 * 24 * 3600;  // caps the sum: no overflow
  return now + static_cast<std::time_t>(std::clamp(seconds, -kFar, kFar));
}

bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char ch) { return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f; });
}

struct Attributes {
  std::optional<std::string> domain;
  std::string path;
  std::optional<std::time_t> expires, max_age;
  bool secure = false, http_only = false;
};

void apply_attribute(Attributes& a, std::string_view name, std::string_view value,
                     std::time_t now) {
  if (iequals(name, "domain")) {
    if (value.starts_with('.')) value.remove_prefix(1);
    // "#x" would be written to a cookie file (-c) as a comment line, and
    // "..x" (a dot left after the one removed) or ". x" (a blank after it)
    // read back as no domain, as load() takes them: none is a domain.
    if (!value.empty() && value[0] != '#' && value[0] != '.' &&
        value.find_first_of(" \t") == std::string_view::npos)
      a.domain = ascii_lower(value);
  } else if (iequals(name, "path")) {
    if (value.starts_with('/')) a.path = value;
  } else if (iequals(name, "expires")) {
    if (auto t = cookie_date(value)) a.expires = t;
  } else if (iequals(name, "max-age")) {
    if (auto s = parse_ll(value)) a.max_age = *s <= 0 ? std::time_t{0} : plus_seconds(now, *s);
  } else if (iequals(name, "secure")) {
    a.secure = true;
  } else if (iequals(name, "httponly")) {
    a.http_only = true;
  }
}

}  // namespace

void CookieJar::receive(const Url& url, std::string_view line, std::time_t now) {
  auto semi = line.find(';');
  std::string_view pair = trim_ows(line.substr(0, semi));
  auto eq = pair.find('=');
  if (eq == std::string_view::npos || trim_ows(pair.substr(0, eq)).empty()) return;
  Cookie c;
  c.name = trim_ows(pair.substr(0, eq));
  c.value = trim_ows(pair.substr(eq + 1));
  Attributes a;
  for (std::string_view rest = semi == std::string_view::npos ? "" : line.substr(semi + 1);
       !rest.empty();) {
    auto next = rest.find(';');
    std::string_view attr = rest.substr(0, next);
    rest = next == std::string_view::npos ? std::string_view{} : rest.substr(next + 1);
    auto aeq = attr.find('=');
    apply_attribute(a, trim_ows(attr.substr(0, aeq)),
                    aeq == std::string_view::npos ? "" : trim_ows(attr.substr(aeq + 1)), now);
  }
  if (a.domain) {
    // A Domain must cover the host, and be more than a top-level label. A
    // header line from a cookie file has no host to check against.
    if (!url.host.empty() && !domain_match(url.host, *a.domain)) return;
    if (a.domain->find('.') == std::string::npos && *a.domain != url.host) return;
    c.domain = *a.domain;
    c.host_only = false;
  } else {
    c.domain = url.host;
  }
  c.path = a.path.empty() ? default_path(url) : a.path;
  c.secure = a.secure;
  c.http_only = a.http_only;
  c.expires = a.max_age ? a.max_age : a.expires;  // Max-Age wins (RFC 6265 5.3 step 3)
  if (c.secure && !url.tls()) return;             // only a secure origin may set one
  // Control characters (RFC 6265 4.1.1 allows none; curl drops such cookies):
  // a tab in any field would also split its line of the cookie file.
  if (has_control(c.name) || has_control(c.value) || has_control(c.path) || has_control(c.domain))
    return;
  store(std::move(c), now);
}

void CookieJar::store(Cookie c, std::time_t now) {
  auto same = std::find_if(cookies_.begin(), cookies_.end(), [&](const Cookie& o) {
    return o.name == c.name && o.domain == c.domain && o.path == c.path;
  });
  bool expired = c.expires && *c.expires <= now;
  if (same != cookies_.end()) {
    c.order = same->order;  // a replaced cookie keeps its place
    if (expired)
      cookies_.erase(same);
    else
      *same = std::move(c);
    return;
  }
  if (expired) return;
  c.order = next_order_++;
  cookies_.push_back(std::move(c));
}

std::string CookieJar::header_for(const Url& url, std::time_t now) const {
  std::vector<const Cookie*> match;
  for (const auto& c : cookies_) {
    // No domain at all: a header line from a cookie file, sent to every host.
    bool host_ok =
        c.domain.empty() || (c.host_only ? url.host == c.domain : domain_match(url.host, c.domain));
    if (!host_ok || !path_match(path_of(url), c.path)) continue;
    if ((c.secure && !url.tls()) || (c.expires && *c.expires <= now)) continue;
    match.push_back(&c);
  }
  std::stable_sort(match.begin(), match.end(), [](const Cookie* a, const Cookie* b) {
    return a->path.size() != b->path.size() ? a->path.size() > b->path.size() : a->order < b->order;
  });
  std::string out;
  for (const Cookie* c : match) out += (out.empty() ? "" : "; ") + c->name + "=" + c->value;
  return out;
}

void CookieJar::drop_session_cookies() {
  std::erase_if(cookies_, [](const Cookie& c) { return !c.expires; });
}

void CookieJar::merge_from(const CookieJar& other, std::time_t now) {
  for (Cookie c : other.cookies_) store(std::move(c), now);
}

void CookieJar::load(std::string_view text, std::time_t now) {
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    // CRs and blanks at the end in any mix ("v\r\r", "v\r \r"): the value
    // -c writes back must end where the one read did.
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.remove_suffix(1);
    line = trim_ows(line);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (line.size() > 11 && iequals(line.substr(0, 11), "set-cookie:")) {
      // A header file: no host is known, so the cookie is for the hosts its
      // Domain names, or for every host.
      Url any;
      any.scheme = "https";
      receive(any, trim_ows(line.substr(11)), now);
      continue;
    }
    bool http_only = line.starts_with("#HttpOnly_");
    if (http_only) line.remove_prefix(10);
    if (line.empty() || line.starts_with('#')) continue;
    std::vector<std::string_view> f;
    for (std::string_view rest = line;;) {
      auto tab = rest.find('\t');
      f.push_back(rest.substr(0, tab));
      if (tab == std::string_view::npos) break;
      rest = rest.substr(tab + 1);
    }
    if (f.size() < 6 || f.size() > 7 || f[0].empty()) continue;  // name and no value: 6 fields
    Cookie c;
    std::string_view domain = f[0];
    if (domain.starts_with('.')) domain.remove_prefix(1);
    // "..x" is no domain, ".#x" would be written back as a comment line, and
    // ". x" as a line whose leading space the reader trims.
    if (domain.empty() || domain.starts_with('.') || domain.starts_with('#') ||
        trim_ows(domain).size() != domain.size())
      continue;
    c.domain = ascii_lower(domain);
    c.host_only = f[1] != "TRUE";
    c.path = f[2];
    c.secure = f[3] == "TRUE";
    auto exp = parse_ll(f[4]);
    if (!exp) continue;
    if (*exp != 0) c.expires = static_cast<std::time_t>(*exp);
    c.name = f[5];
    c.value = f.size() == 7 ? f[6] : "";
    c.http_only = http_only;
    store(std::move(c), now);
  }
}

std::string CookieJar::netscape(std::time_t now) const {
  std::string out =
      "# Netscape HTTP Cookie File\n"
      "# https://curl.se/docs/http-cookies.html\n"
      "# This file was generated by sluice. Edit at your own risk.\n\n";
  for (const auto& c : cookies_) {
    if ((c.expires && *c.expires <= now) || c.domain.empty()) continue;
    out += fmt::format("{}{}{}\t{}\t{}\t{}\t{}\t{}\t{}\n", c.http_only ? "#HttpOnly_" : "",
                       c.host_only ? "" : ".", c.domain, c.host_only ? "FALSE" : "TRUE", c.path,
                       c.secure ? "TRUE" : "FALSE",
                       c.expires ? static_cast<long long>(*c.expires) : 0, c.name, c.value);
  }
  return out;
}

}  // namespace sluice::fetch
