// H2ServerSession against RFC 9113's rules, in hand-made frames, in the
// manner of h2spec: each violation gets the error it must (a GOAWAY for a
// connection error, an RST_STREAM for a stream error), and legal frames that
// clients rarely send are handled.
#include <catch2/catch_test_macros.hpp>
#include <string>

#include "h2_server_support.hpp"

using namespace h2test;

namespace {

std::string setting(uint16_t id, uint32_t value) {
  std::string e;
  e += static_cast<char>(id >> 8);
  e += static_cast<char>(id);
  for (int shift : {24, 16, 8, 0}) e += static_cast<char>((value >> shift) & 0xff);
  return e;
}

std::string u32(uint32_t v) {
  return setting(0, v).substr(2);
}

// A literal field without indexing, new name (RFC 7541 6.2.2).
std::string field(const std::string& name, const std::string& value) {
  std::string b(1, '\0');
  b += static_cast<char>(name.size());
  b += name;
  b += static_cast<char>(value.size());
  b += value;
  return b;
}

// A stream error: RST_STREAM with this code on the stream, the connection alive.
void check_stream_error(RawSession& r, int32_t id, uint32_t code) {
  const RawFrame* rst = r.find(NGHTTP2_RST_STREAM, id);
  REQUIRE(rst);
  CHECK(rst->u32(0) == code);
  CHECK(r.alive);
  CHECK(r.goaway_code() == -1);
  CHECK(r.ev.heads.count(id) == 0);  // never routed
}

}  // namespace

TEST_CASE("h2 conformance: the preface and the first SETTINGS", "[h2][conformance]") {
  Server ev;
  H2ServerSession srv(ev, H2ServerSettings{}, ServerLimits{});
  SECTION("a wrong preface is a PROTOCOL_ERROR") {
    CHECK_FALSE(srv.feed("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n"));
  }
  SECTION("a first frame other than SETTINGS is a PROTOCOL_ERROR") {
    CHECK_FALSE(srv.feed(std::string("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") +
                         raw_frame(NGHTTP2_PING, 0, 0, std::string(8, 'p'))));
  }
  SECTION("the preface and SETTINGS one byte at a time are fine") {
    std::string in = std::string("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") +
                     raw_frame(NGHTTP2_SETTINGS, 0, 0) + raw_frame(NGHTTP2_PING, 0, 0, "12345678");
    for (char c : in) REQUIRE(srv.feed(std::string(1, c)));
    srv.produce(1 << 20);
    auto frames = parse_frames(drain(srv.out()));
    REQUIRE(frames.size() >= 3);
    CHECK(frames[0].type == NGHTTP2_SETTINGS);  // ours comes first
    bool pong = false;
    for (auto& f : frames)
      pong |= f.type == NGHTTP2_PING && f.flags == NGHTTP2_FLAG_ACK && f.payload == "12345678";
    CHECK(pong);
    return;
  }
  CHECK(srv.goaway_code() == NGHTTP2_PROTOCOL_ERROR);
}

TEST_CASE("h2 conformance: connection errors end the connection with the right code",
          "[h2][conformance]") {
  RawSession r;
  uint32_t code = 0;
  SECTION("a frame over SETTINGS_MAX_FRAME_SIZE") {
    r.send(raw_frame(NGHTTP2_DATA, 0, 1, std::string(16385, 'x')));
    code = NGHTTP2_FRAME_SIZE_ERROR;
  }
  SECTION("SETTINGS whose length is not a multiple of 6") {
    r.send(raw_frame(NGHTTP2_SETTINGS, 0, 0, "12345"));
    code = NGHTTP2_FRAME_SIZE_ERROR;
  }
  SECTION("a SETTINGS ACK with a payload") {
    r.send(raw_frame(NGHTTP2_SETTINGS, NGHTTP2_FLAG_ACK, 0, setting(1, 0)));
    code = NGHTTP2_FRAME_SIZE_ERROR;
  }
  SECTION("SETTINGS on a stream") {
    r.send(raw_frame(NGHTTP2_SETTINGS, 0, 1));
    code = NGHTTP2_PROTOCOL_ERROR;
  }
  SECTION("SETTINGS_ENABLE_PUSH of 2") {
    r.send(raw_frame(NGHTTP2_SETTINGS, 0, 0, setting(2, 2)));
    code = NGHTTP2_PROTOCOL_ERROR;
  }
  SECTION("SETTINGS_INITIAL_WINDOW_SIZE over 2^31-1") {
    r.send(raw_frame(NGHTTP2_SETTINGS, 0, 0, setting(4, 0x80000000u)));
    code = NGHTTP2_FLOW_CONTROL_ERROR;
  }
  SECTION("SETTINGS_MAX_FRAME_SIZE below 16384") {
    r.send(raw_frame(NGHTTP2_SETTINGS, 0, 0, setting(5, 16383)));
    code = NGHTTP2_PROTOCOL_ERROR;
  }
  SECTION("PING on a stream") {
    r.send(raw_frame(NGHTTP2_PING, 0, 1, "12345678"));
    code = NGHTTP2_PROTOCOL_ERROR;
  }
  SECTION("PING of 7 bytes") {
    r.send(raw_frame(NGHTTP2_PING, 0, 0, "1234567"));
    code = NGHTTP2_FRAME_SIZE_ERROR;
  }
  SECTION("WINDOW_UPDATE of 0 on the connection") {
    r.send(raw_frame(NGHTTP2_WINDOW_UPDATE, 0, 0, u32(0)));
    code = NGHTTP2_PROTOCOL_ERROR;
  }
  SECTION("a connection window over 2^31-1") {
    r.send(raw_frame(NGHTTP2_WINDOW_UPDATE, 0, 0, u32(0x7fffffff)));
    code = NGHTTP2_FLOW_CONTROL_ERROR;
  }
  SECTION("WINDOW_UPDATE of 3 bytes") {
    r.send(raw_frame(NGHTTP2_WINDOW_UPDATE, 0, 0, "123"));
    code = NGHTTP2_FRAME_SIZE_ERROR;
  }
  SECTION("a PUSH_PROMISE from the client") {
    r.send(raw_frame(NGHTTP2_PUSH_PROMISE, NGHTTP2_FLAG_END_HEADERS, 1, u32(2) + get_block()));
    code = NGHTTP2_PROTOCOL_ERROR;
  }
  SECTION("DATA on an idle stream") {
    r.send(raw_frame(NGHTTP2_DATA, 0, 1, "x"));
    code = NGHTTP2_PROTOCOL_ERROR;
  }
  SECTION("DATA on stream 0") {
    r.send(raw_frame(NGHTTP2_DATA, 0, 0, "x"));
    code = NGHTTP2_PROTOCOL_ERROR;
  }
  SECTION("RST_STREAM on an idle stream") {
    r.send(raw_frame(NGHTTP2_RST_STREAM, 0, 1, u32(8)));
    code = NGHTTP2_PROTOCOL_ERROR;
  }
  SECTION("HEADERS on an even stream") {
    r.send(raw_frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS, 2, get_block()));
    code = NGHTTP2_PROTOCOL_ERROR;
  }
  SECTION("another frame inside a header block") {
    r.send(raw_frame(NGHTTP2_HEADERS, 0, 1, get_block()));
    r.send(raw_frame(NGHTTP2_PING, 0, 0, "12345678"));
    code = NGHTTP2_PROTOCOL_ERROR;
  }
  SECTION("a CONTINUATION on another stream") {
    r.send(raw_frame(NGHTTP2_HEADERS, 0, 1, get_block()));
    r.send(raw_frame(NGHTTP2_CONTINUATION, NGHTTP2_FLAG_END_HEADERS, 3, ""));
    code = NGHTTP2_PROTOCOL_ERROR;
  }
  SECTION("a CONTINUATION with no header block open") {
    r.send(raw_frame(NGHTTP2_CONTINUATION, NGHTTP2_FLAG_END_HEADERS, 1, get_block()));
    code = NGHTTP2_PROTOCOL_ERROR;
  }
  SECTION("a header block HPACK cannot decode") {
    r.send(raw_frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS | NGHTTP2_FLAG_END_STREAM, 1,
                     "\x82\x86\xff"));
    code = NGHTTP2_COMPRESSION_ERROR;
  }
  SECTION("DATA past the connection window") {
    // Echoes whose client never reads keep every window shut: four streams
    // fill the 1 MiB connection window, the fifth's first byte is over it.
    r.ev.echo = true;
    std::string chunk(16384, 'x');
    for (int32_t id = 1; id <= 9 && r.alive; id += 2) {
      r.send(raw_frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS, id,
                       get_block("/echo") + field("content-length", "300000")));
      for (int i = 0; i < 16 && r.alive; ++i) r.send(raw_frame(NGHTTP2_DATA, 0, id, chunk));
    }
    CHECK(r.ev.bodies[7].size() == 256 * 1024);
    CHECK(r.ev.bodies[9].empty());
    code = NGHTTP2_FLOW_CONTROL_ERROR;
  }
  CHECK_FALSE(r.alive);
  CHECK(r.goaway_code() == code);
}

TEST_CASE("h2 conformance: malformed requests reset their stream alone", "[h2][conformance]") {
  RawSession r;
  auto headers = [&](const std::string& block, uint8_t flags = NGHTTP2_FLAG_END_STREAM) {
    r.send(raw_frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS | flags, 1, block));
  };
  SECTION("an upper-case field name") {
    headers(get_block() + field("X-Upper", "1"));
  }
  SECTION("no :path") {
    headers("\x82\x86\x01\x09localhost");
  }
  SECTION("an empty :path") {
    headers(std::string("\x82\x86\x04\x00\x01\x09localhost", 15));
  }
  SECTION("a :path that is neither origin- nor asterisk-form") {
    headers(get_block("x"));
  }
  SECTION("a pseudo-header after a regular field") {
    headers(field("x-a", "1") + get_block());
  }
  SECTION("an unknown pseudo-header") {
    headers(get_block() + field(":foo", "1"));
  }
  SECTION(":method twice") {
    headers(get_block() + "\x82");
  }
  SECTION("a connection-specific field") {
    headers(get_block() + field("connection", "close"));
  }
  SECTION("te other than trailers") {
    headers(get_block() + field("te", "gzip"));
  }
  SECTION("a value with a line feed") {
    headers(get_block() + field("x-a", "1\n2"));
  }
  SECTION("a value with white space at its end") {
    headers(get_block() + field("x-a", "1 "));
  }
  SECTION("content-length twice") {
    headers(get_block() + field("content-length", "0") + field("content-length", "0"));
  }
  SECTION("content-length that is not a number") {
    headers(get_block() + field("content-length", "1x"));
  }
  SECTION("content-length with END_STREAM on the HEADERS") {
    headers(get_block() + field("content-length", "5"));
  }
  SECTION("a body longer than its content-length") {
    headers(get_block("/echo") + field("content-length", "3"), 0);
    r.ev.heads.clear();  // it was routed: the body shows it malformed
    r.send(raw_frame(NGHTTP2_DATA, NGHTTP2_FLAG_END_STREAM, 1, "four"));
  }
  SECTION("a body shorter than its content-length") {
    headers(get_block("/echo") + field("content-length", "5"), 0);
    r.ev.heads.clear();
    r.send(raw_frame(NGHTTP2_DATA, NGHTTP2_FLAG_END_STREAM, 1, "four"));
  }
  SECTION("HEADERS that depend on their own stream") {
    headers(u32(1) + "\x10" + get_block(), NGHTTP2_FLAG_END_STREAM | NGHTTP2_FLAG_PRIORITY);
  }
  check_stream_error(r, 1, NGHTTP2_PROTOCOL_ERROR);
  // The connection goes on: the next stream is answered.
  r.get(3);
  CHECK(r.ev.heads.count(3) == 1);
  r.respond(3);
  CHECK(r.find(NGHTTP2_DATA, 3));
}

TEST_CASE("h2 conformance: stream-level errors in control frames", "[h2][conformance]") {
  RawSession r;
  SECTION("PRIORITY of 4 bytes is a FRAME_SIZE_ERROR on its stream") {
    r.send(raw_frame(NGHTTP2_PRIORITY, 0, 1, u32(0)));
    check_stream_error(r, 1, NGHTTP2_FRAME_SIZE_ERROR);
  }
  SECTION("DATA past a stream's window is a FLOW_CONTROL_ERROR on it") {
    r.ev.echo = true;  // the echo's queue stays full: no window comes back
    r.send(raw_frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS, 1,
                     get_block("/echo") + field("content-length", "300000")));
    for (int i = 0; i < 17; ++i) r.send(raw_frame(NGHTTP2_DATA, 0, 1, std::string(16384, 'x')));
    const RawFrame* rst = r.find(NGHTTP2_RST_STREAM, 1);
    REQUIRE(rst);
    CHECK(rst->u32(0) == NGHTTP2_FLOW_CONTROL_ERROR);
    CHECK(r.ev.bodies[1].size() == 256 * 1024);
    CHECK(r.alive);
  }
  SECTION("a WINDOW_UPDATE of 0 on a stream is a PROTOCOL_ERROR on it") {
    r.send(raw_frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS, 1, get_block("/echo")));
    r.send(raw_frame(NGHTTP2_WINDOW_UPDATE, 0, 1, u32(0)));
    const RawFrame* rst = r.find(NGHTTP2_RST_STREAM, 1);
    REQUIRE(rst);
    CHECK(rst->u32(0) == NGHTTP2_PROTOCOL_ERROR);
    CHECK(r.alive);
  }
  SECTION("a stream window over 2^31-1 is a FLOW_CONTROL_ERROR on it") {
    r.send(raw_frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS, 1, get_block("/echo")));
    r.send(raw_frame(NGHTTP2_WINDOW_UPDATE, 0, 1, u32(0x7fffffff)));
    const RawFrame* rst = r.find(NGHTTP2_RST_STREAM, 1);
    REQUIRE(rst);
    CHECK(rst->u32(0) == NGHTTP2_FLOW_CONTROL_ERROR);
    CHECK(r.alive);
  }
}

TEST_CASE("h2 conformance: legal frames clients rarely send", "[h2][conformance]") {
  RawSession r;
  SECTION("a header block in HEADERS and two CONTINUATIONs, padded HEADERS") {
    std::string block = get_block("/split") + field("x-a", "1");
    std::string padded = std::string(1, '\x03') + block.substr(0, 4) + std::string(3, '\0');
    r.send(raw_frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_STREAM | NGHTTP2_FLAG_PADDED, 1, padded));
    r.send(raw_frame(NGHTTP2_CONTINUATION, 0, 1, block.substr(4, 6)));
    r.send(raw_frame(NGHTTP2_CONTINUATION, NGHTTP2_FLAG_END_HEADERS, 1, block.substr(10)));
    REQUIRE(r.ev.heads.count(1));
    CHECK(r.ev.heads[1].target == "/split");
    CHECK(r.ev.heads[1].headers.get("x-a") == "1");
  }
  SECTION("padded DATA, unknown frame types and PRIORITY are taken in stride") {
    r.send(raw_frame(0x42, 0, 0, "whatever"));
    r.send(raw_frame(NGHTTP2_PRIORITY, 0, 3, u32(0) + "\x10"));
    r.send(raw_frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS, 1, get_block("/echo")));
    r.send(raw_frame(NGHTTP2_DATA, NGHTTP2_FLAG_PADDED | NGHTTP2_FLAG_END_STREAM, 1,
                     std::string("\x02") + "body" + std::string(2, '\0')));
    CHECK(r.ev.bodies[1] == "body");
    CHECK(r.ev.ended == std::vector<int32_t>{1});
  }
  SECTION("a PING is answered with its own payload") {
    r.send(raw_frame(NGHTTP2_PING, 0, 0, "abcdefgh"));
    const RawFrame* pong = r.find(NGHTTP2_PING);
    REQUIRE(pong);
    CHECK(pong->flags == NGHTTP2_FLAG_ACK);
    CHECK(pong->payload == "abcdefgh");
  }
  SECTION("a response head over the client's frame size goes on in CONTINUATIONs") {
    r.get(1);
    Headers big;
    big.add("x-big", std::string(40000, 'b'));
    r.srv->send_head(1, 200, big, 0);
    r.send("");
    const RawFrame* h = r.find(NGHTTP2_HEADERS, 1);
    REQUIRE(h);
    CHECK(h->payload.size() == 16384);
    CHECK_FALSE(h->flags & NGHTTP2_FLAG_END_HEADERS);
    CHECK(h->flags & NGHTTP2_FLAG_END_STREAM);
    const RawFrame* c = r.find(NGHTTP2_CONTINUATION, 1);
    REQUIRE(c);
  }
  SECTION("SETTINGS_INITIAL_WINDOW_SIZE moves the windows of open streams") {
    r.send(raw_frame(NGHTTP2_SETTINGS, 0, 0, setting(4, 0)));
    r.get(1);
    r.srv->send_head(1, 200, {}, 10);
    r.srv->send_body(1, "0123456789");
    r.srv->end_response(1);
    r.send("");
    CHECK_FALSE(r.find(NGHTTP2_DATA, 1));  // no window
    r.send(raw_frame(NGHTTP2_SETTINGS, 0, 0, setting(4, 4)));
    const RawFrame* d = r.find(NGHTTP2_DATA, 1);
    REQUIRE(d);
    CHECK(d->payload == "0123");  // the new window, and no more
  }
  CHECK(r.alive);
  CHECK(r.goaway_code() == -1);
}

TEST_CASE("h2 conformance: more streams end in one produce() than the session keeps for reuse",
          "[h2][conformance]") {
  RawSession r;
  // 40 requests answered before anything is framed: one produce() ends them
  // all, and streams past the 32 kept for reuse are freed as they close.
  for (int32_t id = 1; id < 80; id += 2) r.get(id);
  for (int32_t id = 1; id < 80; id += 2) {
    r.srv->send_head(id, 200, {}, 5);
    r.srv->send_body(id, "hello");
    r.srv->end_response(id);
  }
  r.send("");
  CHECK(r.ev.closed.size() == 40);
  for (int32_t id = 1; id < 80; id += 2) CHECK(r.find(NGHTTP2_DATA, id));
  CHECK(r.srv->open_streams() == 0);
  CHECK(r.alive);
}
