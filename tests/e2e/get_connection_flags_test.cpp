// e2e: `sluice get`'s connection flags (and the -w variables that go with
// them) as curl has them, each compared with curl run the same way where
// curl 7.88 and 8 agree. Loopback only.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <chrono>
#include <string>

#include "get_helpers.hpp"

using Catch::Matchers::ContainsSubstring;
using namespace e2e;

namespace {
const std::string kCurl = "curl ";
}  // namespace

TEST_CASE("get --http1.0 and -0 send an HTTP/1.0 request line, as curl does", "[get][http1.0]") {
  BadServer peer("request-line");  // answers with the request line it got
  for (const char* flag : {"--http1.0", "-0"}) {
    INFO(flag);
    auto ours = sh(get(std::string("-s ") + flag + " " + peer.url));
    CHECK(ours.exit_code == 0);
    CHECK(ours.out == "GET / HTTP/1.0\n");
    CHECK(ours.out == sh(kCurl + "-s " + flag + " " + peer.url).out);
  }
  CHECK(sh(get("-s " + peer.url)).out == "GET / HTTP/1.1\n");
  CHECK(sh(get("-s --http1.0 --http1.1 " + peer.url)).exit_code == 2);
}

TEST_CASE("get --http1.0 keeps no connection the server closes, over TLS too", "[get][http1.0]") {
  Server s;
  // serve answers an HTTP/1.0 request without keep-alive with Connection:
  // close: every URL connects anew, as with curl.
  std::string args = "-s --http1.0 -o /dev/null -o /dev/null -w '%{num_connects} %{http_code} ' " +
                     s.base + "/bytes/5 " + s.base + "/bytes/6";
  auto ours = sh(get(args));
  CHECK(ours.exit_code == 0);
  CHECK(ours.out == "1 200 1 200 ");
  CHECK(ours.out == sh(kCurl + args).out);
  // https: ALPN offers http/1.1 only, so no h2 (curl offers the same).
  Server tls("", true);
  auto h = sh(get("-sk --http1.0 -o /dev/null -w '%{http_version}' " + tls.base + "/bytes/5"));
  CHECK(h.exit_code == 0);
  CHECK(h.out == "1.1");
}
