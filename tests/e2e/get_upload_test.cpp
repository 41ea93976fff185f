// e2e: `sluice get -T/--upload-file`, judged by what the server received
// (serve's /upload answers the byte count and CRC-32 of the body it took,
// /echo sends it back), by exit codes and by -w, side by side with curl;
// over h1, h2 and h3.
#include <algorithm>
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <fstream>

#include "get_helpers.hpp"
#include "h3_server.hpp"

using namespace e2e;
using Catch::Matchers::ContainsSubstring;

namespace {

// What /upload answers for the bytes of path: {"bytes":N,"crc32":"..."}.
std::string upload_answer(const std::string& path) {
  auto r =
      sh(SLUICE_PYTHON3
         " -c 'import sys, zlib; d = open(sys.argv[1], \"rb\").read(); "
         "print(\"{\\\"bytes\\\":%d,\\\"crc32\\\":\\\"%08x\\\"}\" % (len(d), zlib.crc32(d)))' " +
         path);
  REQUIRE(r.exit_code == 0);
  return r.out;
}

}  // namespace

TEST_CASE("get -T sends a file as PUT over h1 and h2, every byte as the server took it",
          "[get][upload]") {
  Server s;
  Server tls("", true);
  std::string f = random_file("up.bin", 3'000'000);
  std::string want = upload_answer(f);
  for (const auto& [flags, url] : {std::pair{std::string("-s"), s.base},
                                   std::pair{std::string("-s --http2-prior-knowledge"), s.base},
                                   std::pair{std::string("-sk"), tls.base},
                                   std::pair{std::string("-sk --http1.1"), tls.base}}) {
    INFO(flags << " " << url);
    auto r = sh(get(flags + " -T " + f + " -w '%{method} %{http_version} %{size_upload}' " + url +
                    "/upload"));
    CHECK(r.exit_code == 0);
    CHECK(r.out.starts_with(want));
    CHECK_THAT(r.out, ContainsSubstring("PUT "));
    CHECK(r.out.ends_with(" 3000000"));
    // Byte for byte, through /echo and -o.
    std::string out = tmpdir() + "/echoed.bin";
    CHECK(sh(get(flags + " -T " + f + " -o " + out + " " + url + "/echo")).exit_code == 0);
    CHECK(sha_of("cat " + out) == sha_of("cat " + f));
  }
  // The h2 request carries the file's length, as the h1 one does.
  auto v = sh(get("-sv --http2-prior-knowledge -T " + f + " -o /dev/null " + s.base + "/upload"));
  CHECK_THAT(v.err, ContainsSubstring("content-length: 3000000"));
  // curl's request reaches the same answer, and -X still chooses the method.
  CHECK(sh("curl -s -T " + f + " " + s.base + "/upload").out == want);
  CHECK(sh(get("-s -X POST -T " + f + " -o /dev/null -w '%{method}' " + s.base + "/upload")).out ==
        "POST");
}

TEST_CASE("get -T - reads stdin: chunked on HTTP/1.1, DATA frames without a length on h2",
          "[get][upload]") {
  Server s;
  std::string f = random_file("stdin.bin", 1'000'000);
  std::string want = upload_answer(f);
  auto h1 = sh("cat " + f + " | " + get("-sv -T - " + s.base + "/upload"));
  CHECK(h1.exit_code == 0);
  CHECK(h1.out == want);
  CHECK_THAT(h1.err, ContainsSubstring("Transfer-Encoding: chunked"));
  CHECK_THAT(h1.err, !ContainsSubstring("> Content-Length"));
  auto h2 = sh("cat " + f + " | " + get("-sv --http2-prior-knowledge -T . " + s.base + "/upload"));
  CHECK(h2.exit_code == 0);
  CHECK(h2.out == want);
  CHECK_THAT(h2.err, !ContainsSubstring("> content-length"));
  // A slow producer: the upload waits for it without spinning or giving up.
  auto slow = sh("(printf abc; sleep 0.3; printf def) | " + get("-s -T - " + s.base + "/echo"));
  CHECK(slow.out == "abcdef");
  // An empty stdin is an empty body.
  CHECK(sh(get("-s -T - " + s.base + "/upload") + " < /dev/null").out ==
        "{\"bytes\":0,\"crc32\":\"00000000\"}\n");
}

// HTTP/1.0 has no chunked coding: curl (7.88 and 8.14) refuses stdin with
// 25 after connecting, unless the user asks for chunked; a file has a length.
TEST_CASE("get -0 -T -: a body of unknown length over HTTP/1.0 is curl's 25", "[get][upload]") {
  Server s;
  std::string f = random_file("ten.bin", 10'000);
  for (const std::string& client : {get(""), std::string("curl ")}) {
    INFO(client);
    auto refused = sh("cat " + f + " | " + client + " -s --http1.0 -T - " + s.base + "/upload");
    CHECK(refused.exit_code == 25);
    CHECK(refused.out.empty());
    auto chunked = sh("cat " + f + " | " + client +
                      " -s --http1.0 -H 'Transfer-Encoding: chunked' -T - " + s.base + "/upload");
    CHECK(chunked.exit_code == 0);
    CHECK(chunked.out == upload_answer(f));
    auto file = sh(client + " -s --http1.0 -T " + f + " " + s.base + "/upload");
    CHECK(file.exit_code == 0);
    CHECK(file.out == upload_answer(f));
    // The connection comes first: a closed port is still 7.
    CHECK(sh("cat " + f + " | " + client + " -s --http1.0 -T - http://127.0.0.1:1/x").exit_code ==
          7);
  }
  auto said = sh("cat " + f + " | " + get("-sS --http1.0 -T - " + s.base + "/upload"));
  CHECK(said.err.find('\n') == said.err.size() - 1);  // one line (-s: no meter, as curl's)
}

TEST_CASE("get -T to a URL ending in '/' appends the file's base name, as curl does",
          "[get][upload]") {
  Server s;
  std::string f = tmpdir() + "/a b%.txt";
  { std::ofstream(f) << "hello\n"; }
  for (const std::string& url : {s.base + "/dir/", s.base, s.base + "/dir/x"}) {
    std::string args = "-s -T '" + f + "' -o /dev/null -w '%{url_effective} %{http_code}' " + url;
    auto mine = sh(get(args));
    CHECK(mine.out == sh("curl " + args).out);
  }
  CHECK(sh(get("-s -T '" + f + "' -o /dev/null -w '%{url_effective}' " + s.base + "/dir/")).out ==
        s.base + "/dir/a%20b%25.txt");
  // stdin has no name: the URL stays as given.
  CHECK(sh("echo x | " + get("-s -T - -o /dev/null -w '%{url_effective}' " + s.base + "/d/")).out ==
        s.base + "/d/");
}

TEST_CASE("get -T -L: redirects keep PUT and send the file again, 303 turns it into a GET",
          "[get][upload]") {
  Server s;
  std::string f = random_file("redir.bin", 100'000);
  std::string sha = sha_of("cat " + f);
  for (int code : {301, 302, 303, 307, 308}) {
    INFO(code);
    std::string url =
        "'" + s.base + "/redirect-to?url=/echo&status_code=" + std::to_string(code) + "'";
    std::string w = " -w '%{http_code} %{method} %{size_upload} %{num_redirects}' ";
    std::string out = tmpdir() + "/redir.out";
    auto mine = sh(get("-sL -T " + f + " -o " + out + w + url));
    CHECK(mine.exit_code == 0);
    CHECK(mine.out == sh("curl -sL -T " + f + " -o /dev/null" + w + url).out);
    CHECK(sha_of("cat " + out) == (code == 303 ? sha_of("true") : sha));
    // stdin cannot be read twice: curl's 65, unless the redirect drops the body.
    auto piped = sh("cat " + f + " | " + get("-sL -T - -o /dev/null " + url));
    CHECK(piped.exit_code == (code == 303 ? 0 : 65));
  }
}

TEST_CASE("get -T: %{size_upload} and %{speed_upload} count the body sent", "[get][upload]") {
  Server s;
  std::string f = random_file("count.bin", 2'500'000);
  std::string w = " -o /dev/null -w '%{size_upload} %{speed_upload} %{size_download}' ";
  auto r = sh(get("-s -T " + f + w + s.base + "/upload"));
  CHECK(r.out.starts_with("2500000 "));
  CHECK(std::stod(r.out.substr(8)) > 0);
  auto piped = sh("cat " + f + " | " + get("-s -T -" + w + s.base + "/upload"));
  CHECK(piped.out.starts_with("2500000 "));
  // JSON too; a GET sends nothing.
  CHECK_THAT(sh(get("-s -T " + f + " -o /dev/null -w '%{json}' " + s.base + "/upload")).out,
             ContainsSubstring("\"size_upload\":2500000"));
  CHECK(sh(get("-s -o /dev/null -w '%{size_upload}' " + s.base + "/bytes/10")).out == "0");
}

TEST_CASE("get -T: an unreadable file is exit 26 in one line, and nothing is sent",
          "[get][upload]") {
  Server s;
  std::string missing = "/nonexistent/file";
  CHECK(sh("curl -sS -T " + missing + " " + s.base + "/upload").exit_code == 26);
  // A directory too (curl sends what it can read of it, nothing).
  for (const std::string& path : {missing, tmpdir()}) {
    auto r = sh(get("-sS -T " + path + " " + s.base + "/upload"));
    CHECK(r.exit_code == 26);
    CHECK_THAT(r.err, ContainsSubstring("(26)"));
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
  CHECK(s.stat("requests") == 1);  // the /stats request itself
  // One body per request.
  std::string f = random_file("one.bin", 10);
  CHECK(sh(get("-s -T " + f + " -d x " + s.base + "/upload")).exit_code == 2);
  CHECK(sh(get("-s -T " + f + " -I " + s.base + "/upload")).exit_code == 2);
}

TEST_CASE("get -T: a server that closes mid-upload is curl's 52, 55 or 56, never a hang",
          "[get][upload]") {
  BadServer bad("half-upload");
  std::string f = random_file("big.bin", 20'000'000);
  for (const std::string& src : {"-T " + f, std::string("-T -")}) {
    INFO(src);
    auto r = sh("cat " + f + " | " + get("-s -m 20 " + src + " " + bad.url), 30);
    CHECK((r.exit_code == 52 || r.exit_code == 55 || r.exit_code == 56));
  }
}

TEST_CASE("get: HTTP/1.1 bodies over 1 MiB or of unknown length wait for 100 Continue, as curl 8",
          "[get][upload][expect]") {
  Server s;
  std::string big = random_file("expect2m.bin", 2'000'000);
  std::string small = random_file("expect10.bin", 10);
  auto v = sh(get("-v -T " + big + " " + s.base + "/upload"));
  CHECK(v.exit_code == 0);
  CHECK(v.out == upload_answer(big));
  CHECK_THAT(v.err, ContainsSubstring("> Expect: 100-continue"));
  CHECK_THAT(v.err, ContainsSubstring("< HTTP/1.1 100 Continue"));
  auto piped = sh("cat " + big + " | " + get("-v -T - " + s.base + "/upload"));
  CHECK_THAT(piped.err, ContainsSubstring("> Expect: 100-continue"));  // chunked: length unknown
  CHECK(piped.out == upload_answer(big));
  auto posted = sh(get("-v --data-binary @" + big + " " + s.base + "/upload"));
  CHECK_THAT(posted.err, ContainsSubstring("> Expect: 100-continue"));
  // Not for a small body, not when -H names Expect, not over HTTP/2 or HTTP/1.0.
  for (const std::string& args : {"-T " + small, "-H 'Expect:' -T " + big,
                                  "--http2-prior-knowledge -T " + big, "--http1.0 -T " + big}) {
    INFO(args);
    auto r = sh(get("-v " + args + " " + s.base + "/upload"));
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.err, !ContainsSubstring("Expect"));
  }
}

TEST_CASE("get: Expect: 100-continue with a server that never sends 100, refuses, or says 417",
          "[get][upload][expect]") {
  std::string big = random_file("expect2m.bin", 2'000'000);
  // No 100: the body goes after a second's wait.
  BadServer silent("expect-silent");
  auto late = sh(get("-s -T " + big + " -w '%{time_total}' " + silent.url));
  CHECK(late.out.starts_with("got 2000000 expect=1\n"));
  CHECK(std::stod(late.out.substr(late.out.find('\n') + 1)) >= 0.9);
  CHECK(sh("curl -s -T " + big + " " + silent.url).out == "got 2000000 expect=1\n");
  // --expect100-timeout sets the wait, for both.
  for (const std::string& client : {get(""), std::string("curl ")}) {
    INFO(client);
    auto longer = sh(client + "-s --expect100-timeout 2.5 -T " + big + " -w '%{time_total}' " +
                     BadServer("expect-silent").url);
    CHECK(longer.out.starts_with("got 2000000 expect=1\n"));
    CHECK(std::stod(longer.out.substr(longer.out.find('\n') + 1)) >= 2.4);
  }
  // A final answer instead of a 100: the body is never sent.
  BadServer reject("expect-reject");
  std::string w = " -w '%{http_code} %{size_upload}' ";
  auto refused = sh(get("-s -T " + big + w + reject.url));
  auto curl_refused = sh("curl -s -T " + big + w + reject.url);
  CHECK(refused.exit_code == 0);
  CHECK(refused.out == "big\n413 0");
  CHECK(refused.out == curl_refused.out);
  // 417: the same request again, without Expect.
  BadServer failed("expect-417");
  auto again = sh(get("-s -T " + big + " " + failed.url));
  CHECK(again.exit_code == 0);
  CHECK(again.out == "got 2000000 expect=0\n");
  CHECK(again.out == sh("curl -s -T " + big + " " + failed.url).out);
}

TEST_CASE("get --limit-rate paces what is sent too: -T and -d, over h1, h2 and h3",
          "[get][upload][rate]") {
  // 200 kB at 200 kB/s cannot take much under a second, whatever the
  // machine; every byte still arrives.
  Server s;
  H3Server h3;
  std::string f = random_file("paced.bin", 200'000);
  std::string w = " -w ' %{size_upload} %{time_total}' --limit-rate 200k ";
  struct Case {
    std::string args, url;
  };
  for (const auto& [args, url] :
       {Case{"-T " + f, s.base}, Case{"--http2-prior-knowledge -T " + f, s.base},
        Case{"--data-binary @" + f, s.base}, Case{"-k --http3-only -T " + f, h3.url("")}}) {
    INFO(args);
    auto r = sh(get("-s " + args + w + url + "/upload"));
    CHECK(r.exit_code == 0);
    std::string answer = upload_answer(f);
    REQUIRE(r.out.starts_with(answer + " 200000 "));
    CHECK(std::stod(r.out.substr(answer.size() + 8)) >= 0.8);
  }
}

TEST_CASE("get --http3-only -T streams a file and stdin to the server, byte for byte",
          "[get][upload][h3]") {
  H3Server s;
  std::string f = random_file("h3up.bin", 3'000'000);
  CHECK(sha_of(get("-s --http3-only -k -T " + f + " " + s.url("/echo"))) == sha_of("cat " + f));
  CHECK(sha_of("cat " + f + " | " + get("-s --http3-only -k -T - " + s.url("/echo"))) ==
        sha_of("cat " + f));
  // What the server took, and what -w counts; --http3 uploads over QUIC too.
  for (const std::string flag : {"--http3-only", "--http3"}) {
    INFO(flag);
    auto r = sh(get("-s -k " + flag + " -T " + f + " -w ' %{http_version} %{size_upload}' " +
                    s.url("/upload")));
    CHECK(r.exit_code == 0);
    CHECK(r.out == upload_answer(f) + " 3 3000000");
  }
  // PUT unless -X says otherwise, as over TCP.
  auto put =
      sh(get("-s -k --http3-only -T " + f + " -o /dev/null -w '%{method}' " + s.url("/upload")));
  CHECK(put.out == "PUT");
}

TEST_CASE("get --http3-only -T: peak RSS stays bounded while uploading 200 MB to a slow server",
          "[get][upload][h3][backpressure]") {
  // The h3 /echo credits the request stream only as its response drains,
  // and the response goes through pv at 40 MB/s: the upload waits on QUIC's
  // flow control, and -T's bytes in flight stay within their budget.
  H3Server s;
  std::string small = random_file("h3small.bin", 20'000'000);
  std::string big = random_file("h3big.bin", 200'000'000);
  auto peak_kb = [&](const std::string& file) {
    std::string rss = tmpdir() + "/rss_h3up";
    auto p = sh("set -o pipefail; cat " + file + " | /usr/bin/time -f '%M' " +
                    get("-s -k --http3-only -T - " + s.url("/echo")) + " 2>" + rss +
                    " | pv -qL 40m | sha256sum | cut -c1-64",
                180);
    REQUIRE(p.exit_code == 0);
    CHECK(p.out.substr(0, 64) == sha_of("cat " + file));
    return std::stol(sh("tail -1 " + rss).out);
  };
  long small_kb = peak_kb(small), big_kb = peak_kb(big);
  INFO("20 MB peak " << small_kb << " KiB, 200 MB peak " << big_kb << " KiB");
  CHECK(big_kb < 40 * 1024);
  CHECK(big_kb - small_kb < 4 * 1024);
}

TEST_CASE("get -T: peak RSS stays bounded while uploading 200 MB to a slow server",
          "[get][upload][backpressure]") {
  // /echo takes the body only as fast as its echo drains, and the echo goes
  // through pv at 40 MB/s: a server that reads slowly, over h1 and over h2.
  Server s;
  std::string small = random_file("small.bin", 20'000'000);
  std::string big = random_file("big200.bin", 200'000'000);
  auto peak_kb = [&](const std::string& flags, const std::string& file) {
    std::string rss = tmpdir() + "/rss_up";
    auto p = sh("set -o pipefail; /usr/bin/time -f '%M' " +
                    get(flags + " -T " + file + " " + s.base + "/echo") + " 2>" + rss +
                    " | pv -qL 40m | sha256sum | cut -c1-64",
                180);
    REQUIRE(p.exit_code == 0);
    CHECK(p.out.substr(0, 64) == sha_of("cat " + file));
    return std::stol(sh("tail -1 " + rss).out);
  };
  for (const std::string flags : {"-s", "-s --http2-prior-knowledge"}) {
    long small_kb = peak_kb(flags, small), big_kb = peak_kb(flags, big);
    INFO(flags << ": 20 MB peak " << small_kb << " KiB, 200 MB peak " << big_kb << " KiB");
    CHECK(big_kb < 40 * 1024);
    CHECK(big_kb - small_kb < 4 * 1024);
  }
}
