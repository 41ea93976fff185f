// e2e: `sluice serve` over HTTP/2 — TLS with ALPN and h2c by prior knowledge
// — driven by curl, nghttp, h2load and hand-made frames (peers/h2_raw_client.py):
// the same endpoints as h1 with the same bytes, many streams, request bodies,
// malformed frames, rapid reset and floods, stalled clients, graceful stop.
// Loopback only; every process is stopped by PID when the test ends.
#include <signal.h>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <chrono>
#include <sstream>
#include <thread>

#include "support.hpp"

using namespace e2e;
using Catch::Matchers::ContainsSubstring;
using Catch::Matchers::StartsWith;

namespace {

const std::string kRaw = SLUICE_PYTHON3 " " SLUICE_SOURCE_DIR "/tests/e2e/peers/h2_raw_client.py ";

// "<http_version> <code> <bytes>" of one curl transfer.
std::string curl_w(const std::string& args) {
  return sh("curl -sS -o /dev/null -w '%{http_version} %{http_code} %{size_download}' " + args).out;
}

bool healthy(const Server& s, const std::string& curl_flags) {
  return curl_w(curl_flags + " " + s.base + "/bytes/10").ends_with(" 200 10");
}

}  // namespace

TEST_CASE("serve h2c: prior knowledge and HTTP/1.1 on the same port", "[serve][h2]") {
  Server s;
  CHECK(curl_w("--http2-prior-knowledge " + s.base + "/bytes/100") == "2 200 100");
  CHECK(curl_w(s.base + "/bytes/100") == "1.1 200 100");
  CHECK(curl_w("--http2-prior-knowledge " + s.base + "/status/418") == "2 418 17");
  CHECK(curl_w("--http2-prior-knowledge -I " + s.base + "/bytes/100") == "2 200 0");
  // (One request: curl 7.88 cannot reuse a prior-knowledge connection for -L,
  // against nghttpd just as much.)
  auto redirect =
      sh("curl -sS -D - -o /dev/null --http2-prior-knowledge " + s.base + "/redirect/3");
  CHECK_THAT(redirect.out, StartsWith("HTTP/2 302"));
  CHECK_THAT(redirect.out, ContainsSubstring("location: /redirect/2\r\n"));
  auto delay = sh("curl -sS --http2-prior-knowledge " + s.base + "/delay/50");
  CHECK(delay.out == "delayed 50 ms\n");
  auto range = sh("curl -sS --http2-prior-knowledge -r 36-41 " + s.base + "/bytes/100");
  CHECK(range.out == "abcdef");
  // The preface trickled a byte at a time is still h2.
  auto split = sh(kRaw + "split-preface " + std::to_string(s.port));
  CHECK(split.out == "status 200 data 10\n");
  // nghttp speaks h2c by prior knowledge too.
  auto n = sh("nghttp -n -s " + s.base + "/bytes/1000", 20);
  CHECK(n.exit_code == 0);
  CHECK_THAT(n.out, ContainsSubstring("200"));
}

TEST_CASE("serve h2c by HTTP/1.1 Upgrade, for curl --http2 and get --http2",
          "[serve][h2][upgrade]") {
  Server s;
  CHECK(curl_w("--http2 " + s.base + "/bytes/1000") == "2 200 1000");
  // Far more than a 101 may be followed by before the client's preface.
  CHECK(curl_w("--http2 " + s.base + "/bytes/50000000") == "2 200 50000000");
  CHECK(sha_of("curl -s --http2 " + s.base + "/bytes/3000000") ==
        sha_of("curl -s " + s.base + "/bytes/3000000"));
  CHECK(curl_w("--http2 -I " + s.base + "/bytes/100") == "2 200 0");
  // A request with a body is answered over HTTP/1.1 (RFC 7540 3.2 lets us).
  CHECK(curl_w("--http2 -d hello " + s.base + "/echo") == "1.1 200 5");
  // Two HTTP2-Settings, or one that is not base64url: no switch.
  std::string ask = "--http1.1 -H 'Connection: Upgrade, HTTP2-Settings' -H 'Upgrade: h2c' ";
  CHECK(curl_w(ask + "-H 'HTTP2-Settings: !!!' " + s.base + "/bytes/10") == "1.1 200 10");
  CHECK(curl_w(ask + "-H 'HTTP2-Settings: AAMAAABk' -H 'HTTP2-Settings: AAMAAABk' " + s.base +
               "/bytes/10") == "1.1 200 10");
  // Our own client: the first request switches, the second is stream 3.
  auto r = sh(std::string(sluice_bin()) +
              " get -s --http2 -o /dev/null -o /dev/null -w '%{http_version} %{num_connects};' " +
              s.base + "/bytes/100 " + s.base + "/bytes/100");
  CHECK(r.out == "2 1;2 0;");
  // Each upgraded request is counted once.
  auto stats = sh("curl -s " + s.base + "/stats").out;
  CHECK_THAT(stats, ContainsSubstring("\"requests\":11"));
  CHECK(healthy(s, "--http2-prior-knowledge"));
}

TEST_CASE("serve h2 over TLS: ALPN picks h2, http/1.1 still offered", "[serve][h2]") {
  Server s("", true);
  CHECK(curl_w("-k --http2 " + s.base + "/bytes/100") == "2 200 100");
  CHECK(curl_w("-k --http1.1 " + s.base + "/bytes/100") == "1.1 200 100");
  auto n = sh("nghttp -n -s " + s.base + "/bytes/1000", 20);
  CHECK(n.exit_code == 0);
  CHECK_THAT(n.out, ContainsSubstring("200"));
}

TEST_CASE("serve h2 large bodies have the same sha256 as over h1", "[serve][h2]") {
  std::string root = tmpdir() + "/h2root";
  sh("mkdir -p " + root + " && head -c 5000000 /dev/urandom > " + root + "/blob");
  for (bool tls : {false, true}) {
    INFO("tls " << tls);
    Server s("--root " + root, tls);
    std::string k = tls ? "-k " : "";
    std::string h2 = tls ? "--http2 " : "--http2-prior-knowledge ";
    std::string h1 = sha_of("curl -sS " + k + "--http1.1 " + s.base + "/bytes/30000000");
    CHECK(sha_of("curl -sS " + k + h2 + s.base + "/bytes/30000000") == h1);
    CHECK(sha_of("curl -sS " + k + h2 + s.base + "/bytes/30000000?chunked=1") == h1);
    CHECK(sha_of("curl -sS " + k + h2 + s.base + "/blob") == sha_of("cat " + root + "/blob"));
  }
}

TEST_CASE("serve h2 runs many concurrent streams", "[serve][h2]") {
  for (bool tls : {false, true}) {
    INFO("tls " << tls);
    Server s("", tls);
    auto r = sh("h2load -n 5000 -c 4 -m 100 " + s.base + "/bytes/1000", 60);
    INFO(r.out);
    CHECK_THAT(r.out, ContainsSubstring("5000 succeeded"));
    CHECK_THAT(r.out, ContainsSubstring("5000 2xx"));
    // 50 streams at once on one connection, each a 100 kB body.
    std::string urls;
    for (int i = 0; i < 50; ++i) urls += " " + s.base + "/bytes/100000";
    auto n = sh("nghttp -n -s -m 1" + urls, 30);
    CHECK(n.exit_code == 0);
    auto m = sh("nghttp -n -s -m 50 " + s.base + "/bytes/100000 | grep -c ' 200 '", 30);
    CHECK(m.out == "50\n");
  }
}

TEST_CASE("serve h2 /echo streams request bodies back", "[serve][h2]") {
  std::string in = tmpdir() + "/h2_upload";
  sh("head -c 20000000 /dev/urandom > " + in);
  std::string want = sha_of("cat " + in);
  for (bool tls : {false, true}) {
    INFO("tls " << tls);
    Server s("", tls);
    std::string flags = tls ? "-k --http2 " : "--http2-prior-knowledge ";
    CHECK(sha_of("curl -sS " + flags + "--data-binary @" + in + " " + s.base + "/echo") == want);
    // No content-length up front: the body arrives in DATA frames only.
    CHECK(sha_of("cat " + in + " | curl -sS " + flags + "-T - -X POST " + s.base + "/echo") ==
          want);
    CHECK(sha_of("nghttp -d " + in + " " + s.base + "/echo") == want);
  }
}

TEST_CASE("serve h2 limits: max concurrent streams, header list 431, body 413", "[serve][h2]") {
  Server s("--h2-max-concurrent-streams 5 --h2-max-header-list 8k --max-body-size 1k");
  auto r = sh("nghttp -v -n " + s.base + "/bytes/1 2>&1 | grep -m1 -A6 'recv SETTINGS'");
  CHECK_THAT(r.out, ContainsSubstring("SETTINGS_MAX_CONCURRENT_STREAMS(0x03):5"));
  CHECK_THAT(r.out, ContainsSubstring("SETTINGS_MAX_HEADER_LIST_SIZE(0x06):8192"));
  auto load = sh("h2load -n 200 -c 1 -m 5 " + s.base + "/bytes/10", 30);
  CHECK_THAT(load.out, ContainsSubstring("200 succeeded"));
  std::string big(9000, 'a');
  CHECK(curl_w("--http2-prior-knowledge -H 'X-Big: " + big + "' " + s.base + "/bytes/1") ==
        "2 431 36");
  CHECK(curl_w("--http2-prior-knowledge -d @/dev/null -H 'X-Ok: 1' " + s.base + "/bytes/1") ==
        "2 200 1");
  auto too_big =
      sh("head -c 2000 /dev/zero | curl -sS -o /dev/null -w '%{http_code}' "
         "--http2-prior-knowledge --data-binary @- " +
         s.base + "/echo");
  CHECK(too_big.out == "413");
  // Without content-length (curl -T -) the echo waits for the body to end, so
  // a body over the limit still gets 413 rather than a reset mid-response.
  auto unsized = [&](int n) {
    return sh("head -c " + std::to_string(n) +
              " /dev/zero | curl -sS -o /dev/null -w '%{http_code} %{size_download}' "
              "--http2-prior-knowledge -T - " +
              s.base + "/echo");
  };
  auto over = unsized(300000);
  CHECK(over.out == "413 22");
  CHECK(over.exit_code == 0);
  CHECK(unsized(1000).out == "200 1000");
  CHECK(healthy(s, "--http2-prior-knowledge"));
}

TEST_CASE("serve h2 answers malformed frames with GOAWAY and the right code", "[serve][h2]") {
  Server s;
  std::string port = std::to_string(s.port);
  // SETTINGS whose length is not a multiple of 6: FRAME_SIZE_ERROR (0x6).
  CHECK(sh(kRaw + "frame " + port + " 4 0 0 0000000000").out == "GOAWAY 6 last=0\n");
  // DATA on stream 0: PROTOCOL_ERROR (0x1).
  CHECK(sh(kRaw + "frame " + port + " 0 0 0 616263").out == "GOAWAY 1 last=0\n");
  // PING with 4 bytes instead of 8: FRAME_SIZE_ERROR.
  CHECK(sh(kRaw + "frame " + port + " 6 0 0 01020304").out == "GOAWAY 6 last=0\n");
  // WINDOW_UPDATE of 0 on the connection: PROTOCOL_ERROR.
  CHECK(sh(kRaw + "frame " + port + " 8 0 0 00000000").out == "GOAWAY 1 last=0\n");
  // HEADERS on an even (server-initiated) stream: PROTOCOL_ERROR.
  CHECK(sh(kRaw + "frame " + port + " 1 5 2 8286").out == "GOAWAY 1 last=0\n");
  CHECK(healthy(s, "--http2-prior-knowledge"));
  CHECK(healthy(s, ""));
}

TEST_CASE("serve h2 cuts off rapid reset, floods and header bombs", "[serve][h2]") {
  Server s;
  std::string port = std::to_string(s.port);
  // Another client, busy meanwhile, must not notice.
  std::string out = tmpdir() + "/h2_bystander";
  Process bystander("curl -sS --http2-prior-knowledge -o " + out + " '" + s.base +
                    "/drip?bytes=2000&rate=1000'");

  auto rr = sh(kRaw + "rapid-reset " + port + " 5000", 60);
  INFO(rr.out);
  REQUIRE_THAT(rr.out, StartsWith("GOAWAY 11 "));  // ENHANCE_YOUR_CALM
  auto last = std::stol(rr.out.substr(rr.out.find("last=") + 5));
  CHECK(last < 2 * 1000);  // cut off before 1000 streams were answered

  CHECK_THAT(sh(kRaw + "flood " + port + " ping 5000").out, StartsWith("GOAWAY 11 "));
  CHECK_THAT(sh(kRaw + "flood " + port + " settings 5000").out, StartsWith("GOAWAY 11 "));
  CHECK_THAT(sh(kRaw + "continuation " + port + " 50").out, StartsWith("GOAWAY 11 "));
  CHECK_THAT(sh(kRaw + "hpack-bomb " + port + " 500").out, StartsWith("GOAWAY 11 "));

  CHECK(bystander.wait(10) == 0);
  CHECK(slurp(out).size() == 2000);
  CHECK(healthy(s, "--http2-prior-knowledge"));
  // Only the /stats request's own connection is left open.
  CHECK_THAT(sh("curl -s " + s.base + "/stats").out, ContainsSubstring("\"open\":1}"));
}

TEST_CASE("serve h2 memory stays bounded for stalled and non-reading clients", "[serve][h2]") {
  Server s("--keepalive-timeout 2");
  std::string port = std::to_string(s.port);
  std::string pid = std::to_string(s.proc.pid());
  for (const char* mode : {"window", "noread"}) {
    INFO(mode);
    // "<rss before> <peak rss> <bytes read> <closed>" after 4 s of stalling.
    auto r = sh(kRaw + "stall " + port + " " + pid + " /bytes/1000000000 4 " + mode, 30);
    INFO(r.out << r.err);
    std::istringstream in(r.out);
    long before = 0, peak = 0, got = 0, closed = 0;
    in >> before >> peak >> got >> closed;
    REQUIRE(before > 0);
    CHECK(peak - before < 8 * 1024);  // kB: the queues, not the body
    CHECK(got < 20'000'000);          // nowhere near the 1 GB asked for
    CHECK(closed == 1);               // --keepalive-timeout without progress
  }
  CHECK(healthy(s, "--http2-prior-knowledge"));
}

TEST_CASE("serve h2 graceful stop: GOAWAY, in-flight /drip finishes, exit 0", "[serve][h2]") {
  for (bool tls : {false, true}) {
    INFO("tls " << tls);
    Server s("", tls);
    std::string out = tmpdir() + "/h2_drip.out";
    std::string flags = tls ? "-k --http2 " : "--http2-prior-knowledge ";
    Process client("curl -sS " + flags + "-o " + out +
                   " -w '%{http_version} %{http_code} %{size_download}' '" + s.base +
                   "/drip?bytes=1500&rate=1000'");
    // In flight: the server has routed the /drip, which takes 1.5 s to send.
    REQUIRE(s.wait_requests(1));
    s.proc.signal(SIGTERM);
    CHECK(client.running());  // the stop began before the response ended
    CHECK(client.wait(10) == 0);
    CHECK(s.proc.wait(15) == 0);
    CHECK(client.out() == "2 200 1500");
    CHECK(slurp(out).substr(0, 36) == "abcdefghijklmnopqrstuvwxyz0123456789");
  }
}

TEST_CASE("serve h2 graceful stop with an idle h2 connection exits at once",
          "[serve][h2][serial]") {
  Server s;
  Process idle(kRaw + "idle " + std::to_string(s.port) + " 20");
  // Ready once the server's SETTINGS came (python may take longer than a fixed sleep to start).
  auto ready_by = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (idle.log().find("READY") == std::string::npos &&
         std::chrono::steady_clock::now() < ready_by)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE_THAT(idle.log(), Catch::Matchers::ContainsSubstring("READY"));
  auto t0 = std::chrono::steady_clock::now();
  s.proc.signal(SIGINT);
  CHECK(s.proc.wait(15) == 0);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
  CHECK(idle.wait(5) == 0);
  // The shutdown notice (last stream 2^31-1), the final GOAWAY, then the close.
  CHECK(idle.out() == "GOAWAY 0 last=2147483647\nGOAWAY 0 last=0\nEOF\n");
}

namespace {
// The events a scripted raw client saw (peers/h2_raw_client.py script).
std::string script(const Server& s, const std::string& steps) {
  return sh(kRaw + "script " + std::to_string(s.port) + " " + steps, 30).out;
}
}  // namespace

TEST_CASE(
    "serve h2 stream ids: reused or lower is PROTOCOL_ERROR, DATA after END_STREAM is "
    "STREAM_CLOSED",
    "[serve][h2]") {
  Server s;
  // RFC 9113 5.1.1: a new stream's id must be above every earlier one.
  CHECK(script(s, "ack get:1:/bytes/10 await:1 get:1:/bytes/10 drain") ==
        "END 1\nGOAWAY 1 last=1\nEOF\n");
  CHECK(script(s, "ack get:5:/bytes/10 await:5 get:3:/bytes/10 drain") ==
        "END 5\nGOAWAY 1 last=5\nEOF\n");
  // RFC 9113 5.1: DATA after the request's END_STREAM, whether the response
  // has ended (the stream is closed) or not (half-closed).
  CHECK(script(s, "ack get:1:/bytes/10 await:1 data:1 drain") == "END 1\nGOAWAY 5 last=1\nEOF\n");
  CHECK(script(s, "ack get:1:/delay/2000 data:1 drain") == "GOAWAY 5 last=1\nEOF\n");
  // A request body that is still coming is no error.
  CHECK(script(s, "ack post:1:/echo data:1 data:1 get:3:/bytes/10 await:3") == "END 3\n");
  CHECK(healthy(s, "--http2-prior-knowledge"));
}

TEST_CASE("serve h2 refuses the stream over --h2-max-concurrent-streams alone", "[serve][h2]") {
  Server s("--h2-max-concurrent-streams 2");
  // The client has acknowledged our SETTINGS, so it knows the limit.
  auto out = script(s, "ack get:1:/delay/200 get:3:/delay/200 get:5:/bytes/10 await:1 await:3");
  INFO(out);
  CHECK_THAT(out, StartsWith("RST 5 7\n"));  // REFUSED_STREAM, at once
  CHECK_THAT(out, ContainsSubstring("END 1\n"));
  CHECK_THAT(out, ContainsSubstring("END 3\n"));
  CHECK_THAT(out, !ContainsSubstring("GOAWAY"));
  CHECK(healthy(s, "--http2-prior-knowledge"));
}

TEST_CASE("serve h2 sends a GOAWAY before closing a connection stalled by its window",
          "[serve][h2]") {
  Server s("--keepalive-timeout 1");
  // The response head comes; no DATA can (a window of 0), and after
  // --keepalive-timeout the server gives up: GOAWAY naming stream 1, then EOF.
  CHECK(script(s, "ack window0 get:1:/bytes/1000000 drain") == "GOAWAY 0 last=1\nEOF\n");
  CHECK(healthy(s, "--http2-prior-knowledge"));
}

TEST_CASE("serve h2 memory stays bounded for stalled readers with many streams each",
          "[serve][h2]") {
  Server s;
  constexpr long kConns = 50;
  constexpr long kStreams = 100;  // the default --h2-max-concurrent-streams
  // Each connection asks for 100 x 10 MB with a window of 0 and never opens it.
  auto r =
      sh(kRaw + "stall-many " + std::to_string(s.port) + " " + std::to_string(s.proc.pid()) + " " +
             std::to_string(kConns) + " " + std::to_string(kStreams) + " /bytes/10000000",
         120);
  INFO(r.out << r.err);
  std::istringstream in(r.out);
  long before = 0, after = 0, heads = 0;
  in >> before >> after >> heads;
  REQUIRE(heads == kConns * kStreams);  // every stream was taken and answered
  // kB per connection: one connection's output budget (256 KiB) plus the
  // streams' bookkeeping, nowhere near 100 streams' queues (~3.4 MiB).
  CHECK((after - before) / kConns < 1024);
  CHECK(healthy(s, "--http2-prior-knowledge"));
}
