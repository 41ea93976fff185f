#include "core/fetch/request_builder.hpp"

#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <string>

#include "core/fetch/digest_auth.hpp"

using sluice::Request;
using sluice::Url;
using sluice::fetch::build_request;
using sluice::fetch::FetchConfig;
using sluice::fetch::is_redirect;
using sluice::fetch::is_transient_status;
using sluice::fetch::redirect_request;

namespace {

Url url(std::string_view s) {
  auto u = sluice::parse_url(s);
  REQUIRE(u);
  return *u;
}

std::string header(const Request& r, std::string_view name) {
  auto v = r.headers.get(name);
  return v ? std::string(*v) : "<absent>";
}

}  // namespace

TEST_CASE("build_request: defaults", "[request_builder]") {
  FetchConfig cfg;
  auto r = build_request(cfg, url("http://example.com/x?y=1"));
  CHECK(r.method == "GET");
  CHECK(r.url.str() == "http://example.com/x?y=1");
  CHECK_FALSE(r.has_body);
  CHECK(r.body.empty());
  CHECK(header(r, "User-Agent") == "sluice/0.1.0");
  CHECK(header(r, "Accept") == "*/*");
  CHECK(r.headers.list().size() == 2);
  CHECK_FALSE(r.headers.has("Content-Type"));
}

TEST_CASE("build_request: user agent, HEAD and explicit method", "[request_builder]") {
  FetchConfig cfg;
  cfg.user_agent = "agent/2";
  CHECK(header(build_request(cfg, url("http://h/")), "user-agent") == "agent/2");

  cfg.head_only = true;
  CHECK(build_request(cfg, url("http://h/")).method == "HEAD");
  cfg.method = "OPTIONS";  // -X wins over -I
  CHECK(build_request(cfg, url("http://h/")).method == "OPTIONS");
}

TEST_CASE("build_request: -H replaces a default header", "[request_builder]") {
  FetchConfig cfg;
  cfg.headers = {"accept: text/html", "User-Agent:   custom/1"};
  auto r = build_request(cfg, url("http://h/"));
  CHECK(header(r, "Accept") == "text/html");
  CHECK(header(r, "User-Agent") == "custom/1");  // leading blanks trimmed
  CHECK(r.headers.list().size() == 2);
  int accepts = 0;
  for (const auto& [n, v] : r.headers.list())
    if (sluice::iequals(n, "accept")) ++accepts;
  CHECK(accepts == 1);
}

TEST_CASE("build_request: -H 'Name:' removes, -H 'Name;' sends it empty", "[request_builder]") {
  FetchConfig cfg;
  cfg.headers = {"User-Agent:", "X-Empty;", "Accept: \t"};
  auto r = build_request(cfg, url("http://h/"));
  CHECK_FALSE(r.headers.has("User-Agent"));
  CHECK_FALSE(r.headers.has("Accept"));  // only blanks after the colon: removed too
  REQUIRE(r.headers.has("X-Empty"));
  CHECK(header(r, "x-empty") == "");
  CHECK(r.headers.list().size() == 1);
}

TEST_CASE("build_request: extra headers and lines without ':' or ';'", "[request_builder]") {
  FetchConfig cfg;
  cfg.headers = {"X-Trace: abc:def", "NoColonHere", "X-Two: 2"};
  auto r = build_request(cfg, url("http://h/"));
  CHECK(header(r, "X-Trace") == "abc:def");
  CHECK(header(r, "X-Two") == "2");
  CHECK_FALSE(r.headers.has("NoColonHere"));
  CHECK(r.headers.list().size() == 4);
}

TEST_CASE("build_request: data makes a form POST", "[request_builder]") {
  FetchConfig cfg;
  cfg.data = "a=1&b=2";
  auto r = build_request(cfg, url("http://h/form"));
  CHECK(r.method == "POST");
  CHECK(r.has_body);
  CHECK(r.body == "a=1&b=2");
  CHECK(header(r, "Content-Type") == "application/x-www-form-urlencoded");

  SECTION("-H overrides the content type") {
    cfg.headers = {"content-type: application/json"};
    auto j = build_request(cfg, url("http://h/form"));
    CHECK(header(j, "Content-Type") == "application/json");
  }
  SECTION("-X with data keeps the body") {
    cfg.method = "PUT";
    auto p = build_request(cfg, url("http://h/form"));
    CHECK(p.method == "PUT");
    CHECK(p.has_body);
    CHECK(p.body == "a=1&b=2");
  }
  SECTION("empty data is still a body") {
    cfg.data = "";
    auto e = build_request(cfg, url("http://h/form"));
    CHECK(e.method == "POST");
    CHECK(e.has_body);
    CHECK(e.body.empty());
  }
}

TEST_CASE("redirect_request: method rules", "[request_builder]") {
  FetchConfig cfg;
  cfg.data = "x=1";
  const Request post = build_request(cfg, url("http://h/form"));
  const Url next = url("http://h/next");

  SECTION("301 and 302 turn POST into GET without a body") {
    auto status = GENERATE(301, 302);
    auto r = redirect_request(post, status, next);
    CHECK(r.method == "GET");
    CHECK_FALSE(r.has_body);
    CHECK(r.body.empty());
    CHECK_FALSE(r.headers.has("Content-Type"));
    CHECK(r.url.str() == "http://h/next");
    CHECK(header(r, "User-Agent") == "sluice/0.1.0");
  }
  SECTION("303 turns anything but HEAD into GET") {
    auto method = GENERATE(as<std::string>{}, "POST", "PUT", "DELETE", "GET");
    Request prev = post;
    prev.method = method;
    auto r = redirect_request(prev, 303, next);
    CHECK(r.method == "GET");
    CHECK_FALSE(r.has_body);
    CHECK_FALSE(r.headers.has("content-type"));
  }
  SECTION("303 keeps HEAD") {
    Request head = build_request(FetchConfig{}, url("http://h/"));
    head.method = "HEAD";
    CHECK(redirect_request(head, 303, next).method == "HEAD");
  }
  SECTION("307 and 308 keep method and body") {
    auto status = GENERATE(307, 308);
    auto r = redirect_request(post, status, next);
    CHECK(r.method == "POST");
    CHECK(r.has_body);
    CHECK(r.body == "x=1");
    CHECK(header(r, "Content-Type") == "application/x-www-form-urlencoded");
  }
  SECTION("301 and 302 keep PUT") {
    auto status = GENERATE(301, 302);
    Request put = post;
    put.method = "PUT";
    auto r = redirect_request(put, status, next);
    CHECK(r.method == "PUT");
    CHECK(r.has_body);
  }
}

TEST_CASE("redirect_request: Authorization stays on the same host only", "[request_builder]") {
  FetchConfig cfg;
  cfg.headers = {"Authorization: Bearer secret"};
  const Request prev = build_request(cfg, url("http://h/a"));
  CHECK(header(redirect_request(prev, 302, url("http://h/b")), "authorization") == "Bearer secret");
  CHECK_FALSE(redirect_request(prev, 302, url("http://other/b")).headers.has("Authorization"));
}

TEST_CASE("redirect_request: Authorization is dropped on a port or scheme change",
          "[request_builder][bug]") {
  // curl (CVE-2022-27776) sends credentials only to the same host, port and scheme.
  FetchConfig cfg;
  cfg.headers = {"Authorization: Bearer secret"};
  const Request prev = build_request(cfg, url("https://h/a"));
  CHECK_FALSE(redirect_request(prev, 302, url("https://h:8443/b")).headers.has("Authorization"));
  CHECK_FALSE(redirect_request(prev, 302, url("http://h/b")).headers.has("Authorization"));
}

TEST_CASE("redirect_request: a custom Cookie header is not sent to another host",
          "[request_builder][bug]") {
  // curl drops -H "Cookie: ..." together with Authorization when following to another host.
  FetchConfig cfg;
  cfg.headers = {"Cookie: session=secret"};
  const Request prev = build_request(cfg, url("http://h/a"));
  CHECK_FALSE(redirect_request(prev, 302, url("http://other/b")).headers.has("Cookie"));
}

TEST_CASE("redirect_request: --location-trusted keeps credentials on another host",
          "[request_builder]") {
  FetchConfig cfg;
  cfg.headers = {"Authorization: Bearer secret", "Cookie: session=secret"};
  const Request prev = build_request(cfg, url("http://h/a"));
  auto r = redirect_request(prev, 302, url("http://other/b"), {.trusted = true});
  CHECK(header(r, "authorization") == "Bearer secret");
  CHECK(header(r, "cookie") == "session=secret");
}

TEST_CASE("redirect_request: --post301/302/303 keep the POST on their status only",
          "[request_builder]") {
  FetchConfig cfg;
  cfg.data = "a=1";
  const Request post = build_request(cfg, url("http://h/a"));
  CHECK(redirect_request(post, 301, url("http://h/b"), {.post301 = true}).method == "POST");
  CHECK(redirect_request(post, 302, url("http://h/b"), {.post302 = true}).method == "POST");
  auto kept = redirect_request(post, 303, url("http://h/b"), {.post303 = true});
  CHECK(kept.method == "POST");
  CHECK(kept.has_body);
  CHECK(redirect_request(post, 302, url("http://h/b"), {.post301 = true}).method == "GET");
  CHECK(redirect_request(post, 303, url("http://h/b"), {.post302 = true}).method == "GET");
}

TEST_CASE("is_redirect and is_transient_status", "[request_builder]") {
  for (int s : {301, 302, 303, 307, 308}) CHECK(is_redirect(s));
  for (int s : {200, 300, 304, 305, 306, 400}) CHECK_FALSE(is_redirect(s));
  for (int s : {408, 429, 500, 502, 503, 504}) CHECK(is_transient_status(s));
  for (int s : {200, 404, 501, 505}) CHECK_FALSE(is_transient_status(s));
}

TEST_CASE("build_request: a repeated -H sends every value, a default is replaced once",
          "[request_builder]") {
  FetchConfig cfg;
  cfg.headers = {"X-A: 1", "X-A: 2", "Accept: text/plain", "Accept: text/html", "Host: other"};
  auto r = build_request(cfg, url("http://example.com/"));
  int xa = 0, accept = 0;
  for (const auto& [n, v] : r.headers.list()) {
    if (n == "X-A") ++xa;
    if (n == "Accept") ++accept;
  }
  CHECK(xa == 2);
  CHECK(accept == 2);
  CHECK(header(r, "Host") == "other");
}

TEST_CASE("build_request: URL credentials become Basic auth, as curl sends them",
          "[request_builder]") {
  FetchConfig cfg;
  // Percent-escapes are decoded first: "us@er" / "p:w".
  auto r = build_request(cfg, url("http://us%40er:p%3Aw@example.com/"));
  CHECK(header(r, "Authorization") == "Basic dXNAZXI6cDp3");
  CHECK(r.url.str() == "http://example.com/");  // never echoed in url_effective
  CHECK(header(build_request(cfg, url("http://bob@example.com/")), "Authorization") ==
        "Basic Ym9iOg==");  // no password: "bob:"
  CHECK(header(build_request(cfg, url("http://example.com/")), "Authorization") == "<absent>");
  cfg.headers = {"Authorization: Bearer t"};  // -H wins
  CHECK(header(build_request(cfg, url("http://bob:pw@example.com/")), "Authorization") ==
        "Bearer t");
  // They stay with their origin across a redirect.
  auto same = redirect_request(build_request(FetchConfig{}, url("http://bob:pw@example.com/a")),
                               302, url("http://example.com/b"));
  CHECK(header(same, "Authorization") == "Basic Ym9iOnB3");
  auto other = redirect_request(build_request(FetchConfig{}, url("http://bob:pw@example.com/a")),
                                302, url("http://elsewhere.example/b"));
  CHECK(header(other, "Authorization") == "<absent>");
}

TEST_CASE("build_request: -u, --oauth2-bearer, -e and --json set their headers",
          "[request_builder]") {
  FetchConfig cfg;
  cfg.user = "al:pw";
  // -u wins over the URL's own credentials, as in curl.
  CHECK(header(build_request(cfg, url("http://x:y@h/")), "Authorization") == "Basic YWw6cHc=");
  cfg.user = "al";  // no ':' after the prompt was skipped: an empty password
  CHECK(header(build_request(cfg, url("http://h/")), "Authorization") == "Basic YWw6");
  cfg.bearer = "tok";
  CHECK(header(build_request(cfg, url("http://h/")), "Authorization") == "Bearer tok");
  cfg.headers = {"Authorization: Custom z"};  // -H replaces it
  CHECK(header(build_request(cfg, url("http://h/")), "Authorization") == "Custom z");

  FetchConfig j;
  j.data = "{}";
  j.json = true;
  j.referer = "http://from/";
  auto r = build_request(j, url("http://h/"));
  CHECK(r.method == "POST");
  CHECK(header(r, "Content-Type") == "application/json");
  CHECK(header(r, "Accept") == "application/json");
  CHECK(header(r, "Referer") == "http://from/");
  j.headers = {"Accept: text/x"};
  CHECK(header(build_request(j, url("http://h/")), "Accept") == "text/x");
}

TEST_CASE("redirect_request: -e ';auto' names the URL left, without its credentials",
          "[request_builder]") {
  FetchConfig cfg;
  cfg.referer = "http://first/";
  auto r = build_request(cfg, url("http://u:p@h/a?q=1"));
  auto kept = redirect_request(r, 302, url("http://h/b"));
  CHECK(header(kept, "Referer") == "http://first/");
  auto next = redirect_request(r, 302, url("http://h/b"), {.auto_referer = true});
  CHECK(header(next, "Referer") == "http://h/a?q=1");
  CHECK(next.headers.items("Referer").size() == 1);
}

TEST_CASE("build_request: -z's If-Modified-Since or If-Unmodified-Since, -H's wins",
          "[request_builder]") {
  FetchConfig c;
  c.time_cond = {sluice::fetch::TimeCondition::Kind::modified_since, 784111777};
  CHECK(header(build_request(c, url("http://h/")), "If-Modified-Since") ==
        "Sun, 06 Nov 1994 08:49:37 GMT");
  c.time_cond.kind = sluice::fetch::TimeCondition::Kind::unmodified_since;
  auto r = build_request(c, url("http://h/"));
  CHECK(header(r, "If-Unmodified-Since") == "Sun, 06 Nov 1994 08:49:37 GMT");
  CHECK(header(r, "If-Modified-Since") == "<absent>");
  c.headers = {"If-Unmodified-Since: mine"};
  CHECK(header(build_request(c, url("http://h/")), "If-Unmodified-Since") == "mine");
}

TEST_CASE("build_request: netrc credentials per host, under -u and the URL's own",
          "[request_builder]") {
  FetchConfig c;
  c.netrc = {{"h", "alice", "pw"}, {"", "anon", "guest"}, {"h", "bob", "bobpw"}};
  CHECK(header(build_request(c, url("http://h/")), "Authorization") == "Basic YWxpY2U6cHc=");
  CHECK(header(build_request(c, url("http://other/")), "Authorization") ==
        "Basic YW5vbjpndWVzdA==");  // default
  CHECK(header(build_request(c, url("http://bob@h/")), "Authorization") ==
        "Basic Ym9iOmJvYnB3");  // the URL's user takes that login's password
  CHECK(header(build_request(c, url("http://carol:x@h/")), "Authorization") ==
        "Basic Y2Fyb2w6eA==");
  c.user = "dave:y";
  CHECK(header(build_request(c, url("http://h/")), "Authorization") == "Basic ZGF2ZTp5");
}

TEST_CASE("digest auth: the challenge read, the answer built as RFC 7616 and curl have it",
          "[request_builder][digest]") {
  using namespace sluice::fetch;
  auto c = parse_digest_challenge(
      "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=SHA-256-sess, "
      "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", opaque=\"FQhe\\\"/qHs\"");
  REQUIRE(c);
  CHECK(c->realm == "http-auth@example.org");
  CHECK(c->qop_auth);
  CHECK(c->sess);
  CHECK(c->algorithm == "SHA-256");
  CHECK(c->opaque == "FQhe\"/qHs");
  CHECK_FALSE(parse_digest_challenge("Basic realm=\"x\""));
  CHECK_FALSE(parse_digest_challenge("Digest realm=\"no nonce\""));
  CHECK(offers_basic("Basic realm=\"x\""));
  CHECK_FALSE(offers_basic("Basically"));
  // What is hashed, in order: a recording hash gives each input back in brackets.
  std::vector<std::string> hashed;
  DigestHash record = [&](std::string_view algo, std::string_view text) {
    hashed.emplace_back(text);
    return std::optional<std::string>("<" + std::string(algo) + ">");
  };
  DigestInput in{"Mufasa", "Circle of Life", "GET", "/dir/index.html", "cn", 1};
  auto header = digest_authorization(*c, in, record);
  REQUIRE(header);
  CHECK(hashed == std::vector<std::string>{
                      "Mufasa:http-auth@example.org:Circle of Life",
                      "<SHA-256>:7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v:cn",  // -sess
                      "GET:/dir/index.html",
                      "<SHA-256>:7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v:00000001:cn:auth:"
                      "<SHA-256>"});
  CHECK(*header ==
        "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", "
        "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", uri=\"/dir/index.html\", "
        "cnonce=\"cn\", nc=00000001, qop=auth, response=\"<SHA-256>\", opaque=\"FQhe\\\"/qHs\", "
        "algorithm=SHA-256-sess");
  CHECK(new_cnonce().size() == 32);
  CHECK(new_cnonce() != new_cnonce());
}
