// libFuzzer target "cookie_jar": `sluice get -b/-c`'s cookie engine
// (CookieJar): curl's Netscape cookie files and Set-Cookie header lines.
// Input: a flags byte, then text. Flag bit 0 clear: the text is a cookie file
// (load); set: each line is a Set-Cookie value from a response to
// http(s)://www.example.com/dir/page (receive; bit 1 picks https).
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <set>
#include <string>
#include <string_view>
#include <tuple>

#include "core/fetch/cookie_jar.hpp"

namespace {

using sluice::fetch::Cookie;
using sluice::fetch::CookieJar;

constexpr std::time_t kNow = 1'750'000'000;  // 2025-06-15

sluice::Url url_of(bool tls) {
  sluice::Url u;
  u.scheme = tls ? "https" : "http";
  u.host = "www.example.com";
  u.port = tls ? 443 : 80;
  u.target = "/dir/page?q=1";
  return u;
}

// RFC 6265 5.1.3 for the host above: a response sets cookies for its own
// host, or for a domain above it other than a top-level one.
bool covers_origin(const Cookie& c) {
  if (c.host_only) return c.domain == "www.example.com";
  return c.domain == "www.example.com" || c.domain == "example.com";
}

// What the jar holds: none expired, one per name, domain and path.
void check_jar(const CookieJar& jar) {
  std::set<std::tuple<std::string, std::string, std::string>> keys;
  for (const Cookie& c : jar.cookies()) {
    if (c.expires && *c.expires <= kNow) __builtin_trap();
    if (!keys.emplace(c.name, c.domain, c.path).second) __builtin_trap();
  }
}

// The jar written as a cookie file (-c) reads back as the same file: what -c
// writes, -b reads unchanged.
void check_round_trip(const CookieJar& jar) {
  std::string file = jar.netscape(kNow);
  CookieJar again;
  again.load(file, kNow);
  if (again.netscape(kNow) != file) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 8192) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  CookieJar jar;
  if (data[0] & 1) {
    sluice::Url url = url_of((data[0] & 2) != 0);
    for (std::string_view rest = text; !rest.empty();) {
      auto nl = rest.find('\n');
      jar.receive(url, rest.substr(0, nl), kNow);
      rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    }
    for (const Cookie& c : jar.cookies()) {
      if (!covers_origin(c) || (c.secure && !url.tls()) || !c.path.starts_with('/'))
        __builtin_trap();
    }
    // What the jar sends back to the page that set them has every cookie
    // whose path covers the page (longest first, so no order to check here).
    std::string header = jar.header_for(url, kNow);
    for (const Cookie& c : jar.cookies())
      if (c.path == "/" && header.find(c.name + "=" + c.value) == std::string::npos)
        __builtin_trap();
  } else {
    jar.load(text, kNow);
  }
  check_jar(jar);
  check_round_trip(jar);
  return 0;
}
