// e2e: `sluice serve --tls --http3` answered over QUIC by `sluice get
// --http3-only` and by ngtcp2's own example client (gtlsclient): synthetic
// bodies byte for byte against the h1 answer, a 100 MB body, several
// requests on one connection, /echo of a 3 MB upload, a static file.
#include <signal.h>
#include <unistd.h>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <cctype>
#include <string>

#include "get_helpers.hpp"
#include "h3_server.hpp"
#include "support.hpp"

using namespace e2e;
using Catch::Matchers::ContainsSubstring;

TEST_CASE("serve --http3: /bytes and /drip over QUIC equal the h1 answer", "[serve][h3]") {
  H3Server s;
  // /drip writes small pieces: they cross from the stream's inline buffer to its
  // block queue.
  for (const char* path :
       {"/bytes/0", "/bytes/1", "/bytes/100000", "/bytes/3000000", "/drip?bytes=6000&rate=60000"}) {
    INFO(path);
    auto h3 = sha_of(get("-s --http3-only -k '" + s.url(path) + "'"));
    auto h1 = sha_of(get("-s --http1.1 -k '" + s.url(path) + "'"));
    CHECK(h3 == h1);
  }
  auto w =
      sh(get("-s --http3-only -k -o /dev/null -w '%{http_version} %{http_code} "
             "%{size_download}' " +
             s.url("/bytes/12345")));
  CHECK(w.exit_code == 0);
  CHECK(w.out == "3 200 12345");
}

TEST_CASE("serve --http3: a 100 MB body arrives whole", "[serve][h3]") {
  H3Server s;
  auto h3 = sh(get("-s --http3-only -k " + s.url("/bytes/100000000") + " | sha256sum"), 120);
  auto h1 = sh(get("-s -k " + s.url("/bytes/100000000") + " | sha256sum"), 120);
  REQUIRE(h3.exit_code == 0);
  CHECK(h3.out == h1.out);
}

TEST_CASE("get --http3-only -L follows a redirect chain on one QUIC connection",
          "[serve][h3][get]") {
  H3Server s;
  auto r =
      sh(get("-sL --http3-only -k -o /dev/null -w '%{http_code} %{num_redirects} "
             "%{num_connects} %{http_version}' " +
             s.url("/redirect/5")));
  CHECK(r.exit_code == 0);
  CHECK(r.out == "200 5 1 3");
}

TEST_CASE("serve --http3: -Z requests share one QUIC connection", "[serve][h3]") {
  H3Server s;
  std::string urls;
  for (int i = 1; i <= 5; ++i) urls += " " + s.url("/bytes/" + std::to_string(i * 10000));
  auto r =
      sh(get("-s -Z --http3-only -k -o /dev/null -o /dev/null -o /dev/null -o /dev/null "
             "-o /dev/null -w '%{num_connects} %{http_version}\\n'" +
             urls));
  REQUIRE(r.exit_code == 0);
  int connects = 0, lines = 0;
  for (std::size_t at = 0; at < r.out.size();) {
    std::size_t nl = r.out.find('\n', at);
    std::string line = r.out.substr(at, nl - at);
    CHECK(line.ends_with(" 3"));
    connects += std::stoi(line);
    ++lines;
    at = nl == std::string::npos ? r.out.size() : nl + 1;
  }
  CHECK(lines == 5);
  CHECK(connects == 1);
}

TEST_CASE("serve --http3: /echo returns a 3 MB upload byte for byte", "[serve][h3]") {
  H3Server s;
  std::string file = tmpdir() + "/h3echo.bin";
  REQUIRE(sh("head -c 3000000 /dev/urandom > " + file).exit_code == 0);
  auto echoed = sha_of(get("-s --http3-only -k --data-binary @" + file + " " + s.url("/echo")));
  CHECK(echoed == sha_of("cat " + file));
}

TEST_CASE("serve --http3: a --root static file", "[serve][h3]") {
  std::string dir = tmpdir() + "/h3root";
  REQUIRE(sh("mkdir -p " + dir + " && head -c 777777 /dev/urandom > " + dir + "/f.bin").exit_code ==
          0);
  H3Server s("--root " + dir);
  CHECK(sha_of(get("-s --http3-only -k " + s.url("/f.bin"))) == sha_of("cat " + dir + "/f.bin"));
  auto missing = sh(get("-s --http3-only -k -o /dev/null -w '%{http_code}' " + s.url("/nope")));
  CHECK(missing.out == "404");
}

TEST_CASE("serve --http3: ngtcp2's gtlsclient is answered", "[serve][h3]") {
  H3Server s;
  std::string url = s.url("/bytes/1000000");
  std::string dir = tmpdir() + "/gtlsclient";
  auto r = sh("mkdir -p " + dir + " && cd " + dir +
                  " && gtlsclient -q --exit-on-all-streams-close --download " + dir +
                  " 127.0.0.1 " + std::to_string(s.srv.port) + " " + url,
              60);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(sha_of("cat " + dir + "/1000000") == sha_of(get("-s -k " + url)));
}

TEST_CASE("serve --http3 without --tls is a clear error", "[serve][h3]") {
  auto r = sh(std::string(sluice_bin()) +
              " serve --http3 --listen 127.0.0.1:" + std::to_string(free_port()));
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, ContainsSubstring("--http3 needs --tls"));
}

TEST_CASE("serve --http3: h1 and h2 responses over TLS advertise it with Alt-Svc", "[serve][h3]") {
  H3Server s;
  std::string want = "alt-svc: h3=\":" + std::to_string(s.srv.port) + "\"";
  for (const char* version : {"--http1.1", "--http2"}) {
    INFO(version);
    auto r = sh(get("-s -k -I " + std::string(version) + " " + s.url("/bytes/10")));
    REQUIRE(r.exit_code == 0);
    std::string lower = r.out;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    CHECK_THAT(lower, ContainsSubstring(want));
  }
  Server plain("", true);  // without --http3: nothing to advertise
  auto r = sh(get("-s -k -I " + plain.base + "/bytes/10"));
  CHECK_THAT(r.out, !ContainsSubstring("lt-Svc") && !ContainsSubstring("lt-svc"));
}

TEST_CASE("serve --http3: SIGTERM lets an open h3 stream finish, then exits 0", "[serve][h3]") {
  H3Server s;
  std::string out = tmpdir() + "/h3drip.out";
  Process client(
      get("-s --http3-only -k -o " + out + " '" + s.url("/drip?bytes=3000&rate=3000") + "'"));
  // SIGTERM once the stream is open and its first bytes have arrived (a
  // connection still in its handshake would be closed, as nginx closes idle ones).
  REQUIRE(wait_until([&] { return !slurp(out).empty(); }, 20000));
  s.srv.proc.signal(SIGTERM);
  CHECK(client.wait(20) == 0);
  CHECK(slurp(out).size() == 3000);
  CHECK(s.srv.proc.wait(20) == 0);
}
