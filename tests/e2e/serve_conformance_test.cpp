// e2e: `sluice serve` answers what nginx users expect of an HTTP/1.1 server:
// 501 for transfer codings and methods it does not implement, 405 with Allow,
// 414, OPTIONS (also `OPTIONS *`), 400 for malformed field names, fragments
// ignored, paths normalised before routing, and synthetic endpoints that keep
// their sizes, headers and bytes straight. Raw requests go through
// peers/serve_client.py; loopback only, every process stopped by PID.
#include <fmt/format.h>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <fstream>

#include "support.hpp"

using namespace e2e;
using Catch::Matchers::ContainsSubstring;
using Catch::Matchers::EndsWith;
using Catch::Matchers::StartsWith;

namespace {

// Sends raw bytes (written with \r\n and \xNN escapes, no single quote) and
// returns everything the server sent until it closed.
std::string raw(const Server& s, const std::string& wire) {
  auto r = sh(kServeClient + "send " + std::to_string(s.port) + " '" + wire + "'", 30);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return r.out;
}

std::string curl(const std::string& args) {
  auto r = sh("curl -sS " + args, 30);
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

TEST_CASE("serve: unknown methods are 501; TRACE, or POST to a file, 405 with the Allow list",
          "[serve][conformance]") {
  Server s;
  check_final(raw(s, "FOO /bytes/3 HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n" + kNext),
              "501 Not Implemented");
  check_final(raw(s, "HELLO THERE\\r\\n\\r\\n"), "400 Bad Request");  // no request line at all
  for (const char* flags : {"", "--http2-prior-knowledge "}) {        // the router serves both
    INFO(flags);
    std::string f = flags;
    CHECK(status_of(f + "-X PROPFIND " + s.base + "/bytes/3") == "501");
    auto trace = curl(f + "-i -X TRACE " + s.base + "/bytes/3");
    CHECK_THAT(trace, StartsWith(f.empty() ? "HTTP/1.1 405 " : "HTTP/2 405"));
    CHECK_THAT(trace, ContainsSubstring("allow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS\r\n",
                                        Catch::CaseSensitive::No));
    CHECK(status_of(f + "-X DELETE " + s.base + "/bytes/3") == "200");
    CHECK(status_of(f + "-X DELETE " + s.base + "/status/202") == "202");
    CHECK(curl(f + "-X PUT --data-binary x " + s.base + "/echo") == "x");
  }
  // A method the router refuses leaves the connection open for the next request.
  auto keep = raw(s, "PROPFIND /bytes/3 HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n" + kNext +
                         "GET /bytes/1 HTTP/1.1\\r\\nHost: a\\r\\nConnection: close\\r\\n\\r\\n");
  CHECK_THAT(keep, StartsWith("HTTP/1.1 501 Not Implemented\r\n"));
  CHECK(count(keep, "HTTP/1.1 200 OK\r\n") == 2);
  CHECK_THAT(keep, EndsWith("\r\n\r\na"));

  // Static files list the same methods in their 405 as in their OPTIONS.
  std::string root = tmpdir() + "/conformance-root";
  sh("mkdir -p " + root);
  std::ofstream(root + "/f.txt") << "file\n";
  Server files("--root " + root);
  auto post = curl("-i -X POST " + files.base + "/f.txt");
  CHECK_THAT(post, StartsWith("HTTP/1.1 405 "));
  CHECK_THAT(post, ContainsSubstring("Allow: GET, HEAD, OPTIONS\r\n"));
  auto options = curl("-i -X OPTIONS " + files.base + "/f.txt");
  CHECK_THAT(options, StartsWith("HTTP/1.1 200 OK\r\n"));
  CHECK_THAT(options, ContainsSubstring("Allow: GET, HEAD, OPTIONS\r\n"));
  CHECK(curl(files.base + "/f.txt") == "file\n");
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

TEST_CASE("serve: OPTIONS * and OPTIONS /path answer with Allow and no body",
          "[serve][conformance]") {
  Server s;
  auto star = curl("-i -X OPTIONS --request-target '*' " + s.base);
  CHECK_THAT(star, StartsWith("HTTP/1.1 200 OK\r\n"));
  CHECK_THAT(star, ContainsSubstring("Allow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS\r\n"));
  CHECK_THAT(star, ContainsSubstring("Content-Length: 0\r\n"));
  CHECK_THAT(star, EndsWith("\r\n\r\n"));
  auto bytes = curl("-i -X OPTIONS " + s.base + "/bytes/3");
  CHECK_THAT(bytes, StartsWith("HTTP/1.1 200 OK\r\n"));
  CHECK_THAT(bytes, ContainsSubstring("Allow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS\r\n"));
  CHECK_THAT(bytes, EndsWith("Content-Length: 0\r\n\r\n"));
  CHECK(status_of("--request-target '*' " + s.base) == "400");  // GET * names nothing
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

TEST_CASE("serve: routing ignores the fragment and follows the normalised path",
          "[serve][conformance]") {
  Server s;
  // curl never sends a fragment: a raw request does.
  auto frag = raw(s, "GET /bytes/5#frag HTTP/1.1\\r\\nHost: a\\r\\nConnection: close\\r\\n\\r\\n");
  CHECK_THAT(frag, StartsWith("HTTP/1.1 200 OK\r\n"));
  CHECK_THAT(frag, EndsWith("\r\n\r\nabcde"));
  CHECK(curl("--path-as-is " + s.base + "/foo/../bytes/5") == "abcde");
  CHECK(curl("--path-as-is " + s.base + "/bytes/./%35") == "abcde");
  CHECK(status_of("--path-as-is " + s.base + "/../bytes/5") == "403");
}

TEST_CASE("serve synthetic endpoints: size caps, /status headers, /echo bytes and type",
          "[serve][conformance]") {
  Server s;
  auto max = curl("-I " + s.base + "/bytes/9223372036854775807");
  CHECK_THAT(max, StartsWith("HTTP/1.1 200 OK\r\n"));
  CHECK_THAT(max, ContainsSubstring("Content-Length: 9223372036854775807\r\n"));
  CHECK(status_of(s.base + "/bytes/9223372036854775808") == "400");
  CHECK(status_of(s.base + "/bytes/18446744073709551615") == "400");
  CHECK(status_of("'" + s.base + "/drip?bytes=18446744073709551615'") == "400");

  auto partial = curl("-i " + s.base + "/status/206");
  CHECK_THAT(partial, ContainsSubstring("Content-Range: bytes 0-19/20\r\n"));
  CHECK_THAT(partial, ContainsSubstring("Content-Length: 20\r\n"));
  CHECK_THAT(partial, EndsWith("\r\n\r\n206 Partial Content\n"));
  CHECK_THAT(curl("-i " + s.base + "/status/401"),
             ContainsSubstring("WWW-Authenticate: Basic realm=\"sluice\"\r\n"));

  // Every byte value comes back as sent: escaped for the raw client, plus
  // one raw 0xff byte in the argument itself.
  std::string escaped, expected;
  for (int b = 0; b < 256; ++b) {
    escaped += fmt::format("\\x{:02x}", b);
    expected += static_cast<char>(b);
  }
  escaped += "\xff";
  expected += '\xff';
  auto echo = raw(s, fmt::format("POST /echo HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: {}\\r\\n"
                                 "Connection: close\\r\\n\\r\\n{}",
                                 expected.size(), escaped));
  CHECK_THAT(echo, ContainsSubstring("Content-Type: application/octet-stream\r\n"));
  CHECK_THAT(echo, EndsWith("\r\n\r\n" + expected));

  std::string file = tmpdir() + "/all-bytes.bin";
  std::ofstream(file, std::ios::binary) << expected;
  for (const char* flags : {"", "--http2-prior-knowledge "}) {
    INFO(flags);
    // -H 'Content-Type:' drops the type curl adds for --data-binary.
    auto r = curl(std::string(flags) + "-i -H 'Content-Type:' --data-binary @" + file + " " +
                  s.base + "/echo");
    CHECK_THAT(r, ContainsSubstring("content-type: application/octet-stream\r\n",
                                    Catch::CaseSensitive::No));
    CHECK_THAT(r, EndsWith("\r\n\r\n" + expected));
    auto typed = curl(std::string(flags) + "-i -H 'Content-Type: image/png' --data-binary @" +
                      file + " " + s.base + "/echo");
    CHECK_THAT(typed, ContainsSubstring("content-type: image/png\r\n", Catch::CaseSensitive::No));
  }
}
