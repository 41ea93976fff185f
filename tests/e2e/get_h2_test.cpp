// e2e: `sluice get` over HTTP/2 against nghttpd (TLS and h2c) and a raw-bytes
// misbehaving h2 server; -Z concurrency and ordering; consumption-gated flow
// control measured, not assumed.
#include <unistd.h>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <chrono>
#include <fstream>
#include <thread>

#include "get_helpers.hpp"

using namespace e2e;
using Catch::Matchers::ContainsSubstring;

namespace {

// nghttpd serving a directory with a few files, over TLS and over h2c.
struct Nghttpd {
  Nghttpd() : dir(tmpdir() + "/h2www") {
    REQUIRE(sh("mkdir -p " + dir + " && cd " + dir +
               " && head -c 3000000 /dev/urandom > small.bin"
               " && head -c 100000000 /dev/urandom > big.bin"
               " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1"
               " -subj /CN=localhost -keyout key.pem -out cert.pem 2>/dev/null")
                .exit_code == 0);
    tls_port = free_port();
    plain_port = free_port();
    tls = std::make_unique<Process>("nghttpd -d " + dir + " " + std::to_string(tls_port) + " " +
                                    dir + "/key.pem " + dir + "/cert.pem");
    plain = std::make_unique<Process>("nghttpd --padding=200 --no-tls -d " + dir + " " +
                                      std::to_string(plain_port));
    REQUIRE(wait_port(tls_port));
    REQUIRE(wait_port(plain_port));
  }
  std::string https(const std::string& file) const {
    return "https://127.0.0.1:" + std::to_string(tls_port) + "/" + file;
  }
  std::string h2c(const std::string& file) const {
    return "http://127.0.0.1:" + std::to_string(plain_port) + "/" + file;
  }
  std::string dir;
  int tls_port, plain_port;
  std::unique_ptr<Process> tls, plain;
};

// Bytes the kernel has received on the client's connection to port (ss -ti).
long bytes_received_from(int port) {
  auto r = sh("ss -tinH state established dport = :" + std::to_string(port) +
              " | grep -o 'bytes_received:[0-9]*' | cut -d: -f2 | head -1");
  return r.out.empty() ? -1 : std::stol(r.out);
}

}  // namespace

TEST_CASE("get speaks h2 by ALPN and by prior knowledge with nghttpd", "[get][h2]") {
  Nghttpd n;
  std::string want = sha_of("cat " + n.dir + "/small.bin");
  CHECK(sha_of(get("-sk " + n.https("small.bin"))) == want);
  CHECK(sha_of(get("-s --http2-prior-knowledge " + n.h2c("small.bin"))) == want);  // padded DATA
  auto v = sh(get("-sk -o /dev/null -w '%{http_version} %{http_code}' " + n.https("small.bin")));
  CHECK(v.out == "2 200");
  // %{size_header} counts the head as -D writes it, "HTTP/2 200 \r\n" and all, as curl's does.
  for (const std::string& client : {get(""), std::string("curl ")}) {
    INFO(client);
    auto sized = sh(client + "-sk -o /dev/null -D - -w '%{size_header}' " + n.https("small.bin"));
    auto head_end = sized.out.find("\r\n\r\n");
    REQUIRE(head_end != std::string::npos);
    CHECK(sized.out.substr(head_end + 4) == std::to_string(head_end + 4));
  }
  auto h1 = sh(get("-sk --http1.1 -o /dev/null -w '%{http_version}' " + n.https("small.bin")));
  CHECK(h1.exit_code != 0);  // nghttpd speaks only h2: ALPN fails or the reply is not HTTP/1
  // -v over a pooled session outliving the transfer that opened it (ASan run).
  auto two = sh(
      get("-skv -o /dev/null -o /dev/null " + n.https("small.bin") + " " + n.https("small.bin")));
  CHECK(two.exit_code == 0);
  CHECK_THAT(two.err, ContainsSubstring("Re-using existing connection"));
  CHECK_THAT(two.err, ContainsSubstring("[HTTP/2] [3] OPENED stream"));
  auto nf = sh(get("-skf " + n.https("missing")));
  CHECK(nf.exit_code == 22);
  auto head = sh(get("-skI " + n.https("small.bin")));
  CHECK_THAT(head.out, ContainsSubstring("HTTP/2 200"));
  CHECK_THAT(head.out, ContainsSubstring("content-length: 3000000"));
  // Prior knowledge is for h2c: over TLS the server's ALPN choice stands, as
  // in curl (this one picks http/1.1 and answers HTTP/1.0).
  int port = free_port();
  Process h1only("openssl s_server -quiet -www -alpn http/1.1 -accept " + std::to_string(port) +
                 " -cert " + n.dir + "/cert.pem -key " + n.dir + "/key.pem");
  REQUIRE(wait_port(port));
  auto picked =
      sh(get("-sk -m 10 --http2-prior-knowledge -o /dev/null -w '%{http_version} "
             "%{http_code}' https://127.0.0.1:" +
             std::to_string(port) + "/"));
  CHECK(picked.exit_code == 0);
  CHECK(picked.out == "1 200");  // an HTTP/1.0 answer: curl's %{http_version} says "1"
  CHECK(sh(get("-sk -m 10 --http2-prior-knowledge -o /dev/null -w '%{http_version}' " +
               n.https("small.bin")))
            .out == "2");
}

TEST_CASE("get -Z runs h2 transfers as streams of one connection, output in URL order",
          "[get][h2]") {
  Nghttpd n;
  auto r = sh(get("-sk -Z -o /dev/null -o /dev/null -o /dev/null -w '%{num_connects}' " +
                  n.https("small.bin") + " " + n.https("big.bin") + " " + n.https("small.bin")));
  CHECK(r.exit_code == 0);
  CHECK((r.out == "100" || r.out == "010" || r.out == "001"));  // one connection in all
  std::string want =
      sha_of("cat " + n.dir + "/big.bin " + n.dir + "/small.bin " + n.dir + "/big.bin");
  CHECK(sha_of(get("-sk -Z " + n.https("big.bin") + " " + n.https("small.bin") + " " +
                   n.https("big.bin"))) == want);
  CHECK(
      sha_of(get("-s -Z --http2-prior-knowledge " + n.h2c("big.bin") + " " + n.h2c("small.bin"))) ==
      sha_of("cat " + n.dir + "/big.bin " + n.dir + "/small.bin"));
}

TEST_CASE("h2 flow control: a stalled stream plateaus near high water while its sibling completes",
          "[get][h2][backpressure]") {
  Nghttpd n;
  std::string out2 = tmpdir() + "/sibling.bin";
  std::string fifo = tmpdir() + "/stall.fifo";
  REQUIRE(sh("rm -f " + fifo + " && mkfifo " + fifo).exit_code == 0);
  // Stream 1 goes to stdout, a fifo nobody reads yet; stream 2 goes to a file.
  Process p(get("-s -Z --http2-prior-knowledge --max-buffer 1M -o - -o " + out2 + " " +
                n.h2c("big.bin") + " " + n.h2c("small.bin") + " > " + fifo));
  // Opening the fifo for writing blocks until a reader exists: give it one that reads nothing.
  Process holder("sleep 30 3<" + fifo);
  CHECK(wait_until([&] { return sh("stat -c %s " + out2 + " 2>/dev/null").out == "3000000\n"; },
                   20000));  // the sibling finished during the stall
  // Plateau: the stalled stream gets no more window, so the bytes received
  // hold still. The 700 ms between two counts is the observation (nothing may
  // arrive in it), not a guess that the plateau has been reached: a count
  // still rising is sampled again until it holds still or 20 s pass, and the
  // level it stops at is bounded below.
  long a = -1, b = bytes_received_from(n.plain_port);
  bool plateau = wait_until(
      [&] {
        a = b;
        std::this_thread::sleep_for(std::chrono::milliseconds(700));
        b = bytes_received_from(n.plain_port);
        return a == b;
      },
      20000);
  INFO("received " << a << " then " << b << " bytes");
  CHECK(a > 3000000);
  CHECK(plateau);
  // About the sibling, plus the high-water mark, the pipe's buffer and framing.
  CHECK(b < 3000000 + 6 * (1 << 20));
  // Resume: everything arrives, bytes unchanged.
  auto got = sh("set -o pipefail; sha256sum < " + fifo + " | cut -c1-64", 60);
  CHECK(got.out.substr(0, 64) == sha_of("cat " + n.dir + "/big.bin"));
  CHECK(p.wait(30) == 0);
}

TEST_CASE("h2 errors map to curl's codes: RST_STREAM 92, GOAWAY and bad frames 16",
          "[get][h2][exit]") {
  struct Case {
    const char* mode;
    int code;
    const char* says;
  };
  for (auto [mode, code, says] :
       {Case{"rst", 92, "INTERNAL_ERROR"}, Case{"goaway", 16, "PROTOCOL_ERROR"},
        Case{"garbage", 16, "framing layer"},
        Case{"goaway-kept", 16, "GOAWAY from the server: COMPRESSION_ERROR"},
        Case{"goaway-mid", 16, "GOAWAY from the server: INTERNAL_ERROR"}}) {
    int port = free_port();
    Process fake(SLUICE_PYTHON3 " " SLUICE_SOURCE_DIR "/tests/e2e/peers/h2_fake_server.py " +
                 std::string(mode) + " " + std::to_string(port));
    REQUIRE(wait_port(port));
    auto r =
        sh(get("-sS --http2-prior-knowledge http://127.0.0.1:" + std::to_string(port) + "/"), 30);
    INFO(mode << ": " << r.err);
    CHECK(r.exit_code == code);
    CHECK_THAT(r.err, ContainsSubstring(says));
    if (std::string(mode) == "goaway-mid") CHECK(r.out == "hello");  // received bytes kept
  }
  // A request nghttp2 will not send (header block over its 64 KiB limit) is
  // our side's failure, not the server refusing it.
  Server s;
  auto big =
      sh(get("-sS --http2-prior-knowledge -H \"X: $(head -c 100000 /dev/zero | tr '\\0' "
             "a)\" " +
             s.base + "/bytes/1"));
  CHECK(big.exit_code == 16);
  CHECK_THAT(big.err, ContainsSubstring("over nghttp2's 64 KiB limit"));
}

TEST_CASE("h2: a fast body that stalls short of the SO_RCVLOWAT mark is all delivered",
          "[get][h2]") {
  // The bursts raise the socket's low-water mark; the last 64 KiB + 123 bytes
  // sit below it until the stall watchdog lowers it, seconds before -m.
  int port = free_port();
  Process fake(SLUICE_PYTHON3 " " SLUICE_SOURCE_DIR
                              "/tests/e2e/peers/h2_fake_server.py burst-stall " +
               std::to_string(port));
  REQUIRE(wait_port(port));
  auto r =
      sh(get("-s -m 3 --http2-prior-knowledge http://127.0.0.1:" + std::to_string(port) + "/"), 30);
  CHECK(r.exit_code == 28);
  CHECK(r.out.size() == 10 * 65536 + 123);
}

TEST_CASE("h2 slow consumer: peak RSS does not grow with the body size",
          "[get][h2][backpressure]") {
  Nghttpd n;
  auto peak_kb = [&](const std::string& url) {
    auto p = sh("set -o pipefail; /usr/bin/time -f '%M' " + get("-sk " + url) + " 2>" + tmpdir() +
                    "/rss2 | pv -qL 300m | sha256sum | cut -c1-64",
                120);
    REQUIRE(p.exit_code == 0);
    return std::stol(sh("tail -1 " + tmpdir() + "/rss2").out);
  };
  long small_kb = peak_kb(n.https("small.bin"));
  long big_kb = peak_kb(n.https("big.bin"));
  INFO("3 MB peak " << small_kb << " KiB, 100 MB peak " << big_kb << " KiB");
  CHECK(big_kb < 40 * 1024);
  CHECK(big_kb - small_kb < 4 * 1024);
}

TEST_CASE("get --http2 on http:// upgrades to h2c where the server agrees, as curl does",
          "[get][h2][upgrade]") {
  // nghttpx accepts "Upgrade: h2c" on a plain frontend; sluice serve is its backend.
  Server backend;
  int port = free_port();
  Process proxy("nghttpx --conf=/dev/null --workers=1 --no-ocsp --frontend='127.0.0.1," +
                std::to_string(port) + ";no-tls' --backend='127.0.0.1," +
                std::to_string(backend.port) + "' --errorlog-file=/dev/null");
  REQUIRE(wait_port(port));
  std::string base = "http://127.0.0.1:" + std::to_string(port);
  std::string url = base + "/bytes/2000000";
  std::string want = sha_of(get("-s " + backend.base + "/bytes/2000000"));

  // The first request switches the connection; the second is stream 3 on it.
  auto r = sh(get("-sv --http2 -o /dev/null -o /dev/null -w '%{http_version} %{num_connects};' " +
                  url + " " + url));
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "2 1;2 0;");
  CHECK_THAT(r.err, ContainsSubstring("Upgrade: h2c"));
  CHECK_THAT(r.err, ContainsSubstring("HTTP2-Settings: "));
  CHECK_THAT(r.err, ContainsSubstring("< HTTP/1.1 101 Switching Protocols"));
  CHECK(sha_of(get("-s --http2 " + url)) == want);
  auto head = sh(get("-sI --http2 " + url));
  CHECK_THAT(head.out, ContainsSubstring("HTTP/2 200"));
  CHECK_THAT(head.out, ContainsSubstring("content-length: 2000000"));

  // A request with a body does not ask, and stays HTTP/1.1 (RFC 7540 3.2).
  auto post = sh(get("-s --http2 -d hello -o /dev/null -w '%{http_version}' " + base + "/echo"));
  CHECK(post.out == "1.1");
  // A server that ignores the Upgrade (python's http.server) answers over
  // HTTP/1.x, and that is fine.
  int py_port = free_port();
  REQUIRE(sh("mkdir -p " + tmpdir() + "/py && echo hi > " + tmpdir() + "/py/hi.txt").exit_code ==
          0);
  Process py(SLUICE_PYTHON3 " -m http.server --bind 127.0.0.1 --directory " + tmpdir() + "/py " +
             std::to_string(py_port));
  REQUIRE(wait_port(py_port));
  auto plain = sh(get("-s --http2 -w ' %{http_version} %{http_code}' http://127.0.0.1:" +
                      std::to_string(py_port) + "/hi.txt"));
  CHECK(plain.out == "hi\n 1 200");  // http.server answers as HTTP/1.0: curl's "1"
}

TEST_CASE("get: a 101 nobody asked for, or an upgrade to garbage, is an error", "[get][h2][exit]") {
  int port = free_port();
  Process bad(SLUICE_PYTHON3 " " SLUICE_SOURCE_DIR "/tests/e2e/peers/badserver.py switch " +
              std::to_string(port));
  REQUIRE(wait_port(port));
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  auto unasked = sh(get("-sS " + url));
  CHECK(unasked.exit_code == 8);
  CHECK_THAT(unasked.err, ContainsSubstring("unexpected 101"));
  auto garbage = sh(get("-sS --http2 " + url));
  CHECK(garbage.exit_code == 16);
}
