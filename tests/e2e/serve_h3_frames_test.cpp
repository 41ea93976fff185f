// e2e: `sluice serve --http3` against frames no well-behaved client sends,
// from tests/e2e/peers/h3_raw_client (the project's QUIC layer under raw
// HTTP/3 bytes). Each violation gets its RFC 9114 / RFC 9204 error code, on
// the connection or on the stream as the RFC says, and the server keeps
// serving everyone else.
#include <catch2/catch_test_macros.hpp>
#include <string>

#include "get_helpers.hpp"
#include "h3_server.hpp"
#include "support.hpp"

using namespace e2e;

namespace {

// QPACK, static table only (RFC 9204 4.5): an indexed field line, a literal
// with a static name reference, a literal with a literal name (short ones).
std::string indexed(int index) {
  return std::string(1, static_cast<char>(0xC0 | index));
}
std::string with_name_ref(int index, const std::string& value) {
  return std::string(1, static_cast<char>(0x50 | index)) + static_cast<char>(value.size()) + value;
}
std::string literal(const std::string& name, const std::string& value) {
  return std::string(1, static_cast<char>(0x20 | name.size())) + name +
         static_cast<char>(value.size()) + value;
}

// A frame with a one- or two-byte varint length.
std::string frame(int type, const std::string& payload) {
  std::string f(1, static_cast<char>(type));
  if (payload.size() < 64) {
    f += static_cast<char>(payload.size());
  } else {
    f += static_cast<char>(0x40 | (payload.size() >> 8));
    f += static_cast<char>(payload.size() & 0xff);
  }
  return f + payload;
}

constexpr int kData = 0x00, kHeaders = 0x01, kSettings = 0x04, kGoaway = 0x07;
constexpr int kGet = 17, kPost = 20, kHttps = 23, kPath = 1, kAuthority = 0, kContentLength = 4;

// A HEADERS frame for METHOD (a static index) on path, then extra fields.
std::string request(int method, const std::string& path, const std::string& extra = "") {
  std::string section = std::string("\0\0", 2) + indexed(method) + indexed(kHttps) +
                        with_name_ref(kPath, path) + with_name_ref(kAuthority, "localhost") + extra;
  return frame(kHeaders, section);
}

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

const std::string kControl = std::string(1, '\0') + frame(kSettings, "");

// What the raw client saw: "response N", "close 0x...", "reset 0x...".
std::string outcome(const H3Server& s, const std::string& control, const std::string& req,
                    bool fin = true) {
  auto r = sh(std::string(H3_RAW_CLIENT) + " " + std::to_string(s.srv.port) + " '" + hex(control) +
                  "' '" + hex(req) + "'" + (fin ? "" : " nofin"),
              20);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return r.out.substr(0, r.out.find('\n'));
}

}  // namespace

TEST_CASE("serve --http3: malformed request streams get RFC 9114's error codes",
          "[serve][h3][robustness]") {
  H3Server s;
  const std::string get3 = request(kGet, "/bytes/3");
  // The well-formed baseline, and a reserved (grease) frame type, which is skipped.
  CHECK(outcome(s, kControl, get3).starts_with("response "));
  CHECK(outcome(s, kControl, frame(0x21, "ab") + get3).starts_with("response "));
  CHECK(outcome(s, "", get3).starts_with("response "));  // no control stream yet: allowed
  // Connection errors: DATA first, control frames here, a frame cut by FIN.
  CHECK(outcome(s, kControl, frame(kData, "abc") + get3) == "close 0x105");
  CHECK(outcome(s, kControl, frame(kSettings, "")) == "close 0x105");
  CHECK(outcome(s, kControl, get3 + "\x01\x04") == "close 0x106");
  // QPACK: a dynamic table reference when we allowed none.
  CHECK(outcome(s, kControl, frame(kHeaders, std::string("\x01\x00", 2) + indexed(kGet))) ==
        "close 0x200");
  // Stream errors (H3_MESSAGE_ERROR): an upper-case field name, a body that
  // disagrees with its content-length.
  CHECK(outcome(s, kControl, request(kGet, "/bytes/3", literal("X-A", "1"))) == "reset 0x10e");
  CHECK(outcome(s, kControl,
                request(kPost, "/echo", with_name_ref(kContentLength, "5")) +
                    frame(kData, "abcd")) == "reset 0x10e");
  CHECK(outcome(s, kControl,
                request(kPost, "/echo", with_name_ref(kContentLength, "4")) + frame(kData, "abcd"))
            .starts_with("response "));
  // Expect: 100-continue: an interim HEADERS frame first (:status 100,
  // static index 63), while the body is still to come.
  auto expect =
      outcome(s, kControl,
              request(kPost, "/echo",
                      with_name_ref(kContentLength, "4") + literal("expect", "100-continue")),
              false);
  CHECK(expect.starts_with("partial 01040000ff00"));  // /echo's own head may follow
  // A HEADERS frame over the 64 KiB limit: H3_EXCESSIVE_LOAD, read or not.
  std::string huge = std::string("\x01\x80\x01\x11\x70", 5);  // type 1, length 70000
  CHECK(outcome(s, kControl, huge, false) == "reset 0x107");
  // The server still answers everyone else.
  auto after = sh(get("-s --http3-only -k -w ' %{http_code}' " + s.url("/bytes/3")));
  CHECK(after.out == "abc 200");
}

TEST_CASE("serve --http3: a client's control and unidirectional streams are checked",
          "[serve][h3][robustness]") {
  H3Server s;
  const std::string get3 = request(kGet, "/bytes/3");
  const std::string control_type(1, '\0');
  // SETTINGS must come first (H3_MISSING_SETTINGS), and once (FRAME_UNEXPECTED).
  CHECK(outcome(s, control_type + frame(kGoaway, std::string(1, '\0')), get3) == "close 0x10a");
  CHECK(outcome(s, kControl + frame(kSettings, ""), get3) == "close 0x105");
  // HTTP/2's frame types and settings have no place in HTTP/3.
  CHECK(outcome(s, kControl + frame(0x02, ""), get3) == "close 0x105");
  CHECK(outcome(s, control_type + frame(kSettings, std::string("\x02\x00", 2)), get3) ==
        "close 0x109");
  // DATA on the control stream.
  CHECK(outcome(s, kControl + frame(kData, "x"), get3) == "close 0x105");
  // A push stream from a client (H3_STREAM_CREATION_ERROR).
  CHECK(outcome(s, std::string(1, '\x01'), get3) == "close 0x103");
  // An unknown stream type is ignored: the request is answered.
  CHECK(outcome(s, std::string(1, '\x21'), get3).starts_with("response "));
  auto after = sh(get("-s --http3-only -k -w ' %{http_code}' " + s.url("/bytes/3")));
  CHECK(after.out == "abc 200");
}
