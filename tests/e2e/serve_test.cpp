// e2e: `sluice serve` driven by curl and raw sockets, plain and TLS:
// listeners, synthetic endpoints (bodies checked byte-exact against the
// documented pattern), static files, keep-alive and pipelining.
// Loopback only; every process is stopped by PID when the test ends.
#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <cctype>
#include <fstream>

#include "support.hpp"

using namespace e2e;
using Catch::Matchers::ContainsSubstring;
using Catch::Matchers::StartsWith;

namespace {

// The /bytes pattern as documented: byte i is alphabet[i % 36].
std::string pattern(uint64_t first, uint64_t n) {
  static const std::string a = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s(n, '\0');
  for (uint64_t i = 0; i < n; ++i) s[i] = a[(first + i) % 36];
  return s;
}

std::string sha256_hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  std::string hex;
  for (unsigned i = 0; i < len; ++i) hex += fmt::format("{:02x}", md[i]);
  return hex;
}

std::string curl(const std::string& args) {
  auto r = sh("curl -sS " + args, 30);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return r.out;
}

// A static tree: index.html, a data file, a directory without index, and a
// symlink pointing outside the root.
std::string make_root() {
  std::string root = tmpdir() + "/www";
  sh("rm -rf " + root + " && mkdir -p " + root + "/sub " + root + "/empty");
  write_file(root + "/index.html", "<h1>home</h1>\n");
  write_file(root + "/sub/index.html", "<h1>sub</h1>\n");
  write_file(root + "/data.bin", pattern(7, 200000));
  write_file(root + "/style.css", "body{}\n");
  write_file(tmpdir() + "/outside.txt", "secret\n");
  ::symlink((tmpdir() + "/outside.txt").c_str(), (root + "/leak.txt").c_str());
  return root;
}

}  // namespace

TEST_CASE("serve prints one line per listener and serves IPv4 and IPv6", "[serve]") {
  int p4 = free_port(), p6 = free_port();
  Process srv(std::string(sluice_bin()) + " serve --listen 127.0.0.1:" + std::to_string(p4) +
              " --listen [::1]:" + std::to_string(p6));
  REQUIRE(wait_port(p4));
  REQUIRE(wait_port(p6, 10000, true));
  CHECK_THAT(srv.log(), ContainsSubstring("sluice serve: listening on http://127.0.0.1:" +
                                          std::to_string(p4) + "\n"));
  CHECK_THAT(
      srv.log(),
      ContainsSubstring("sluice serve: listening on http://[::1]:" + std::to_string(p6) + "\n"));
  CHECK(curl("-g http://[::1]:" + std::to_string(p6) + "/bytes/5") == "abcde");
  CHECK(curl("http://127.0.0.1:" + std::to_string(p4) + "/bytes/5") == "abcde");
  srv.signal(SIGTERM);
  CHECK(srv.wait(15) == 0);
}

TEST_CASE("serve /bytes is the documented pattern: plain, chunked, TLS, ranges", "[serve]") {
  Server plain;
  Server tls("", true);
  const std::string want = sha256_hex(pattern(0, 3000000));
  CHECK(sha_of("curl -s " + plain.base + "/bytes/3000000") == want);
  CHECK(sha_of("curl -s '" + plain.base + "/bytes/3000000?chunked=1'") == want);
  CHECK(sha_of("curl -sk " + tls.base + "/bytes/3000000") == want);
  CHECK(sha_of("curl -sk '" + tls.base + "/bytes/3000000?chunked=1'") == want);
  CHECK_THAT(tls.proc.log(), ContainsSubstring("TLS certificate SHA-256 fingerprint "));

  auto head = curl("-D - -o /dev/null '" + plain.base + "/bytes/100?chunked=1'");
  CHECK_THAT(head, ContainsSubstring("Transfer-Encoding: chunked"));
  head = curl("-D - -o /dev/null " + plain.base + "/bytes/100");
  CHECK_THAT(head, ContainsSubstring("Content-Length: 100\r\n"));
  CHECK_THAT(head, ContainsSubstring("Content-Type: application/octet-stream\r\n"));

  CHECK(curl("-r 1000-1999 " + plain.base + "/bytes/5000") == pattern(1000, 1000));
  CHECK(curl("-r -10 " + plain.base + "/bytes/5000") == pattern(4990, 10));
  head = curl("-D - -o /dev/null -r 1000-1999 " + plain.base + "/bytes/5000");
  CHECK_THAT(head, StartsWith("HTTP/1.1 206 Partial Content\r\n"));
  CHECK_THAT(head, ContainsSubstring("Content-Range: bytes 1000-1999/5000\r\n"));
  CHECK(status_of("-r 5000- " + plain.base + "/bytes/5000") == "416");
  CHECK(status_of(plain.base + "/bytes/abc") == "400");
  CHECK(curl(plain.base + "/bytes/0").empty());
}

TEST_CASE("serve keeps connections alive (plain and TLS) and honours Connection: close",
          "[serve]") {
  Server plain;
  Server tls("", true);
  // --http1.1: over TLS curl would pick h2, where Connection: close means nothing.
  for (const auto& [base, k] : {std::pair{plain.base, ""}, std::pair{tls.base, "-k --http1.1"}}) {
    INFO(base);
    auto r = curl(std::string(k) + " -o /dev/null -o /dev/null -o /dev/null -w '%{num_connects} '" +
                  " " + base + "/bytes/10 " + base + "/status/204 " + base + "/bytes/20000");
    CHECK(r == "1 0 0 ");
    r = curl(std::string(k) + " -H 'Connection: close' -o /dev/null -o /dev/null -w " +
             "'%{num_connects} ' " + base + "/bytes/10 " + base + "/bytes/10");
    CHECK(r == "1 1 ");
  }
  // The server's side of it, whatever wording curl's -v has (7.88 and 8.14
  // differ): two requests of one curl command are one more connection, and
  // the second /stats request one more.
  auto connections = [&] {
    std::string json = curl(plain.base + "/stats");
    auto at = json.find("\"connections\":");
    REQUIRE(at != std::string::npos);
    return std::stol(json.substr(at + 14));
  };
  long before = connections();
  CHECK(curl("-o /dev/null -o /dev/null " + plain.base + "/bytes/1 " + plain.base + "/bytes/1")
            .empty());
  CHECK(connections() - before == 2);
  auto closing = curl("-D - -o /dev/null -H 'Connection: close' " + plain.base + "/bytes/1");
  CHECK_THAT(closing, ContainsSubstring("Connection: close\r\n"));
}

TEST_CASE("serve pipelining answers in request order; HTTP/1.0 closes", "[serve]") {
  Server s;
  std::string port = std::to_string(s.port);
  auto r = sh(kServeClient + "send " + port +
              " 'GET /delay/200 HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n"
              "GET /bytes/3 HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n"
              "POST /echo HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: 4\\r\\n\\r\\nping"
              "GET /status/201 HTTP/1.1\\r\\nHost: a\\r\\nConnection: close\\r\\n\\r\\n"
              "GET /bytes/1 HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n'");
  REQUIRE(r.exit_code == 0);
  auto delayed = r.out.find("delayed 200 ms");
  auto bytes = r.out.find("\r\n\r\nabc");
  auto echo = r.out.find("\r\n\r\nping");
  auto created = r.out.find("HTTP/1.1 201 Created");
  CHECK(delayed != std::string::npos);
  CHECK(delayed < bytes);
  CHECK(bytes < echo);
  CHECK(echo < created);
  // Nothing after the request that said Connection: close.
  CHECK(r.out.find("HTTP/1.1", created + 1) == std::string::npos);

  r = sh(kServeClient + "send " + port + " 'GET /bytes/3 HTTP/1.0\\r\\n\\r\\n'");
  CHECK_THAT(r.out, ContainsSubstring("Connection: close\r\n"));
  CHECK_THAT(r.out, ContainsSubstring("\r\n\r\nabc"));
  r = sh(kServeClient + "send " + port +
         " 'GET /bytes/3 HTTP/1.0\\r\\nConnection: keep-alive\\r\\n\\r\\nGET /bytes/2 "
         "HTTP/1.0\\r\\n\\r\\n'");
  CHECK_THAT(r.out, ContainsSubstring("Connection: keep-alive\r\n"));
  CHECK_THAT(r.out, ContainsSubstring("\r\n\r\nab"));

  // A client that half-closes after its requests still gets every answer.
  r = sh(kServeClient + "send " + port +
         " 'GET /bytes/2 HTTP/1.1\\r\\nHost: a\\r\\n\\r\\nGET /bytes/4 HTTP/1.1\\r\\nHost: "
         "a\\r\\n\\r\\n' shut");
  CHECK_THAT(r.out, ContainsSubstring("\r\n\r\nab"));
  CHECK_THAT(r.out, ContainsSubstring("\r\n\r\nabcd"));
}

TEST_CASE("serve synthetic endpoints", "[serve]") {
  Server s;
  // /redirect/N: a chain of 302s with bodies, ending in 200.
  CHECK(curl("-L -w '|%{num_redirects}|%{http_code}' " + s.base + "/redirect/3") ==
        "redirect chain done\n|3|200");
  auto first = curl("-D - " + s.base + "/redirect/2");
  CHECK_THAT(first, StartsWith("HTTP/1.1 302 Found\r\n"));
  CHECK_THAT(first, ContainsSubstring("Location: /redirect/1\r\n"));
  CHECK_THAT(first, ContainsSubstring("redirecting to /redirect/1"));

  CHECK(status_of(s.base + "/status/404") == "404");
  CHECK(status_of(s.base + "/status/503") == "503");
  CHECK(status_of(s.base + "/status/204") == "204");
  CHECK(status_of(s.base + "/status/99") == "400");
  CHECK(curl(s.base + "/status/418") == "418 I'm a teapot\n");

  auto t = curl("-o /dev/null -w '%{time_total}' " + s.base + "/delay/300");
  CHECK(std::stod(t) >= 0.29);

  // /drip: 300 bytes at 600 B/s take about half a second, and are the pattern.
  auto drip = curl("-w '|%{time_total}' '" + s.base + "/drip?bytes=300&rate=600'");
  auto bar = drip.rfind('|');
  CHECK(drip.substr(0, bar) == pattern(0, 300));
  CHECK(std::stod(drip.substr(bar + 1)) >= 0.4);

  // /echo streams the body back with the request's Content-Type.
  std::string upload = tmpdir() + "/upload.bin";
  write_file(upload, pattern(3, 3000000));
  CHECK(sha_of("curl -s --data-binary @" + upload + " " + s.base + "/echo") ==
        sha256_hex(pattern(3, 3000000)));
  CHECK(sha_of("curl -s -H 'Transfer-Encoding: chunked' --data-binary @" + upload + " " + s.base +
               "/echo") == sha256_hex(pattern(3, 3000000)));
  auto echo = curl("-D - -H 'Content-Type: text/x-test' --data-binary hello " + s.base + "/echo");
  CHECK_THAT(echo, ContainsSubstring("Content-Type: text/x-test\r\n"));
  CHECK_THAT(echo, ContainsSubstring("\r\n\r\nhello"));
  // Expect: 100-continue is answered before the body is sent.
  auto v = sh("curl -sv -H 'Expect: 100-continue' --data-binary @" + upload + " " + s.base +
              "/echo 2>&1 >/dev/null");
  CHECK_THAT(v.out, ContainsSubstring("HTTP/1.1 100 Continue"));

  // HEAD: the head GET would send, no body.
  auto head = curl("-I " + s.base + "/bytes/1000");
  CHECK_THAT(head, ContainsSubstring("Content-Length: 1000\r\n"));

  auto index = curl(s.base + "/");
  for (const char* e :
       {"/bytes/N", "/drip", "/redirect/N", "/status/CODE", "/delay/MS", "/echo", "/stats"})
    CHECK_THAT(index, ContainsSubstring(e));
  CHECK(status_of(s.base + "/nothing-here") == "404");

  auto stats = curl(s.base + "/stats");
  CHECK_THAT(stats, StartsWith("{\"requests\":"));
  CHECK_THAT(stats, ContainsSubstring("\"connections\":"));
}

TEST_CASE("serve /stats counts requests and connections of the process", "[serve]") {
  Server s("--threads 2");
  auto field = [](const std::string& json, const std::string& name) {
    auto at = json.find("\"" + name + "\":");
    REQUIRE(at != std::string::npos);
    return std::stol(json.substr(at + name.size() + 3));
  };
  auto before = curl(s.base + "/stats");
  auto r = sh("seq 20 | xargs -P 8 -I{} curl -s -o /dev/null -w '%{http_code}\\n' " + s.base +
              "/bytes/100 | sort | uniq -c");
  CHECK_THAT(r.out, ContainsSubstring("20 200"));
  CHECK(curl("-o /dev/null -o /dev/null " + s.base + "/bytes/1 " + s.base + "/bytes/1").empty());
  auto after = curl(s.base + "/stats");
  // 20 one-request connections, one with two requests, and this /stats.
  CHECK(field(after, "requests") - field(before, "requests") == 23);
  CHECK(field(after, "connections") - field(before, "connections") == 22);
  CHECK(field(after, "open") == 1);
}

TEST_CASE("serve static files: types, ranges, directories, errors, no escape", "[serve]") {
  std::string root = make_root();
  Server s("--root " + root);
  Server tls("--root " + root, true);

  auto head = curl("-D - -o /dev/null " + s.base + "/data.bin");
  CHECK_THAT(head, StartsWith("HTTP/1.1 200 OK\r\n"));
  CHECK_THAT(head, ContainsSubstring("Content-Length: 200000\r\n"));
  CHECK_THAT(head, ContainsSubstring("Content-Type: application/octet-stream\r\n"));
  CHECK_THAT(head, ContainsSubstring("Last-Modified: "));
  CHECK_THAT(head, ContainsSubstring("Accept-Ranges: bytes\r\n"));
  CHECK_THAT(curl("-D - -o /dev/null " + s.base + "/style.css"),
             ContainsSubstring("Content-Type: text/css; charset=utf-8\r\n"));
  const std::string want = sha256_hex(pattern(7, 200000));
  CHECK(sha_of("curl -s " + s.base + "/data.bin") == want);     // sendfile
  CHECK(sha_of("curl -sk " + tls.base + "/data.bin") == want);  // read + TLS

  CHECK(curl("-r 100-199 " + s.base + "/data.bin") == pattern(107, 100));
  CHECK(curl("-k -r 100-199 " + tls.base + "/data.bin") == pattern(107, 100));
  CHECK_THAT(curl("-D - -o /dev/null -r 100-199 " + s.base + "/data.bin"),
             ContainsSubstring("Content-Range: bytes 100-199/200000\r\n"));
  auto unsat = curl("-D - -o /dev/null -r 300000- " + s.base + "/data.bin");
  CHECK_THAT(unsat, StartsWith("HTTP/1.1 416 "));
  CHECK_THAT(unsat, ContainsSubstring("Content-Range: bytes */200000\r\n"));

  CHECK(curl(s.base + "/") == "<h1>home</h1>\n");
  CHECK(curl(s.base + "/sub/") == "<h1>sub</h1>\n");
  CHECK(curl("-L " + s.base + "/sub") == "<h1>sub</h1>\n");
  CHECK(status_of(s.base + "/sub") == "301");
  CHECK(status_of(s.base + "/empty/") == "403");
  CHECK(status_of(s.base + "/missing.txt") == "404");
  auto post = curl("-D - -o /dev/null -X POST " + s.base + "/data.bin");
  CHECK_THAT(post, StartsWith("HTTP/1.1 405 "));
  CHECK_THAT(post, ContainsSubstring("Allow: GET, HEAD, OPTIONS\r\n"));
  CHECK(status_of("-I " + s.base + "/data.bin") == "200");

  // Escapes: lexical ".." (plain and encoded) and a symlink out of the root.
  CHECK(status_of("--path-as-is " + s.base + "/../outside.txt") == "403");
  CHECK(status_of("--path-as-is " + s.base + "/sub/../../outside.txt") == "403");
  CHECK(status_of("--path-as-is " + s.base + "/%2e%2e/outside.txt") == "403");
  CHECK(status_of("--path-as-is " + s.base + "/sub/..%2f..%2foutside.txt") == "403");
  CHECK(status_of(s.base + "/leak.txt") == "404");
  auto raw =
      sh(kServeClient + "send " + std::to_string(s.port) +
         " 'GET /../../../../etc/passwd HTTP/1.1\\r\\nHost: a\\r\\nConnection: close\\r\\n\\r\\n'");
  CHECK_THAT(raw.out, StartsWith("HTTP/1.1 403 "));
  CHECK(raw.out.find("root:") == std::string::npos);

  // Synthetic endpoints keep their paths next to --root.
  CHECK(curl(s.base + "/bytes/3") == "abc");

  // Conditional GET.
  auto lm = sh("curl -sI " + s.base +
               "/data.bin | grep -i '^Last-Modified:' | cut -d' ' -f2- | tr -d '\\r'");
  CHECK(status_of("-H 'If-Modified-Since: " + lm.out.substr(0, lm.out.size() - 1) + "' " + s.base +
                  "/data.bin") == "304");
}

// Past 32 MiB a loopback client gets the file copied through the output
// queue (read in place) instead of sendfile: the bytes, ranges that start
// anywhere, HEAD and the next request on the same connection must not notice.
TEST_CASE("serve static files: a large file to a loopback client, whole, ranged, then another",
          "[serve]") {
  std::string root = make_root();
  const uint64_t size = (40u << 20) + 12345;
  write_file(root + "/large.bin", pattern(11, size));
  Server s("--root " + root);

  CHECK(sha_of("curl -s " + s.base + "/large.bin") == sha256_hex(pattern(11, size)));
  CHECK(curl("-r 33554000-33554999 " + s.base + "/large.bin") == pattern(11 + 33554000, 1000));
  const uint64_t tail_from = size - (35u << 20);  // a range of 35 MiB from an odd offset
  CHECK(sha_of("curl -s -r " + std::to_string(tail_from) + "- " + s.base + "/large.bin") ==
        sha256_hex(pattern(11 + tail_from, size - tail_from)));
  auto head = curl("-sI " + s.base + "/large.bin");
  CHECK_THAT(head, ContainsSubstring("Content-Length: " + std::to_string(size) + "\r\n"));
  // One connection: the large body, then a small file; -w shows one connect.
  auto both = sh("curl -s -o /dev/null -o " + tmpdir() + "/after.css -w '%{num_connects} ' " +
                     s.base + "/large.bin " + s.base + "/style.css",
                 60);
  CHECK(both.exit_code == 0);
  CHECK(both.out == "1 0 ");
  CHECK(slurp(tmpdir() + "/after.css") == "body{}\n");
}

TEST_CASE("serve static files: a regular file named with a trailing slash is 404", "[serve]") {
  std::string root = make_root();
  Server s("--root " + root);
  for (const char* flags : {"", "--http2-prior-knowledge "}) {  // h2 shares the file code
    INFO(flags);
    std::string get = std::string(flags) + "--path-as-is " + s.base;
    CHECK(status_of(get + "/data.bin") == "200");
    for (const char* path : {"/data.bin/", "/data.bin%2f", "/data.bin%2F", "/data.bin/.",
                             "/data.bin//", "/sub/index.html/"})
      CHECK(status_of(get + path) == "404");
    CHECK(status_of(get + "/sub/") == "200");  // directories keep their slash
  }
}

TEST_CASE("serve Range: past the end 416, malformed ranges get the whole body", "[serve]") {
  std::string root = make_root();
  write_file(root + "/hundred.bin", pattern(0, 100));
  Server s("--root " + root);
  for (std::string url : {s.base + "/hundred.bin", s.base + "/bytes/100"}) {
    INFO(url);
    auto unsat = curl("-D - -o /dev/null -H 'Range: bytes=5000-' " + url);
    CHECK_THAT(unsat, StartsWith("HTTP/1.1 416 Range Not Satisfiable\r\n"));
    CHECK_THAT(unsat, ContainsSubstring("Content-Range: bytes */100\r\n"));
    CHECK(curl("-H 'Range: bytes=90-' " + url) == pattern(90, 10));
    // Ignored (RFC 9110 §14.2 lets a server ignore any Range): 200, the whole body.
    for (const char* range : {"bytes=abc", "bytes=5-2", "lines=0-1", "bytes=0-99,0-99"}) {
      INFO(range);
      auto r = curl("-D - -H 'Range: " + std::string(range) + "' " + url);
      CHECK_THAT(r, StartsWith("HTTP/1.1 200 OK\r\n"));
      CHECK_THAT(r, ContainsSubstring("Content-Length: 100\r\n"));
      CHECK(r.find("Content-Range") == std::string::npos);
      CHECK(r.ends_with("\r\n\r\n" + pattern(0, 100)));
    }
  }
}

TEST_CASE("serve static files: several ranges as multipart/byteranges; /bytes ignores them",
          "[serve]") {
  std::string root = make_root();
  write_file(root + "/hundred.txt", pattern(0, 100));
  Server s("--root " + root);
  Server tls("--root " + root, true);
  for (std::string flags : {"", "--http2-prior-knowledge ", "-k --http2 "}) {
    INFO(flags);
    std::string base = flags.starts_with("-k") ? tls.base : s.base;
    auto r = curl(flags + "-D - -r 0-1,10-12,-2 " + base + "/hundred.txt");
    CHECK_THAT(r, ContainsSubstring(" 206"));
    std::string lower = r;  // h2 header names are lower case
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const std::string ct = "content-type: multipart/byteranges; boundary=";
    REQUIRE(lower.find(ct) != std::string::npos);
    auto b0 = lower.find(ct) + ct.size();
    std::string boundary = r.substr(b0, r.find("\r\n", b0) - b0);
    std::string body = r.substr(r.find("\r\n\r\n") + 4);
    std::string part = "\r\n--" + boundary + "\r\nContent-Type: text/plain; charset=utf-8\r\n";
    CHECK(body == part + "Content-Range: bytes 0-1/100\r\n\r\n" + pattern(0, 2) + part +
                      "Content-Range: bytes 10-12/100\r\n\r\n" + pattern(10, 3) + part +
                      "Content-Range: bytes 98-99/100\r\n\r\n" + pattern(98, 2) + "\r\n--" +
                      boundary + "--\r\n");
    CHECK_THAT(lower, ContainsSubstring(fmt::format("content-length: {}\r\n", body.size())));
  }
  // A body made on the fly offers no multipart: the whole of it, with 200.
  auto whole = curl("-D - -r 0-1,10-12 " + s.base + "/bytes/100");
  CHECK_THAT(whole, StartsWith("HTTP/1.1 200 OK\r\n"));
  CHECK(whole.ends_with("\r\n\r\n" + pattern(0, 100)));
}

TEST_CASE("serve static files: ETag and conditional requests, If-Range, changes seen at once",
          "[serve]") {
  std::string root = make_root();
  std::string file = root + "/v.txt";
  write_file(file, "version one\n");
  Server s("--root " + root);
  std::string url = s.base + "/v.txt";
  auto header = [&](const std::string& name, const std::string& args = "") {
    auto r = sh("curl -s -o /dev/null -D - " + args + " " + url + " | grep -i '^" + name +
                ":' | cut -d' ' -f2- | tr -d '\\r\\n'");
    return r.out;
  };
  std::string etag = header("ETag");
  std::string lm = header("Last-Modified");
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK(etag == fmt::format("\"{:x}-{:x}\"", st.st_mtime, st.st_size));  // as nginx makes it

  CHECK(status_of("-H 'If-None-Match: " + etag + "' " + url) == "304");
  CHECK(status_of("-H 'If-None-Match: W/" + etag + "' " + url) == "304");  // weak comparison
  CHECK(status_of("-H 'If-None-Match: \"other\"' -H 'If-Modified-Since: " + lm + "' " + url) ==
        "200");  // If-None-Match wins
  CHECK(status_of("-H 'If-Match: " + etag + "' " + url) == "200");
  CHECK(status_of("-H 'If-Match: \"other\"' " + url) == "412");
  CHECK(status_of("-H 'If-Unmodified-Since: Sun, 06 Nov 1994 08:49:37 GMT' " + url) == "412");
  CHECK(status_of("-H 'If-Modified-Since: " + lm + "' " + url) == "304");
  CHECK(header("ETag", "-H 'If-None-Match: " + etag + "'") == etag);  // 304 keeps validators
  CHECK(curl("-r 0-6 -H 'If-Range: " + etag + "' " + url) == "version");

  // The file changes (another size, another mtime): the next request sees it,
  // and a resume with the old validator gets the whole new body with 200.
  write_file(file, "version two, longer\n");
  timespec ts[2] = {{st.st_mtime + 10, 0}, {st.st_mtime + 10, 0}};
  REQUIRE(::utimensat(AT_FDCWD, file.c_str(), ts, 0) == 0);
  CHECK(curl(url) == "version two, longer\n");
  CHECK(status_of("-H 'If-None-Match: " + etag + "' " + url) == "200");
  auto resumed = curl("-D - -r 0-6 -H 'If-Range: " + etag + "' " + url);
  CHECK_THAT(resumed, StartsWith("HTTP/1.1 200 OK\r\n"));
  CHECK(resumed.ends_with("\r\n\r\nversion two, longer\n"));
  auto by_date = curl("-D - -r 0-6 -H 'If-Range: " + lm + "' " + url);
  CHECK_THAT(by_date, StartsWith("HTTP/1.1 200 OK\r\n"));
}

TEST_CASE("serve --tls --cert/--key: clients verify it, the fingerprint printed matches",
          "[serve]") {
  std::string dir = tmpdir();
  auto gen =
      sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 "
         "-subj /CN=localhost -addext subjectAltName=DNS:localhost -keyout " +
         dir + "/key.pem -out " + dir + "/cert.pem 2>&1");
  REQUIRE(gen.exit_code == 0);
  Server s("--cert " + dir + "/cert.pem --key " + dir + "/key.pem", true);
  std::string port = std::to_string(s.port);
  CHECK(curl("--cacert " + dir + "/cert.pem --resolve localhost:" + port +
             ":127.0.0.1 https://localhost:" + port + "/bytes/3") == "abc");
  auto fp = sh("openssl x509 -noout -fingerprint -sha256 -in " + dir + "/cert.pem | cut -d= -f2");
  REQUIRE(fp.exit_code == 0);
  CHECK_THAT(s.proc.log(), ContainsSubstring("fingerprint " + fp.out));
}

// The server reads ahead from TLS (several records per read). Requests it has
// not parsed yet may then sit decrypted-or-not inside OpenSSL while it stops
// reading for a full output queue; when the queue drains it must pick them up
// without waiting for the socket, which has nothing more to say.
TEST_CASE("serve answers TLS-pipelined requests past a full output queue", "[serve]") {
  Server tls("", true);
  auto r = sh(kServeClient + "tls-pipeline " + std::to_string(tls.port) + " 8 /bytes/300000", 30);
  REQUIRE(r.exit_code == 0);
  auto got = std::stoul(r.out);
  CHECK(got > 8 * 300000u);
  CHECK(got < 8 * 300000u + 8 * 300u);  // eight heads at most, nothing twice
}

TEST_CASE("serve under h2load --h1 with pipelining (a real peer)", "[serve][peer]") {
  Server plain;
  Server tls("", true);
  for (const auto& base : {plain.base, tls.base}) {
    INFO(base);
    auto r = sh("h2load --h1 -n 2000 -c 4 -m 8 " + base + "/bytes/2000", 60);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, ContainsSubstring("2000 succeeded, 0 failed, 0 errored"));
    CHECK_THAT(r.out, ContainsSubstring("status codes: 2000 2xx"));
  }
}

TEST_CASE("serve's inspection endpoints answer as httpbin's do: /headers, /basic-auth, /cookies",
          "[serve]") {
  Server s;
  auto headers = sh("curl -s -H 'X-A: 1' -H 'X-A: 2' " + s.base + "/headers");
  CHECK_THAT(headers.out, ContainsSubstring("\"X-A\": \"1, 2\""));
  CHECK(status_of("-u al:pw " + s.base + "/basic-auth/al/pw") == "200");
  CHECK(status_of("-u al:xx " + s.base + "/basic-auth/al/pw") == "401");
  auto challenge = sh("curl -s -D - -o /dev/null " + s.base + "/basic-auth/al/pw");
  CHECK_THAT(challenge.out, ContainsSubstring("WWW-Authenticate: Basic realm=\"sluice\""));
  CHECK(status_of(s.base + "/basic-auth/onlyone") == "400");
  // A cookie jar round trip through curl: set two, follow to /cookies, delete one.
  std::string jar = tmpdir() + "/jar.txt";
  auto set = sh("curl -s -L -c " + jar + " '" + s.base + "/cookies/set?a=1&b=2'");
  CHECK_THAT(set.out, ContainsSubstring("\"a\": \"1\""));
  CHECK_THAT(set.out, ContainsSubstring("\"b\": \"2\""));
  auto del = sh("curl -s -L -b " + jar + " -c " + jar + " '" + s.base + "/cookies/delete?a'");
  CHECK_THAT(del.out, !ContainsSubstring("\"a\""));
  CHECK_THAT(del.out, ContainsSubstring("\"b\": \"2\""));
  CHECK(status_of("'" + s.base + "/cookies/set?a;b=1'") == "400");  // not a token
  // /redirect-to stays on this server: never a Location to another host.
  CHECK(status_of("'" + s.base + "/redirect-to?url=/headers&status_code=307'") == "307");
  CHECK(status_of("'" + s.base + "/redirect-to?url=//evil.example/'") == "400");
  CHECK(status_of("'" + s.base + "/redirect-to?url=http://evil.example/'") == "400");
  CHECK(status_of("'" + s.base + "/redirect-to?url=/x%0d%0aSet-Cookie:a=1'") == "400");
  // /gzip, /deflate, /brotli, /zstd: the headers as JSON, coded so, for
  // curl --compressed and sluice get --compressed alike.
  for (auto [path, key] : {std::pair{"gzip", "gzipped"}, std::pair{"deflate", "deflated"},
                           std::pair{"brotli", "brotli"}, std::pair{"zstd", "zstd"}}) {
    INFO(path);
    std::string url = s.base + "/" + path;
    auto coded = sh("curl -s -D - -o /dev/null " + url);
    CHECK_THAT(coded.out, ContainsSubstring(std::string("Content-Encoding: ") +
                                            (std::string(path) == "brotli" ? "br" : path)));
    for (const std::string& tool : {std::string("curl"), std::string(sluice_bin()) + " get"}) {
      auto body = sh(tool + " -s --compressed -H 'X-B: 7' " + url +
                     " | " SLUICE_PYTHON3
                     " -c 'import json,sys; d=json.load(sys.stdin); "
                     "print(d[\"" +
                     key + "\"], d[\"headers\"][\"X-B\"], d[\"method\"])'");
      CHECK(body.out == "True 7 GET\n");
    }
  }
}
