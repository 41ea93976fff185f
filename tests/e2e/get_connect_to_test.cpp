// e2e: `get --connect-to`, as curl has it: the connection goes elsewhere, the
// URL, Host and TLS name stay the URL's.
#include <algorithm>
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <string>

#include "get_helpers.hpp"
#include "gtlsserver.hpp"
#include "support.hpp"

using namespace e2e;
using Catch::Matchers::ContainsSubstring;

TEST_CASE("get --connect-to sends HOST1's request to HOST2:PORT2, the same bytes as curl",
          "[get][connect-to]") {
  Server s;
  std::string p = std::to_string(s.port);
  std::string args = "-s --connect-to example.test:80:127.0.0.1:" + p +
                     " -A t -H 'X-Id: 1' http://example.test/headers";
  auto ours = sh(get(args));
  auto curls = sh("curl " + args);
  CHECK(ours.exit_code == 0);
  CHECK(curls.exit_code == 0);
  CHECK_THAT(ours.out, ContainsSubstring("example.test"));
  CHECK(ours.out == curls.out);
  // Empty fields: any host and port go to 127.0.0.1:PORT; the first match wins.
  auto any =
      sh(get("-s -o /dev/null -w '%{http_code} %{remote_port}' --connect-to ::127.0.0.1:" + p +
             " --connect-to ::127.0.0.1:1 http://other.test:8080/bytes/3"));
  CHECK(any.out == "200 " + p);
  // An entry that does not match leaves the URL alone: nothing listens on port 1.
  CHECK(sh(get("-s --connect-to nomatch.test:80:127.0.0.1:" + p + " http://127.0.0.1:1/"))
            .exit_code == 7);
  // --resolve applies to where the connection goes, after --connect-to.
  auto both = sh(get("-s -o /dev/null -w '%{http_code}' --connect-to a.test:80:b.test:" + p +
                     " --resolve b.test:" + p + ":127.0.0.1 http://a.test/bytes/1"));
  CHECK(both.out == "200");
}

TEST_CASE("get --connect-to keeps the URL's name for TLS, over QUIC as over TCP",
          "[get][connect-to][h3][tls]") {
  Gtlsserver g;
  std::string p = std::to_string(g.port);
  std::string ca = " --cacert " + g.dir + "/cert.pem";
  auto fetch = [&](const std::string& host) {
    return sh(get("-s --http3-only" + ca + " --connect-to " + host + ":443:127.0.0.1:" + p +
                  " -o /dev/null -w '%{http_code}' https://" + host + "/hello.txt"));
  };
  CHECK(fetch("good.test").out == "200");
  CHECK(fetch("bad.test").exit_code == 60);  // the certificate names good.test only
}

TEST_CASE("get --connect-to: a malformed entry is curl's exit 49 in one line",
          "[get][connect-to]") {
  for (const char* bad : {"foo", "a:b:c:d", "a:80:b", ":99999:127.0.0.1:1", "[::1:80::1"}) {
    auto r = sh(get(std::string("-sS --connect-to '") + bad + "' http://127.0.0.1:1/"));
    INFO(bad);
    CHECK(r.exit_code == 49);  // curl's CURLE_SETOPT_OPTION_SYNTAX
    CHECK_THAT(r.err, ContainsSubstring("--connect-to"));
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
}
