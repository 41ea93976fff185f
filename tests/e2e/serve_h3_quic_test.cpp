// e2e: the QUIC-level behaviour of `sluice serve --http3`: connections stay on
// their worker thread and keep flowing when the client's port changes
// (connection IDs routed per socket, path validation), Retry for address
// validation (--quic-retry), and stateless resets for packets that name no
// connection.
#include <signal.h>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <map>
#include <sstream>
#include <string>

#include "get_helpers.hpp"
#include "h3_server.hpp"
#include "support.hpp"

using namespace e2e;
using Catch::Matchers::ContainsSubstring;

namespace {

long stat(const Server& s, const std::string& key) {
  auto r = sh("curl -sk " + s.base +
              "/stats | " SLUICE_PYTHON3 " -c 'import json,sys; print(json.load(sys.stdin)[\"" +
              key + "\"])'");
  REQUIRE(r.exit_code == 0);
  return std::stol(r.out);
}

// "key value key value ..." (what the peers/ scripts print) as numbers.
std::map<std::string, long> counts_of(const std::string& text) {
  std::map<std::string, long> m;
  std::istringstream in(text);
  std::string key;
  long value = 0;
  while (in >> key >> value) m[key] = value;
  return m;
}

// The port a udp_relay.py prints in its readiness line.
std::string relay_port(Process& relay) {
  REQUIRE(relay.wait_out("relay "));
  std::string out = relay.out();
  return out.substr(6, out.find('\n') - 6);
}

// `get --http3-only` of /bytes/SIZE from s through a udp_relay.py with
// relay_args after the server's port; the bytes are checked, and the
// relay's counters returned once it has stopped.
std::map<std::string, long> download_through_relay(const H3Server& s, const std::string& relay_args,
                                                   const std::string& size) {
  Process relay(SLUICE_PYTHON3 " " SLUICE_SOURCE_DIR "/tests/e2e/peers/udp_relay.py " +
                std::to_string(s.srv.port) + " " + relay_args);
  std::string url = "https://127.0.0.1:" + relay_port(relay) + "/bytes/" + size;
  auto want = sha_of(get("-s --http1.1 -k " + s.url("/bytes/" + size)));
  auto r = sh(get("-s --http3-only -k --max-time 60 " + url + " | sha256sum"), 90);
  CHECK(r.out.substr(0, 64) == want.substr(0, 64));
  relay.signal(SIGTERM);
  CHECK(relay.wait(10) == 0);
  INFO(relay.log());
  return counts_of(relay.log());
}

}  // namespace

TEST_CASE(
    "serve --http3 --threads 2: a connection stays on its thread when the client's port "
    "changes (NAT rebinding)",
    "[serve][h3][quic]") {
  H3Server s("--threads 2");
  // The relay moves to a new source port every 20 datagrams from the client:
  // the kernel's 4-tuple hash alone would hand about half of those moves to
  // the thread that does not know the connection. Each move is also a
  // migration the server validates (PATH_CHALLENGE) while the next one comes.
  auto c = download_through_relay(s, "0 0 0 1 20", "20000000");
  // Enough moves that luck cannot explain a pass: each would reach the wrong
  // thread about half the time by the kernel's hash alone (2^-20). Each move
  // also costs the client path validation traffic (below), so even under
  // ASan, whose client sends fewer ACKs, there are more than 20 (46 to 71
  // seen, default build and ASan alike).
  CHECK(c["rebinds"] >= 20);
  // The client answers only the challenges of the address it is on: two
  // rounds of two (unpadded within the anti-amplification limit, then
  // padded), 4 PATH_RESPONSEs a move. When the server sent its probes of an
  // address the client had left to the current one instead, the client
  // answered those too (6 a move), and its answer "validated" a dead path.
  CHECK(c["padded"] < 5 * c["rebinds"]);
}

TEST_CASE(
    "serve --http3 + get --http3-only: a NAT rebinding on the client's PATH_RESPONSE does "
    "not stall the transfer",
    "[serve][h3][quic]") {
  H3Server s("--threads 2");
  // Besides a move every 50 datagrams (each making the server validate the
  // new address), the relay moves 8 times on the second of the client's two
  // PATH_RESPONSEs, a datagram with probing frames only: the server must not
  // migrate on it (RFC 9000 9.3) and keeps sending to the port the relay
  // closed. Often the client has then acknowledged everything and has
  // nothing to say; without its keep-alive PING (a non-probing packet from
  // the new port) it waited in silence for the idle timeout (30 s).
  CHECK(download_through_relay(s, "0 0 0 1 50 8", "8000000")["probe_rebinds"] == 8);
}

TEST_CASE("serve --http3 --quic-retry: every client proves its address first, and is served",
          "[serve][h3][quic]") {
  H3Server s("--quic-retry");
  auto r = sh(get("-v -s --http3-only -k -o /dev/null -w '%{http_version} %{http_code}' " +
                  s.url("/bytes/1000")));
  CHECK(r.exit_code == 0);
  CHECK(r.out == "3 200");
  CHECK_THAT(r.err, ContainsSubstring("Retry"));
  auto g = sh("gtlsclient -q --exit-on-all-streams-close 127.0.0.1 " + std::to_string(s.srv.port) +
              " " + s.url("/bytes/10") + " >/dev/null 2>&1");
  CHECK(g.exit_code == 0);
  CHECK(stat(s.srv, "quic_retries") == 2);
}

TEST_CASE(
    "serve --http3: an Initial with a forged Retry token gets a CONNECTION_CLOSE the client "
    "can read: INVALID_TOKEN",
    "[serve][h3][quic]") {
  H3Server s;
  auto r = sh(SLUICE_PYTHON3 " " SLUICE_SOURCE_DIR "/tests/e2e/peers/quic_bad_token.py " +
              std::to_string(s.srv.port));
  INFO(r.out << r.err);
  CHECK(r.out == "close 11\n");  // INVALID_TOKEN, sealed with the client's own Initial keys
  CHECK(sh(get("-s --http3-only -k -o /dev/null " + s.url("/bytes/10"))).exit_code == 0);
}

TEST_CASE("serve --http3: no Retry by default, while few handshakes are in progress",
          "[serve][h3][quic]") {
  H3Server s;
  auto r = sh(get("-v -s --http3-only -k -o /dev/null " + s.url("/bytes/10")));
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.err, !ContainsSubstring("Retry"));
  CHECK(stat(s.srv, "quic_retries") == 0);
  auto bad = sh(std::string(sluice_bin()) + " serve --quic-retry --listen 127.0.0.1:1");
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, ContainsSubstring("--quic-retry needs --http3"));
}

TEST_CASE(
    "serve --http3: packets for unknown connections get stateless resets, shorter than "
    "them and rate limited",
    "[serve][h3][quic]") {
  H3Server s;
  std::string probe = SLUICE_PYTHON3 " " SLUICE_SOURCE_DIR
                                     "/tests/e2e/peers/stateless_reset_probe.py " +
                      std::to_string(s.srv.port);
  auto one = sh(probe + " 1 60");
  INFO(one.out);
  auto c = counts_of(one.out);
  CHECK(c["replies"] == 1);
  CHECK(c["longest"] < 60);    // shorter than what caused it: two servers cannot loop
  CHECK(c["shortest"] >= 21);  // RFC 9000's smallest reset
  CHECK(c["bad_form"] == 0);
  // Too short to answer with anything shorter that is still a valid reset.
  CHECK(counts_of(sh(probe + " 1 22").out)["replies"] == 0);
  // A flood is answered at most 100 times a second (the probe listens for
  // a few seconds at most, and sends in well under one).
  auto flood = sh(probe + " 1000 100");
  INFO(flood.out);
  CHECK(counts_of(flood.out)["replies"] >= 50);
  CHECK(counts_of(flood.out)["replies"] <= 300);
  // And the server still serves.
  CHECK(sh(get("-s --http3-only -k -o /dev/null " + s.url("/bytes/10"))).exit_code == 0);
}

namespace {

// quic_initial_flood.py: COUNT protected Initials, each a new connection that
// never finishes its handshake; its output as counts.
std::map<std::string, long> flood(const Server& s, int count) {
  auto r = sh(SLUICE_PYTHON3 " " SLUICE_SOURCE_DIR "/tests/e2e/peers/quic_initial_flood.py " +
                  std::to_string(s.port) + " " + std::to_string(count),
              120);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  return counts_of(r.out);
}

long rss_kb(pid_t pid) {
  return counts_of(
      sh("awk '/VmRSS/ {print \"rss\", $2}' /proc/" + std::to_string(pid) + "/status").out)["rss"];
}

}  // namespace

TEST_CASE(
    "serve --http3: a handshake flood past --quic-max-handshakes gets Retries, and real "
    "clients are still served",
    "[serve][h3][quic]") {
  H3Server s("--quic-max-handshakes 100");
  long connections_before = stat(s.srv, "connections");
  auto c = flood(s.srv, 2000);
  // The first 100 were taken (their handshakes wait for the rest of a
  // ClientHello that never comes); every later one was sent a Retry.
  CHECK(c["retries"] >= 1900 - 5);
  CHECK(stat(s.srv, "quic_retries") >= 1900 - 5);
  // 100 QUIC connections, and the TCP connections of the two /stats requests since.
  CHECK(stat(s.srv, "connections") - connections_before <= 100 + 2);
  // A real client proves its address and is answered at once.
  auto r = sh(get("-v -s --http3-only -k -o /dev/null -w '%{http_code}' " + s.url("/bytes/10")));
  CHECK(r.out == "200");
  CHECK_THAT(r.err, ContainsSubstring("Retry"));
}

TEST_CASE("serve --http3 on port 0 takes a port free on UDP too, on a host busy with UDP",
          "[serve][h3][quic][serial]") {
  // Half the ephemeral UDP ports are taken: the TCP port the kernel picks is
  // then taken on UDP about half the time, and serve used to fail (exit 7)
  // after announcing a port it could not serve QUIC on.
  Process squatter(SLUICE_PYTHON3 " " SLUICE_SOURCE_DIR "/tests/e2e/peers/udp_port_squatter.py");
  REQUIRE(wait_until([&] { return squatter.out().find("squatting") != std::string::npos; }, 30000));
  INFO(squatter.out());
  for (int i = 0; i < 6; ++i) {
    INFO("server " << i);
    Server s("--http3", true);
    INFO(s.proc.log());
    REQUIRE(s.port > 0);
    REQUIRE(s.proc.running());
    auto r =
        sh(get("-s --http3-only -k -o /dev/null -w '%{http_version}' " + s.base + "/bytes/10"));
    CHECK(r.exit_code == 0);
    CHECK(r.out == "3");
  }
  squatter.signal(SIGTERM);
  CHECK(squatter.wait(10) == 0);
}

TEST_CASE("serve --http3: memory stays bounded during a handshake flood", "[serve][h3][quic]") {
  H3Server s("--quic-max-handshakes 100");
  long before = rss_kb(s.srv.proc.pid());
  flood(s.srv, 3000);
  long after = rss_kb(s.srv.proc.pid());
  INFO("VmRSS " << before << " kB before, " << after << " kB after");
  // Each half-open handshake holds about 43 KiB: 3000 of them were 128 MiB
  // (measured with --quic-max-handshakes 0); 100 are about 5 MiB.
  CHECK(after - before < 24 * 1024);
  CHECK(sh(get("-s --http3-only -k -o /dev/null " + s.url("/bytes/10"))).exit_code == 0);
}

TEST_CASE(
    "serve --http3: memory stays bounded while a client stalls a 1 GiB response, and others "
    "are served",
    "[serve][h3][quic]") {
  H3Server s;
  long before = rss_kb(s.srv.proc.pid());
  std::string dir = tmpdir();
  REQUIRE(sh("mkfifo " + dir + "/stall").exit_code == 0);
  // The consumer takes 2 MB, says so, then stops reading: the client's
  // window closes and the server's stream must wait, holding what it queued.
  Process reader("sh -c 'head -c 2000000 >/dev/null; touch " + dir + "/flowing; exec sleep 60' < " +
                 dir + "/stall");
  Process stalled(get("-s --http3-only -k -o " + dir + "/stall " + s.url("/bytes/1073741824")));
  REQUIRE(wait_until([&] { return sh("test -e " + dir + "/flowing").exit_code == 0; }, 20000));
  // Others are answered meanwhile, over QUIC and TCP.
  for (int i = 0; i < 3; ++i) {
    auto r = sh(get("-s --http3-only -k -o /dev/null -w '%{http_code}' " + s.url("/bytes/100000")));
    CHECK(r.out == "200");
  }
  CHECK(sh(get("-s -k -o /dev/null -w '%{http_code}' " + s.url("/bytes/10"))).out == "200");
  auto hwm = counts_of(
      sh("awk '/VmHWM/ {print \"hwm\", $2}' /proc/" + std::to_string(s.srv.proc.pid()) + "/status")
          .out)["hwm"];
  INFO("server VmRSS before " << before << " kB, peak " << hwm << " kB");
  CHECK(hwm - before < 16 * 1024);  // a stream queues 256 KiB at most
  stalled.signal(SIGTERM);
  reader.signal(SIGTERM);
}
