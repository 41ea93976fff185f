// Static files' HTTP semantics as pure functions: the three HTTP-date
// formats, ETags and the order of preconditions (RFC 9110 13.2.2), If-Range,
// range sets and the multipart/byteranges layout.
#include <catch2/catch_test_macros.hpp>
#include <string>

#include "core/h1/http_date.hpp"
#include "core/serve/conditional.hpp"
#include "core/serve/multipart.hpp"
#include "core/serve/range.hpp"

using namespace sluice;
using namespace sluice::serve;

namespace {

constexpr std::time_t kMtime = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT

RequestHead get(std::initializer_list<std::pair<const char*, const char*>> headers,
                const char* method = "GET") {
  RequestHead r;
  r.method = method;
  r.target = "/f";
  for (auto& [k, v] : headers) r.headers.add(k, v);
  return r;
}

}  // namespace

TEST_CASE("serve http date: all three formats RFC 9110 requires") {
  CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == kMtime);
  CHECK(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT") == kMtime);
  CHECK(parse_http_date("Sun Nov  6 08:49:37 1994") == kMtime);
  CHECK_FALSE(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT trailing"));
  CHECK_FALSE(parse_http_date("06 Nov 1994"));
  CHECK_FALSE(parse_http_date(""));
}

TEST_CASE("serve etag: nginx's form, strong and weak list matching") {
  Validators v = validators_for(kMtime, 20);
  CHECK(v.etag == "\"2ebc98a1-14\"");
  CHECK(etag_list_matches("\"2ebc98a1-14\"", v.etag, false));
  CHECK(etag_list_matches("\"x\", \"2ebc98a1-14\"", v.etag, false));
  CHECK(etag_list_matches("*", v.etag, false));
  CHECK_FALSE(etag_list_matches("W/\"2ebc98a1-14\"", v.etag, false));  // strong never matches weak
  CHECK(etag_list_matches("W/\"2ebc98a1-14\"", v.etag, true));
  CHECK_FALSE(etag_list_matches("\"2ebc98a1-15\"", v.etag, true));
  CHECK_FALSE(etag_list_matches("", v.etag, true));
}

TEST_CASE("serve preconditions: order and outcomes") {
  Validators v = validators_for(kMtime, 20);
  const char* before = "Sat, 05 Nov 1994 08:49:37 GMT";
  const char* at = "Sun, 06 Nov 1994 08:49:37 GMT";
  using P = Precondition;
  CHECK(evaluate_preconditions(get({}), v) == P::proceed);
  CHECK(evaluate_preconditions(get({{"If-None-Match", "\"2ebc98a1-14\""}}), v) == P::not_modified);
  CHECK(evaluate_preconditions(get({{"If-None-Match", "\"old\""}}), v) == P::proceed);
  CHECK(evaluate_preconditions(get({{"If-Modified-Since", at}}), v) == P::not_modified);
  CHECK(evaluate_preconditions(get({{"If-Modified-Since", before}}), v) == P::proceed);
  CHECK(evaluate_preconditions(get({{"If-Modified-Since", "not a date"}}), v) == P::proceed);
  // If-None-Match wins over If-Modified-Since, both ways.
  CHECK(evaluate_preconditions(get({{"If-None-Match", "\"old\""}, {"If-Modified-Since", at}}), v) ==
        P::proceed);
  CHECK(evaluate_preconditions(get({{"If-None-Match", "*"}, {"If-Modified-Since", before}}), v) ==
        P::not_modified);
  // If-Match and If-Unmodified-Since fail with 412, and come first.
  CHECK(evaluate_preconditions(get({{"If-Match", "\"old\""}}), v) == P::failed);
  CHECK(evaluate_preconditions(get({{"If-Match", "\"2ebc98a1-14\""}}), v) == P::proceed);
  CHECK(evaluate_preconditions(get({{"If-Match", "W/\"2ebc98a1-14\""}}), v) == P::failed);
  CHECK(evaluate_preconditions(get({{"If-Unmodified-Since", before}}), v) == P::failed);
  CHECK(evaluate_preconditions(get({{"If-Unmodified-Since", at}}), v) == P::proceed);
  CHECK(evaluate_preconditions(get({{"If-Match", "\"old\""}, {"If-None-Match", "*"}}), v) ==
        P::failed);
  // If-Match present: If-Unmodified-Since is not looked at.
  CHECK(evaluate_preconditions(get({{"If-Match", "*"}, {"If-Unmodified-Since", before}}), v) ==
        P::proceed);
  // Not GET or HEAD: a matching If-None-Match is 412, If-Modified-Since ignored.
  CHECK(evaluate_preconditions(get({{"If-None-Match", "*"}}, "POST"), v) == P::failed);
  CHECK(evaluate_preconditions(get({{"If-Modified-Since", at}}, "POST"), v) == P::proceed);
  CHECK(evaluate_preconditions(get({{"If-None-Match", "*"}}, "HEAD"), v) == P::not_modified);
}

TEST_CASE("serve If-Range: only an exact validator lets the range through") {
  Validators v = validators_for(kMtime, 20);
  CHECK(if_range_allows(get({}), v));
  CHECK(if_range_allows(get({{"If-Range", "\"2ebc98a1-14\""}}), v));
  CHECK_FALSE(if_range_allows(get({{"If-Range", "\"2ebc98a1-15\""}}), v));
  CHECK_FALSE(if_range_allows(get({{"If-Range", "W/\"2ebc98a1-14\""}}), v));  // weak: never
  CHECK(if_range_allows(get({{"If-Range", "Sun, 06 Nov 1994 08:49:37 GMT"}}), v));
  CHECK_FALSE(if_range_allows(get({{"If-Range", "Mon, 07 Nov 1994 08:49:37 GMT"}}), v));
  CHECK_FALSE(if_range_allows(get({{"If-Range", "garbage"}}), v));
}

TEST_CASE("serve range sets: several ranges, dropped and ignored ones") {
  auto s = parse_ranges("bytes=0-1, 5-6,-3", 100);
  REQUIRE(s.kind == RangeSet::satisfiable);
  REQUIRE(s.ranges.size() == 3);
  CHECK((s.ranges[0].first == 0 && s.ranges[0].last == 1));
  CHECK((s.ranges[1].first == 5 && s.ranges[1].last == 6));
  CHECK((s.ranges[2].first == 97 && s.ranges[2].last == 99));
  // A range past the end is dropped; none left is unsatisfiable.
  s = parse_ranges("bytes=0-1,500-600", 100);
  REQUIRE(s.kind == RangeSet::satisfiable);
  CHECK(s.ranges.size() == 1);
  CHECK(parse_ranges("bytes=200-,300-400", 100).kind == RangeSet::unsatisfiable);
  // Ignored (whole body): a malformed member, too many ranges, more bytes than the body.
  CHECK(parse_ranges("bytes=0-1,x-2", 100).kind == RangeSet::none);
  std::string many = "bytes=0-0";
  for (std::size_t i = 1; i <= kMaxRanges; ++i)
    many += "," + std::to_string(i) + "-" + std::to_string(i);
  CHECK(parse_ranges(many, 100).kind == RangeSet::none);
  CHECK(parse_ranges("bytes=0-99,0-99", 100).kind == RangeSet::none);
  // ...also where the ranges' total would wrap around 2^64 (found by the range fuzz target).
  CHECK(parse_ranges("bytes=0-,0-", UINT64_MAX).kind == RangeSet::none);
  CHECK(parse_ranges("bytes=,", 100).kind == RangeSet::none);
  // The single-range view used by /bytes: several ranges are ignored there.
  CHECK(parse_range("bytes=0-1,5-6", 100).kind == RangeRequest::none);
  CHECK(parse_range("bytes=0-1,500-", 100).kind == RangeRequest::satisfiable);
}

TEST_CASE("serve multipart/byteranges: nginx's layout and an exact Content-Length") {
  PlannedBody b = plan_byteranges({{0, 1}, {5, 6}}, 20, "text/plain", "B");
  CHECK(b.content_type == "multipart/byteranges; boundary=B");
  REQUIRE(b.pieces.size() == 2);
  CHECK(b.pieces[0].text ==
        "\r\n--B\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-1/20\r\n\r\n");
  CHECK((b.pieces[1].offset == 5 && b.pieces[1].length == 2));
  CHECK(b.tail == "\r\n--B--\r\n");
  std::string body;
  const std::string file = "abcdefghijklmnopqrst";
  for (auto& p : b.pieces) body += p.text + file.substr(p.offset, p.length);
  body += b.tail;
  CHECK(body.size() == b.length);
  CHECK(
      body ==
      "\r\n--B\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-1/20\r\n\r\nab"
      "\r\n--B\r\nContent-Type: text/plain\r\nContent-Range: bytes 5-6/20\r\n\r\nfg\r\n--B--\r\n");
  CHECK(next_boundary() != next_boundary());
}
