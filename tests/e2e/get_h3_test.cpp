// e2e: `sluice get --http3` / `--http3-only` against ngtcp2's own example
// server (gtlsserver, package ngtcp2-server) serving a directory: bytes and
// sha256, -w, -i, -Z over one QUIC connection, request bodies, certificate
// checks, and what a closed UDP port or a TCP-only server does to each flag.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <cstdio>
#include <memory>
#include <string>

#include "get_helpers.hpp"
#include "gtlsserver.hpp"
#include "support.hpp"

using namespace e2e;
using Catch::Matchers::ContainsSubstring;
using Catch::Matchers::StartsWith;

TEST_CASE("get --http3-only fetches over QUIC from ngtcp2's server, byte for byte", "[get][h3]") {
  Gtlsserver g;
  for (const char* file : {"hello.txt", "small.bin", "big.bin"}) {
    INFO(file);
    CHECK(sha_of(get("-s --http3-only -k " + g.url(file))) == g.sha(file));
  }
  auto w =
      sh(get("-s --http3-only -k -o /dev/null -w '%{http_version} %{http_code} "
             "%{num_connects} %{size_download} %{scheme}' " +
             g.url("small.bin")));
  CHECK(w.exit_code == 0);
  CHECK(w.out == "3 200 1 3000000 https");
}

TEST_CASE("get --http3-only: -i and -I print an HTTP/3 status line", "[get][h3]") {
  Gtlsserver g;
  auto i = sh(get("-s --http3-only -k -i " + g.url("hello.txt")));
  CHECK(i.exit_code == 0);
  CHECK_THAT(i.out, StartsWith("HTTP/3 200 \r\n"));
  CHECK_THAT(i.out, ContainsSubstring("\r\n\r\nhello over quic\n"));
  auto head = sh(get("-s --http3-only -k -I " + g.url("hello.txt")));
  CHECK(head.exit_code == 0);
  CHECK_THAT(head.out, StartsWith("HTTP/3 200 \r\n"));
  CHECK(head.out.find("hello over quic") == std::string::npos);
}

TEST_CASE("get -Z --http3-only: streams of one QUIC connection, stdout in URL order",
          "[get][h3][parallel]") {
  Gtlsserver g;
  std::string urls = g.url("small.bin") + " " + g.url("hello.txt") + " " + g.url("big.bin") + " " +
                     g.url("hello.txt");
  std::string expected = sha_of("cd " + g.dir + " && cat small.bin hello.txt big.bin hello.txt");
  CHECK(sha_of(get("-s -Z --http3-only -k " + urls)) == expected);
  auto w =
      sh(get("-s -Z --http3-only -k -o /dev/null -o /dev/null -o /dev/null -o /dev/null "
             "-w '%{num_connects}' " +
             urls));
  CHECK(w.exit_code == 0);
  int connects = 0;
  for (char c : w.out) connects += c - '0';
  CHECK(connects == 1);
}

TEST_CASE("get --http3-only sends a request body with flow control", "[get][h3]") {
  Gtlsserver g;
  std::string body = tmpdir() + "/h3-body.bin";
  REQUIRE(sh("head -c 3000000 /dev/urandom > " + body).exit_code == 0);
  // gtlsserver reads the whole body before it answers with the file.
  auto r = sh(get("-s --http3-only -k --data-binary @" + body + " -o /dev/null -w '%{http_code}' " +
                  g.url("hello.txt")));
  CHECK(r.exit_code == 0);
  CHECK(r.out == "200");
}

TEST_CASE("get --http3-only checks the certificate as over TCP", "[get][h3][tls]") {
  Gtlsserver g;
  std::string p = std::to_string(g.port);
  auto fetch = [&](const std::string& host, const std::string& extra) {
    return sh(get("-s --http3-only " + extra + " --resolve " + host + ":" + p +
                  ":127.0.0.1 -o /dev/null -w '%{http_code}' https://" + host + ":" + p +
                  "/hello.txt"));
  };
  std::string ca = "--cacert " + g.dir + "/cert.pem";
  CHECK(fetch("good.test", ca).out == "200");
  CHECK(sh(get("-s --http3-only " + ca + " -o /dev/null " + g.url("hello.txt"))).exit_code == 0);
  CHECK(fetch("bad.test", ca).exit_code == 60);
  CHECK(fetch("good.test", "").exit_code == 60);
  CHECK(fetch("bad.test", "-k").out == "200");
  // The system bundle is searched, not loaded: a bundle holding the
  // certificate among Debian's CAs ($SSL_CERT_FILE) trusts it, by name.
  std::string bundle = g.dir + "/bundle.pem";
  REQUIRE(
      sh("cat /etc/ssl/certs/ca-certificates.crt " + g.dir + "/cert.pem > " + bundle).exit_code ==
      0);
  CHECK(fetch("good.test", "").out == "000");
  CHECK(sh("env -u CURL_CA_BUNDLE SSL_CERT_FILE=" + bundle + " " +
           get("-s --http3-only --resolve good.test:" + p +
               ":127.0.0.1 -o /dev/null -w "
               "'%{http_code}' https://good.test:" +
               p + "/hello.txt"))
            .out == "200");
  CHECK(sh("env -u CURL_CA_BUNDLE SSL_CERT_FILE=" + bundle + " " +
           get("-s --http3-only --resolve bad.test:" + p +
               ":127.0.0.1 -o /dev/null "
               "https://bad.test:" +
               p + "/hello.txt"))
            .exit_code == 60);
}

TEST_CASE("get --http3-only to a closed UDP port fails with exit 7 at once, not at the timeout",
          "[get][h3]") {
  int port = free_udp_port();
  // The ICMP port unreachable ends the handshake: with 60 s to connect, a
  // wait for the handshake timeout would be exit 28. No spin either: the
  // process's CPU time stays small (a generous bound, not a speed).
  auto r = sh("/usr/bin/time -f 'cpu %U %S' " +
                  get("-sS --http3-only -k --connect-timeout 60 https://127.0.0.1:" +
                      std::to_string(port) + "/"),
              30);
  CHECK(r.exit_code == 7);
  CHECK_THAT(r.err, ContainsSubstring("Connection refused"));
  auto cpu = r.err.find("cpu ");
  REQUIRE(cpu != std::string::npos);
  double user = 0, sys = 0;
  REQUIRE(std::sscanf(r.err.c_str() + cpu, "cpu %lf %lf", &user, &sys) == 2);
  CHECK(user + sys < 1.0);
}

TEST_CASE("get --http3-only to a UDP port that never answers ends at --connect-timeout, 28",
          "[get][h3]") {
  // A bound socket nobody reads: no ICMP, no answer.
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  auto r = sh(get("-sS --http3-only -k --connect-timeout 1 https://127.0.0.1:" +
                  std::to_string(ntohs(a.sin_port)) + "/"),
              30);
  ::close(fd);
  CHECK(r.exit_code == 28);
}

TEST_CASE("get --http3-only -f: a 404 is exit 22", "[get][h3]") {
  Gtlsserver g;
  auto r = sh(get("-s -f --http3-only -k -o /dev/null -w '%{http_code}' " + g.url("missing")));
  CHECK(r.exit_code == 22);
  CHECK(r.out == "404");
}

TEST_CASE("get --http3 falls back to TCP when the server has no QUIC; --http3-only does not",
          "[get][h3]") {
  Server s("-q", true);  // TCP only: its UDP port is closed
  std::string url = s.base + "/bytes/1000";
  auto w = sh(get("-s --http3 -k -o /dev/null -w '%{http_version} %{http_code}' " + url));
  CHECK(w.exit_code == 0);
  CHECK(w.out == "2 200");
  auto v = sh(get("-s -v --http3 -k -o /dev/null " + url));
  CHECK(v.exit_code == 0);
  CHECK_THAT(v.err, ContainsSubstring("QUIC failed"));
  CHECK(sh(get("-s --http3-only -k -o /dev/null " + url)).exit_code == 7);
}

TEST_CASE("get --http3 uses QUIC when the server speaks it", "[get][h3]") {
  Gtlsserver g;
  auto w =
      sh(get("-s --http3 -k -o /dev/null -w '%{http_version} %{http_code}' " + g.url("small.bin")));
  CHECK(w.exit_code == 0);
  CHECK(w.out == "3 200");
}

TEST_CASE("get: HTTP/3 is for https; an http URL with --http3 speaks HTTP/1.1", "[get][h3]") {
  Server s("-q");
  auto w = sh(get("-s --http3 -o /dev/null -w '%{http_version}' " + s.base + "/bytes/10"));
  CHECK(w.exit_code == 0);
  CHECK(w.out == "1.1");
}

TEST_CASE("get: the HTTP/3 flags exclude the other version flags", "[get][h3]") {
  auto r = sh(get("--http3 --http2 https://127.0.0.1:1/"));
  CHECK(r.exit_code == 2);
}

TEST_CASE("get --http3-only through a lossy relay: 3% loss, duplicates and reordering",
          "[get][h3]") {
  Gtlsserver g;
  Process relay(SLUICE_PYTHON3 " " SLUICE_SOURCE_DIR "/tests/e2e/peers/udp_relay.py " +
                std::to_string(g.port) + " 0.03 0.01 0.02 7");
  REQUIRE(relay.wait_out("relay "));
  std::string out = relay.out();
  std::string port = out.substr(6, out.find('\n') - 6);
  std::string url = "https://127.0.0.1:" + port + "/big.bin";
  CHECK(sha_of(get("-s --http3-only -k " + url)) == g.sha("big.bin"));
  relay.signal(SIGTERM);
  CHECK(relay.wait(10) == 0);
  INFO(relay.log());
  CHECK_THAT(relay.log(), ContainsSubstring("dropped"));
}

TEST_CASE("get --http3-only: gtlsserver's own packet loss both ways", "[get][h3]") {
  Gtlsserver g("-t 0.05 -r 0.05");
  CHECK(sha_of(get("-s --http3-only -k " + g.url("small.bin"))) == g.sha("small.bin"));
}

TEST_CASE(
    "get -Z --http3-only: memory stays bounded for a stalled stream while a sibling "
    "completes",
    "[get][h3][backpressure]") {
  Gtlsserver g;
  std::string side = tmpdir() + "/h3-sibling.bin";
  ::unlink(side.c_str());
  // stdout (big.bin) is read one byte, then left alone until the sibling's
  // file is whole; meanwhile sluice's RSS is taken, then the rest is read.
  std::string script = "set -o pipefail; " +
                       get("-s -Z --http3-only -k --max-buffer 256K -o " + side + " " +
                           g.url("small.bin") + " " + g.url("big.bin")) +
                       " | { dd bs=1 count=1 2>/dev/null;"
                       " for i in $(seq 600); do [ \"$(stat -c %s " +
                       side +
                       " 2>/dev/null)\" = 3000000 ] && break; sleep 0.05; done;"
                       " grep VmRSS /proc/$(pgrep -x -P $$ sluice)/status >&2;"
                       " cat; } | sha256sum | cut -c1-64";
  auto r = sh(script, 120);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.substr(0, 64) == g.sha("big.bin"));
  CHECK(sha_of("cat " + side) == g.sha("small.bin"));
  auto rss_at = r.err.find("VmRSS:");
  REQUIRE(rss_at != std::string::npos);
  long rss_kb = std::stol(r.err.substr(rss_at + 6));
  CHECK(rss_kb < 40 * 1024);  // not 100 MB: the stalled stream's window held
}

TEST_CASE("h3 slow consumer: peak RSS does not grow with the body size",
          "[get][h3][backpressure]") {
  Gtlsserver g;
  auto peak_kb = [&](const std::string& url) {
    auto p = sh("set -o pipefail; /usr/bin/time -f '%M' " + get("-sk --http3-only " + url) + " 2>" +
                    tmpdir() + "/rss3 | pv -qL 300m | sha256sum | cut -c1-64",
                120);
    REQUIRE(p.exit_code == 0);
    CHECK(p.out.substr(0, 64) == sha_of("cat " + g.dir + "/" + url.substr(url.rfind('/') + 1)));
    return std::stol(sh("tail -1 " + tmpdir() + "/rss3").out);
  };
  long small_kb = peak_kb(g.url("small.bin"));
  long big_kb = peak_kb(g.url("big.bin"));
  INFO("3 MB peak " << small_kb << " KiB, 100 MB peak " << big_kb << " KiB");
  CHECK(big_kb < 40 * 1024);
  CHECK(big_kb - small_kb < 4 * 1024);
}

TEST_CASE("get --http3-only: a consumer that closes the pipe ends the fetch with 23",
          "[get][h3][backpressure]") {
  Gtlsserver g;
  auto r = sh(get("-sk --http3-only " + g.url("big.bin")) +
              " | head -c 1000 > /dev/null; echo ${PIPESTATUS[0]}");
  CHECK(r.out == "23\n");
}

TEST_CASE("get --http3-only: -m and --max-filesize end the transfer as over TCP", "[get][h3]") {
  Gtlsserver g;
  // A consumer at 1 MB/s cannot take 100 MB in a second: -m 1 cuts it, 28,
  // and what arrived in time was written.
  auto slow = sh("set -o pipefail; " + get("-sk --http3-only -m 1 " + g.url("big.bin")) +
                     " | pv -qL 1m | wc -c; echo ${PIPESTATUS[0]}",
                 60);
  auto lines = slow.out;
  INFO(lines);
  CHECK(lines.substr(lines.find('\n') + 1) == "28\n");
  CHECK(std::stol(lines) > 0);
  auto big = sh(get("-sk --http3-only --max-filesize 1000 -o /dev/null " + g.url("small.bin")));
  CHECK(big.exit_code == 63);
}
