// e2e: `sluice serve --root` against a hostile root and hostile requests: a
// FIFO never blocks the loop, a directory swapped for a symlink mid-request
// never leads out of the root, the directory redirect is never an open
// redirect, and a bad chunk terminator is 400 (no smuggled second request).
#include <sys/stat.h>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <chrono>
#include <fstream>

#include "support.hpp"

using namespace e2e;
using Catch::Matchers::ContainsSubstring;
using Catch::Matchers::StartsWith;

namespace {

const std::string kRace = SLUICE_PYTHON3 " " SLUICE_SOURCE_DIR "/tests/e2e/peers/symlink_race.py ";

std::string make_root(const std::string& name) {
  std::string root = tmpdir() + "/" + name;
  sh("rm -rf " + root + " && mkdir -p " + root + "/sub");
  std::ofstream(root + "/sub/index.html") << "<h1>sub</h1>\n";
  std::ofstream(root + "/a.txt") << "a\n";
  return root;
}

std::string raw(int port, const std::string& request) {
  return sh(kServeClient + "send " + std::to_string(port) + " '" + request + "'", 30).out;
}

}  // namespace

TEST_CASE("serve --root: a FIFO is refused without blocking the loop", "[serve][root]") {
  std::string root = make_root("fifo");
  REQUIRE(::mkfifo((root + "/fifo").c_str(), 0644) == 0);
  Server s("--root " + root);
  auto t0 = std::chrono::steady_clock::now();
  CHECK(status_of("-m 10 " + s.base + "/fifo") == "403");
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
  CHECK(status_of("-m 10 " + s.base + "/a.txt") == "200");  // the loop still answers
}

TEST_CASE("serve --root: a directory swapped for a symlink never leads out of the root",
          "[serve][root][race]") {
  std::string root = make_root("race"), outside = tmpdir() + "/race-outside";
  Server s("--root " + root);
  auto r = sh(kRace + std::to_string(s.port) + " " + root + " " + outside + " 3000", 120);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, ContainsSubstring(" secret 0 "));
  CHECK_THAT(r.out, !StartsWith("inside 0 "));  // the race let some requests through
}

TEST_CASE("serve --root: the directory redirect is built from the normalised path",
          "[serve][root]") {
  std::string root = make_root("redirect");
  Server s("--root " + root);
  for (const char* target :
       {"//evil.example/../sub", "/\\\\evil.example/../sub", "/./sub", "//sub"}) {
    INFO(target);
    auto out = raw(s.port, std::string("GET ") + target +
                               " HTTP/1.1\\r\\nHost: a\\r\\nConnection: close\\r\\n\\r\\n");
    if (out.starts_with("HTTP/1.1 301 ")) {
      CHECK_THAT(out, ContainsSubstring("\r\nLocation: /sub/\r\n"));
      CHECK(out.find("Location: //") == std::string::npos);
      CHECK(out.find("Location: /\\") == std::string::npos);
    } else {
      CHECK_THAT(out, StartsWith("HTTP/1.1 40"));  // refused, never a redirect elsewhere
    }
  }
  auto spaced =
      raw(s.port, "GET /a%20b?x=1 HTTP/1.1\\r\\nHost: a\\r\\nConnection: close\\r\\n\\r\\n");
  CHECK_THAT(spaced, StartsWith("HTTP/1.1 404 "));
  sh("mkdir -p '" + root + "/a b'");
  auto dir = raw(s.port, "GET /a%20b?x=1 HTTP/1.1\\r\\nHost: a\\r\\nConnection: close\\r\\n\\r\\n");
  CHECK_THAT(dir, ContainsSubstring("\r\nLocation: /a%20b/?x=1\r\n"));
}

TEST_CASE("serve: a chunk not followed by CRLF is 400, and nothing after it is served",
          "[serve][root]") {
  Server s;
  auto out = raw(s.port,
                 "POST /echo HTTP/1.1\\r\\nHost: a\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n"
                 "3\\r\\nabcQQ0\\r\\n\\r\\nGET /bytes/3 HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n");
  CHECK_THAT(out, StartsWith("HTTP/1.1 400 "));
  CHECK(out.find("HTTP/1.1 200") == std::string::npos);
}

TEST_CASE("serve: clients that give up on a slow response free their connections at once",
          "[serve][root]") {
  // Ten clients abandon /delay/3600000; with --max-connections 10 every later
  // client was refused for an hour, their sockets left in CLOSE-WAIT.
  Server s("--max-connections 10");
  for (int i = 0; i < 10; ++i)
    CHECK(sh("curl -s -m 0.3 -o /dev/null " + s.base + "/delay/3600000", 10).exit_code == 28);
  // The server notices each close as it comes; a new client is served.
  std::string code;
  for (int i = 0; i < 50 && code != "200"; ++i) code = status_of("-m 2 " + s.base + "/bytes/3");
  CHECK(code == "200");
}
