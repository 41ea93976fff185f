// The cookie engine behind `sluice get -b/-c`: RFC 6265's matching rules and
// curl's Netscape cookie files.
#include "core/fetch/cookie_jar.hpp"

#include <catch2/catch_test_macros.hpp>
#include <string>

using sluice::Url;
using sluice::fetch::CookieJar;

namespace {

constexpr std::time_t kNow = 1'800'000'000;

Url url(std::string_view s) {
  auto u = sluice::parse_url(s);
  REQUIRE(u);
  return *u;
}

}  // namespace

TEST_CASE("cookie jar: host-only and Domain cookies go where RFC 6265 sends them", "[cookies]") {
  CookieJar jar;
  jar.receive(url("http://www.example.com/"), "host=1", kNow);
  jar.receive(url("http://www.example.com/"), "dom=2; Domain=.example.com", kNow);
  jar.receive(url("http://www.example.com/"), "other=3; Domain=example.org", kNow);  // not ours
  jar.receive(url("http://www.example.com/"), "tld=4; Domain=com", kNow);            // too wide
  CHECK(jar.header_for(url("http://www.example.com/x"), kNow) == "host=1; dom=2");
  CHECK(jar.header_for(url("http://a.example.com/"), kNow) == "dom=2");
  CHECK(jar.header_for(url("http://example.com/"), kNow) == "dom=2");
  CHECK(jar.header_for(url("http://badexample.com/"), kNow).empty());
  CHECK(jar.cookies().size() == 2);
}

TEST_CASE("cookie jar: paths, their defaults and the send order", "[cookies]") {
  CookieJar jar;
  jar.receive(url("http://h/docs/page"), "def=1", kNow);  // default path: /docs
  jar.receive(url("http://h/"), "root=2; Path=/", kNow);
  jar.receive(url("http://h/"), "deep=3; Path=/docs/api", kNow);
  CHECK(jar.header_for(url("http://h/docs/api/v1?q=1"), kNow) == "deep=3; def=1; root=2");
  CHECK(jar.header_for(url("http://h/docs"), kNow) == "def=1; root=2");
  CHECK(jar.header_for(url("http://h/docsx"), kNow) == "root=2");  // a prefix, not at a '/'
}

TEST_CASE("cookie jar: Expires, Max-Age (which wins) and deletion", "[cookies]") {
  CookieJar jar;
  jar.receive(url("http://h/"), "a=1; Expires=Wed, 09 Jun 2100 10:18:14 GMT", kNow);
  jar.receive(url("http://h/"), "b=2; Expires=Wed, 09-Jun-2100 10:18:14 GMT", kNow);  // Netscape
  jar.receive(url("http://h/"), "c=3; Max-Age=60; Expires=Thu, 01 Jan 1970 00:00:00 GMT", kNow);
  jar.receive(url("http://h/"), "gone=4; Expires=Thu, 01 Jan 1970 00:00:00 GMT", kNow);
  CHECK(jar.header_for(url("http://h/"), kNow) == "a=1; b=2; c=3");
  CHECK(jar.header_for(url("http://h/"), kNow + 61) == "a=1; b=2");  // c expired
  jar.receive(url("http://h/"), "a=x; Max-Age=0", kNow);             // deletes a
  CHECK(jar.header_for(url("http://h/"), kNow) == "b=2; c=3");
  jar.receive(url("http://h/"), "b=new", kNow);  // replaced in place, a session cookie now
  CHECK(jar.header_for(url("http://h/"), kNow) == "b=new; c=3");
  CHECK_FALSE(jar.cookies()[0].expires);
}

TEST_CASE("cookie jar: Secure cookies only over https, malformed ones ignored", "[cookies]") {
  CookieJar jar;
  jar.receive(url("http://h/"), "s=1; Secure", kNow);  // a plain origin may not set one
  jar.receive(url("https://h/"), "s=2; Secure; HttpOnly", kNow);
  jar.receive(url("https://h/"), "novalue", kNow);
  jar.receive(url("https://h/"), "=x", kNow);
  CHECK(jar.header_for(url("http://h/"), kNow).empty());
  CHECK(jar.header_for(url("https://h/"), kNow) == "s=2");
  CHECK(jar.cookies().size() == 1);
}

TEST_CASE("cookie jar: curl's Netscape file, written and read back", "[cookies]") {
  CookieJar jar;
  jar.receive(url("https://www.example.com/app/x"),
              "a=1; Domain=example.com; Path=/; Secure; "
              "Max-Age=3600",
              kNow);
  jar.receive(url("http://127.0.0.1/"), "b=2; HttpOnly", kNow);
  std::string text = jar.netscape(kNow);
  CHECK(text.starts_with("# Netscape HTTP Cookie File\n"));
  CHECK(text.find(".example.com\tTRUE\t/\tTRUE\t1800003600\ta\t1\n") != std::string::npos);
  CHECK(text.find("#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\tb\t2\n") != std::string::npos);
  CookieJar back;
  back.load(text, kNow);
  CHECK(back.netscape(kNow) == text);
  CHECK(back.header_for(url("https://api.example.com/"), kNow) == "a=1");
  CHECK(back.header_for(url("http://127.0.0.1/z"), kNow) == "b=2");
}

TEST_CASE("cookie jar: a file of Set-Cookie lines, and lines it cannot read", "[cookies]") {
  CookieJar jar;
  jar.load(
      "Set-Cookie: any=1\r\n"
      "set-cookie: scoped=2; Domain=example.com\n"
      "# a comment\n"
      "h\tTRUE\t/\tFALSE\tnot-a-number\tx\ty\n"
      "too\tfew\tfields\n"
      "h\tFALSE\t/\tFALSE\t0\tempty\n",
      kNow);
  CHECK(jar.header_for(url("http://h/"), kNow) == "any=1; empty=");
  CHECK(jar.header_for(url("http://www.example.com/"), kNow) == "any=1; scoped=2");
}

// Found by fuzz_cookie_jar: Domain=..x kept ".x", which -c wrote as "..x" and
// -b then dropped. A second leading dot makes it no domain, as in the file.
TEST_CASE("cookie jar: Domain with two leading dots is no domain", "[cookies]") {
  CookieJar jar;
  jar.receive(url("http://www.example.com/"), "a=1; Domain=..example.com", kNow);
  CHECK(jar.header_for(url("http://www.example.com/"), kNow) == "a=1");
  CHECK(jar.header_for(url("http://other.example.com/"), kNow).empty());
  CookieJar from_file;
  from_file.load("set-cookie: j=3; Domain=..-\n", kNow);
  std::string written = from_file.netscape(kNow);
  CookieJar again;
  again.load(written, kNow);
  CHECK(again.netscape(kNow) == written);
}

TEST_CASE("cookie jar: -j drops the session cookies, keeps those with an expiry", "[cookies]") {
  CookieJar jar;
  jar.load("h\tFALSE\t/\tFALSE\t0\tsession\t1\nh\tFALSE\t/\tFALSE\t1900000000\tkept\t2\n", kNow);
  REQUIRE(jar.cookies().size() == 2);
  jar.drop_session_cookies();
  CHECK(jar.header_for(url("http://h/"), kNow) == "kept=2");
}

TEST_CASE("cookie jar: Domain with a blank after its dot is no domain", "[cookies]") {
  CookieJar jar;
  jar.load("Set-Cookie: j=3; Domain=. ex.example\n", kNow);
  CookieJar again;
  again.load(jar.netscape(kNow), kNow);
  CHECK(again.netscape(kNow) == jar.netscape(kNow));  // -c writes what -b reads back
}
