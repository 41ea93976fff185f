// e2e: `sluice get` against `sluice serve`, python3's http.server and a
// misbehaving server, cross-checked with curl. Loopback only; every process
// is stopped by PID when the test ends.
#include <signal.h>
#include <unistd.h>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "get_helpers.hpp"

using namespace e2e;
using Catch::Matchers::ContainsSubstring;

namespace {

int count_lines(const std::string& text, const std::string& needle) {
  int n = 0;
  for (std::size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("get fetches bodies byte-exact over plain and TLS, as curl does", "[get]") {
  Server plain;
  Server tls("", true);
  std::string want = sha_of("curl -s " + plain.base + "/bytes/3000000");
  CHECK(sha_of(get("-s " + plain.base + "/bytes/3000000")) == want);
  CHECK(sha_of(get("-sk " + tls.base + "/bytes/3000000")) == want);
  CHECK(sha_of(get("-s '" + plain.base + "/bytes/3000000?chunked=1'")) == want);
  CHECK(sha_of(get("-sk '" + tls.base + "/bytes/3000000?chunked=1'")) == want);
}

TEST_CASE("plain bodies spliced to a pipe, a file, /dev/null and a slow reader stay exact",
          "[get][splice]") {
  Server s;
  std::string url = s.base + "/bytes/4000000";
  std::string want = sha_of("curl -s " + url);
  std::string file = tmpdir() + "/spliced.bin";
  CHECK(sha_of(get("-s " + url + " | cat")) == want);
  REQUIRE(sh(get("-s -o " + file + " " + url)).exit_code == 0);
  CHECK(sha_of("cat " + file) == want);
  CHECK(sh(get("-s -o /dev/null -w '%{size_download}' " + url)).out == "4000000");
  // A small high-water mark and a slow reader: the pipe in between fills and
  // the socket waits, many times over.
  CHECK(sha_of(get("-s --max-buffer 64K " + url + " | pv -qL 8m")) == want);
  // -i puts the head first; the spliced body follows it, in order.
  auto head_then_body = sh(get("-si " + url + " | head -c 17")).out;
  CHECK(head_then_body == "HTTP/1.1 200 OK\r\n");
  CHECK(sha_of(get("-si " + url + " | tail -c 4000000")) == want);
  // Appending to an existing file: splice cannot, writes do, nothing is lost.
  REQUIRE(sh("echo -n start > " + file + " && " + get("-s " + url + " >> " + file)).exit_code == 0);
  CHECK(sha_of("tail -c +6 " + file) == want);
  // Several bodies on one connection: each one's Content-Length ends it exactly.
  CHECK(sha_of(get("-s " + url + " " + s.base + "/bytes/10 " + url)) ==
        sha_of("curl -s " + url + " " + s.base + "/bytes/10 " + url));
}

TEST_CASE("get against python3's http.server (a server that is not ours)", "[get][peer]") {
  std::string dir = tmpdir() + "/www";
  REQUIRE(
      sh("mkdir -p " + dir + " && head -c 2000000 /dev/urandom > " + dir + "/f.bin").exit_code ==
      0);
  int port = free_port();
  Process py(SLUICE_PYTHON3 " -m http.server " + std::to_string(port) +
             " --bind 127.0.0.1 --directory " + dir);
  REQUIRE(wait_port(port));
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/f.bin";
  CHECK(sha_of(get("-s " + url)) == sha_of("cat " + dir + "/f.bin"));
  auto r = sh(get("-s -o /dev/null -w '%{http_code} %{size_download} %{http_version}' " + url));
  CHECK(r.out == "200 2000000 1");  // HTTP/1.0: curl says "1"
  auto nf = sh(get("-sf http://127.0.0.1:" + std::to_string(port) + "/missing"));
  CHECK(nf.exit_code == 22);
}

TEST_CASE("several URLs share one kept-alive connection; redirects reuse it", "[get][pool]") {
  Server s;
  auto r = sh(get("-s -o /dev/null -o /dev/null -o /dev/null -w '%{num_connects},' " + s.base +
                  "/bytes/10 " + s.base + "/bytes/20 " + s.base + "/status/404"));
  CHECK(r.exit_code == 0);
  CHECK(r.out == "1,0,0,");
  auto chain = sh(
      get("-sL -o /dev/null -w '%{http_code} %{num_redirects} %{num_connects} %{url_effective}' " +
          s.base + "/redirect/5"));
  CHECK(chain.exit_code == 0);
  CHECK(chain.out == "200 5 1 " + s.base + "/redirect/0");
  auto many = sh(get("-sL --max-redirs 2 " + s.base + "/redirect/5"));
  CHECK(many.exit_code == 47);
}

TEST_CASE("get -w prints %{scheme}, %{method} and %{redirect_url} as curl does",
          "[get][write_out]") {
  Server s;
  const std::string w = "-o /dev/null -w '%{scheme} %{method} [%{redirect_url}] %{http_code}' ";
  // Not followed: where the redirect points, absolute.
  CHECK(sh(get("-s " + w + s.base + "/redirect/2")).out ==
        "http GET [" + s.base + "/redirect/1] 302");
  CHECK(sh(get("-s -d x " + w + s.base + "/redirect/1")).out ==
        "http POST [" + s.base + "/redirect/0] 302");
  // Followed: a 302 turns the POST into a GET, and there is nothing left to follow.
  CHECK(sh(get("-sL -d x " + w + s.base + "/redirect/1")).out == "http GET [] 200");
  // Nothing connected: no scheme yet, the method still known.
  CHECK(sh(get("-s " + w + "http://127.0.0.1:1/")).out == " GET [] 000");
  auto json = sh(get("-s -o /dev/null -w '%{json}' " + s.base + "/bytes/1")).out;
  CHECK(json.find("\"scheme\":\"http\"") != std::string::npos);
  CHECK(json.find("\"redirect_url\":null") != std::string::npos);
}

TEST_CASE("a pooled connection the server closed is retried once, fresh", "[get][pool]") {
  BadServer bs("stale");
  auto r = sh(get("-s -w '%{http_code}/%{num_connects} ' " + bs.url + "a " + bs.url + "b"));
  CHECK(r.exit_code == 0);
  CHECK(r.out == "hello\n200/1 hello\n200/1 ");
  CHECK(count_lines(bs.proc.log(), "request on connection") == 2);
  // Each hop of -L may meet such a connection, and each gets its retry.
  BadServer hops("stale-redirect");
  auto follow = sh(get("-sL -w ' %{num_redirects}' " + hops.url + "hop/3"));
  CHECK(follow.exit_code == 0);
  CHECK(follow.out == "done 3");
  // POST is not idempotent: no silent retry, the failure is reported.
  auto post = sh(get("-s -X POST -w '%{http_code} ' " + bs.url + "a " + bs.url + "b"));
  CHECK(post.exit_code == 52);
}

TEST_CASE("every failure maps to curl's exit code", "[get][exit]") {
  Server s;
  Server tls("", true);
  auto code = [](const std::string& args) { return sh(get("-s " + args), 30).exit_code; };
  CHECK(code("ftp://127.0.0.1/") == 1);
  CHECK(code("'http://[::1/'") == 3);
  CHECK(code("http://127.0.0.1:99999/") == 3);
  CHECK(code("http://no-such-host.invalid/") == 6);
  CHECK(code("http://127.0.0.1:" + std::to_string(free_port()) + "/") == 7);
  CHECK(code("-f " + s.base + "/status/404") == 22);
  CHECK(code("-f " + s.base + "/status/500") == 22);
  CHECK(code(s.base + "/status/500") == 0);
  CHECK(code("-o /nonexistent-dir/x " + s.base + "/bytes/10") == 23);
  CHECK(code("-m 0.5 " + s.base + "/delay/5000") == 28);
  CHECK(code("https://127.0.0.1:" + std::to_string(s.port) + "/") == 35);
  CHECK(code(tls.base + "/") == 60);
  CHECK(code("-k " + tls.base + "/") == 0);
  CHECK(code("--max-filesize 1000 " + s.base + "/bytes/5000") == 63);
  CHECK(code("--max-filesize 1000 '" + s.base + "/bytes/5000?chunked=1'") == 63);
  CHECK(code("--bogus-flag " + s.base) == 2);
  // Without a length to refuse at the head, the body up to the limit is written, as curl 8.4
  // and later do (7.88 did not check such a body at all).
  std::vector<std::string> clients = {get("")};
  if (curl_at_least(8, 4)) clients.push_back("curl ");
  for (const std::string& client : clients) {
    INFO(client);
    auto part = sh(client + "-s --max-filesize 1200 '" + s.base + "/bytes/5000?chunked=1'");
    CHECK(part.exit_code == 63);
    CHECK(part.out == sh(get("-s " + s.base + "/bytes/1200")).out);
  }
}

TEST_CASE("lying and broken servers: right code, received bytes kept", "[get][exit]") {
  SECTION("short body") {
    BadServer bs("lying-cl");
    auto r = sh(get("-sS " + bs.url));
    CHECK(r.exit_code == 18);
    CHECK(r.out.size() == 500);
    CHECK_THAT(r.err, ContainsSubstring("500 bytes remaining"));
  }
  SECTION("empty reply") {
    CHECK(sh(get("-s " + BadServer("empty").url)).exit_code == 52);
  }
  SECTION("not HTTP: curl's exit 1, HTTP/0.9 or a status line it cannot read") {
    CHECK(sh(get("-s " + BadServer("garbage").url)).exit_code == 1);
    auto r = sh(get("-sS -w '%{http_code}' " + BadServer("no-status").url));
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, ContainsSubstring("Unsupported HTTP/1 subversion"));
  }
  SECTION("a status of three digits under 100 is curl's exit 1, over h1 and h2") {
    BadServer h1("status-051");
    auto mine = sh(get("-sS -o /dev/null -w '%{http_code}' " + h1.url));
    auto curl = sh("curl -s -o /dev/null -w '%{http_code}' " + h1.url);
    CHECK(mine.exit_code == 1);
    CHECK(mine.exit_code == curl.exit_code);
    CHECK(mine.out == "051");
    CHECK(mine.out == curl.out);
    CHECK_THAT(mine.err, ContainsSubstring("Unsupported response code"));
    int port = free_port();
    Process fake(SLUICE_PYTHON3 " " SLUICE_SOURCE_DIR
                                "/tests/e2e/peers/h2_fake_server.py status-051 " +
                 std::to_string(port));
    REQUIRE(wait_port(port));
    std::string h2 = "--http2-prior-knowledge -o /dev/null -w '%{http_code}' http://127.0.0.1:" +
                     std::to_string(port) + "/";
    auto mine2 = sh(get("-s " + h2)), curl2 = sh("curl -s " + h2);
    CHECK(mine2.exit_code == 1);
    CHECK(mine2.exit_code == curl2.exit_code);
    CHECK(mine2.out == curl2.out);
  }
  SECTION("a head with bare LF line ends is read, as curl reads it") {
    auto r = sh(get("-sS -w '|%{http_code}' " + BadServer("bare-lf").url));
    CHECK(r.exit_code == 0);
    CHECK(r.out == "ok|200");
  }
  SECTION("a head that never ends: 56 at curl's 300 KiB") {
    auto r = sh(get("-sS " + BadServer("endless-head").url), 20);
    CHECK(r.exit_code == 56);
    CHECK_THAT(r.err, ContainsSubstring("Too large response headers"));
  }
  SECTION("reset mid-body") {
    BadServer bs("reset");
    auto r = sh(get("-s " + bs.url));
    CHECK(r.exit_code == 56);
    CHECK(r.out.size() == 1000);
  }
  SECTION("stalled body with -m") {
    BadServer bs("stall-body");
    auto r = sh(get("-s -m 1 " + bs.url));
    CHECK(r.exit_code == 28);
    CHECK(r.out.size() == 100);
  }
  SECTION("a fast body that stalls short of the SO_RCVLOWAT mark is all delivered") {
    // The bursts raise the socket's low-water mark; the last 64 KiB + 123
    // bytes sit below it until the stall watchdog lowers it, seconds before -m.
    BadServer bs("burst-stall");
    auto r = sh(get("-s -m 3 " + bs.url));
    CHECK(r.exit_code == 28);
    CHECK(r.out.size() == 10 * 65536 + 123);
  }
}

TEST_CASE("a consumer that closes the pipe ends the fetch with 23, at once",
          "[get][backpressure]") {
  Server s;
  auto t0 = std::chrono::steady_clock::now();
  auto r = sh(get("-s " + s.base + "/bytes/1000000000") +
              " | head -c 1000 > /dev/null; echo ${PIPESTATUS[0]}");
  CHECK(r.out == "23\n");
  CHECK(std::chrono::steady_clock::now() - t0 <
        std::chrono::seconds(20));  // generous: no 1 GB read
}

TEST_CASE("slow consumer: peak RSS does not grow with the body size", "[get][backpressure]") {
  Server s;
  Server tls("", true);
  auto peak_kb = [](const std::string& url, const std::string& flags) {
    auto p = sh("set -o pipefail; /usr/bin/time -f '%M' " + get(flags + " " + url) + " 2>" +
                    tmpdir() + "/rss | pv -qL 400m | sha256sum | cut -c1-64",
                120);
    REQUIRE(p.exit_code == 0);
    auto kb = sh("tail -1 " + tmpdir() + "/rss").out;
    return std::make_pair(std::stol(kb), p.out.substr(0, 64));
  };
  for (auto& [base, flags] :
       {std::pair{s.base, std::string("-s")}, std::pair{tls.base, std::string("-sk")}}) {
    auto [small_kb, small_sha] = peak_kb(base + "/bytes/104857600", flags);
    auto [big_kb, big_sha] = peak_kb(base + "/bytes/1073741824", flags);
    INFO(base << ": 100 MiB peak " << small_kb << " KiB, 1 GiB peak " << big_kb << " KiB");
    CHECK(big_kb < 40 * 1024);
    CHECK(big_kb - small_kb < 4 * 1024);
    CHECK(small_sha == sha_of("curl -sk " + base + "/bytes/104857600"));
  }
}

TEST_CASE("request options reach the server: -X, -H, -d, -A, -I, -i", "[get]") {
  Server s;
  std::string f = tmpdir() + "/post.txt";
  { std::ofstream(f) << "line1\nline2\n"; }
  CHECK(sh(get("-s -d hello " + s.base + "/echo")).out == "hello");
  CHECK(sh(get("-s -d a -d b " + s.base + "/echo")).out == "a&b");
  CHECK(sh(get("-s -d @" + f + " " + s.base + "/echo")).out == "line1line2");
  CHECK(sh(get("-s --data-binary @" + f + " " + s.base + "/echo")).out == "line1\nline2\n");
  CHECK(sh("printf piped | " + get("-s --data-binary @- " + s.base + "/echo")).out == "piped");
  auto head = sh(get("-sI " + s.base + "/bytes/1234"));
  CHECK_THAT(head.out, ContainsSubstring("HTTP/1.1 200"));
  CHECK_THAT(head.out, ContainsSubstring("Content-Length: 1234"));
  auto inc = sh(get("-si " + s.base + "/bytes/5"));
  CHECK_THAT(inc.out, ContainsSubstring("HTTP/1.1 200"));
  CHECK(inc.out.size() > 5);
  auto v = sh(get("-sv -A agent/1 -H 'X-Test: yes' -X PUT -d x " + s.base + "/echo"));
  CHECK_THAT(v.err, ContainsSubstring("> PUT /echo HTTP/1.1"));
  CHECK_THAT(v.err, ContainsSubstring("> User-Agent: agent/1"));
  CHECK_THAT(v.err, ContainsSubstring("> X-Test: yes"));
  CHECK_THAT(v.err, ContainsSubstring("< HTTP/1.1 200"));
}

TEST_CASE("get honours --resolve, -4/-6 and IPv6 literals", "[get]") {
  int port = free_port();
  Process v6(std::string(sluice_bin()) + " serve -q --listen [::1]:" + std::to_string(port));
  REQUIRE(wait_port(port, 10000, true));
  std::string p = std::to_string(port);
  CHECK(sh(get("-s -o /dev/null -w '%{remote_ip}' http://[::1]:" + p + "/bytes/1")).out == "::1");
  CHECK(sh(get("-s -6 -o /dev/null -w '%{http_code}' http://localhost:" + p + "/bytes/1")).out ==
        "200");
  CHECK(sh(get("-s --resolve example.test:" + p +
               ":::1 -o /dev/null -w '%{http_code}' http://example.test:" + p + "/bytes/1"))
            .out == "200");
  // A literal of the other family cannot be connected to: 7, as in curl (not 6).
  CHECK(sh(get("-s -4 http://[::1]:" + p + "/bytes/1")).exit_code == 7);
  CHECK(sh(get("-s -6 http://127.0.0.1:" + p + "/bytes/1")).exit_code == 7);
}

TEST_CASE("get -w renders curl's variables and %{json}", "[get][writeout]") {
  Server s;
  auto r =
      sh(get("-s -o /dev/null -w "
             "'%{http_code}|%{size_download}|%{num_connects}|%{http_version}|%{remote_port}|%{"
             "exitcode}' " +
             s.base + "/bytes/777"));
  CHECK(r.out == "200|777|1|1.1|" + std::to_string(s.port) + "|0");
  auto j = sh(get("-s -o /dev/null -w '%{json}' " + s.base + "/bytes/1") +
              " | " SLUICE_PYTHON3
              " -c 'import json,sys; d=json.load(sys.stdin); print(d[\"http_code\"], "
              "d[\"size_download\"])'");
  CHECK(j.out == "200 1\n");
  auto e = sh(get("-s -w '%{exitcode} %{errormsg}' http://127.0.0.1:1/"));
  CHECK(e.exit_code == 7);
  CHECK_THAT(e.out, ContainsSubstring("7 Failed to connect to 127.0.0.1 port 1"));
}

TEST_CASE("get %{json} has every key curl's has, %{header_json} and %{url.*} as curl prints them",
          "[get][writeout][curl]") {
  Server s;
  std::string url = "'http://u:p@127.0.0.1:" + std::to_string(s.port) + "/bytes/3?x=1#frag'";
  auto keys = [](const std::string& tool, const std::string& u) {
    return sh(tool + " -s -o /dev/null -w '%{json}' " + u +
              " | " SLUICE_PYTHON3
              " -c 'import json,sys; print(\" \".join(sorted(json.load(sys.stdin))))'")
        .out;
  };
  auto words = [](const std::string& text) {
    std::set<std::string> out;
    std::istringstream in(text);
    for (std::string w; in >> w;) out.insert(w);
    return out;
  };
  auto curl_keys = words(keys("curl", url)), mine_keys = words(keys(get(""), url));
  CHECK(curl_keys.size() > 30);
  for (const auto& k : curl_keys) {
    INFO(k);
    CHECK(mine_keys.count(k) == 1);  // every key curl has (7.88 has fewer)
  }
  // One field a line; the date aside, the same bytes as curl's.
  std::string fields = " -s -o /dev/null -w '%{header_json}' " + s.base + "/bytes/3" +
                       " | sed 's/\"date\":\\[[^]]*\\]/D/'";
  auto mine = sh(get(fields)), curl = sh("curl " + fields);
  CHECK(mine.out == curl.out);
  CHECK_THAT(mine.out, ContainsSubstring("\"server\":[\"sluice\"],\n"));
  // The URL given, in pieces (curl 8.1+).
  auto parts =
      sh(get("-s -o /dev/null -w '%{url.user} %{url.password} %{url.host} %{url.port} "
             "%{url.path} %{url.query} %{url.fragment}|%{urle.query}' " +
             url));
  CHECK(parts.out == "u p 127.0.0.1 " + std::to_string(s.port) + " /bytes/3 x=1 frag|x=1");
}

TEST_CASE("SIGTERM during a transfer stops it promptly and keeps what arrived", "[get][signal]") {
  Server s;
  std::string out = tmpdir() + "/drip.out";
  Process p(get("-s -o " + out + " '" + s.base + "/drip?bytes=100000&rate=10000'"));
  auto size = [&] {
    auto r = sh("stat -c %s " + out + " 2>/dev/null");
    return r.out.empty() ? -1L : std::stol(r.out);
  };
  // Mid-transfer: the first bytes are in the file (the whole body takes 10 s).
  long arrived = -1;
  REQUIRE(wait_until([&] { return (arrived = size()) > 0; }));
  p.signal(SIGTERM);
  int rc = p.wait(10);
  CHECK(rc == 130);
  CHECK(size() >= arrived);  // what arrived is kept
  CHECK(size() < 100000);
}

TEST_CASE("get --retry retries transient statuses with a delay, then reports the last",
          "[get][retry]") {
  Server s;
  auto stats = [&] { return sh("curl -s " + s.base + "/stats").out; };
  auto before = stats();
  auto r = sh(get("-S --retry 2 --retry-delay 0.1 -o /dev/null -w '%{http_code}' " + s.base +
                  "/status/503"));
  CHECK(r.exit_code == 0);
  CHECK(r.out == "503");
  CHECK(count_lines(r.err, "Will retry") == 2);
  // -s mutes the warnings (-S brings back errors only), as in curl; the
  // retries still happen.
  auto muted = sh(get("-sS --retry 2 --retry-delay 0.1 -o /dev/null -w '%{http_code}' " + s.base +
                      "/status/503"));
  CHECK(muted.out == "503");
  CHECK(muted.err.empty());
  // Not transient: no retry.
  auto nf = sh(get("-S --retry 2 --retry-delay 0.1 -o /dev/null " + s.base + "/status/404"));
  CHECK(count_lines(nf.err, "Will retry") == 0);
  // A refused connection is not transient either (curl needs --retry-connrefused).
  auto refused = sh(get("-S --retry 2 --retry-delay 0.1 http://127.0.0.1:1/"));
  CHECK(refused.exit_code == 7);
  CHECK(count_lines(refused.err, "Will retry") == 0);
  // A timeout is.
  auto slow = sh(get("-S --retry 1 --retry-delay 0.1 -m 0.3 " + s.base + "/delay/2000"));
  CHECK(slow.exit_code == 28);
  CHECK(count_lines(slow.err, "Will retry") == 1);
}

TEST_CASE(
    "get --retry-connrefused waits for a server that comes up late, as a CI health check does",
    "[get][retry]") {
  int port = free_port();
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/bytes/100";
  std::string out = tmpdir() + "/late.out";
  Process client(
      get("-fS --retry 100 --retry-delay 0.2 --retry-connrefused -o " + out + " " + url));
  // The server starts only once the client has been refused and said it retries.
  REQUIRE(wait_until([&] { return client.log().find("Will retry") != std::string::npos; }));
  Process server(std::string(sluice_bin()) + " serve --listen 127.0.0.1:" + std::to_string(port));
  REQUIRE(wait_port(port));
  CHECK(client.wait(30) == 0);
  CHECK(sh("stat -c %s " + out).out == "100\n");
  // The pasted form: -fsS --retry N --retry-connrefused, against the server now up.
  auto up = sh(get("-fsS --retry 10 --retry-connrefused " + url + " | wc -c"));
  CHECK(up.exit_code == 0);
  CHECK(up.out == "100\n");
}

TEST_CASE("get --retry-all-errors, --retry-max-time and --fail-with-body behave as curl's",
          "[get][retry]") {
  Server s;
  // -f makes a 404 an error, and --retry-all-errors retries it: 1 + 3 requests.
  long before = s.stat("requests");
  auto all =
      sh(get("-S -f --retry 3 --retry-delay 0.1 --retry-all-errors -o /dev/null -w "
             "'%{num_retries}' " +
             s.base + "/status/404"));
  CHECK(all.exit_code == 22);
  CHECK(count_lines(all.err, "Will retry") == 3);
  CHECK(all.out == "3");                        // curl's %{num_retries} for this command is 3 too
  CHECK(s.stat("requests") - before == 4 + 1);  // the second /stats counts itself
  // Without -f a 404 is no error: nothing to retry.
  auto no_f =
      sh(get("-S --retry 3 --retry-delay 0.1 --retry-all-errors -o /dev/null -w "
             "'%{http_code}' " +
             s.base + "/status/404"));
  CHECK(no_f.exit_code == 0);
  CHECK(no_f.out == "404");
  CHECK(count_lines(no_f.err, "Will retry") == 0);

  // --retry-max-time: no retry is decided on later than 1 s after the first
  // attempt began, as in curl (retries 0.3 s apart: at most four), however
  // many --retry allows.
  auto bounded =
      sh(get("-S --retry 100 --retry-delay 0.3 --retry-max-time 1 --retry-connrefused "
             "http://127.0.0.1:1/"));
  CHECK(bounded.exit_code == 7);
  int retries = count_lines(bounded.err, "Will retry");
  CHECK(retries >= 1);
  CHECK(retries <= 4);
  // Each failed try's error is shown as it happens, -sS too, as curl shows
  // them: a transport error, or -f's 22 on a status --retry retries.
  for (std::string tool : {get(""), std::string("curl")}) {
    INFO(tool);
    auto each = sh(tool + " -sS --retry 2 --retry-delay 1 --retry-connrefused http://127.0.0.1:1/");
    CHECK(count_lines(each.err, "(7)") == 3);
    auto fail = sh(tool + " -fsS --retry 2 --retry-delay 1 " + s.base + "/status/503");
    CHECK(fail.exit_code == 22);
    CHECK(count_lines(fail.err, "(22)") == 3);
  }
  // At the redirect limit, %{redirect_url} says where the next hop was.
  std::string limit = " -sL --max-redirs 2 -w '%{redirect_url}' " + s.base + "/redirect/5";
  auto at_limit = sh(get(limit)), curl_at_limit = sh("curl" + limit);
  CHECK(at_limit.exit_code == 47);
  CHECK(at_limit.out == curl_at_limit.out);
  CHECK(at_limit.out == s.base + "/redirect/2");

  // --fail-with-body: exit 22 and the error page's bytes, where -f writes none.
  auto page = sh(get("-s " + s.base + "/status/404"));
  auto with_body = sh(get("-s --fail-with-body " + s.base + "/status/404"));
  CHECK(with_body.exit_code == 22);
  CHECK(with_body.out == page.out);
  CHECK_FALSE(page.out.empty());
  auto both = sh(get("-s -f --fail-with-body " + s.base + "/status/404"));
  CHECK(both.exit_code == 2);  // curl refuses the pair too
  if (sh("command -v curl").exit_code == 0) {
    auto curl = sh("curl -s --fail-with-body " + s.base + "/status/404");
    CHECK(curl.exit_code == with_body.exit_code);
    CHECK(curl.out == with_body.out);
    CHECK(sh("curl -s -f --fail-with-body " + s.base + "/status/404").exit_code == both.exit_code);
  }
}

TEST_CASE("get -O names the file after the URL and --progress-bar draws a bar", "[get]") {
  Server s;
  std::string dir = tmpdir() + "/remote";
  auto r = sh("mkdir -p " + dir + " && cd " + dir + " && " +
              get("-O --progress-bar " + s.base + "/bytes/12345") + " && stat -c %s 12345");
  CHECK(r.exit_code == 0);
  CHECK(r.out == "12345\n");
  CHECK_THAT(r.err, ContainsSubstring("100.0%"));
  // The last bar drawn is 100% also for bodies spliced into a file or a pipe.
  for (auto sink : {std::string(" -o ") + dir + "/big", std::string(" | cat >/dev/null")}) {
    auto big = sh("{ " + get("--progress-bar " + s.base + "/bytes/40000000") + sink +
                  "; } 2>&1 | tr '\\r' '\\n' | grep . | tail -1");
    INFO(sink);
    CHECK_THAT(big.out, ContainsSubstring("100.0%"));
  }
  auto silent = sh(get("-s -o /dev/null " + s.base + "/bytes/10"));
  CHECK(silent.err.empty());
}

TEST_CASE("get's progress meter goes to stderr wherever it points, and fits the terminal",
          "[get]") {
  Server s;
  // As curl: a body that is not on a terminal gets the meter, stderr a file or not.
  for (std::string tool : {get(""), std::string("curl ")}) {
    INFO(tool);
    auto table = sh(tool + " -o /dev/null " + s.base + "/bytes/5000");
    CHECK_THAT(table.err, ContainsSubstring("% Total"));
    auto piped = sh(tool + " " + s.base + "/bytes/5000 | wc -c");
    CHECK_THAT(piped.err, ContainsSubstring("% Total"));
  }
  // -# on a 50-column terminal: its last bar is 50 columns wide, as curl's.
  auto bar = sh("script -qec \"stty cols 50; " + get("-# -o /dev/null " + s.base + "/bytes/5000") +
                "\" /dev/null | tr '\\r' '\\n' | grep '100.0%' | tail -1");
  CHECK(bar.out == std::string(43, '#') + " 100.0%\n");
}

TEST_CASE("get verifies the certificate chain and the host name", "[get][tls]") {
  std::string dir = tmpdir() + "/pki";
  REQUIRE(sh("mkdir -p " + dir + " && cd " + dir +
             " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1"
             " -subj /CN=good.test -addext subjectAltName=DNS:good.test"
             " -keyout key.pem -out cert.pem 2>/dev/null")
              .exit_code == 0);
  Server s("--cert " + dir + "/cert.pem --key " + dir + "/key.pem", true);
  std::string p = std::to_string(s.port);
  auto fetch = [&](const std::string& host, const std::string& extra) {
    return sh(get("-sS " + extra + " --resolve " + host + ":" + p +
                  ":127.0.0.1 -o /dev/null -w '%{http_code}' https://" + host + ":" + p +
                  "/bytes/10"));
  };
  CHECK(fetch("good.test", "--cacert " + dir + "/cert.pem").out == "200");
  auto wrong_name = fetch("bad.test", "--cacert " + dir + "/cert.pem");
  CHECK(wrong_name.exit_code == 60);
  auto untrusted = fetch("good.test", "");
  CHECK(untrusted.exit_code == 60);
  CHECK(fetch("bad.test", "-k").out == "200");
  CHECK(sh(get("-s --cacert /nonexistent.pem https://good.test:" + p + "/")).exit_code == 77);
}

TEST_CASE("get -Z keeps bodies and -w in URL order, whatever finishes first", "[get][parallel]") {
  Server s;
  std::string delay_body = sh(get("-s " + s.base + "/delay/200")).out;
  REQUIRE_FALSE(delay_body.empty());
  std::string big = s.base + "/bytes/3000000", slow = s.base + "/delay/200",
              small = s.base + "/bytes/20";
  // The first goes to a file and finishes last; the others go to stdout.
  std::string want =
      "[" + big + "]" + delay_body + "[" + slow + "]" + "abcdefghijklmnopqrst[" + small + "]";
  for (const char* proto : {"--http1.1", "--http2-prior-knowledge"}) {
    INFO(proto);
    auto r = sh(get(std::string("-s -Z ") + proto + " -o /dev/null -w '[%{url_effective}]' " + big +
                    " " + slow + " " + small));
    CHECK(r.exit_code == 0);
    CHECK(r.out == want);
  }
}

TEST_CASE("get: the -o file is created by the first body byte or a success, never a failure",
          "[get][exit]") {
  Server s;
  std::string dir = tmpdir() + "/lazy-o";
  REQUIRE(sh("rm -rf " + dir + " && mkdir -p " + dir + " && echo precious > " + dir + "/keep")
              .exit_code == 0);
  // Failures before the body: an existing file keeps its bytes, none is made.
  CHECK(sh(get("-s -o " + dir + "/keep http://127.0.0.1:9/")).exit_code == 7);
  CHECK(sh("cat " + dir + "/keep").out == "precious\n");
  CHECK(sh(get("-sf -o " + dir + "/f404 " + s.base + "/status/404")).exit_code == 22);
  CHECK(sh(get("-s --max-filesize 10 -o " + dir + "/big " + s.base + "/bytes/100")).exit_code ==
        63);
  CHECK(sh("ls " + dir).out == "keep\n");
  // Success makes the file, even for an empty body; bytes replace the old ones.
  CHECK(sh(get("-s -o " + dir + "/empty " + s.base + "/bytes/0")).exit_code == 0);
  CHECK(sh("stat -c %s " + dir + "/empty").out == "0\n");
  CHECK(sh(get("-s -o " + dir + "/keep " + s.base + "/bytes/5")).exit_code == 0);
  CHECK(sh("cat " + dir + "/keep").out == "abcde");
  // A file that cannot be made is still exit 23, once a byte is due.
  auto r = sh(get("-sS -o " + dir + "/no/such/dir " + s.base + "/bytes/0"));
  CHECK(r.exit_code == 23);
  CHECK_THAT(r.err, ContainsSubstring("Failed to open the file"));
}

TEST_CASE("get follows curl on flag corners: -A '', --max-redirs -1, -I with -d, -w @file",
          "[get]") {
  Server s;
  auto v = sh(get("-sv -o /dev/null -A '' " + s.base + "/bytes/1"));
  CHECK_THAT(v.err, !ContainsSubstring("User-Agent"));  // an empty -A drops the header
  CHECK(sh(get("-sL --max-redirs -1 -o /dev/null -w '%{num_redirects}' " + s.base + "/redirect/3"))
            .out == "3");
  auto both = sh(get("-sS -I -d x " + s.base + "/bytes/1"));
  CHECK(both.exit_code == 2);
  CHECK_THAT(both.err, ContainsSubstring("only select one HTTP request method"));
  // -w @FILE: line ends are dropped, escapes make them.
  std::string fmt_file = tmpdir() + "/wfmt";
  REQUIRE(sh("printf '%%{http_code}\\n|\\\\n' > " + fmt_file).exit_code == 0);
  CHECK(sh(get("-s -o /dev/null -w @" + fmt_file + " " + s.base + "/bytes/1")).out == "200|\n");
}

TEST_CASE("get with several URLs: each failure reported, the last one's result is the exit code",
          "[get][exit]") {
  Server s;
  auto r = sh(get("-sS " + s.base + "/bytes/2 http://127.0.0.1:9/ " + s.base + "/bytes/3"));
  CHECK(r.exit_code == 0);  // as curl: the last transfer succeeded
  CHECK(r.out == "ababc");
  CHECK_THAT(r.err, ContainsSubstring("(7) Failed to connect"));
  auto last_fails = sh(get("-sS " + s.base + "/bytes/2 http://127.0.0.1:9/"));
  CHECK(last_fails.exit_code == 7);
  CHECK(sh(get("-sf " + s.base + "/status/500 " + s.base + "/bytes/4")).exit_code == 0);
}

TEST_CASE("get -i prints what curl prints: trailers after the body, HTTP/2's status line",
          "[get][peer]") {
  BadServer trailers("trailers");
  CHECK(sh(get("-si " + trailers.url)).out == sh("curl -si " + trailers.url).out);
  Server tls("", true);
  std::string url = tls.base + "/bytes/1";
  auto ours = sh(get("-skI " + url) + " | head -1").out;
  CHECK(ours == "HTTP/2 200 \r\n");
  CHECK(ours == sh("curl -skI " + url + " | head -1").out);
}
