// `sluice get` reads odd HTTP/1.1 responses as curl 8 does (issue 18): what
// both curl 7.88 and 8.x do is compared with the curl installed; where they
// differ, sluice follows curl 8 and the test states the code.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <filesystem>
#include <string>

#include "get_helpers.hpp"

using namespace e2e;
using Catch::Matchers::ContainsSubstring;

TEST_CASE("get reads odd framing and refuses non-HTTP replies as curl does", "[get][curl]") {
  // badserver modes whose exit code and body are the same in curl 7.88 and 8.x.
  for (const char* mode : {"dup-cl", "dup-cl-list", "cl-chunked", "chunk-ext-space", "http09",
                           "garbage", "no-status", "empty-location", "bad-scheme"}) {
    INFO(mode);
    BadServer bs(mode);
    std::string args = "-s -L " + bs.url;
    auto mine = sh(get(args)), curl = sh("curl " + args);
    CHECK(mine.exit_code == curl.exit_code);
    CHECK(mine.out == curl.out);
  }
  SECTION("the exit codes themselves") {
    CHECK(sh(get("-s " + BadServer("dup-cl").url)).out == "hello");
    CHECK(sh(get("-s " + BadServer("chunk-ext-space").url)).out == "hello");
    auto r = sh(get("-sS " + BadServer("http09").url));
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, ContainsSubstring("HTTP/0.9"));
    r = sh(get("-sSL " + BadServer("bad-scheme").url));
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());  // the 3xx body is not printed
    r = sh(get("-sSL -w '%{http_code}' " + BadServer("empty-location").url));
    CHECK(r.exit_code == 0);
    CHECK(r.out == "moved302");  // not followed
  }
}

TEST_CASE("get -i, -D and --trace pass an HTTP/1.1 head on as it came, as curl does",
          "[get][curl]") {
  BadServer bs("odd-head");
  for (const char* args : {"-s -i ", "-s -D - -o /dev/null ", "-s -I "}) {
    INFO(args);
    auto mine = sh(get(args + bs.url)), curl = sh("curl " + std::string(args) + bs.url);
    CHECK(mine.exit_code == 0);
    CHECK(mine.out == curl.out);
  }
  CHECK(sh(get("-s -i " + bs.url))
            .out.starts_with("HTTP/1.1 200\r\nContent-Length: 2\r\nX-A:  spaced  \r\n"));
  auto trace = sh(get("-s --trace-ascii - -o /dev/null " + bs.url));
  CHECK_THAT(trace.out, ContainsSubstring("<= Recv header, 11 bytes (0xb)\n0000: x-lower: v.\n"));
}

TEST_CASE("get -D writes trailers after the head, as curl does", "[get][curl]") {
  BadServer bs("trailers");
  std::string dir = tmpdir() + "/dump-trailers";
  REQUIRE(sh("mkdir -p " + dir).exit_code == 0);
  for (const char* to : {"-", "FILE"}) {
    INFO(to);
    std::string dest = std::string(to) == "-" ? "-" : dir + "/h.txt";
    auto mine = sh(get("-s -o /dev/null -D " + dest + " " + bs.url));
    std::string mine_text = dest == "-" ? mine.out : slurp(dest);
    auto curl = sh("curl -s -o /dev/null -D " + dest + " " + bs.url);
    std::string curl_text = dest == "-" ? curl.out : slurp(dest);
    CHECK(mine_text == curl_text);
    CHECK_THAT(mine_text, ContainsSubstring("\r\nX-T: 1\r\n"));
  }
}

TEST_CASE(
    "get refuses what curl 8 refuses: huge header lines, 5000+ headers, lengths that disagree",
    "[get][curl]") {
  // curl 8.6+ says 100 for the first three (7.88: 27, 0, hangs); curl 8.21
  // says 8 for two different lengths (7.88 and 8.14 take the last).
  auto r = sh(get("-sS " + BadServer("long-header").url));
  CHECK(r.exit_code == 100);
  r = sh(get("-sS " + BadServer("many-headers").url));
  CHECK(r.exit_code == 100);
  CHECK_THAT(r.err, ContainsSubstring("5000"));
  r = sh(get("-sS " + BadServer("endless-trailers").url), 30);
  CHECK(r.exit_code == 100);
  CHECK(r.out == "hello");  // the body before the trailers was delivered
  r = sh(get("-sS " + BadServer("dup-cl-differ").url));
  CHECK(r.exit_code == 8);
  CHECK(r.out.empty());
}

TEST_CASE("get -L keeps -X's method on every redirect, the body as curl's rule says",
          "[get][curl]") {
  BadServer bs("method-echo");
  for (const char* args : {"-X POST", "-d x", "-X POST -d x", "-X PUT -d x", "-X PUT", "-T -"}) {
    for (const char* code : {"301", "302", "303", "307"}) {
      std::string cmd = std::string("-s -L ") + args + " " + bs.url + "r/" + code;
      if (std::string(args) == "-T -") cmd = "-s -L -T - " + bs.url + "r/" + code + " <<< hi";
      INFO(cmd);
      auto mine = sh(get(cmd)), curl = sh("curl " + cmd);
      CHECK(mine.exit_code == 0);
      CHECK(mine.out == curl.out);
    }
  }
  CHECK(sh(get("-s -L -X PUT -d x " + bs.url + "r/302")).out == "PUT 0");
}

TEST_CASE("get -H 'Host:' sends no Host, -H 'X;' an empty X, as curl", "[get][curl]") {
  BadServer bs("head-echo");
  std::string args = "-s -H 'Host:' -H 'X-Empty;' -H 'User-Agent: t' " + bs.url;
  auto mine = sh(get(args)), curl = sh("curl " + args);
  CHECK(mine.exit_code == 0);
  CHECK(mine.out == curl.out);
  CHECK_THAT(mine.out, !ContainsSubstring("Host:"));
  CHECK_THAT(mine.out, ContainsSubstring("\r\nX-Empty:\r\n"));
}

TEST_CASE("get --http2-prior-knowledge to a server that is not HTTP/2 is curl 8's 16",
          "[get][h2][curl]") {
  for (const char* mode : {"empty", "garbage"}) {
    INFO(mode);
    auto r = sh(get("-sS --http2-prior-knowledge " + BadServer(mode).url));
    CHECK(r.exit_code == 16);
  }
}

TEST_CASE("get -O on a URL that ends in / names the file as curl 8 does", "[get][curl]") {
  Server s;
  std::string dir = tmpdir() + "/remote-name";
  std::filesystem::create_directories(dir);
  auto r = sh("cd " + dir + " && " + get("-sO " + s.base + "/"));
  CHECK(r.exit_code == 0);
  CHECK(std::filesystem::exists(dir + "/curl_response"));
  r = sh("cd " + dir + " && " + get("-sO " + s.base + "/bytes/5/"));  // curl 8.14: "5"
  CHECK(r.exit_code == 0);
  CHECK(slurp(dir + "/5") == "abcde");
}

TEST_CASE("get --resolve '*:PORT:ADDR' serves every host, a host's own entry first",
          "[get][curl]") {
  Server s;
  std::string port = std::to_string(s.port);
  auto r = sh(get("-s -w '%{remote_ip}' --resolve '*:" + port +
                  ":127.0.0.1' http://foo.test:" + port + "/bytes/3 -o /dev/null"));
  CHECK(r.exit_code == 0);
  CHECK(r.out == "127.0.0.1");
  r = sh(get("-s -w '%{remote_ip}' --resolve '*:" + port + ":192.0.2.1' --resolve 'foo.test:" +
             port + ":127.0.0.1' http://foo.test:" + port + "/bytes/3 -o /dev/null"));
  CHECK(r.exit_code == 0);
  CHECK(r.out == "127.0.0.1");
}

TEST_CASE("get %{urlnum} counts the URLs of the whole command line, across --next", "[get][curl]") {
  Server s;
  std::string args = "-s -o /dev/null -w '%{urlnum} ' --url " + s.base + "/bytes/1" +
                     " --next -o /dev/null -w '%{urlnum} ' " + s.base + "/bytes/2" + " " + s.base +
                     "/bytes/3" + " -o /dev/null";
  auto mine = sh(get(args)), curl = sh("curl " + args);
  CHECK(mine.exit_code == 0);
  CHECK(mine.out == "0 1 2 ");
  CHECK(mine.out == curl.out);
}
