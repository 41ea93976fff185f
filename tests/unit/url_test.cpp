#include "core/http/url.hpp"

#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <string>

using sluice::Errc;
using sluice::parse_url;
using sluice::resolve_reference;
using sluice::Url;

namespace {

Url must_parse(std::string_view s) {
  auto u = parse_url(s);
  INFO("url: " << s);
  REQUIRE(u.has_value());
  return *u;
}

Errc error_of(std::string_view s) {
  auto u = parse_url(s);
  INFO("url: " << s);
  REQUIRE_FALSE(u.has_value());
  return u.error().code;
}

}  // namespace

TEST_CASE("parse_url: http and https with default ports", "[url]") {
  auto u = must_parse("http://example.com/index.html");
  CHECK(u.scheme == "http");
  CHECK(u.host == "example.com");
  CHECK(u.port == 80);
  CHECK(u.target == "/index.html");
  CHECK_FALSE(u.tls());
  CHECK(u.default_port());

  auto s = must_parse("https://example.com/a/b?x=1&y=2");
  CHECK(s.scheme == "https");
  CHECK(s.port == 443);
  CHECK(s.tls());
  CHECK(s.default_port());
  CHECK(s.target == "/a/b?x=1&y=2");
}

TEST_CASE("parse_url: scheme and host are lower-cased, path is not", "[url]") {
  auto u = must_parse("HTTPS://Example.COM/Path/File.TXT");
  CHECK(u.scheme == "https");
  CHECK(u.host == "example.com");
  CHECK(u.target == "/Path/File.TXT");
}

TEST_CASE("parse_url: explicit ports", "[url]") {
  auto u = must_parse("http://localhost:8080/x");
  CHECK(u.port == 8080);
  CHECK_FALSE(u.default_port());

  CHECK(must_parse("http://h:1/").port == 1);
  CHECK(must_parse("http://h:65535/").port == 65535);
  // The default port written out is still the default port.
  CHECK(must_parse("https://h:443/").default_port());
  // http on 443 is not a default port.
  CHECK_FALSE(must_parse("http://h:443/").default_port());
  // An empty port means the default (curl accepts it).
  CHECK(must_parse("http://h:/p").port == 80);
}

TEST_CASE("parse_url: bad ports are rejected", "[url]") {
  auto bad = GENERATE(as<std::string>{}, "http://h:0/", "http://h:65536/", "http://h:abc/",
                      "http://h:80abc/", "http://h:-1/", "http://h:99999999999999999999/");
  CHECK(error_of(bad) == Errc::bad_url);
}

TEST_CASE("parse_url: IPv6 literals", "[url]") {
  auto u = must_parse("http://[::1]:8080/p");
  CHECK(u.host == "::1");
  CHECK(u.port == 8080);
  CHECK(u.target == "/p");
  CHECK(u.authority() == "[::1]:8080");

  auto d = must_parse("https://[2001:DB8::1]/");
  CHECK(d.host == "2001:db8::1");
  CHECK(d.port == 443);
  CHECK(d.authority() == "[2001:db8::1]");
  CHECK(d.origin() == "https://[2001:db8::1]");

  CHECK(must_parse("http://[::1]").target == "/");
}

TEST_CASE("parse_url: bad IPv6 literals", "[url]") {
  auto bad = GENERATE(as<std::string>{}, "http://[::1/", "http://[zz::1]/", "http://[::1]x/",
                      "http://[]/", "http://[::1]:0/", "http://[::1]:65536/");
  CHECK(error_of(bad) == Errc::bad_url);
}

TEST_CASE("parse_url: empty host is rejected", "[url]") {
  auto bad =
      GENERATE(as<std::string>{}, "http:///path", "http://", "https://:8080/", "http://user@/");
  CHECK(error_of(bad) == Errc::bad_url);
}

TEST_CASE("parse_url: no scheme means http", "[url]") {
  auto u = must_parse("example.com/x");
  CHECK(u.scheme == "http");
  CHECK(u.port == 80);
  CHECK(u.host == "example.com");
  CHECK(u.target == "/x");

  auto p = must_parse("localhost:9000");
  CHECK(p.scheme == "http");
  CHECK(p.host == "localhost");
  CHECK(p.port == 9000);
  CHECK(p.target == "/");
}

TEST_CASE("parse_url: no scheme with '://' later in the query is still http", "[url][bug]") {
  // curl takes "example.com/?next=http://other/" as an http URL; the "://" in the
  // query must not be mistaken for the scheme separator.
  auto u = parse_url("example.com/?next=http://other/");
  REQUIRE(u.has_value());
  CHECK(u->scheme == "http");
  CHECK(u->host == "example.com");
  CHECK(u->target == "/?next=http://other/");
}

TEST_CASE("parse_url: target defaults and query without path", "[url]") {
  CHECK(must_parse("http://h").target == "/");
  CHECK(must_parse("http://h/").target == "/");
  CHECK(must_parse("http://h?q=1").target == "/?q=1");
  CHECK(must_parse("http://h:81?q=1").port == 81);
}

TEST_CASE("parse_url: fragments are kept apart, never in the target", "[url]") {
  CHECK(must_parse("http://h/a#frag").target == "/a");
  CHECK(must_parse("http://h/a#frag").fragment == "#frag");
  CHECK(must_parse("http://h/a?b=1#frag").str() == "http://h/a?b=1");
  CHECK(must_parse("http://h/a?b=1#frag").str_with_fragment() == "http://h/a?b=1#frag");
  CHECK(must_parse("http://h/a").fragment.empty());
  CHECK(must_parse("http://h/a?b=1#frag").target == "/a?b=1");
  CHECK(must_parse("http://h#frag").target == "/");
  auto u = must_parse("http://h:8080#x");
  CHECK(u.port == 8080);
  CHECK(u.target == "/");
}

TEST_CASE("parse_url: user info is skipped", "[url]") {
  auto u = must_parse("http://user:pass@host.example:81/x");
  CHECK(u.host == "host.example");
  CHECK(u.port == 81);
}

TEST_CASE("parse_url: surrounding whitespace is trimmed", "[url]") {
  auto u = must_parse("  http://h/x \n");
  CHECK(u.host == "h");
  CHECK(u.target == "/x");
}

TEST_CASE("parse_url: spaces and control characters are rejected", "[url]") {
  auto bad = GENERATE(as<std::string>{}, "http://h/a b", "http://h/a\tb", "http://h/a\x01",
                      "http://h/\x7f", "http://h/a\rb", "http://h/a\nb", "http://ho st/",
                      "http://h\x01/", std::string("http://h/a\0b", 12));
  INFO("input size " << bad.size());
  CHECK(error_of(bad) == Errc::bad_url);
}

TEST_CASE("parse_url: empty input", "[url]") {
  CHECK(error_of("") == Errc::bad_url);
  CHECK(error_of("   ") == Errc::bad_url);
}

TEST_CASE("parse_url: unsupported schemes", "[url]") {
  auto u = parse_url("ftp://example.com/file");
  REQUIRE_FALSE(u.has_value());
  CHECK(u.error().code == Errc::unsupported_protocol);
  CHECK_THAT(u.error().message, Catch::Matchers::ContainsSubstring("ftp"));

  CHECK(error_of("gopher://h/") == Errc::unsupported_protocol);
  CHECK(error_of("FTP://h/") == Errc::unsupported_protocol);
  CHECK(error_of("ws://h/") == Errc::unsupported_protocol);
}

TEST_CASE("parse_url: malformed schemes are bad_url", "[url]") {
  CHECK(error_of("://h/") == Errc::bad_url);
  CHECK(error_of("ht tp://h/") == Errc::bad_url);
  CHECK(error_of("ht_tp://h/") == Errc::bad_url);
}

TEST_CASE("Url: authority and origin", "[url]") {
  CHECK(must_parse("http://h/").authority() == "h");
  CHECK(must_parse("http://h:8080/").authority() == "h:8080");
  CHECK(must_parse("https://h:443/").authority() == "h");
  CHECK(must_parse("https://h:80/").authority() == "h:80");
  CHECK(must_parse("http://h:8080/x?y").origin() == "http://h:8080");
  CHECK(must_parse("https://h/x").origin() == "https://h");
  CHECK(must_parse("https://H:444/x?y#z").str() == "https://h:444/x?y");
}

TEST_CASE("Url: file_name", "[url]") {
  CHECK(must_parse("http://h/a/b/file.tar.gz").file_name() == "file.tar.gz");
  CHECK(must_parse("http://h/a/b/file.txt?x=1/2").file_name() == "file.txt");
  CHECK(must_parse("http://h/dir/").file_name() == "");
  CHECK(must_parse("http://h").file_name() == "");
  CHECK(must_parse("http://h/only").file_name() == "only");
}

TEST_CASE("resolve_reference", "[url]") {
  Url base = must_parse("https://example.com:8443/a/b/c?q=1");

  SECTION("absolute URL") {
    auto u = resolve_reference(base, "http://other.org/x");
    REQUIRE(u);
    CHECK(u->str() == "http://other.org/x");
  }
  SECTION("absolute URL with unsupported scheme") {
    auto u = resolve_reference(base, "ftp://other.org/x");
    REQUIRE_FALSE(u);
    CHECK(u.error().code == Errc::unsupported_protocol);
  }
  SECTION("scheme-relative") {
    auto u = resolve_reference(base, "//cdn.example.net/lib.js");
    REQUIRE(u);
    CHECK(u->scheme == "https");
    CHECK(u->host == "cdn.example.net");
    CHECK(u->port == 443);
    CHECK(u->target == "/lib.js");
  }
  SECTION("absolute path keeps scheme, host and port") {
    auto u = resolve_reference(base, "/new/path?z=9");
    REQUIRE(u);
    CHECK(u->str() == "https://example.com:8443/new/path?z=9");
  }
  SECTION("relative path replaces the last segment and drops the query") {
    auto u = resolve_reference(base, "d/e");
    REQUIRE(u);
    CHECK(u->target == "/a/b/d/e");
    CHECK(u->host == "example.com");
    CHECK(u->port == 8443);
  }
  SECTION("relative path against a directory") {
    Url dir = must_parse("http://h/dir/");
    auto u = resolve_reference(dir, "file");
    REQUIRE(u);
    CHECK(u->target == "/dir/file");
  }
  SECTION("spaces and non-ASCII bytes are percent-encoded, as curl sends them") {
    auto u = resolve_reference(base, "/my file/\xc3\xa9t\xc3\xa9?q=a b");
    REQUIRE(u);
    CHECK(u->target == "/my%20file/%C3%A9t%C3%A9?q=a%20b");
    auto abs = resolve_reference(base, "http://other.org/a b");
    REQUIRE(abs);
    CHECK(abs->target == "/a%20b");
    CHECK_FALSE(resolve_reference(base, "/tab\there"));  // control characters stay errors
  }
  SECTION("query only keeps the path") {
    auto u = resolve_reference(base, "?page=2");
    REQUIRE(u);
    CHECK(u->target == "/a/b/c?page=2");
  }
  SECTION("fragment is kept apart from the target, the Location's own") {
    auto u = resolve_reference(base, "/x#top");
    REQUIRE(u);
    CHECK(u->target == "/x");
    CHECK(u->fragment == "#top");
    Url from = base;
    from.fragment = "#old";
    auto plain = resolve_reference(from, "/y");
    REQUIRE(plain);
    CHECK(plain->fragment.empty());
  }
  SECTION("control characters are rejected") {
    auto u = resolve_reference(base, "/a\x01b");
    REQUIRE_FALSE(u);
    CHECK(u.error().code == Errc::bad_url);
  }
}

TEST_CASE("resolve_reference: a path whose query holds '://' is relative", "[url][bug]") {
  // Location: /login?next=https://example.com/ is an absolute-path reference.
  Url base = must_parse("http://example.com/a");
  auto u = resolve_reference(base, "/login?next=https://example.com/");
  REQUIRE(u.has_value());
  CHECK(u->host == "example.com");
  CHECK(u->target == "/login?next=https://example.com/");
}

TEST_CASE("resolve_reference: dot segments are removed", "[url][bug]") {
  // RFC 3986 5.2.4 (curl does the same): "../d" from /a/b/c is /a/d.
  Url base = must_parse("http://h/a/b/c");
  auto up = resolve_reference(base, "../d");
  REQUIRE(up.has_value());
  CHECK(up->target == "/a/d");
  auto here = resolve_reference(base, "./e");
  REQUIRE(here.has_value());
  CHECK(here->target == "/a/b/e");
}

TEST_CASE("dot segments in paths", "[url]") {
  struct Case {
    const char* url;
    const char* target;
  };
  auto c = GENERATE(Case{"http://h/a/../b", "/b"}, Case{"http://h/a/./b/", "/a/b/"},
                    Case{"http://h/a/b/..", "/a/"}, Case{"http://h/a/b/.", "/a/b/"},
                    Case{"http://h/..", "/"}, Case{"http://h/../../x", "/x"},
                    Case{"http://h/a/..?q=../y", "/?q=../y"}, Case{"http://h/.../.x/", "/.../.x/"},
                    Case{"http://h//a", "//a"}, Case{"http://h?x=./y", "/?x=./y"});
  INFO(c.url);
  CHECK(must_parse(c.url).target == c.target);
}

TEST_CASE("resolve_reference: dot segments at and above the root", "[url]") {
  Url base = must_parse("http://h/a/b");
  auto above = resolve_reference(base, "../../../x");
  REQUIRE(above);
  CHECK(above->target == "/x");
  auto dir = resolve_reference(base, "..");
  REQUIRE(dir);
  CHECK(dir->target == "/");
  auto abs = resolve_reference(base, "/p/./q/../r?s=../t");
  REQUIRE(abs);
  CHECK(abs->target == "/p/r?s=../t");
}

TEST_CASE("parse_url: a scheme must start with a letter", "[url]") {
  CHECK(error_of("1http://h/") == Errc::bad_url);
  CHECK(error_of("+a://h/") == Errc::bad_url);
  // A "://" after the authority is not a scheme.
  auto u = must_parse("h:8080/?u=http://x");
  CHECK(u.host == "h");
  CHECK(u.port == 8080);
  CHECK(u.target == "/?u=http://x");
}
