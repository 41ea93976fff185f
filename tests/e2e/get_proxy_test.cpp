// `sluice get` behind HTTP proxies, as curl: -x/--proxy, -U, -p, --noproxy and
// the environment's proxy variables, against tinyproxy (a real proxy) and
// peers/fakeproxy.py (an echoing or refusing one). Exit codes, bytes and -w
// are compared with curl's for the same command, never its wording.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <fstream>

#include "get_helpers.hpp"

using Catch::Matchers::ContainsSubstring;
using Catch::Matchers::StartsWith;
using namespace e2e;

namespace {

std::string write_conf(int port, const std::string& extra) {
  std::string path = tmpdir() + "/tinyproxy-" + std::to_string(port) + ".conf";
  std::ofstream(path) << "Port " << port
                      << "\nListen 127.0.0.1\nTimeout 30\nAllow 127.0.0.1\nMaxClients 20\n"
                         "LogLevel Info\n"
                      << extra;
  return path;
}

// tinyproxy in the foreground with its own config (ConnectPort lines, BasicAuth
// ... in extra), ready when constructed. It logs each request line to stdout.
struct TinyProxy {
  explicit TinyProxy(const std::string& extra = "")
      : port(free_port()),
        addr("127.0.0.1:" + std::to_string(port)),
        proc("tinyproxy -d -c " + write_conf(port, extra)) {
    REQUIRE(wait_port(port));
  }
  // Waits until the proxy has logged a request line holding text.
  bool saw(const std::string& text) const {
    return wait_until([&] { return proc.out().find("): " + text) != std::string::npos; });
  }
  int port;
  std::string addr;
  Process proc;
};

// peers/fakeproxy.py in MODE on a free port, ready when constructed.
struct FakeProxy : BadServer {
  explicit FakeProxy(const std::string& mode)
      : BadServer(mode, "fakeproxy.py"), addr("127.0.0.1:" + std::to_string(port)) {}
  std::string addr;
};

std::string connect_port(const Server& s) {
  return "ConnectPort " + std::to_string(s.port) + "\n";
}

// The same arguments to sluice get and to curl: both results.
std::pair<RunResult, RunResult> both(const std::string& args, const std::string& env = "") {
  return {sh(env + " " + get(args)), sh(env + " curl " + args)};
}

}  // namespace

TEST_CASE("get -x: an http:// URL goes to tinyproxy in absolute form, as with curl",
          "[get][proxy]") {
  Server s;
  TinyProxy tp;
  std::string url = s.base + "/bytes/100000";
  auto [ours, curl] = both("-sS -x " + tp.addr + " -w '%{http_code} %{http_connect}' -o " +
                           tmpdir() + "/out " + url);
  CHECK(ours.exit_code == 0);
  CHECK(ours.out == "200 000");
  CHECK(ours.out == curl.out);
  CHECK(tp.saw("GET " + url + " HTTP/1.1"));
  CHECK(sha_of("cat " + tmpdir() + "/out") == sha_of("curl -s " + url));
  // -v says so, and -p asks for a tunnel to the http origin instead.
  auto verbose = sh(get("-sv -x " + tp.addr + " " + s.base + "/bytes/5"));
  CHECK_THAT(verbose.err, ContainsSubstring("Uses proxy http://" + tp.addr));
  CHECK(verbose.out == sh("curl -s " + s.base + "/bytes/5").out);
}

TEST_CASE("get -x: an https:// URL goes through a CONNECT tunnel, h2 inside, as with curl",
          "[get][proxy]") {
  Server s("", true);
  TinyProxy tp(connect_port(s));
  std::string w = " -w '%{http_code} %{http_version} %{num_connects}\\n'";
  auto [ours, curl] = both("-sSk -x http://" + tp.addr + w + " -o /dev/null -o /dev/null " +
                           s.base + "/bytes/300000 " + s.base + "/bytes/7");
  CHECK(ours.exit_code == 0);
  CHECK(ours.out == "200 2 1\n200 2 0\n");  // the second rides the same tunnel
  CHECK(ours.out == curl.out);
  auto [code, curl_code] =
      both("-sSk -x " + tp.addr + " -w '%{http_connect}' -o /dev/null " + s.base + "/bytes/1");
  CHECK(code.out == "200");
  CHECK(code.out == curl_code.out);
  CHECK(tp.saw("CONNECT 127.0.0.1:" + std::to_string(s.port) + " HTTP/1.1"));
  CHECK(sha_of(get("-sk -x " + tp.addr + " " + s.base + "/bytes/300000")) ==
        sha_of("curl -sk " + s.base + "/bytes/300000"));
  // A port the proxy does not CONNECT to: its 403 is curl's exit 56.
  TinyProxy strict("ConnectPort 1\n");
  auto [no, curl_no] = both("-sSk -x " + strict.addr + " -w '%{http_connect}' " + s.base + "/");
  CHECK(no.exit_code == 56);
  CHECK(no.exit_code == curl_no.exit_code);
  CHECK(no.out == "403");
  CHECK(no.out == curl_no.out);
}

TEST_CASE("get -p: an http:// URL through a CONNECT tunnel too", "[get][proxy]") {
  Server s;
  TinyProxy tp(connect_port(s));
  auto [ours, curl] =
      both("-sS -p -x " + tp.addr + " -w ' %{http_connect}' " + s.base + "/bytes/9");
  CHECK(ours.exit_code == 0);
  CHECK(ours.out == curl.out);
  CHECK(tp.saw("CONNECT 127.0.0.1:" + std::to_string(s.port)));
}

TEST_CASE("get -U: Basic credentials reach the proxy, from -U or the proxy URL", "[get][proxy]") {
  Server s("", true);
  TinyProxy tp("BasicAuth alice s3cret\n" + connect_port(s));
  Server plain;
  for (const std::string& url : {plain.base + "/bytes/3", s.base + "/bytes/3"}) {
    INFO(url);
    std::string w = " -o /dev/null -w '%{http_code} %{http_connect}' ";
    auto [none, curl_none] = both("-sSk -x " + tp.addr + w + url);
    CHECK(none.exit_code == curl_none.exit_code);  // http: the 407 is the answer; https: 56
    CHECK(none.out == curl_none.out);
    auto [user, curl_user] = both("-sSk -U alice:s3cret -x " + tp.addr + w + url);
    CHECK(user.exit_code == 0);
    CHECK(user.out == curl_user.out);
    auto [in_url, curl_in_url] = both("-sSk -x http://alice:s3cret@" + tp.addr + w + url);
    CHECK(in_url.exit_code == 0);
    CHECK(in_url.out == curl_in_url.out);
  }
  // What the proxy is sent, seen by one that echoes it.
  FakeProxy echo("echo");
  auto seen = sh(get("-sS -U u:p -x " + echo.addr + " http://example.invalid:81/a?b"));
  CHECK_THAT(seen.out, StartsWith("GET http://example.invalid:81/a?b HTTP/1.1\r\n"));
  CHECK_THAT(seen.out, ContainsSubstring("\r\nProxy-Authorization: Basic dTpw\r\n"));
}

TEST_CASE("get: the environment's proxies, NO_PROXY, --noproxy and -x '' with curl's precedence",
          "[get][proxy]") {
  Server s;
  FakeProxy echo("echo");
  std::string url = " " + s.base + "/bytes/5";
  std::string via = "http://" + echo.addr;
  // Each case: the environment, the flags, and whether the echo proxy answers.
  struct Case {
    std::string env, flags;
    bool proxied;
  };
  const Case cases[] = {
      {"http_proxy=" + via, "", true},
      {"HTTP_PROXY=" + via, "", false},  // upper case is not read for http, as curl
      {"ALL_PROXY=" + via, "", true},
      {"all_proxy=" + via, "", true},
      {"https_proxy=" + via, "", false},  // for https:// URLs only
      {"http_proxy=" + via + " NO_PROXY=127.0.0.1", "", false},
      {"http_proxy=" + via + " no_proxy=localhost,127.0.0.0/8", "", false},
      {"http_proxy=" + via + " no_proxy=*", "", false},
      {"http_proxy=" + via + " NO_PROXY=127.0.0.1", "--noproxy ''", true},
      {"http_proxy=" + via, "--noproxy 127.0.0.1", false},
      {"http_proxy=" + via, "-x ''", false},
      {"http_proxy=http://127.0.0.1:1", "-x " + via, true},
  };
  for (const auto& c : cases) {
    INFO(c.env << " " << c.flags);
    auto [ours, curl] = both("-sS " + c.flags + url, "env " + c.env);
    CHECK(ours.exit_code == 0);
    CHECK(curl.exit_code == 0);
    CHECK(ours.out.starts_with("GET http://") == c.proxied);
    CHECK(curl.out.starts_with("GET http://") == c.proxied);
    if (!c.proxied) CHECK(ours.out == curl.out);
  }
}

TEST_CASE("get -x: one connection to the proxy serves every http:// origin", "[get][proxy]") {
  FakeProxy echo("echo");
  std::string args = "-sS -x " + echo.addr +
                     " -w '%{num_connects}\\n' -o /dev/null -o /dev/null -o /dev/null "
                     "http://a.invalid/ http://b.invalid/x http://a.invalid:8080/y";
  auto [ours, curl] = both(args);
  CHECK(ours.exit_code == 0);
  CHECK(ours.out == "1\n0\n0\n");
  CHECK(ours.out == curl.out);
  // -L's hops go through the proxy too.
  Server s;
  TinyProxy tp;
  auto follow = sh(get("-sSL -x " + tp.addr + " -w '%{num_redirects}' " + s.base + "/redirect/2"));
  CHECK(follow.exit_code == 0);
  CHECK_THAT(follow.out, ContainsSubstring("2"));
  CHECK(tp.saw("GET " + s.base + "/redirect/0 HTTP/1.1"));
}

TEST_CASE("get -x: a proxy that refuses, closes, is not there or has no address", "[get][proxy]") {
  std::string target = " https://127.0.0.1:1/";
  for (const char* mode : {"refuse-407", "refuse-403", "close"}) {
    INFO(mode);
    FakeProxy p(mode);
    auto [ours, curl] = both("-sS -w '%{http_connect}' -x " + p.addr + target);
    CHECK(ours.exit_code == 56);
    CHECK(ours.exit_code == curl.exit_code);
    CHECK(ours.out == curl.out);
  }
  int closed = free_port();
  auto [refused, curl_refused] = both("-sS -x 127.0.0.1:" + std::to_string(closed) + target);
  CHECK(refused.exit_code == 7);
  CHECK(refused.exit_code == curl_refused.exit_code);
  auto unresolved = sh(get("-sS -x proxy.invalid:3128" + target));
  CHECK(unresolved.exit_code == 5);
  CHECK_THAT(unresolved.err, ContainsSubstring("proxy.invalid"));
  auto [scheme, curl_scheme] = both("-sS -x socks4://127.0.0.1:1" + target);
  CHECK(scheme.exit_code == 7);
  CHECK(scheme.exit_code == curl_scheme.exit_code);
  auto [syntax, curl_syntax] = both("-sS -x 127.0.0.1:99999" + target);
  CHECK(syntax.exit_code == 5);
  CHECK(syntax.exit_code == curl_syntax.exit_code);
  // HTTP/3 cannot go through an HTTP proxy: refused in one line, curl's exit 3.
  auto h3 = sh(get("-sS --http3-only -x 127.0.0.1:1" + target));
  CHECK(h3.exit_code == 3);
  CHECK(h3.err == "sluice: (3) HTTP/3 is not supported over a HTTP proxy\n");
}

TEST_CASE("get --proxy-header: to the proxy only, never through a tunnel, as curl",
          "[get][proxy]") {
  FakeProxy echo("echo");
  Server s;
  TinyProxy tp(connect_port(s));
  for (const std::string& client : {get(""), std::string("curl ")}) {
    INFO(client);
    // Absolute form: the proxy gets the request, -H's fields and its own.
    auto seen = sh(client + "-s -H 'X-O: 1' --proxy-header 'X-P: 2' -x " + echo.addr +
                   " http://example.invalid:81/a");
    CHECK_THAT(seen.out, ContainsSubstring("\r\nX-O: 1\r\n"));
    CHECK_THAT(seen.out, ContainsSubstring("\r\nX-P: 2\r\n"));
    // A tunnel: the CONNECT carries it; the origin never sees it.
    auto tunnel = sh(client + "-s -v -p --proxy-header 'X-P: 2' -x " + tp.addr + " " + s.base +
                     "/headers 2>&1");
    CHECK_THAT(tunnel.out, ContainsSubstring("> X-P: 2"));
    CHECK_THAT(tunnel.out, !ContainsSubstring("\"X-P\""));
  }
}

TEST_CASE("get -x: --request-target and --proxy-header reach the proxy as curl sends them",
          "[get][proxy]") {
  FakeProxy echo("echo");
  for (const std::string& client : {get(""), std::string("curl ")}) {
    INFO(client);
    auto star = sh(client + "-s -X OPTIONS --request-target '*' -x " + echo.addr +
                   " http://example.invalid:81/a");
    CHECK_THAT(star.out, StartsWith("OPTIONS * HTTP/1.1\r\n"));
    // The user's Proxy-Authorization over -U's, and one Host line: curl's own.
    auto own = sh(client + "-s -U u:p --proxy-header 'Proxy-Authorization: Basic Zm9v' " +
                  "--proxy-header 'Host: other' -x " + echo.addr + " http://example.invalid:81/a");
    CHECK_THAT(own.out, ContainsSubstring("\r\nProxy-Authorization: Basic Zm9v\r\n"));
    CHECK_THAT(own.out, !ContainsSubstring("dTpw"));
    CHECK_THAT(own.out, ContainsSubstring("\r\nHost: example.invalid:81\r\n"));
    CHECK_THAT(own.out, !ContainsSubstring("Host: other"));
  }
}
