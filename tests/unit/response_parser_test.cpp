#include "core/h1/response_parser.hpp"

#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

using sluice::Errc;
using sluice::Headers;
using sluice::Response;
using sluice::ResponseParser;

namespace {

// Everything the parser reported for one input.
struct Outcome {
  sluice::Result<void> fed;                      // the first feed error, if any
  std::optional<sluice::Result<void>> finished;  // set when finish() was called
  std::size_t consumed = 0;
  std::vector<int> informational;
  int headers_calls = 0;
  Response head;  // as given to the headers callback
  std::string body;
  std::optional<Headers> trailers;
  int completes = 0;
  bool done = false;
  bool keep_alive = false;
  uint64_t body_bytes = 0;
  std::size_t header_bytes = 0;  // parser.response().header_bytes at the end
};

enum class Feed { whole, bytewise };

struct Options {
  bool head = false;    // expect_head_response(true)
  bool finish = false;  // call finish() after feeding (peer closed)
};

Outcome parse(std::string_view wire, Feed mode, Options opt = {}) {
  Outcome out;
  ResponseParser::Events ev;
  ev.informational = [&](const Response& r) { out.informational.push_back(r.status); };
  ev.headers = [&](Response& r) {
    ++out.headers_calls;
    out.head = r;
  };
  ev.body = [&](std::span<const char> b) { out.body.append(b.data(), b.size()); };
  ev.trailers = [&](const Headers& t) { out.trailers = t; };
  ev.complete = [&] { ++out.completes; };
  ResponseParser p(std::move(ev));
  p.expect_head_response(opt.head);

  if (mode == Feed::whole) {
    std::size_t c = 0;
    out.fed = p.feed(std::span<const char>(wire.data(), wire.size()), c);
    out.consumed = c;
  } else {
    for (std::size_t i = 0; i < wire.size() && !p.done(); ++i) {
      std::size_t c = 0;
      auto r = p.feed(std::span<const char>(wire.data() + i, 1), c);
      out.consumed += c;
      if (!r) {
        out.fed = r;
        break;
      }
      // A byte that was not taken must not have been looked at.
      if (c == 0) {
        REQUIRE(p.done());
        break;
      }
    }
  }
  if (opt.finish && out.fed) out.finished = p.finish();
  out.done = p.done();
  out.keep_alive = p.keep_alive();
  out.body_bytes = p.body_bytes();
  out.header_bytes = p.response().header_bytes;
  return out;
}

// The error finish() reported: the test stops unless finish() was called and failed.
const sluice::Error& finish_error(const Outcome& o) {
  REQUIRE(o.finished.has_value());
  REQUIRE_FALSE(o.finished->has_value());
  return o.finished->error();
}

std::string feed_name(Feed f) {
  return f == Feed::whole ? "whole" : "one byte at a time";
}

// The head of a message as it appears on the wire (up to and including the blank line).
std::size_t head_size(std::string_view wire) {
  return wire.find("\r\n\r\n") + 4;
}

bool roughly(std::size_t actual, std::size_t expected) {
  return std::abs(static_cast<long>(actual) - static_cast<long>(expected)) <= 4;
}

}  // namespace

TEST_CASE("ResponseParser: Content-Length body", "[h1][parser]") {
  const std::string wire =
      "HTTP/1.1 200 OK\r\n"
      "Content-Type: text/plain\r\n"
      "X-Empty:\r\n"
      "Content-Length: 11\r\n"
      "\r\n"
      "hello world";
  auto mode = GENERATE(Feed::whole, Feed::bytewise);
  INFO(feed_name(mode));
  auto o = parse(wire, mode);
  REQUIRE(o.fed);
  CHECK(o.done);
  CHECK(o.completes == 1);
  CHECK(o.headers_calls == 1);
  CHECK(o.informational.empty());
  CHECK(o.consumed == wire.size());
  CHECK(o.head.status == 200);
  CHECK(o.head.reason == "OK");
  CHECK(o.head.version_major == 1);
  CHECK(o.head.version_minor == 1);
  CHECK(o.head.version_string() == "1.1");
  REQUIRE(o.head.content_length);
  CHECK(*o.head.content_length == 11);
  REQUIRE(o.head.headers.get("content-type"));
  CHECK(*o.head.headers.get("content-type") == "text/plain");
  REQUIRE(o.head.headers.get("x-empty"));
  CHECK(o.head.headers.get("x-empty")->empty());
  CHECK(o.head.headers.list().size() == 3);
  CHECK(o.body == "hello world");
  CHECK(o.body_bytes == 11);
  CHECK_FALSE(o.trailers);
  CHECK(o.keep_alive);
  CHECK(roughly(o.header_bytes, head_size(wire)));
}

TEST_CASE("ResponseParser: chunked body with trailers", "[h1][parser]") {
  std::string big(0x1a, 'z');
  const std::string wire =
      "HTTP/1.1 200 OK\r\n"
      "Transfer-Encoding: chunked\r\n"
      "Trailer: X-Checksum\r\n"
      "\r\n"
      "5\r\nhello\r\n"
      "7;name=value\r\n wo\r\nld\r\n"
      "1A\r\n" +
      big +
      "\r\n"
      "0\r\n"
      "X-Checksum: abc123\r\n"
      "X-Other: 1\r\n"
      "\r\n";
  auto mode = GENERATE(Feed::whole, Feed::bytewise);
  INFO(feed_name(mode));
  auto o = parse(wire, mode);
  REQUIRE(o.fed);
  CHECK(o.done);
  CHECK(o.completes == 1);
  CHECK(o.consumed == wire.size());
  CHECK(o.body == "hello wo\r\nld" + big);
  CHECK(o.body_bytes == 12 + big.size());
  CHECK_FALSE(o.head.content_length);
  REQUIRE(o.trailers);
  REQUIRE(o.trailers->list().size() == 2);
  CHECK(*o.trailers->get("x-checksum") == "abc123");
  CHECK(*o.trailers->get("X-OTHER") == "1");
  CHECK_FALSE(o.head.headers.has("X-Checksum"));
  CHECK(o.keep_alive);
  CHECK(roughly(o.header_bytes, head_size(wire)));
}

TEST_CASE("ResponseParser: chunked body without trailers", "[h1][parser]") {
  const std::string wire =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
  auto mode = GENERATE(Feed::whole, Feed::bytewise);
  INFO(feed_name(mode));
  auto o = parse(wire, mode);
  REQUIRE(o.fed);
  CHECK(o.done);
  CHECK(o.body == "abc");
  CHECK_FALSE(o.trailers);
  CHECK(o.consumed == wire.size());
}

TEST_CASE("ResponseParser: close-delimited body is completed by finish()", "[h1][parser]") {
  auto version = GENERATE(as<std::string>{}, "1.1", "1.0");
  const std::string wire = "HTTP/" + version + " 200 OK\r\nContent-Type: x/y\r\n\r\nall of this";
  auto mode = GENERATE(Feed::whole, Feed::bytewise);
  INFO(feed_name(mode) << " HTTP/" << version);

  auto before = parse(wire, mode);
  REQUIRE(before.fed);
  CHECK_FALSE(before.done);
  CHECK(before.headers_calls == 1);
  CHECK(before.completes == 0);
  CHECK(before.consumed == wire.size());
  CHECK(before.body == "all of this");

  auto o = parse(wire, mode, {.finish = true});
  REQUIRE(o.finished.has_value());
  CHECK(o.finished->has_value());
  CHECK(o.done);
  CHECK(o.completes == 1);
  CHECK(o.body == "all of this");
  CHECK_FALSE(o.keep_alive);
}

TEST_CASE("ResponseParser: informational responses before the final one", "[h1][parser]") {
  const std::string cont = "HTTP/1.1 100 Continue\r\n\r\n";
  const std::string hints = "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n";
  const std::string final_resp = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  const std::string wire = cont + hints + final_resp;
  auto mode = GENERATE(Feed::whole, Feed::bytewise);
  INFO(feed_name(mode));
  auto o = parse(wire, mode);
  REQUIRE(o.fed);
  CHECK(o.done);
  CHECK(o.informational == std::vector<int>{100, 103});
  CHECK(o.headers_calls == 1);
  CHECK(o.completes == 1);
  CHECK(o.head.status == 200);
  CHECK_FALSE(o.head.headers.has("Link"));
  CHECK(o.body == "ok");
  CHECK(o.consumed == wire.size());
  // header_bytes counts every head, the 1xx ones included.
  CHECK(roughly(o.header_bytes, cont.size() + hints.size() + head_size(final_resp)));
}

// Found by the response fuzz target: llhttp gave a 1xx head's Content-Length
// a body, made of the final response's bytes.
TEST_CASE("ResponseParser: a 1xx response has no body even with Content-Length or chunked",
          "[h1][parser]") {
  auto framing =
      GENERATE(std::string("Content-Length: 2\r\n"), std::string("Transfer-Encoding: chunked\r\n"));
  const std::string final_resp = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  const std::string wire = "HTTP/1.1 103 Early Hints\r\n" + framing + "\r\n" + final_resp;
  auto mode = GENERATE(Feed::whole, Feed::bytewise);
  INFO(feed_name(mode) << ", " << framing);
  auto o = parse(wire, mode);
  REQUIRE(o.fed);
  CHECK(o.done);
  CHECK(o.informational == std::vector<int>{103});
  CHECK(o.head.status == 200);
  CHECK(o.body == "ok");
  CHECK(o.consumed == wire.size());
}

TEST_CASE("ResponseParser: HEAD response has no body even with Content-Length", "[h1][parser]") {
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";
  const std::string next = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  auto mode = GENERATE(Feed::whole, Feed::bytewise);
  INFO(feed_name(mode));
  auto o = parse(head + next, mode, {.head = true});
  REQUIRE(o.fed);
  CHECK(o.done);
  CHECK(o.completes == 1);
  CHECK(o.body.empty());
  CHECK(o.body_bytes == 0);
  REQUIRE(o.head.content_length);
  CHECK(*o.head.content_length == 1000);
  CHECK(o.consumed == head.size());
  CHECK(o.keep_alive);
}

TEST_CASE("ResponseParser: 204 and 304 have no body", "[h1][parser]") {
  auto wire = GENERATE(as<std::string>{}, "HTTP/1.1 204 No Content\r\n\r\n",
                       "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n");
  const std::string next = "HTTP/1.1 200 OK\r\n";
  auto mode = GENERATE(Feed::whole, Feed::bytewise);
  INFO(feed_name(mode) << ": " << wire);
  auto o = parse(wire + next, mode);
  REQUIRE(o.fed);
  CHECK(o.done);
  CHECK(o.completes == 1);
  CHECK(o.body.empty());
  CHECK(o.consumed == wire.size());
  CHECK(o.keep_alive);
}

TEST_CASE("ResponseParser: 304 and 204 have no body even with Content-Length",
          "[h1][parser][bug]") {
  // RFC 9110 8.6: a 304 may carry the Content-Length of the representation it stands
  // for; neither 304 nor 204 ever has content (curl ignores the length for both).
  // llhttp 8.1 only skips their body when no length is given, so the parser must
  // tell it (as it does for HEAD). Otherwise the client waits for 100 body bytes and
  // swallows the next response.
  auto wire =
      GENERATE(as<std::string>{}, "HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n",
               "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n");
  const std::string next = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  auto mode = GENERATE(Feed::whole, Feed::bytewise);
  INFO(feed_name(mode) << ": " << wire);
  auto o = parse(wire + next, mode);
  REQUIRE(o.fed);
  CHECK(o.done);
  CHECK(o.completes == 1);
  CHECK(o.body.empty());
  CHECK(o.consumed == wire.size());
}

TEST_CASE("ResponseParser: keep_alive", "[h1][parser]") {
  struct Case {
    std::string wire;
    bool keep_alive;
  };
  auto c = GENERATE(
      Case{"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", true},
      Case{"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", false},
      Case{"HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 0\r\n\r\n", false},
      Case{"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false},
      Case{"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", true});
  auto mode = GENERATE(Feed::whole, Feed::bytewise);
  INFO(feed_name(mode) << ": " << c.wire);
  auto o = parse(c.wire, mode);
  REQUIRE(o.fed);
  REQUIRE(o.done);
  CHECK(o.keep_alive == c.keep_alive);
}

TEST_CASE("ResponseParser: lying Content-Length is a partial body", "[h1][parser]") {
  const std::string wire = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
  auto mode = GENERATE(Feed::whole, Feed::bytewise);
  INFO(feed_name(mode));
  auto o = parse(wire, mode, {.finish = true});
  REQUIRE(o.fed);
  CHECK(o.body == "abc");
  CHECK_FALSE(o.done);
  CHECK(o.completes == 0);
  const auto& error = finish_error(o);
  CHECK(error.code == Errc::partial_body);
  CHECK_THAT(error.message, Catch::Matchers::ContainsSubstring("7 bytes"));
}

TEST_CASE("ResponseParser: chunked body cut short is a partial body", "[h1][parser]") {
  const std::string wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\nabc";
  auto mode = GENERATE(Feed::whole, Feed::bytewise);
  INFO(feed_name(mode));
  auto o = parse(wire, mode, {.finish = true});
  REQUIRE(o.fed);
  CHECK(o.body == "abc");
  const auto& error = finish_error(o);
  CHECK(error.code == Errc::partial_body);
}

TEST_CASE("ResponseParser: empty reply", "[h1][parser]") {
  auto mode = GENERATE(Feed::whole, Feed::bytewise);
  INFO(feed_name(mode));
  auto o = parse("", mode, {.finish = true});
  REQUIRE(o.fed);
  CHECK(o.consumed == 0);
  const auto& error = finish_error(o);
  CHECK(error.code == Errc::empty_reply);
}

TEST_CASE("ResponseParser: connection closed inside the head", "[h1][parser]") {
  auto mode = GENERATE(Feed::whole, Feed::bytewise);
  INFO(feed_name(mode));
  auto o = parse("HTTP/1.1 200 OK\r\nContent-Le", mode, {.finish = true});
  REQUIRE(o.fed);
  CHECK_FALSE(o.done);
  CHECK(o.headers_calls == 0);
  const auto& error = finish_error(o);
  CHECK(error.code == Errc::recv_failed);
}

TEST_CASE("ResponseParser: garbage is a bad response", "[h1][parser]") {
  auto wire =
      GENERATE(as<std::string>{}, "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n",
               "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: abc\r\n\r\n",
               "HTTP/1.1 100 Continue\r\n\r\nhello\r\n\r\n",
               "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n",
               "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n");
  auto mode = GENERATE(Feed::whole, Feed::bytewise);
  INFO(feed_name(mode) << ": " << wire);
  auto o = parse(wire, mode);
  REQUIRE_FALSE(o.fed);
  CHECK(o.fed.error().code == Errc::bad_response);
  CHECK(o.headers_calls == 0);
}

TEST_CASE("ResponseParser: a reply that does not start HTTP/ is HTTP/0.9, refused as curl does",
          "[h1][parser]") {
  auto wire = GENERATE(as<std::string>{}, "garbage\r\n\r\n", "SSH-2.0-OpenSSH_9.2\r\n", "hello",
                       "\r\nHTTP/1.1 200 OK\r\n\r\n", "HTTP 200 OK\r\n", "HTTP\r\n\r\n");
  auto mode = GENERATE(Feed::whole, Feed::bytewise);
  INFO(feed_name(mode) << ": " << wire);
  auto o = parse(wire, mode);
  REQUIRE_FALSE(o.fed);
  CHECK(o.fed.error().code == Errc::unsupported_protocol);
  CHECK_THAT(o.fed.error().message, Catch::Matchers::ContainsSubstring("HTTP/0.9"));
  // The verdict comes as soon as a byte differs from "HTTP/", not at a line end.
  if (mode == Feed::bytewise) CHECK(o.consumed <= 5);
}

TEST_CASE("ResponseParser: odd framing that curl 8 reads", "[h1][parser]") {
  struct Case {
    std::string what, wire, body;
  };
  auto c = GENERATE(
      Case{"identical Content-Length twice",
           "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", "hello"},
      Case{"a Content-Length list", "HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello",
           "hello"},
      Case{"a length too large for 63 bits: to the close",
           "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\nhi", "hi"},
      Case{"HTTP/2 on an HTTP/1.1 connection, as curl reads it",
           "HTTP/2 200\r\nContent-Length: 2\r\n\r\nhi", "hi"},
      Case{"no space before the reason", "HTTP/1.1 200OK\r\nContent-Length: 2\r\n\r\nhi", "hi"},
      Case{"a fourth digit is the reason's", "HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nhi",
           "hi"},
      Case{"204 and 304 read no Content-Length at all",
           "HTTP/1.1 304 Not Modified\r\nContent-Length: 1\r\nContent-Length: abc\r\n\r\n", ""},
      Case{"chunked wins over Content-Length",
           "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n"
           "5\r\nhello\r\n0\r\n\r\n",
           "hello"},
      Case{"a space before a chunk extension",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 ;foo=bar\r\nhello\r\n0\r\n\r\n",
           "hello"},
      Case{"chunks with bare LF line ends",
           "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n5\nhello\n0\n\n", "hello"},
      Case{"upper-case hex sizes",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
           "A\r\n0123456789\r\n0\r\n\r\n",
           "0123456789"},
      Case{"a 3-digit status under 100 is the transfer's to refuse",
           "HTTP/1.1 051 X\r\nContent-Length: 2\r\n\r\nhi", "hi"});
  auto mode = GENERATE(Feed::whole, Feed::bytewise);
  INFO(c.what << ", " << feed_name(mode));
  auto o = parse(c.wire, mode, {.finish = true});
  REQUIRE(o.fed);
  REQUIRE(o.finished.has_value());
  CHECK(o.finished->has_value());
  CHECK(o.done);
  CHECK(o.body == c.body);
}

TEST_CASE("ResponseParser: folded header lines are unfolded", "[h1][parser]") {
  const std::string wire = "HTTP/1.1 200 OK\r\nX-A: one\r\n  two\r\nContent-Length: 0\r\n\r\n";
  auto o = parse(wire, Feed::whole);
  REQUIRE(o.fed);
  CHECK(o.head.headers.get("x-a") == "one two");
  CHECK(o.head.headers.list().size() == 2);
}

TEST_CASE("ResponseParser: what curl 8 calls a weird reply (8) or an unsupported one (1)",
          "[h1][parser]") {
  struct Case {
    std::string wire;
    Errc code;
  };
  auto c = GENERATE(
      Case{"HTTP/1.1 200 OK\r\nJust words\r\n\r\n", Errc::bad_response},
      Case{"HTTP/1.1 200 OK\r\n folded first\r\n\r\n", Errc::bad_response},
      Case{"HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n", Errc::bad_response},
      Case{std::string("HTTP/1.1 200 OK\r\nX-A: a") + '\0' + "b\r\n\r\n", Errc::bad_response},
      Case{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
           Errc::bad_response},
      Case{"HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello!", Errc::bad_response},
      Case{"HTTP/1.1 200 OK\r\nContent-Length: 5abc\r\n\r\nhello", Errc::bad_response},
      Case{"HTTP/1.1 20 OK\r\n\r\n", Errc::unsupported_protocol},
      Case{"HTTP/1.1  200 OK\r\n\r\n", Errc::unsupported_protocol},
      Case{"HTTP/1.2 200 OK\r\n\r\n", Errc::unsupported_protocol},
      Case{"HTTP/4 200 OK\r\n\r\n", Errc::unsupported_protocol},
      Case{"HTTP/1.1 abc OK\r\n\r\n", Errc::unsupported_protocol},
      Case{"HTTP/x.y 200 OK\r\n\r\n", Errc::unsupported_protocol},
      Case{"HTTP/1.1 \r\n\r\n", Errc::unsupported_protocol},
      Case{"HTTP/\r\n\r\n", Errc::unsupported_protocol},
      Case{"HTTP/1.1\r\n\r\n", Errc::unsupported_protocol},
      Case{"HTTP/2\n\n", Errc::unsupported_protocol});
  auto mode = GENERATE(Feed::whole, Feed::bytewise);
  INFO(feed_name(mode) << ": " << c.wire);
  auto o = parse(c.wire, mode);
  REQUIRE_FALSE(o.fed);
  CHECK(o.fed.error().code == c.code);
  CHECK(o.headers_calls == 0);
}

TEST_CASE("ResponseParser: curl 8's limits on one header line and on the number of lines",
          "[h1][parser]") {
  auto head = [](std::string fields) {
    return "HTTP/1.1 200 OK\r\n" + fields + "Content-Length: 0\r\n\r\n";
  };
  std::string many;
  for (int i = 0; i < 5000; ++i) many += "X-H: 1\r\n";
  SECTION("5000 header lines are read") {
    auto o = parse(head(many.substr(0, many.size() - 8)), Feed::whole);  // 4999 + Content-Length
    REQUIRE(o.fed);
    CHECK(o.done);
  }
  SECTION("5001 are too many") {
    auto o = parse(head(many), Feed::whole);
    REQUIRE_FALSE(o.fed);
    CHECK(o.fed.error().code == Errc::too_large);
  }
  SECTION("a line of 100 KiB is read, one byte more is too large") {
    std::string at_limit = "X-L: " + std::string(ResponseParser::kMaxLineBytes - 5, 'l') + "\r\n";
    auto o = parse(head(at_limit), Feed::whole);
    REQUIRE(o.fed);
    CHECK(o.done);
    o = parse(head("X-L: " + std::string(ResponseParser::kMaxLineBytes - 4, 'l') + "\r\n"),
              Feed::whole);
    REQUIRE_FALSE(o.fed);
    CHECK(o.fed.error().code == Errc::too_large);
  }
  SECTION("a trailer line of 4 KiB is read, one byte more is too large") {
    auto trailer = [](std::size_t n) {
      return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: " +
             std::string(n - 5, 't') + "\r\n\r\n";
    };
    auto o = parse(trailer(ResponseParser::kMaxTrailerLineBytes), Feed::whole);
    REQUIRE(o.fed);
    CHECK(o.done);
    o = parse(trailer(ResponseParser::kMaxTrailerLineBytes + 1), Feed::whole);
    REQUIRE_FALSE(o.fed);
    CHECK(o.fed.error().code == Errc::too_large);
  }
  SECTION("a long line is too large before the heads' total counts, however it is split") {
    std::string wire =
        head("A: " + std::string(90 * 1024, 'a') + "\r\nB: " + std::string(90 * 1024, 'b') +
             "\r\nC: " + std::string(90 * 1024, 'c') + "\r\nD: " + std::string(110 * 1024, 'd') +
             "\r\n");
    for (auto mode : {Feed::whole, Feed::bytewise}) {
      auto o = parse(wire, mode);
      REQUIRE_FALSE(o.fed);
      CHECK(o.fed.error().code == Errc::too_large);
    }
  }
}

TEST_CASE("ResponseParser: a chunk's data must end in CRLF", "[h1][parser]") {
  auto o = parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcQQ0\r\n\r\n",
                 Feed::whole);
  REQUIRE_FALSE(o.fed);
  CHECK(o.fed.error().code == Errc::recv_failed);
  CHECK(o.body == "abc");
}

TEST_CASE("ResponseParser: a bad chunk size after the head is a receive error", "[h1][parser]") {
  const std::string wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
  auto mode = GENERATE(Feed::whole, Feed::bytewise);
  INFO(feed_name(mode));
  auto o = parse(wire, mode);
  REQUIRE_FALSE(o.fed);
  CHECK(o.headers_calls == 1);
  CHECK(o.fed.error().code == Errc::recv_failed);
}

TEST_CASE("ResponseParser: bytes after a complete response are left unread", "[h1][parser]") {
  const std::string first = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none";
  const std::string second = "HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\ntwo";
  const std::string wire = first + second;

  auto mode = GENERATE(Feed::whole, Feed::bytewise);
  INFO(feed_name(mode));
  auto o = parse(wire, mode);
  REQUIRE(o.fed);
  CHECK(o.done);
  CHECK(o.completes == 1);
  CHECK(o.body == "one");
  CHECK(o.consumed == first.size());
  CHECK(o.consumed < wire.size());
}

TEST_CASE("ResponseParser: reset() parses the next response on the connection", "[h1][parser]") {
  const std::string first = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none";
  const std::string second =
      "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\n";
  const std::string wire = first + second;

  std::vector<int> statuses;
  std::string body;
  int completes = 0;
  ResponseParser::Events ev;
  ev.headers = [&](Response& r) { statuses.push_back(r.status); };
  ev.body = [&](std::span<const char> b) { body.append(b.data(), b.size()); };
  ev.complete = [&] { ++completes; };
  ResponseParser p(std::move(ev));

  std::size_t consumed = 0;
  REQUIRE(p.feed(std::span<const char>(wire.data(), wire.size()), consumed));
  REQUIRE(p.done());
  REQUIRE(consumed == first.size());
  // Feeding a finished parser takes nothing.
  std::size_t again = 99;
  REQUIRE(p.feed(std::span<const char>(wire.data() + consumed, wire.size() - consumed), again));
  CHECK(again == 0);

  p.reset();
  CHECK_FALSE(p.started());
  CHECK_FALSE(p.done());
  CHECK(p.body_bytes() == 0);
  std::size_t rest = 0;
  REQUIRE(p.feed(std::span<const char>(wire.data() + consumed, wire.size() - consumed), rest));
  CHECK(p.done());
  CHECK(rest == second.size());
  CHECK(statuses == std::vector<int>{200, 201});
  CHECK(body == "onetwo");
  CHECK(completes == 2);
  CHECK(p.response().status == 201);
  CHECK(p.response().reason == "Created");
}

TEST_CASE("ResponseParser: state accessors follow the message", "[h1][parser]") {
  ResponseParser p(ResponseParser::Events{});
  CHECK_FALSE(p.started());
  CHECK_FALSE(p.head_done());
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n";
  std::size_t c = 0;
  REQUIRE(p.feed(std::span<const char>(head.data(), 5), c));
  CHECK(c == 5);
  CHECK(p.started());
  CHECK_FALSE(p.head_done());
  REQUIRE(p.feed(std::span<const char>(head.data() + 5, head.size() - 5), c));
  CHECK(p.head_done());
  CHECK_FALSE(p.done());
  REQUIRE(p.feed(std::span<const char>("abcd", 4), c));
  CHECK(c == 4);
  CHECK(p.done());
  CHECK(p.body_bytes() == 4);
}

TEST_CASE("ResponseParser: a Content-Length body is raw and may be moved around the parser",
          "[h1][parser][splice]") {
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n";
  const std::string next = "HTTP/1.1 204 No Content\r\n\r\n";
  std::string body;
  int completes = 0;
  ResponseParser::Events ev;
  ev.body = [&](std::span<const char> b) { body.append(b.data(), b.size()); };
  ev.complete = [&] { ++completes; };
  ResponseParser p(std::move(ev));

  // The head and the first 4 body bytes arrive together: those are parsed.
  const std::string first = head + "0123";
  std::size_t used = 0;
  REQUIRE(p.feed(std::span<const char>(first.data(), first.size()), used));
  CHECK(used == first.size());
  CHECK(body == "0123");
  CHECK(p.raw_body_remaining() == 6);
  CHECK_FALSE(p.done());

  // 5 bytes go from the socket to the output directly (splice).
  p.body_moved(5);
  CHECK(p.raw_body_remaining() == 1);
  CHECK(p.body_bytes() == 9);
  CHECK_FALSE(p.done());
  CHECK(completes == 0);

  // The last byte comes through feed(), followed by the next response: only
  // the body's byte is taken.
  const std::string last = "9" + next;
  REQUIRE(p.feed(std::span<const char>(last.data(), last.size()), used));
  CHECK(used == 1);
  CHECK(p.done());
  CHECK(completes == 1);
  CHECK(p.keep_alive());
  CHECK(p.body_bytes() == 10);
  CHECK(body == "01239");  // the moved bytes were never seen here
}

TEST_CASE("ResponseParser: the last raw bytes moved complete the response",
          "[h1][parser][splice]") {
  int completes = 0;
  ResponseParser::Events ev;
  ev.complete = [&] { ++completes; };
  ResponseParser p(std::move(ev));
  const std::string head =
      "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\nConnection: close\r\n\r\n";
  std::size_t used = 0;
  REQUIRE(p.feed(std::span<const char>(head.data(), head.size()), used));
  CHECK(p.raw_body_remaining() == 1000000);
  p.body_moved(999999);
  CHECK(completes == 0);
  p.body_moved(5);  // more than announced is never counted
  CHECK(p.done());
  CHECK(completes == 1);
  CHECK(p.body_bytes() == 1000000);
  CHECK_FALSE(p.keep_alive());
  CHECK(p.raw_body_remaining() == 0);
}

TEST_CASE("ResponseParser: a raw body cut short reports the bytes missing",
          "[h1][parser][splice]") {
  ResponseParser p(ResponseParser::Events{});
  const std::string wire = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc";
  std::size_t used = 0;
  REQUIRE(p.feed(std::span<const char>(wire.data(), wire.size()), used));
  p.body_moved(7);
  auto r = p.finish();
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::partial_body);
  CHECK_THAT(r.error().message, Catch::Matchers::ContainsSubstring("90 bytes remaining"));
}

TEST_CASE("ResponseParser: chunked, empty and head-only bodies are not raw",
          "[h1][parser][splice]") {
  auto wire = GENERATE(
      as<std::string>{}, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "HTTP/1.1 200 OK\r\n\r\nclose-delimited",
      "HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n");
  INFO(wire);
  ResponseParser p(ResponseParser::Events{});
  std::size_t used = 0;
  REQUIRE(p.feed(std::span<const char>(wire.data(), wire.size()), used));
  CHECK(p.raw_body_remaining() == 0);
}

TEST_CASE("ResponseParser: 101 Switching Protocols stops right after its head",
          "[h1][parser][upgrade]") {
  const std::string head =
      "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n";
  const std::string wire = head + "PRI-not-http/1.1-anymore";
  auto mode = GENERATE(Feed::whole, Feed::bytewise);
  INFO(feed_name(mode));
  std::vector<int> informational;
  int headers = 0, completes = 0;
  ResponseParser::Events ev;
  ev.informational = [&](const Response& r) { informational.push_back(r.status); };
  ev.headers = [&](Response&) { ++headers; };
  ev.complete = [&] { ++completes; };
  ResponseParser p(std::move(ev));
  std::size_t consumed = 0;
  for (std::size_t i = 0; i < wire.size() && !p.switched(); ++i) {
    std::size_t n = mode == Feed::whole ? wire.size() - i : 1;
    std::size_t c = 0;
    REQUIRE(p.feed(std::span<const char>(wire.data() + i, n), c));
    consumed += c;
    if (mode == Feed::whole) break;
  }
  CHECK(p.switched());
  CHECK(consumed == head.size());  // the new protocol's bytes are left for it
  CHECK(informational == std::vector<int>{101});
  CHECK(headers == 0);
  CHECK(completes == 0);
  CHECK_FALSE(p.done());
}

TEST_CASE("ResponseParser: keep_raw_heads keeps each head as it came, 1xx apart", "[h1][parser]") {
  std::vector<std::string> raws;
  ResponseParser::Events ev;
  ev.informational = [&](const Response& r) { raws.push_back(r.raw_head); };
  ev.headers = [&](Response& r) { raws.push_back(r.raw_head); };
  ResponseParser p(std::move(ev));
  p.keep_raw_heads();
  std::string in =
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 200\r\nX-A:  spaced  \r\nx-b: v\nFolded: a\r\n b\r\nContent-Length: 0\r\n\r\n";
  for (char c : in) {  // a byte at a time: lines split across reads
    std::size_t used = 0;
    REQUIRE(p.feed({&c, 1}, used));
  }
  REQUIRE(raws.size() == 2);
  CHECK(raws[0] == "HTTP/1.1 100 Continue\r\n\r\n");
  CHECK(raws[1] ==
        "HTTP/1.1 200\r\nX-A:  spaced  \r\nx-b: v\nFolded: a\r\n b\r\nContent-Length: 0\r\n\r\n");
  CHECK(p.done());
}
