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

namespace {

// The `ss -tno` line of the one established connection to 127.0.0.1:port
// while cmd (a client fetching something slow from it) runs; "" if none showed.
std::string socket_line(const std::string& cmd, int port) {
  Process client(cmd);
  std::string line;
  wait_until([&] {
    line = sh("ss -tnoH state established dst 127.0.0.1:" + std::to_string(port)).out;
    return !line.empty();
  });
  return line;
}

// The keepalive timer's value in an ss line ("timer:(keepalive,59sec,0)"),
// in whatever unit ss printed it; -1 without a keepalive timer.
double keepalive_left(const std::string& line, std::string* unit = nullptr) {
  auto at = line.find("timer:(keepalive,");
  if (at == std::string::npos) return -1;
  std::string rest = line.substr(at + 17);
  std::size_t used = 0;
  double v = std::stod(rest, &used);
  if (unit) *unit = rest.substr(used, rest.find(',') - used);
  return v;
}

}  // namespace

TEST_CASE("get sets TCP keepalive probes as curl does; --keepalive-time and --no-keepalive",
          "[get][keepalive]") {
  Server s;
  std::string url = " " + s.base + "/delay/3000";
  for (const std::string& client : {get("-s -o /dev/null"), kCurl + "-s -o /dev/null"}) {
    INFO(client);
    // curl's default: probes after 60 s idle (ss prints a whole minute as "1min").
    std::string unit;
    double left = keepalive_left(socket_line(client + url, s.port), &unit);
    CHECK(((unit == "min" && left == 1) || (unit == "sec" && left > 30)));
    // --keepalive-time 7: the timer starts at 7 s (ss prints small values oddly).
    left = keepalive_left(socket_line(client + " --keepalive-time 7" + url, s.port), &unit);
    CHECK(unit != "min");
    CHECK(left > 0);
    CHECK(left <= 7);
    // --no-keepalive: no keepalive timer on the socket at all.
    std::string line = socket_line(client + " --no-keepalive" + url, s.port);
    CHECK(!line.empty());
    CHECK(keepalive_left(line) == -1);
  }
}

TEST_CASE("get --local-port binds a free port of the range; a taken one is curl's exit 45",
          "[get][local-port]") {
  Server s;
  int p = free_port();
  std::string range = std::to_string(p) + "-" + std::to_string(p + 20);
  for (const std::string& client : {get(""), kCurl}) {
    INFO(client);
    auto r = sh(client + "-s -o /dev/null -w '%{local_port}' --local-port " + range + " " + s.base +
                "/bytes/3");
    CHECK(r.exit_code == 0);
    int port = std::stoi(r.out.empty() ? "0" : r.out);
    CHECK(port >= p);
    CHECK(port <= p + 20);
    // The server's own listening port cannot be bound: nothing else in range.
    CHECK(sh(client + "-s --local-port " + std::to_string(s.port) + " " + s.base + "/bytes/3")
              .exit_code == 45);
    for (const char* bad : {"abc", "70000", "5-3"}) {
      INFO(bad);
      CHECK(sh(client + "-s --local-port " + bad + " " + s.base + "/").exit_code == 2);
    }
  }
}

TEST_CASE("get --interface binds to a device's or an address's; one it cannot is exit 45",
          "[get][interface]") {
  Server s;
  std::string url = " " + s.base + "/bytes/3";
  for (const std::string& client : {get(""), kCurl}) {
    INFO(client);
    auto lo = sh(client + "-s -o /dev/null -w '%{local_ip}' --interface lo" + url);
    CHECK(lo.exit_code == 0);
    CHECK(lo.out == "127.0.0.1");
    auto addr = sh(client + "-s -o /dev/null -w '%{local_ip}' --interface 127.0.0.2" + url);
    CHECK(addr.exit_code == 0);
    CHECK(addr.out == "127.0.0.2");
    CHECK(sh(client + "-s --interface nosuchif0" + url).exit_code == 45);
    CHECK(sh(client + "-s --interface 192.0.2.222" + url).exit_code == 45);  // not ours
  }
  // curl's prefixes say which it is.
  CHECK(sh(get("-s -o /dev/null -w '%{local_ip}' --interface 'host!127.0.0.3'" + url)).out ==
        "127.0.0.3");
  CHECK(sh(get("-s -o /dev/null -w '%{local_ip}' --interface 'if!lo'" + url)).out == "127.0.0.1");
  // Both together: the port on that address.
  int p = free_port();
  auto both =
      sh(get("-s -o /dev/null -w '%{local_ip}:%{local_port}' --interface 127.0.0.4 "
             "--local-port " +
             std::to_string(p) + url));
  CHECK(both.out == "127.0.0.4:" + std::to_string(p));
}

namespace {
double seconds_of(const std::function<void()>& run) {
  auto t0 = std::chrono::steady_clock::now();
  run();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

TEST_CASE("get --limit-rate 100K: 300 KB take at least 2 s over h1 and h2, bytes intact",
          "[get][limit-rate]") {
  Server s;
  std::string url = " " + s.base + "/bytes/307200";
  std::string want = sha_of(kCurl + "-s" + url);
  for (const char* proto : {"--http1.1", "--http2-prior-knowledge"}) {
    INFO(proto);
    std::string got;
    double secs =
        seconds_of([&] { got = sha_of(get(std::string("-s --limit-rate 100K ") + proto + url)); });
    CHECK(got == want);
    CHECK(secs >= 2.0);  // 300 KiB at 100 KiB/s: about 3 s
    CHECK(secs < 9.0);
  }
  // Over TLS too (h2 by ALPN), at 200K: a window the peer fills in more than one frame.
  Server tls("", true);
  std::string want_600k = sha_of(kCurl + "-s " + s.base + "/bytes/614400");
  double secs = seconds_of([&] {
    CHECK(sha_of(get("-sk --limit-rate 200K " + tls.base + "/bytes/614400")) == want_600k);
  });
  CHECK(secs >= 2.0);
  CHECK(secs < 9.0);
  // 0 is no limit; a speed that is not one is exit 2, as in curl.
  CHECK(sh(get("-s -o /dev/null --limit-rate 0" + url)).exit_code == 0);
  CHECK(sh(get("-s --limit-rate fast" + url)).exit_code == 2);
  CHECK(sh(kCurl + "-s --limit-rate fast" + url).exit_code == 2);
}

TEST_CASE("get --limit-rate leaves the connection free for the next URL", "[get][limit-rate]") {
  Server s;
  // Two URLs: the pause on the last bytes of the first leaves the connection free.
  auto r = sh(get("-s --limit-rate 1M -o /dev/null -o /dev/null -w '%{num_connects} ' " + s.base +
                  "/bytes/100000 " + s.base + "/bytes/100000"));
  CHECK(r.exit_code == 0);
  CHECK(r.out == "1 0 ");
}

TEST_CASE("get --fail-early stops at the first failed transfer and exits with its code, as curl",
          "[get][fail-early]") {
  Server s;
  std::string w = " -w '%{url} %{exitcode}\\n' -o /dev/null -o /dev/null -o /dev/null ";
  std::string refused = "http://127.0.0.1:1/";
  std::string urls = s.base + "/bytes/1 " + refused + " " + s.base + "/bytes/2";
  for (const std::string& client : {get(""), kCurl}) {
    INFO(client);
    auto early = sh(client + "-s --fail-early" + w + urls);
    CHECK(early.exit_code == 7);
    CHECK(early.out == s.base + "/bytes/1 0\n" + refused + " 7\n");
    // Without it every URL runs and the last one's result is the exit code.
    auto all = sh(client + "-s" + w + urls);
    CHECK(all.exit_code == 0);
    CHECK(all.out == s.base + "/bytes/1 0\n" + refused + " 7\n" + s.base + "/bytes/2 0\n");
    // -f makes an HTTP error a failure too.
    auto http = sh(client + "-sf --fail-early" + w + s.base + "/status/404 " + s.base + "/bytes/2");
    CHECK(http.exit_code == 22);
    CHECK(http.out == s.base + "/status/404 22\n");
  }
}

TEST_CASE("get -Z --fail-early stops the transfers still running (42) and exits with the failure's",
          "[get][fail-early]") {
  Server s;
  RunResult r;
  double secs = seconds_of([&] {
    r = sh(get("-s -Z --fail-early -w '%{exitcode}\\n' -o /dev/null -o /dev/null " + s.base +
               "/delay/5000 http://127.0.0.1:1/"));
  });
  // curl 8.14 exits with the last transfer to end (42 here); sluice with the
  // failure that stopped the run, as without -Z.
  CHECK(r.exit_code == 7);
  CHECK_THAT(r.out, ContainsSubstring("7\n"));
  CHECK_THAT(r.out, ContainsSubstring("42\n"));
  CHECK(secs < 4.0);
}

TEST_CASE("get -w %{size_request} counts request heads and bodies as curl does",
          "[get][write-out]") {
  Server s;
  std::string w = " -s -o /dev/null -A x -w '%{size_request}' ";
  for (const std::string& args :
       {w + s.base + "/bytes/1", w + "-d hello " + s.base + "/echo",
        w + "-L " + s.base + "/redirect/2",
        w + "-H 'X-Long: " + std::string(100, 'y') + "' " + s.base + "/bytes/1"}) {
    INFO(args);
    auto ours = sh(get(args));
    CHECK(ours.exit_code == 0);
    CHECK(ours.out == sh(kCurl + args).out);
  }
  // h2: the same head with "HTTP/2" in its line (curl 8's count), never 0.
  auto h2 = sh(get("--http2-prior-knowledge" + w + s.base + "/bytes/1"));
  CHECK(h2.exit_code == 0);
  CHECK(std::stoi(h2.out) > 0);
}

TEST_CASE("get -w %{ssl_verify_result} is the X509 verification's result, with -k too",
          "[get][write-out][tls]") {
  std::string dir = tmpdir() + "/verify";
  REQUIRE(sh("mkdir -p " + dir + " && cd " + dir +
             " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 "
             "-subj /CN=test-ca -keyout ca.key -out ca.pem && openssl req -newkey ec -pkeyopt "
             "ec_paramgen_curve:P-256 -nodes -subj /CN=server -addext subjectAltName=IP:127.0.0.1 "
             "-keyout server.key -out server.csr && openssl x509 -req -in server.csr -CA ca.pem "
             "-CAkey ca.key -CAcreateserial -days 1 -copy_extensions copy -out server.pem "
             "2>/dev/null")
              .exit_code == 0);
  Server signed_by_ca("--cert " + dir + "/server.pem --key " + dir + "/server.key", true);
  Server self_signed("", true);
  Server plain;
  std::string w = "-s -o /dev/null -w '%{ssl_verify_result}' ";
  for (const std::string& client : {get(w), kCurl + w}) {
    INFO(client);
    auto ok = sh(client + "--cacert " + dir + "/ca.pem " + signed_by_ca.base + "/bytes/1");
    CHECK(ok.exit_code == 0);
    CHECK(ok.out == "0");
    // Self-signed: X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT (18), -k or not.
    auto k = sh(client + "-k " + self_signed.base + "/bytes/1");
    CHECK(k.exit_code == 0);
    CHECK(k.out == "18");
    auto refused = sh(client + self_signed.base + "/bytes/1");
    CHECK(refused.exit_code == 60);
    CHECK(refused.out == "18");
    CHECK(sh(client + plain.base + "/bytes/1").out == "0");
  }
}

TEST_CASE(
    "get --speed-limit/--speed-time end a slow transfer with 28, as curl; a slow "
    "consumer does not",
    "[get][speed-limit]") {
  Server s;
  for (const std::string& client : {get(""), std::string("curl ")}) {
    INFO(client);
    // 10 bytes/s against a 1000 bytes/s floor: exit 28 after the 2 s, not at the end (10 s).
    auto t0 = std::chrono::steady_clock::now();
    auto slow = sh(client + "-s -Y 1000 -y 2 -o /dev/null '" + s.base + "/drip?bytes=100&rate=10'");
    auto took = std::chrono::steady_clock::now() - t0;
    CHECK(slow.exit_code == 28);
    CHECK(took < std::chrono::seconds(8));
    // -y alone: at least 1 byte/s; a silent server for 4 s fails it.
    CHECK(sh(client + "-s -y 1 -o /dev/null " + s.base + "/delay/4000").exit_code == 28);
    CHECK(sh(client + "-s -Y 100 -y 1 -o /dev/null " + s.base + "/bytes/100000").exit_code == 0);
  }
  // Held back by a consumer that reads nothing for 3 s: not the network's slowness.
  auto held = sh("set -o pipefail; " + get("-s -Y 100000 -y 1 " + s.base + "/bytes/67108864") +
                     " | (sleep 3; cat >/dev/null)",
                 60);
  CHECK(held.exit_code == 0);
}

TEST_CASE("get -Z --parallel-immediate opens a connection per transfer at once",
          "[get][parallel]") {
  Server s;
  std::string urls = " " + s.base + "/delay/200 " + s.base + "/delay/200 " + s.base + "/delay/200";
  long before = s.stat("connections");
  REQUIRE(sh(get("-s -Z --http2-prior-knowledge -o /dev/null -o /dev/null -o /dev/null" + urls))
              .exit_code == 0);
  long shared = s.stat("connections") - before - 1;  // less the /stats connection
  CHECK(shared == 1);  // the first connection is waited for: h2 carries all three
  before = s.stat("connections");
  REQUIRE(sh(get("-s -Z --parallel-immediate --http2-prior-knowledge -o /dev/null -o /dev/null "
                 "-o /dev/null" +
                 urls))
              .exit_code == 0);
  CHECK(s.stat("connections") - before - 1 == 3);
}

TEST_CASE("get --rate spaces the starts of transfers one after another, as curl", "[get][rate]") {
  Server s;
  std::string urls;
  for (int i = 0; i < 5; ++i) urls += " " + s.base + "/bytes/1";
  for (const std::string& client : {get(""), std::string("curl ")}) {
    INFO(client);
    auto t0 = std::chrono::steady_clock::now();
    auto r = sh(client + "-s --rate 10/s" + urls);
    auto took = std::chrono::steady_clock::now() - t0;
    CHECK(r.exit_code == 0);
    CHECK(r.out == "aaaaa");
    CHECK(took >= std::chrono::milliseconds(380));  // four gaps of 100 ms at least
  }
  CHECK(sh(get("-s --rate 0/s " + s.base + "/bytes/1")).exit_code == 2);
}
