// The pure helpers behind `serve`: Range parsing, target/path handling
// (no escape from --root), content types and the /bytes pattern.
#include <catch2/catch_test_macros.hpp>
#include <string>

#include "core/h1/http_date.hpp"
#include "core/serve/mime.hpp"
#include "core/serve/pattern.hpp"
#include "core/serve/range.hpp"
#include "core/serve/request_target.hpp"

using namespace sluice::serve;

TEST_CASE("serve range: single ranges") {
  auto r = parse_range("bytes=0-9", 100);
  CHECK(r.kind == RangeRequest::satisfiable);
  CHECK(r.first == 0);
  CHECK(r.last == 9);
  CHECK(r.length() == 10);

  r = parse_range("bytes=90-", 100);
  CHECK((r.kind == RangeRequest::satisfiable && r.first == 90 && r.last == 99));
  r = parse_range("bytes=-10", 100);
  CHECK((r.kind == RangeRequest::satisfiable && r.first == 90 && r.last == 99));
  r = parse_range("bytes=-1000", 100);  // suffix longer than the body: all of it
  CHECK((r.kind == RangeRequest::satisfiable && r.first == 0 && r.last == 99));
  r = parse_range("bytes=50-1000", 100);  // last clamped
  CHECK((r.kind == RangeRequest::satisfiable && r.first == 50 && r.last == 99));
  r = parse_range(" Bytes = 1 - 2 ", 100);
  CHECK((r.kind == RangeRequest::satisfiable && r.first == 1 && r.last == 2));
}

TEST_CASE("serve range: unsatisfiable and ignored") {
  CHECK(parse_range("bytes=100-", 100).kind == RangeRequest::unsatisfiable);
  CHECK(parse_range("bytes=100-200", 100).kind == RangeRequest::unsatisfiable);
  CHECK(parse_range("bytes=-0", 100).kind == RangeRequest::unsatisfiable);
  CHECK(parse_range("bytes=0-", 0).kind == RangeRequest::unsatisfiable);
  // Ignored: whole body with 200 (several ranges: see serve_conditional_test).
  CHECK(parse_range("bytes=0-1,5-6", 100).kind == RangeRequest::none);
  CHECK(parse_range("bytes=5-1", 100).kind == RangeRequest::none);
  CHECK(parse_range("items=0-1", 100).kind == RangeRequest::none);
  CHECK(parse_range("bytes=a-b", 100).kind == RangeRequest::none);
  CHECK(parse_range("bytes=1", 100).kind == RangeRequest::none);
  CHECK(parse_range("bytes=-", 100).kind == RangeRequest::none);
}

TEST_CASE("serve target: split, decode, query") {
  auto t = split_target("/a/b?x=1&y=2");
  REQUIRE(t);
  CHECK(t->path == "/a/b");
  CHECK(t->query == "x=1&y=2");
  CHECK(query_param(t->query, "y") == "2");
  CHECK(query_param(t->query, "z") == std::nullopt);
  CHECK(query_param("flag&k=v", "flag") == "");

  t = split_target("http://example.com:8080/p?q");
  REQUIRE(t);
  CHECK(t->path == "/p");
  CHECK(t->query == "q");
  CHECK(split_target("http://example.com")->path == "/");
  CHECK_FALSE(split_target("*"));
  CHECK_FALSE(split_target("example.com:443"));

  CHECK(percent_decode("/a%20b%2Fc") == "/a b/c");
  CHECK(percent_decode("%41%42") == "AB");
  CHECK_FALSE(percent_decode("%zz"));
  CHECK_FALSE(percent_decode("abc%4"));
  CHECK_FALSE(percent_decode("abc%"));
  CHECK_FALSE(percent_decode("a%00b"));

  CHECK(parse_u64("123") == 123u);
  CHECK(parse_u64("18446744073709551615") == UINT64_MAX);
  CHECK_FALSE(parse_u64("18446744073709551616"));
  CHECK_FALSE(parse_u64(""));
  CHECK_FALSE(parse_u64("-1"));
  CHECK_FALSE(parse_u64("12a"));
}

TEST_CASE("serve path: normalisation never leaves the root") {
  CHECK(normalize_path("/") == "");
  CHECK(normalize_path("/a/b") == "a/b");
  CHECK(normalize_path("//a///b/") == "a/b");
  CHECK(normalize_path("/a/./b/../c") == "a/c");
  CHECK(normalize_path("/a/..") == "");
  CHECK(normalize_path("/..a/b..") == "..a/b..");  // names that merely contain dots
  CHECK_FALSE(normalize_path("/.."));
  CHECK_FALSE(normalize_path("/../etc/passwd"));
  CHECK_FALSE(normalize_path("/a/../../b"));
  CHECK_FALSE(normalize_path("/a/../.."));
  CHECK_FALSE(normalize_path(std::string("/a\0b", 4)));
  // Encoded dots are decoded first, then normalised: same verdict.
  CHECK_FALSE(normalize_path(*percent_decode("/%2e%2e/etc/passwd")));
  CHECK_FALSE(normalize_path(*percent_decode("/a/..%2f..%2fb")));

  CHECK(path_within("/srv/www", "/srv/www"));
  CHECK(path_within("/srv/www/a", "/srv/www"));
  CHECK_FALSE(path_within("/srv/www2", "/srv/www"));
  CHECK_FALSE(path_within("/srv", "/srv/www"));
  CHECK(path_within("/anything", "/"));
}

// The router takes such paths as they are, without decoding or normalising.
TEST_CASE("serve path: a normal path is what decoding and normalising make of it") {
  for (std::string_view p : {"/", "/bytes/100", "/a/b.txt", "/a.b/c..", "/a\\b"}) {
    INFO(p);
    CHECK(is_normal_path(p));
    auto decoded = percent_decode(p);
    REQUIRE(decoded);
    CHECK(normalize_absolute_path(*decoded) == std::string(p));
  }
  for (std::string_view p : {"", "a", "//", "/a/", "/a//b", "/.", "/./a", "/a/..", "/.hidden",
                             "/a%20b", "/%2e%2e", "/%"})
    CHECK_FALSE(is_normal_path(p));
  CHECK_FALSE(is_normal_path(std::string_view("/a\0b", 4)));
}

TEST_CASE("serve mime: content type by extension") {
  CHECK(content_type_for("/x/index.html") == "text/html; charset=utf-8");
  CHECK(content_type_for("a.HTM") == "text/html; charset=utf-8");
  CHECK(content_type_for("style.css") == "text/css; charset=utf-8");
  CHECK(content_type_for("app.js") == "text/javascript; charset=utf-8");
  CHECK(content_type_for("d.json") == "application/json");
  CHECK(content_type_for("p.png") == "image/png");
  CHECK(content_type_for("p.jpeg") == "image/jpeg");
  CHECK(content_type_for("notes.txt") == "text/plain; charset=utf-8");
  CHECK(content_type_for("a.tar.gz") == "application/gzip");
  CHECK(content_type_for("m.wasm") == "application/wasm");
  CHECK(content_type_for("README") == "application/octet-stream");
  CHECK(content_type_for(".bashrc") == "application/octet-stream");
  CHECK(content_type_for("dir.d/file") == "application/octet-stream");
  CHECK(content_type_for("x.unknownext") == "application/octet-stream");
}

TEST_CASE("serve pattern: byte i is alphabet[i % 36] at any offset") {
  for (uint64_t off : {uint64_t{0}, uint64_t{1}, uint64_t{35}, uint64_t{36}, uint64_t{1} << 40}) {
    auto s = pattern_slice(off, kPatternMaxSlice);
    REQUIRE(s.size() == kPatternMaxSlice);
    for (std::size_t i = 0; i < s.size(); i += 97) CHECK(s[i] == kPatternAlphabet[(off + i) % 36]);
    CHECK(s.back() == kPatternAlphabet[(off + s.size() - 1) % 36]);
  }
  CHECK(pattern_slice(0, 5) == "abcde");
  CHECK(pattern_slice(34, 4) == "89ab");
  CHECK(pattern_slice(0, kPatternMaxSlice + 10).size() == kPatternMaxSlice);
}

TEST_CASE("serve http date: format and parse") {
  CHECK(sluice::http_date(784111777) == "Sun, 06 Nov 1994 08:49:37 GMT");
  CHECK(sluice::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777);
  CHECK_FALSE(sluice::parse_http_date("garbage"));
}
