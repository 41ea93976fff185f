#include "core/http/body_source.hpp"

#include <unistd.h>

#include <catch2/catch_test_macros.hpp>
#include <string>

#include "core/fetch/request_builder.hpp"
#include "core/http/file_body.hpp"
#include "core/loop/loop.hpp"
#include "core/net/transport.hpp"
#include "core/util/percent.hpp"
#include "temp_file.hpp"

using namespace sluice;

namespace {

// Everything a source gives, in reads of at most `piece` bytes.
std::string drain(BodySource& src, std::size_t piece) {
  std::string all, buf(piece, '\0');
  for (;;) {
    auto n = src.read(buf);
    REQUIRE(n);
    REQUIRE(*n != kWouldBlock);
    if (*n == 0) return all;
    all.append(buf.data(), static_cast<std::size_t>(*n));
  }
}

}  // namespace

TEST_CASE("MemoryBody: read in pieces, counted, rewound", "[body_source]") {
  MemoryBody m("hello, world");
  CHECK(m.length() == 12u);
  CHECK(drain(m, 5) == "hello, world");
  CHECK(m.taken() == 12);
  CHECK(m.rewind());
  CHECK(m.taken() == 0);
  CHECK(drain(m, 100) == "hello, world");
}

TEST_CASE("FileBody: a regular file has its length, reads by offset and rewinds", "[body_source]") {
  std::string content(100'000, 'x');
  content[99'999] = 'y';
  TempFile file(content);
  const std::string& path = file.path;
  auto f = FileBody::open(path);
  REQUIRE(f);
  CHECK((*f)->length() == 100'000u);
  CHECK(drain(**f, 16384) == content);
  CHECK((*f)->rewind());
  CHECK(drain(**f, 65536) == content);
  // A file that shrinks under us is a read error, not a short body.
  REQUIRE((*f)->rewind());
  ::truncate(path.c_str(), 10);
  std::string buf(65536, '\0');
  auto first = (*f)->read(buf);
  REQUIRE(first);
  CHECK(*first == 10);
  auto second = (*f)->read(buf);
  REQUIRE_FALSE(second);
  CHECK(second.error().code == Errc::read_failed);
}

TEST_CASE("FileBody: a missing file or a directory is read_failed", "[body_source]") {
  for (const char* path : {"/nonexistent/x", "/tmp"}) {
    auto f = FileBody::open(path);
    REQUIRE_FALSE(f);
    CHECK(f.error().code == Errc::read_failed);
  }
}

TEST_CASE("body_of and body_length: an upload, a body in memory, none", "[body_source]") {
  Request r;
  CHECK(body_of(r) == nullptr);
  CHECK_FALSE(body_length(r));
  r.body = "abc";
  r.has_body = true;
  auto a = body_of(r), b = body_of(r);  // one reader each
  CHECK(drain(*a, 2) == "abc");
  CHECK(drain(*b, 2) == "abc");
  CHECK(body_length(r) == 3u);
  r.upload = std::make_shared<MemoryBody>("12345");
  CHECK(body_of(r) == r.upload);
  CHECK(body_length(r) == 5u);
}

TEST_CASE("build_request with -T: PUT unless -X, no Content-Type; 303 drops the body",
          "[body_source][request_builder]") {
  fetch::FetchConfig cfg;
  auto url = parse_url("http://h/up");
  REQUIRE(url);
  auto body = std::make_shared<MemoryBody>("data");
  Request r = fetch::build_request(cfg, *url, body);
  CHECK(r.method == "PUT");
  CHECK(r.has_body);
  CHECK(r.upload == body);
  CHECK_FALSE(r.headers.has("content-type"));
  cfg.method = "POST";
  CHECK(fetch::build_request(cfg, *url, body).method == "POST");
  auto next = parse_url("http://h/next");
  REQUIRE(next);
  for (int status : {301, 302, 307, 308}) {
    Request kept = fetch::redirect_request(r, status, *next);
    CHECK(kept.method == "PUT");
    CHECK(kept.upload == body);
  }
  Request got = fetch::redirect_request(r, 303, *next);
  CHECK(got.method == "GET");
  CHECK_FALSE(got.has_body);
  CHECK(got.upload == nullptr);
}

TEST_CASE("percent_encode: unreserved bytes stay, the rest is %XX", "[percent]") {
  CHECK(percent_encode("a b%.txt") == "a%20b%25.txt");
  CHECK(percent_encode("a b", true) == "a+b");
  CHECK(percent_encode("Az09-._~/") == "Az09-._~%2F");
}
