// curl's cookie engine for `sluice get -b/-c`: cookies from Set-Cookie
// (RFC 6265 5.2-5.4) kept per domain and path, sent back on the requests they
// match, and read from and written to curl's Netscape cookie files.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/http/url.hpp"

namespace sluice::fetch {

struct Cookie {
  std::string name, value;
  std::string domain;     // lower case, no leading dot
  std::string path;       // starts with '/'
  bool host_only = true;  // no Domain attribute: this host only, not its subdomains
  bool secure = false, http_only = false;
  std::optional<std::time_t> expires;  // nullopt: a session cookie
  uint64_t order = 0;                  // arrival, for the send order's ties
};

class CookieJar {
 public:
  // One Set-Cookie field value from a response to url. Ignored, as RFC 6265
  // says, when malformed or when its Domain does not cover url's host; an
  // expiry in the past removes the cookie.
  void receive(const Url& url, std::string_view set_cookie, std::time_t now);

  // The Cookie header value for a request to url ("a=1; b=2"), longest paths
  // first; empty when none match.
  std::string header_for(const Url& url, std::time_t now) const;

  // A cookie file as curl reads one: Netscape lines (tab-separated, a
  // "#HttpOnly_" prefix allowed) or "Set-Cookie: ..." header lines. Lines it
  // cannot read are skipped, as curl skips them.
  void load(std::string_view text, std::time_t now);

  // -j: a new session; the session cookies (no expiry) held so far are gone.
  void drop_session_cookies();
  // Every cookie of other, as if received now (-j loads a file apart, then merges).
  void merge_from(const CookieJar& other, std::time_t now);

  // The jar in curl's Netscape format (-c), session cookies with expiry 0.
  std::string netscape(std::time_t now) const;

  const std::vector<Cookie>& cookies() const { return cookies_; }

 private:
  void store(Cookie c, std::time_t now);

  std::vector<Cookie> cookies_;
  uint64_t next_order_ = 0;
};

}  // namespace sluice::fetch
