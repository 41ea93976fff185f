// e2e: `sluice bench --http3` / `--http3-only` against `sluice serve --tls
// --http3` and against ngtcp2's example server (gtlsserver): request counts
// add up with no errors, -m streams per QUIC connection, the JSON decodes
// with the QUIC set-up times, and what a closed UDP port or a server without
// QUIC does to each flag.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <string>

#include "bench_helpers.hpp"
#include "gtlsserver.hpp"
#include "h3_server.hpp"
#include "support.hpp"

using namespace e2e;
using Catch::Matchers::ContainsSubstring;

namespace {

// The server's own count of h3 requests and connections, from its /stats.
std::string server_stat(const Server& s, const std::string& key) {
  return sh("curl -sk " + s.base +
            "/stats | " SLUICE_PYTHON3 " -c 'import json,sys; print(json.load(sys.stdin)[\"" + key +
            "\"])'")
      .out;
}

}  // namespace

TEST_CASE("bench --http3-only against serve --http3: every request answered over h3",
          "[bench][h3]") {
  H3Server s;
  std::string json = tmpdir() + "/h3.json";
  auto r = sh(bench("--http3-only -k -c 4 -m 5 -t 2 -n 400 --json " + json + " " + s.srv.base +
                    "/bytes/100"),
              60);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(field(json, "d['counters']['requests']") == "400");
  CHECK(field(json, "d['counters']['status']['200']") == "400");
  CHECK(field(json, "sum(d['counters']['errors'].values())") == "0");
  CHECK(field(json, "d['connection']['protocol']") == "h3");
  CHECK(field(json, "d['connection']['tls_version']") == "TLSv1.3");
  // The QUIC handshake is the set-up; there is no TCP connect to report.
  CHECK(field(json, "d['connection']['setup']['count']") == "4");
  CHECK(field(json, "d['connection']['connect']['count']") == "0");
  CHECK(num(json, "d['connection']['first_response']['min_us']") >=
        num(json, "d['connection']['setup']['min_us']"));
  CHECK(num(json, "d['counters']['bytes']") >= 400 * 100);
  CHECK_THAT(r.out, ContainsSubstring("connections opened: 4, h3, TLSv1.3"));
  CHECK_THAT(r.out, ContainsSubstring("set-up p50"));
}

TEST_CASE("bench --http3-only -m: that many requests in flight on one QUIC connection",
          "[bench][h3]") {
  H3Server s;
  // /delay holds every answer 200 ms: 20 requests on one connection with
  // -m 20 take one round of delays, with -m 1 twenty of them.
  std::string json = tmpdir() + "/m.json";
  auto r = sh(bench("--http3-only -k -c 1 -m 20 -t 1 -n 20 --json " + json + " " + s.srv.base +
                    "/delay/200"),
              60);
  REQUIRE(r.exit_code == 0);
  CHECK(field(json, "d['counters']['requests']") == "20");
  CHECK(field(json, "d['counters']['connections']") == "1");
  CHECK(num(json, "d['window_us']") < 2e6);  // twenty rounds would be 4 s
}

// The server keeps each connection's last request head by its bytes
// (RequestMemo): requests that differ in one byte, in turn on one
// connection, must each get their own answer.
TEST_CASE("bench --http3-only: requests taking turns on a connection get their own answers",
          "[bench][h3]") {
  H3Server s;
  std::string json = tmpdir() + "/turns.json";
  auto r = sh(bench("--http3-only -k -c 1 -m 1 -t 1 -n 300 --json " + json + " " + s.srv.base +
                    "/status/201 " + s.srv.base + "/status/202 " + s.srv.base + "/status/203"),
              60);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(field(json, "d['counters']['status']") == "{'201': 100, '202': 100, '203': 100}");
}

TEST_CASE("bench --http3-only against gtlsserver: request counts add up", "[bench][h3]") {
  Gtlsserver g;
  std::string json = tmpdir() + "/g.json";
  auto r = sh(
      bench("--http3-only -k -c 2 -m 4 -t 1 -n 100 --json " + json + " " + g.url("hello.txt")), 60);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(field(json, "d['counters']['requests']") == "100");
  CHECK(field(json, "d['counters']['status']['200']") == "100");
  CHECK(field(json, "sum(d['counters']['errors'].values())") == "0");
  CHECK(field(json, "d['connection']['protocol']") == "h3");
}

TEST_CASE("bench --http3-only to a closed UDP port fails at the preflight with exit 7",
          "[bench][h3]") {
  int port = free_udp_port();
  auto r =
      sh(bench("--http3-only -k -c 2 -n 10 https://127.0.0.1:" + std::to_string(port) + "/"), 30);
  CHECK(r.exit_code == 7);
  CHECK_THAT(r.err, ContainsSubstring("QUIC"));
}

TEST_CASE("bench --http3 falls back to h2 on a server without QUIC", "[bench][h3]") {
  Server tcp_only("", true);
  std::string json = tmpdir() + "/fb.json";
  auto r = sh(
      bench("--http3 -k -c 2 -t 1 -n 20 --json " + json + " " + tcp_only.base + "/bytes/10"), 60);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(field(json, "d['counters']['requests']") == "20");
  CHECK(field(json, "d['connection']['protocol']") == "h2");
}

TEST_CASE("bench --http3-only: serve counts the h3 connections and requests it answered",
          "[bench][h3][serve]") {
  H3Server s;
  auto r = sh(bench("--http3-only -k -c 3 -t 1 -n 90 " + s.srv.base + "/bytes/1"), 60);
  REQUIRE(r.exit_code == 0);
  // The preflight's connection is the fourth; the /stats request is over TCP.
  CHECK(server_stat(s.srv, "requests") == "91\n");
}
