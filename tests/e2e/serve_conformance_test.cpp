// e2e: `sluice serve` answers what nginx users expect of an HTTP/1.1 server:
// 501 for transfer codings it does not implement, 414, 400 for malformed
// field names. Raw requests go through peers/serve_client.py; loopback only,
// every process stopped by PID.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "support.hpp"

using namespace e2e;
using Catch::Matchers::ContainsSubstring;
using Catch::Matchers::EndsWith;
using Catch::Matchers::StartsWith;

namespace {

const std::string kClient = "python3 " SLUICE_SOURCE_DIR "/tests/e2e/peers/serve_client.py ";

// Sends raw bytes (written with \r\n and \xNN escapes, no single quote) and
// returns everything the server sent until it closed.
std::string raw(const Server& s, const std::string& wire) {
  auto r = sh(kClient + "send " + std::to_string(s.port) + " '" + wire + "'", 30);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return r.out;
}

std::size_t count(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
  return n;
}

// A refusal that ends the connection: one response, Connection: close, and
// nothing for the request pipelined behind it.
void check_final(const std::string& out, const std::string& status_line) {
  CHECK_THAT(out, StartsWith("HTTP/1.1 " + status_line + "\r\n"));
  CHECK_THAT(out, ContainsSubstring("Connection: close\r\n"));
  CHECK_THAT(out, EndsWith("\r\n\r\n" + status_line + "\n"));
  CHECK(count(out, "HTTP/1.1 ") == 1);
}

const std::string kNext = "GET /bytes/3 HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n";

}  // namespace

TEST_CASE("serve: transfer codings other than chunked are 501, chunked not last 400",
          "[serve][conformance]") {
  Server s;
  auto post = [&](const std::string& te) {
    return raw(s, "POST /echo HTTP/1.1\\r\\nHost: a\\r\\nTransfer-Encoding: " + te +
                      "\\r\\n\\r\\n3\\r\\nabc\\r\\n0\\r\\n\\r\\n" + kNext);
  };
  check_final(post("gzip"), "501 Not Implemented");
  check_final(post("gzip, chunked"), "501 Not Implemented");
  check_final(post("chunked, gzip"), "400 Bad Request");
  auto fine = post("chunked");
  CHECK_THAT(fine, StartsWith("HTTP/1.1 200 OK\r\n"));
  CHECK_THAT(fine, ContainsSubstring("\r\n\r\n3\r\nabc\r\n0\r\n\r\n"));
  CHECK_THAT(fine, EndsWith("\r\n\r\nabc"));  // and the pipelined GET after it
}

TEST_CASE("serve: a request-target over 8 KiB is 414; a header block over the limit still 431",
          "[serve][conformance]") {
  Server s;
  std::string long_path = "/bytes/1?" + std::string(8200, 'q');
  check_final(raw(s, "GET " + long_path + " HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n" + kNext),
              "414 URI Too Long");
  CHECK(status_of(s.base + "/bytes/1?" + std::string(8000, 'q')) == "200");
  CHECK(status_of("-H 'X-Big: " + std::string(20000, 'a') + "' " + s.base + "/bytes/1") == "431");
}

TEST_CASE("serve: a field name with a space or a non-tchar byte is 400, whatever the field",
          "[serve][conformance]") {
  Server s;
  for (const char* field : {"X-Foo : bar", "X Foo: bar", "Accept : */*", "X\\x01Y: z"}) {
    INFO(field);
    check_final(raw(s, "GET /bytes/3 HTTP/1.1\\r\\nHost: a\\r\\n" + std::string(field) +
                           "\\r\\n\\r\\n" + kNext),
                "400 Bad Request");
  }
}
