// The client's reading of an HTTP/3 response stream (core/h3/response_reader.*):
// interim heads, the final head, DATA, trailers and unknown frames, whole or
// split anywhere, and what RFC 9114 4.1, 4.3 and 7 make a stream or a
// connection error.
#include <catch2/catch_test_macros.hpp>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/h3/h3_frame.hpp"
#include "core/h3/qpack.hpp"
#include "core/h3/response_reader.hpp"

using sluice::h3::ResponseReader;
namespace err = sluice::h3::h3err;
namespace qpack = sluice::qpack;
using Fields = std::vector<std::pair<std::string, std::string>>;

namespace {

std::string frame(uint64_t type, const std::string& payload) {
  uint8_t buf[16];
  uint8_t* p = sluice::h3::put_varint(buf, type);
  p = sluice::h3::put_varint(p, payload.size());
  return std::string(reinterpret_cast<char*>(buf), static_cast<std::size_t>(p - buf)) + payload;
}

std::string headers(const Fields& fields) {
  std::string section;
  qpack::begin_section(section);
  for (const auto& [n, v] : fields) qpack::encode_field(section, n, v);
  return frame(sluice::h3::frame_type::kHeaders, section);
}

std::string data(const std::string& bytes) {
  return frame(sluice::h3::frame_type::kData, bytes);
}

struct Seen final : ResponseReader::Handler {
  Fields fields;
  std::vector<int> sections;
  std::string body;
  void on_field(std::string_view n, std::string_view v) override {
    fields.emplace_back(std::string(n), std::string(v));
  }
  void on_section(int status) override { sections.push_back(status); }
  void on_data(std::span<const uint8_t> b) override {
    body.append(reinterpret_cast<const char*>(b.data()), b.size());
  }
};

struct Run {
  Seen seen;
  ResponseReader reader;
  std::size_t consumed = 0;
};

// Feeds the stream's bytes in pieces of `piece`, the last with the fin.
Run read(const std::string& stream, std::size_t piece, bool head_request = false,
         sluice::h3::ResponseMemo* memo = nullptr) {
  Run r;
  qpack::Decoder dec;
  r.reader.start(head_request);
  // What the reader leaves unconsumed is not given again: QUIC counts it
  // only for flow control.
  auto bytes = std::span(reinterpret_cast<const uint8_t*>(stream.data()), stream.size());
  for (std::size_t at = 0; at < bytes.size() || at == 0; at += piece) {
    auto part = bytes.subspan(at, std::min(piece, bytes.size() - at));
    bool fin = at + part.size() >= bytes.size();
    r.consumed += r.reader.receive(part, fin, dec, r.seen, memo);
    if (r.reader.fault().code || bytes.empty()) break;
  }
  return r;
}

}  // namespace

TEST_CASE("h3 response: head, body, an unknown frame and trailers, split anywhere", "[h3]") {
  std::string stream = headers({{":status", "200"}, {"content-length", "11"}, {"x-a", "b"}}) +
                       data("hello") + frame(0x21, "grease") + data(" world") +
                       headers({{"x-trailer", "t"}});
  for (std::size_t piece : {std::size_t{1}, std::size_t{2}, std::size_t{7}, stream.size()}) {
    INFO("pieces of " << piece);
    Run r = read(stream, piece);
    CHECK(r.reader.fault().code == 0);
    CHECK(r.reader.complete());
    CHECK(r.seen.sections == std::vector<int>{200, 0});
    CHECK(r.seen.body == "hello world");
    CHECK(r.seen.fields == Fields{{"content-length", "11"}, {"x-a", "b"}, {"x-trailer", "t"}});
    // Everything but DATA payloads is consumed at once; those the caller credits.
    CHECK(r.consumed + r.seen.body.size() == stream.size());
  }
}

TEST_CASE("h3 response: interim heads before the final one", "[h3]") {
  std::string stream = headers({{":status", "103"}, {"link", "</a>"}}) +
                       headers({{":status", "100"}}) + headers({{":status", "204"}});
  Run r = read(stream, 3);
  CHECK(r.reader.fault().code == 0);
  CHECK(r.reader.complete());
  CHECK(r.seen.sections == std::vector<int>{103, 100, 204});
}

TEST_CASE("h3 response: a HEAD response or a 304 has no body whatever its Content-Length", "[h3]") {
  Run head = read(headers({{":status", "200"}, {"content-length", "100"}}), 4, true);
  CHECK(head.reader.fault().code == 0);
  CHECK(head.reader.complete());
  Run not_modified = read(headers({{":status", "304"}, {"content-length", "100"}}), 4);
  CHECK(not_modified.reader.complete());
  Run get = read(headers({{":status", "200"}, {"content-length", "100"}}), 4);
  CHECK(get.reader.fault().code == err::kMessage);  // 100 bytes promised, none came
  CHECK_FALSE(get.reader.fault().connection);
  Run body_on_head = read(headers({{":status", "200"}}) + data("x"), 4, true);
  CHECK(body_on_head.reader.fault().code == err::kMessage);
}

TEST_CASE("h3 response: a connection's memo hands a repeated head on as decoding did", "[h3]") {
  sluice::h3::ResponseMemo memo;
  const Fields fields{{":status", "200"}, {"content-length", "5"}, {"x-a", "b"}};
  std::string stream = headers(fields) + data("hello");
  Run first = read(stream, stream.size(), false, &memo);
  Run again = read(stream, 3, false, &memo);  // its head from the memo
  CHECK(memo.copies() == 1);
  for (const Run* r : {&first, &again}) {
    CHECK(r->reader.fault().code == 0);
    CHECK(r->reader.complete());
    CHECK(r->seen.sections == std::vector<int>{200});
    CHECK(r->seen.fields == Fields{{"content-length", "5"}, {"x-a", "b"}});
    CHECK(r->seen.body == "hello");
  }
  // The body is still held to the remembered Content-Length, and a HEAD
  // request's response still has none.
  CHECK(read(headers(fields) + data("hell"), 4, false, &memo).reader.fault().code == err::kMessage);
  Run head = read(headers(fields), 4, true, &memo);
  CHECK(head.reader.fault().code == 0);
  CHECK(head.reader.complete());
  CHECK(memo.copies() == 1);  // all hits
  // One byte different: decoded anew.
  Run other =
      read(headers({{":status", "200"}, {"content-length", "5"}, {"x-a", "c"}}) + data("hello"), 2,
           false, &memo);
  CHECK(other.seen.fields == Fields{{"content-length", "5"}, {"x-a", "c"}});
  CHECK(memo.copies() == 2);
  // A malformed head is never kept: the same bytes fail again.
  std::string bad = headers({{":status", "200"}, {"connection", "close"}});
  CHECK(read(bad, 1, false, &memo).reader.fault().code == err::kMessage);
  CHECK(read(bad, 1, false, &memo).reader.fault().code == err::kMessage);
  CHECK(memo.copies() == 2);
}

TEST_CASE("h3 response: a stream that ends early is incomplete, not a fault", "[h3]") {
  Run nothing = read("", 1);
  CHECK_FALSE(nothing.reader.complete());
  CHECK(nothing.reader.fault().code == 0);
  Run interim_only = read(headers({{":status", "103"}}), 2);
  CHECK_FALSE(interim_only.reader.complete());
  CHECK(interim_only.reader.fault().code == 0);
}

TEST_CASE("h3 response: malformed responses are stream errors (H3_MESSAGE_ERROR)", "[h3]") {
  const std::vector<std::pair<const char*, std::string>> cases = {
      {"no :status", headers({{"x-a", "b"}})},
      {"a bad :status", headers({{":status", "2000"}})},
      {"101", headers({{":status", "101"}})},
      {":status twice", headers({{":status", "200"}, {":status", "200"}})},
      {":status after a field", headers({{"x-a", "b"}, {":status", "200"}})},
      {"a request pseudo-field", headers({{":status", "200"}, {":path", "/"}})},
      {"an upper-case name", headers({{":status", "200"}, {"X-A", "b"}})},
      {"a CR in a value", headers({{":status", "200"}, {"x-a", "b\rc"}})},
      {"connection-specific", headers({{":status", "200"}, {"connection", "close"}})},
      {"two lengths",
       headers({{":status", "200"}, {"content-length", "1"}, {"content-length", "2"}}) + data("x")},
      {"a bad length", headers({{":status", "200"}, {"content-length", "1x"}})},
      {"a body too long", headers({{":status", "200"}, {"content-length", "1"}}) + data("xy")},
      {"a body too short", headers({{":status", "200"}, {"content-length", "3"}}) + data("xy")},
      {"a body too short, then trailers", headers({{":status", "200"}, {"content-length", "3"}}) +
                                              data("xy") + headers({{"x-t", "1"}})},
      {"a pseudo-field in trailers",
       headers({{":status", "200"}}) + data("x") + headers({{":status", "200"}})},
  };
  for (const auto& [what, stream] : cases) {
    for (std::size_t piece : {std::size_t{1}, stream.size()}) {
      INFO(what << ", pieces of " << piece);
      Run r = read(stream, piece);
      CHECK(r.reader.fault().code == err::kMessage);
      CHECK_FALSE(r.reader.fault().connection);
      CHECK_FALSE(r.reader.complete());
    }
  }
}

TEST_CASE("h3 response: frames out of place are connection errors", "[h3]") {
  std::string head = headers({{":status", "200"}});
  const std::vector<std::tuple<const char*, std::string, uint64_t>> cases = {
      {"DATA first", data("x") + head, err::kFrameUnexpected},
      {"HEADERS after trailers", head + headers({{"x-t", "1"}}) + headers({{"x-t", "2"}}),
       err::kFrameUnexpected},
      {"DATA after trailers", head + headers({{"x-t", "1"}}) + data("x"), err::kFrameUnexpected},
      {"SETTINGS", head + frame(0x04, ""), err::kFrameUnexpected},
      {"GOAWAY", frame(0x07, std::string(1, '\0')), err::kFrameUnexpected},
      {"an HTTP/2 frame type", head + frame(0x06, "12345678"), err::kFrameUnexpected},
      {"PUSH_PROMISE", frame(0x05, std::string(3, '\0')), err::kIdError},
      {"a frame cut by the stream's end", head + data("xyz").substr(0, 3), err::kFrame},
      {"a frame header cut", head + std::string(1, '\x40'), err::kFrame},
      {"a dynamic table reference", frame(0x01, std::string("\x02\x00\x80", 3)),
       err::kQpackDecompressionFailed},
  };
  for (const auto& [what, stream, code] : cases) {
    for (std::size_t piece : {std::size_t{1}, stream.size()}) {
      INFO(what << ", pieces of " << piece);
      Run r = read(stream, piece);
      CHECK(r.reader.fault().code == code);
      CHECK(r.reader.fault().connection);
    }
  }
}

TEST_CASE("h3 response: a field named like a request's is no fault in a response", "[h3]") {
  // Host is dropped from requests with the connection-specific fields, but
  // RFC 9114 4.2 does not make it one: a response may carry it.
  Run r = read(headers({{":status", "200"}, {"host", "example"}, {"te", "x"}}), 3);
  CHECK(r.reader.fault().code == 0);
  CHECK(r.reader.complete());
}
