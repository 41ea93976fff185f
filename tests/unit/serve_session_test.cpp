// H1ServerSession: request parsing fed whole and byte by byte, pipelining
// pauses, limits, and the response framer's output.
#include <catch2/catch_test_macros.hpp>
#include <string>
#include <vector>

#include "core/h1/server_session.hpp"

using namespace sluice;

namespace {

struct Recorder : RequestEvents {
  std::vector<RequestHead> heads;
  std::string body;
  int ends = 0;
  void on_request_head(const RequestHead& h) override { heads.push_back(h); }
  void on_request_body(std::string_view b) override { body += b; }
  void on_request_end() override { ++ends; }
};

// Feeds data in pieces of `step` bytes, resuming after each complete request
// (as the connection does once the response is out). Returns the last state.
H1ServerSession::Parse feed_all(H1ServerSession& s, std::string_view data, std::size_t step) {
  auto state = H1ServerSession::Parse::more;
  std::string pending;
  for (std::size_t i = 0; i < data.size(); i += step) {
    pending += data.substr(i, step);
    for (;;) {
      auto fed = s.feed(pending);
      state = fed.state;
      pending.erase(0, fed.consumed);
      if (state == H1ServerSession::Parse::error) return state;
      if (state != H1ServerSession::Parse::paused) break;
      s.next_request();
    }
  }
  return state;
}

// Strips the Date line so responses compare exactly.
std::string without_date(std::string s) {
  auto d = s.find("Date: ");
  if (d != std::string::npos) s.erase(d, s.find("\r\n", d) + 2 - d);
  return s;
}

}  // namespace

TEST_CASE("serve session: pipelined requests parse the same whole and byte by byte") {
  const std::string wire =
      "GET /bytes/3?x=1 HTTP/1.1\r\nHost: a\r\nX-Multi: one\r\n\r\n"
      "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello"
      "PUT /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: "
      "chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\nT: "
      "x\r\n\r\n"
      "GET /old HTTP/1.0\r\n\r\n";
  for (std::size_t step : {wire.size(), std::size_t{1}, std::size_t{7}}) {
    Recorder r;
    H1ServerSession s(r, {});
    feed_all(s, wire, step);
    REQUIRE(r.heads.size() == 4);
    CHECK(r.ends == 4);
    CHECK(r.heads[0].method == "GET");
    CHECK(r.heads[0].target == "/bytes/3?x=1");
    CHECK(r.heads[0].headers.get("x-multi") == "one");
    CHECK(r.heads[0].keep_alive);
    CHECK(r.heads[1].content_length == 5u);
    CHECK(r.heads[1].expect_continue);
    CHECK(r.heads[2].chunked);
    CHECK_FALSE(r.heads[2].headers.has("T"));  // trailers are not headers
    CHECK(r.body == "helloabcde");
    CHECK(r.heads[3].version_minor == 0);
    CHECK_FALSE(r.heads[3].keep_alive);
  }
}

TEST_CASE("serve session: the parser pauses after each request") {
  Recorder r;
  H1ServerSession s(r, {});
  std::string two = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n";
  auto fed = s.feed(two);
  CHECK(fed.state == H1ServerSession::Parse::paused);
  CHECK(fed.consumed == two.size() / 2);
  CHECK(r.heads.size() == 1);
  CHECK(s.feed("x").consumed == 0);  // still paused
  s.next_request();
  fed = s.feed(std::string_view(two).substr(fed.consumed));
  CHECK(fed.state == H1ServerSession::Parse::paused);
  CHECK(r.heads.size() == 2);
  CHECK(r.heads[1].target == "/2");
}

TEST_CASE("serve session: Upgrade is ignored and parsing continues") {
  Recorder r;
  H1ServerSession s(r, {});
  auto st = feed_all(s,
                     "GET /a HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\nGET "
                     "/b HTTP/1.1\r\nHost: a\r\n\r\n",
                     1);
  CHECK(st != H1ServerSession::Parse::error);
  REQUIRE(r.heads.size() == 2);
  CHECK(r.heads[1].target == "/b");
}

TEST_CASE("serve session: limits and malformed requests") {
  Recorder r;
  SECTION("oversized head is 431") {
    H1ServerSession s(r, {.max_header_size = 1024});
    std::string req = "GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(2000, 'a') + "\r\n\r\n";
    CHECK(feed_all(s, req, 1) == H1ServerSession::Parse::error);
    CHECK(s.error_status() == 431);
    CHECK(r.heads.empty());
  }
  SECTION("Content-Length over the body limit is 413 before any body byte") {
    H1ServerSession s(r, {.max_body_size = 10});
    CHECK(feed_all(s, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n", 1) ==
          H1ServerSession::Parse::error);
    CHECK(s.error_status() == 413);
  }
  SECTION("a chunked body passing the limit is 413") {
    H1ServerSession s(r, {.max_body_size = 4});
    CHECK(feed_all(s,
                   "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
                   1) == H1ServerSession::Parse::error);
    CHECK(s.error_status() == 413);
  }
  SECTION("garbage is 400") {
    H1ServerSession s(r, {});
    CHECK(feed_all(s, "HELLO THERE\r\n\r\n", 1) == H1ServerSession::Parse::error);
    CHECK(s.error_status() == 400);
  }
  SECTION("a bad chunk size is 400") {
    H1ServerSession s(r, {});
    CHECK(feed_all(s, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                   1) == H1ServerSession::Parse::error);
    CHECK(s.error_status() == 400);
  }
  SECTION("CONNECT is 405") {
    H1ServerSession s(r, {});
    CHECK(feed_all(s, "CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n", 1) ==
          H1ServerSession::Parse::error);
    CHECK(s.error_status() == 405);
  }
  SECTION("HTTP/1.1 without exactly one Host is 400; HTTP/1.0 needs none") {
    H1ServerSession s(r, {});
    CHECK(feed_all(s, "GET / HTTP/1.1\r\n\r\n", 1) == H1ServerSession::Parse::error);
    CHECK(s.error_status() == 400);
    H1ServerSession two(r, {});
    CHECK(feed_all(two, "GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", 1) ==
          H1ServerSession::Parse::error);
    CHECK(two.error_status() == 400);
    H1ServerSession old(r, {});
    CHECK(feed_all(old, "GET / HTTP/1.0\r\n\r\n", 1) != H1ServerSession::Parse::error);
  }
  SECTION("HTTP/2.0 and later are 505") {
    for (const char* req : {"GET / HTTP/2.0\r\nHost: a\r\n\r\n", "GET / HTTP/3.0\r\n"}) {
      H1ServerSession s(r, {});
      CHECK(feed_all(s, req, 1) == H1ServerSession::Parse::error);
      CHECK(s.error_status() == 505);
    }
  }
  SECTION("the response to a chunked body over the limit gives way to the 413") {
    H1ServerSession s(r, {.max_body_size = 4});
    s.feed("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
    s.send_head(200, {}, 2);  // an endpoint that answers before the body is in
    s.send_body("ok");
    s.end_response();
    CHECK(s.out().empty());  // held until the body ends
    CHECK_FALSE(s.response_ended());
    CHECK(s.feed("5\r\nhello\r\n").state == H1ServerSession::Parse::error);
    CHECK(s.error_status() == 413);
    CHECK_FALSE(s.head_sent());
    s.send_error(413);
    CHECK(s.out().take_all().starts_with("HTTP/1.1 413 "));
  }
  SECTION("the response to a chunked body that fits goes out when it ends") {
    H1ServerSession s(r, {.max_body_size = 4});
    s.feed("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
    s.send_head(200, {}, 2);
    s.send_body("ok");
    s.end_response();
    CHECK(s.feed("4\r\nabcd\r\n0\r\n\r\n").state == H1ServerSession::Parse::paused);
    CHECK(s.response_ended());
    CHECK(s.out().take_all().ends_with("\r\n\r\nok"));
  }
  SECTION("a partial head is in progress") {
    H1ServerSession s(r, {});
    CHECK(feed_all(s, "GET / HTTP/1.1\r\nHo", 1) == H1ServerSession::Parse::more);
    CHECK(s.in_request());
  }
}

TEST_CASE("serve session: response framing") {
  Recorder r;
  H1ServerSession s(r, {});
  Headers h;
  h.add("Content-Type", "text/plain");

  SECTION("Content-Length, keep-alive on HTTP/1.1") {
    s.feed("GET / HTTP/1.1\r\nHost: a\r\n\r\n");  // paused on this request
    s.send_head(200, h, 5);
    s.send_body("hello world");  // never more than announced
    s.end_response();
    CHECK(without_date(s.out().take_all()) ==
          "HTTP/1.1 200 OK\r\nServer: sluice\r\nContent-Type: text/plain\r\nContent-Length: "
          "5\r\n\r\nhello");
    CHECK(s.keep_alive());
    CHECK(s.response_ended());
  }
  SECTION("chunked when the length is unknown") {
    s.feed("GET / HTTP/1.1\r\nHost: a\r\n\r\n");  // paused on this request
    s.send_head(200, {}, std::nullopt);
    s.send_body(std::string(20, 'x'));
    s.end_response();
    CHECK(without_date(s.out().take_all()) ==
          "HTTP/1.1 200 OK\r\nServer: sluice\r\nTransfer-Encoding: chunked\r\n\r\n14\r\n" +
              std::string(20, 'x') + "\r\n0\r\n\r\n");
  }
  SECTION("HTTP/1.0 without length: close-delimited") {
    s.feed("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");  // paused on this request
    s.send_head(200, {}, std::nullopt);
    s.send_body("abc");
    s.end_response();
    CHECK(without_date(s.out().take_all()) ==
          "HTTP/1.1 200 OK\r\nServer: sluice\r\nConnection: close\r\n\r\nabc");
    CHECK_FALSE(s.keep_alive());
  }
  SECTION("HTTP/1.0 keep-alive is acknowledged") {
    s.feed("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");  // paused on this request
    s.send_head(204, {}, std::nullopt);
    CHECK(without_date(s.out().take_all()) ==
          "HTTP/1.1 204 No Content\r\nServer: sluice\r\nConnection: keep-alive\r\n\r\n");
    CHECK(s.response_ended());
  }
  SECTION("HEAD: the head GET would send, no body") {
    s.feed("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n");  // paused on this request
    s.send_head(200, {}, 100);
    s.send_body("ignored");
    CHECK(s.response_ended());
    CHECK(without_date(s.out().take_all()) ==
          "HTTP/1.1 200 OK\r\nServer: sluice\r\nContent-Length: 100\r\n\r\n");
  }
  SECTION("Connection: close is honoured") {
    s.feed("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");  // paused on this request
    s.send_head(200, {}, 0);
    s.end_response();
    CHECK(without_date(s.out().take_all()).find("Connection: close\r\n") != std::string::npos);
    CHECK_FALSE(s.keep_alive());
  }
  SECTION("a body shorter than announced forces a close") {
    s.feed("GET / HTTP/1.1\r\nHost: a\r\n\r\n");  // paused on this request
    s.send_head(200, {}, 10);
    s.send_body("abc");
    s.end_response();
    CHECK_FALSE(s.keep_alive());
  }
  SECTION("error responses close") {
    s.send_error(431);
    std::string out = without_date(s.out().take_all());
    CHECK(out.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
    CHECK(out.find("Connection: close\r\n") != std::string::npos);
    CHECK(out.ends_with("\r\n\r\n431 Request Header Fields Too Large\n"));
  }
  SECTION("100 Continue") {
    s.send_continue();
    CHECK(s.out().take_all() == "HTTP/1.1 100 Continue\r\n\r\n");
  }
}

TEST_CASE("serve session: a chunk's data must end in exactly CRLF (no smuggling)") {
  // llhttp 8 skips the two bytes after chunk data unchecked: "abcQQ" was
  // accepted and the rest served as a second request.
  for (std::string bad : {"3\r\nabcQQ0\r\n\r\n", "3\r\nabc\rX0\r\n\r\n", "3\r\nabcX\n0\r\n\r\n",
                          "2\r\nab\r\n3\r\nxyz\n\n0\r\n\r\n"}) {
    const std::string wire =
        "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + bad +
        "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n";
    for (std::size_t step : {wire.size(), std::size_t{1}, std::size_t{3}}) {
      INFO(bad << " in steps of " << step);
      Recorder r;
      H1ServerSession s(r, {});
      CHECK(feed_all(s, wire, step) == H1ServerSession::Parse::error);
      CHECK(s.error_status() == 400);
      CHECK(r.ends == 0);
      CHECK(r.heads.size() == 1);  // never the smuggled GET
    }
  }
}

namespace {

// Feeds wire whole, byte by byte and in threes; each time the request must be
// refused with `status` before any head reaches the endpoint.
void check_refused(const std::string& wire, int status, ServerLimits limits = {}) {
  for (std::size_t step : {wire.size(), std::size_t{1}, std::size_t{3}}) {
    INFO(wire << " in steps of " << step);
    Recorder r;
    H1ServerSession s(r, limits);
    CHECK(feed_all(s, wire, step) == H1ServerSession::Parse::error);
    CHECK(s.error_status() == status);
    CHECK(r.heads.empty());
  }
}

std::string post_with(const std::string& fields) {
  return "POST /echo HTTP/1.1\r\nHost: a\r\n" + fields + "\r\n3\r\nabc\r\n0\r\n\r\n";
}

}  // namespace

TEST_CASE("serve session: transfer codings: chunked last or 400, anything else 501") {
  check_refused(post_with("Transfer-Encoding: gzip\r\n"), 501);
  check_refused(post_with("Transfer-Encoding: gzip, chunked\r\n"), 501);
  check_refused(post_with("Transfer-Encoding: deflate,chunked\r\n"), 501);
  check_refused(post_with("Transfer-Encoding: identity\r\n"), 501);
  check_refused(post_with("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n"), 501);
  check_refused(post_with("Transfer-Encoding: chunked, gzip\r\n"), 400);
  check_refused(post_with("Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n"), 400);
  check_refused(post_with("Transfer-Encoding: chunked, chunked\r\n"), 400);
  check_refused(post_with("Transfer-Encoding: \r\n"), 400);

  Recorder r;
  H1ServerSession s(r, {});
  CHECK(feed_all(s, post_with("Transfer-Encoding: Chunked\r\n"), 1) !=
        H1ServerSession::Parse::error);
  CHECK(r.body == "abc");
  CHECK(r.ends == 1);
}

TEST_CASE("serve session: an unknown method is 501, a line that is no request 400") {
  for (std::string line : {"FOO / HTTP/1.1", "get / HTTP/1.1", "GE / HTTP/1.1", "GETS / HTTP/1.1",
                           "M-SEARCHING * HTTP/1.1", "BREW /pot HTTP/1.0"})
    check_refused(line + "\r\nHost: a\r\n\r\n", 501);
  const std::string tls_hello("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n", 13);
  for (const std::string& garbage : std::vector<std::string>{
           "HELLO THERE\r\n\r\n", " GET / HTTP/1.1\r\n\r\n", "\r\n GET / HTTP/1.1\r\n\r\n",
           "FOO /a b HTTP/1.1\r\n\r\n", "FOO / HTTP/1.1 \r\n\r\n", "FOO  / HTTP/1.1\r\n\r\n",
           "F(O / HTTP/1.1\r\n\r\n", "SSH-2.0-OpenSSH_9.2\r\n", tls_hello})
    check_refused(garbage, 400);

  SECTION("after a pipelined request, and after the blank lines between requests") {
    for (std::string second :
         {"FOO /b HTTP/1.1\r\nHost: a\r\n\r\n", "\r\nFOO /b HTTP/1.1\r\n\r\n"}) {
      for (std::size_t step : {std::size_t{1}, std::size_t{200}}) {
        Recorder r;
        H1ServerSession s(r, {});
        CHECK(feed_all(s, "GET /a HTTP/1.1\r\nHost: a\r\n\r\n" + second, step) ==
              H1ServerSession::Parse::error);
        CHECK(s.error_status() == 501);
        CHECK(r.heads.size() == 1);
      }
    }
  }
  SECTION("the verdict waits for the whole line; the head is in progress meanwhile") {
    Recorder r;
    H1ServerSession s(r, {});
    CHECK(s.feed("FOO /a").state == H1ServerSession::Parse::more);
    CHECK(s.in_request());
    CHECK(s.feed("bc HTTP/1.1\r").state == H1ServerSession::Parse::more);
    auto fed = s.feed("\nHost: a\r\n\r\n");
    CHECK(fed.state == H1ServerSession::Parse::error);
    CHECK(fed.consumed == 1);  // the rest is never parsed
    CHECK(s.error_status() == 501);
  }
  SECTION("a refused line without an end is 400 at the line limit") {
    Recorder r;
    H1ServerSession s(r, {.max_target_size = 100});
    CHECK(feed_all(s, "FOO /" + std::string(200, 'a'), 1) == H1ServerSession::Parse::error);
    CHECK(s.error_status() == 400);
  }
}

TEST_CASE("serve session: a request-target over the limit is 414, a big head still 431") {
  const std::string fits = "GET /" + std::string(99, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n";
  Recorder r;
  H1ServerSession s(r, {.max_target_size = 100});
  CHECK(feed_all(s, fits, 7) != H1ServerSession::Parse::error);
  CHECK(r.heads.at(0).target.size() == 100);

  check_refused("GET /" + std::string(100, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n", 414,
                {.max_target_size = 100});
  check_refused("GET /?" + std::string(9000, 'q') + " HTTP/1.1\r\nHost: a\r\n\r\n", 414);
  // The default target limit (8 KiB) is nginx's request line buffer.
  CHECK(ServerLimits{}.max_target_size == 8192);
  check_refused("GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(20000, 'x') + "\r\n\r\n", 431);
}

TEST_CASE("serve session: a field name that is not a token is 400, on any field") {
  for (std::string field : {"X-Foo : bar", "X Foo: bar", "Host : a", "Content-Type : text/plain",
                            "X(Foo): bar", "X\"Y: z", "X/Y: z", "X@Y: z", ": empty"})
    check_refused("GET / HTTP/1.1\r\nHost: a\r\n" + field + "\r\n\r\n", 400);
  SECTION("trailers too") {
    Recorder r;
    H1ServerSession s(r, {});
    CHECK(feed_all(s,
                   "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n"
                   "0\r\nBad Name: v\r\n\r\n",
                   1) == H1ServerSession::Parse::error);
    CHECK(s.error_status() == 400);
    CHECK(r.ends == 0);
  }
  SECTION("every tchar is fine") {
    Recorder r;
    H1ServerSession s(r, {});
    CHECK(feed_all(s, "GET / HTTP/1.1\r\nHost: a\r\nX!#$%&'*+-.^_`|~Y9: z\r\n\r\n", 1) !=
          H1ServerSession::Parse::error);
    CHECK(r.heads.at(0).headers.get("x!#$%&'*+-.^_`|~y9") == "z");
  }
}

// The session keeps the last bodiless request that came whole in one buffer
// and takes the same bytes again without llhttp: every request must still
// come out as llhttp would have made it, in order, with its own body.
TEST_CASE("serve session: repeated requests are the same heads, and bodies are never skipped") {
  const std::string get = "GET /a HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n";
  const std::string get_b = "GET /b HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n";  // same length
  const std::string post = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
  const std::string close = "GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const std::string wire = get + get + get_b + get + post + post + get + "\r\n" + get + close;
  for (std::size_t step : {wire.size(), get.size(), std::size_t{1}, std::size_t{5}}) {
    INFO("pieces of " << step);
    Recorder r;
    H1ServerSession s(r, {});
    CHECK(feed_all(s, wire, step) == H1ServerSession::Parse::more);
    REQUIRE(r.heads.size() == 9);
    CHECK(r.ends == 9);
    std::vector<std::string> targets;
    for (const auto& h : r.heads) targets.push_back(h.target);
    CHECK(targets ==
          std::vector<std::string>{"/a", "/a", "/b", "/a", "/echo", "/echo", "/a", "/a", "/a"});
    CHECK(r.body == "abcabc");
    for (std::size_t i : {0, 1, 3, 6, 7}) {
      CHECK(r.heads[i].method == "GET");
      CHECK(r.heads[i].keep_alive);
      CHECK(r.heads[i].headers.get("accept") == "*/*");
      CHECK_FALSE(r.heads[i].content_length);
    }
    CHECK(r.heads[5].content_length == 3u);
    CHECK_FALSE(r.heads[8].keep_alive);  // Connection: close, though it starts as /a does
    CHECK(r.heads[8].headers.get("connection") == "close");
  }
}

TEST_CASE("serve session: a repeated request still meets the limits of its session") {
  // A session whose head limit the request passes, then one whose limit it
  // does not: the memo is per session, and an over-limit head is never kept.
  const std::string get =
      "GET /a HTTP/1.1\r\nHost: x\r\nX-Long: " + std::string(200, 'v') + "\r\n\r\n";
  Recorder r;
  ServerLimits small;
  small.max_header_size = 100;
  H1ServerSession s(r, small);
  CHECK(feed_all(s, get + get, get.size()) == H1ServerSession::Parse::error);
  CHECK(s.error_status() == 431);
  CHECK(r.heads.empty());
}
