// e2e: `get --unix-socket` / `--abstract-unix-socket`, as curl has them: the
// connection goes to a Unix domain socket, the URL still names the Host (and
// the TLS name); proxies are not used and HTTP/3 cannot be. The server is
// peers/unix_http_server.py, which answers with the request head it got.
#include <unistd.h>

#include <algorithm>
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <string>

#include "get_helpers.hpp"
#include "support.hpp"

using namespace e2e;
using Catch::Matchers::ContainsSubstring;

namespace {

struct UnixServer {
  explicit UnixServer(const std::string& path, const std::string& flags = "")
      : proc(SLUICE_PYTHON3 " " SLUICE_SOURCE_DIR "/tests/e2e/peers/unix_http_server.py '" + path +
             "' " + flags) {
    REQUIRE(proc.wait_out("listening"));
  }
  Process proc;
};

}  // namespace

TEST_CASE("get --unix-socket: the same request and bytes as curl, Host from the URL",
          "[get][unix-socket]") {
  std::string sock = tmpdir() + "/http.sock";
  UnixServer server(sock);
  std::string args = "-s -A t --unix-socket " + sock + " http://example.test:8080/path?q=1";
  auto ours = sh(get(args));
  auto curls = sh("curl " + args);
  CHECK(ours.exit_code == 0);
  CHECK(curls.exit_code == 0);
  CHECK_THAT(ours.out, ContainsSubstring("GET /path?q=1 HTTP/1.1"));
  CHECK_THAT(ours.out, ContainsSubstring("Host: example.test:8080"));
  CHECK(ours.out == curls.out);
  // The peer is the socket: its path, and no port.
  auto w = sh(get("-s -o /dev/null -o /dev/null --unix-socket " + sock +
                  " -w '%{http_code} %{remote_ip} %{remote_port} %{num_connects}\\n'"
                  " http://localhost/a http://localhost/b"));
  CHECK(w.exit_code == 0);
  CHECK(w.out == "200 " + sock + " 0 1\n200 " + sock + " 0 0\n");
}

TEST_CASE("get --unix-socket: https over it, with the URL's name for TLS", "[get][unix-socket]") {
  std::string dir = tmpdir();
  REQUIRE(sh("cd " + dir +
             " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 "
             "-subj /CN=good.test -addext subjectAltName=DNS:good.test -keyout key.pem "
             "-out cert.pem 2>/dev/null")
              .exit_code == 0);
  std::string sock = dir + "/https.sock";
  UnixServer server(sock, "--tls " + dir + "/cert.pem " + dir + "/key.pem");
  auto fetch = [&](const std::string& tool, const std::string& host) {
    return sh(tool + " -s -o /dev/null -w '%{http_code}' --cacert " + dir + "/cert.pem" +
              " --unix-socket " + sock + " https://" + host + "/x");
  };
  auto ours = fetch(get(""), "good.test");
  CHECK(ours.exit_code == 0);
  CHECK(ours.out == "200");
  CHECK(fetch("curl", "good.test").out == "200");
  // The certificate names good.test only: the name checked is the URL's.
  CHECK(fetch(get(""), "bad.test").exit_code == 60);
  CHECK(fetch("curl", "bad.test").exit_code == 60);
  // --http3 cannot use QUIC here and goes the TCP way, through the socket.
  auto v = sh(get("-s -k --http3 -o /dev/null -w '%{http_code} %{http_version}' --unix-socket " +
                  sock + " https://good.test/x"));
  CHECK(v.exit_code == 0);
  CHECK(v.out == "200 1.1");
}

TEST_CASE("get --abstract-unix-socket reaches a socket in the abstract namespace",
          "[get][unix-socket]") {
  std::string name = "sluice-test-" + std::to_string(::getpid());
  UnixServer server(name, "--abstract");
  auto ours = sh(get("-s -A t --abstract-unix-socket " + name + " http://localhost/abs"));
  CHECK(ours.exit_code == 0);
  CHECK_THAT(ours.out, ContainsSubstring("GET /abs HTTP/1.1"));
  auto curls = sh("curl -s -A t --abstract-unix-socket " + name + " http://localhost/abs");
  CHECK(curls.out == ours.out);
}

TEST_CASE("get --unix-socket: no socket, no proxy, no HTTP/3: curl's exit codes",
          "[get][unix-socket]") {
  std::string dir = tmpdir();
  std::string missing = dir + "/missing.sock";
  for (std::string tool : {get(""), std::string("curl")}) {
    INFO(tool);
    // Nothing at the path: curl's 7, one line.
    auto r = sh(tool + " -sS --unix-socket " + missing + " http://localhost/");
    CHECK(r.exit_code == 7);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
  // A proxy in the environment is not used (curl mixes none with a Unix socket).
  std::string sock = dir + "/p.sock";
  UnixServer server(sock);
  for (std::string tool : {get(""), std::string("curl")}) {
    INFO(tool);
    auto r = sh("http_proxy=http://127.0.0.1:1 " + tool + " -s -o /dev/null -w '%{http_code}' " +
                "--unix-socket " + sock + " http://localhost/");
    CHECK(r.exit_code == 0);
    CHECK(r.out == "200");
  }
  // QUIC cannot go over it: --http3-only is curl's 96, --http3 uses TCP's way.
  auto h3 = sh(get("-sS --http3-only --unix-socket " + sock + " https://localhost/"));
  CHECK(h3.exit_code == 96);
  CHECK_THAT(h3.err, ContainsSubstring("Unix domain socket"));
  // A path longer than a socket address holds: curl's 6.
  auto long_path = sh(get("-sS --unix-socket /" + std::string(200, 'x') + " http://localhost/"));
  CHECK(long_path.exit_code == 6);
  // Both flags at once: a usage error.
  CHECK(sh(get("-s --unix-socket a --abstract-unix-socket b http://localhost/")).exit_code == 2);
}
