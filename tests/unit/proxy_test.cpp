#include "core/http/proxy.hpp"

#include <stdlib.h>

#include <catch2/catch_test_macros.hpp>

#include "cli/get_proxy.hpp"

using sluice::Errc;
using sluice::no_proxy_matches;
using sluice::parse_proxy;
using sluice::parse_url;

TEST_CASE("proxy URL: scheme, credentials and curl's default port 1080", "[proxy]") {
  auto bare = parse_proxy("127.0.0.1");
  REQUIRE(bare);
  CHECK(bare->host == "127.0.0.1");
  CHECK(bare->port == 1080);
  CHECK(bare->authorization().empty());
  auto full = parse_proxy("HTTP://us%40er:p%3Ass@Proxy.Example:3128/");
  REQUIRE(full);
  CHECK(full->host == "proxy.example");
  CHECK(full->port == 3128);
  CHECK(full->credentials == "us@er:p:ss");
  CHECK(full->str() == "http://proxy.example:3128");
  auto user_only = parse_proxy("http://alice@[::1]");
  REQUIRE(user_only);
  CHECK(user_only->host == "::1");
  CHECK(user_only->port == 1080);
  CHECK(user_only->authorization() == "Basic YWxpY2U6");  // "alice:"
  CHECK(user_only->str() == "http://[::1]:1080");
  CHECK(parse_proxy("http://127.0.0.1:80")->port == 80);  // given, not defaulted
}

TEST_CASE("proxy URL: other schemes and bad hosts are refused", "[proxy]") {
  CHECK(parse_proxy("socks5://127.0.0.1:1080").error().code == Errc::connect_failed);
  CHECK(parse_proxy("https://127.0.0.1:443").error().code == Errc::connect_failed);
  CHECK(parse_proxy("http://127.0.0.1:99999").error().code == Errc::bad_proxy);
  CHECK(parse_proxy("http://").error().code == Errc::bad_proxy);
}

TEST_CASE("no-proxy list: names, subdomains, addresses and networks as curl", "[proxy]") {
  CHECK(no_proxy_matches("*", "anything.example"));
  CHECK(no_proxy_matches(" * ", "10.0.0.1"));
  CHECK_FALSE(no_proxy_matches("a.example,*", "b.example"));  // '*' counts only alone
  CHECK(no_proxy_matches("example.com", "example.com"));
  CHECK(no_proxy_matches("example.com", "www.EXAMPLE.com"));
  CHECK(no_proxy_matches(".example.com", "www.example.com"));
  CHECK(no_proxy_matches(".example.com", "example.com"));
  CHECK_FALSE(no_proxy_matches("example.com", "badexample.com"));
  CHECK_FALSE(no_proxy_matches("www.example.com", "example.com"));
  CHECK(no_proxy_matches("foo, bar.test ,localhost", "localhost"));
  CHECK(no_proxy_matches("foo bar.test", "x.bar.test"));
  CHECK(no_proxy_matches("localhost.", "localhost."));
  CHECK(no_proxy_matches("127.0.0.1", "127.0.0.1"));
  CHECK_FALSE(no_proxy_matches("127.0.0.1", "127.0.0.2"));
  CHECK_FALSE(no_proxy_matches("0.0.1", "127.0.0.1"));  // no suffix matching of addresses
  CHECK(no_proxy_matches("10.0.0.0/8", "10.2.3.4"));
  CHECK_FALSE(no_proxy_matches("10.0.0.0/8", "11.2.3.4"));
  CHECK(no_proxy_matches("192.168.1.0/23", "192.168.0.7"));
  CHECK(no_proxy_matches("::1", "::1"));
  CHECK(no_proxy_matches("[::1]", "::1"));
  CHECK(no_proxy_matches("fe80::/16", "fe80::1"));
  CHECK_FALSE(no_proxy_matches("", "example.com"));
  CHECK_FALSE(no_proxy_matches("10.0.0.0/33", "10.0.0.1"));
}

TEST_CASE("proxy choice per target: scheme, no-proxy list, tunnels", "[proxy]") {
  sluice::ProxyConfig pc;
  pc.http = *parse_proxy("h:1");
  pc.no_proxy = "direct.test";
  auto http = *parse_url("http://a.test/");
  auto https = *parse_url("https://a.test/");
  REQUIRE(pc.for_url(http));
  CHECK(pc.for_url(http)->host == "h");
  CHECK(pc.for_url(https) == nullptr);
  CHECK(pc.for_url(*parse_url("http://x.direct.test/")) == nullptr);
  CHECK_FALSE(pc.tunnels(http));
  CHECK(pc.tunnels(https));
  pc.tunnel_http = true;
  CHECK(pc.tunnels(http));
}

namespace {
// The environment variables proxy_config() reads, unset for one test and
// put back after it.
struct CleanProxyEnv {
  static constexpr const char* kNames[] = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                                           "all_proxy",  "ALL_PROXY",  "no_proxy",    "NO_PROXY"};
  std::vector<std::pair<std::string, std::string>> saved;
  CleanProxyEnv() {
    for (const char* n : kNames) {
      if (const char* v = ::getenv(n)) saved.emplace_back(n, v);
      ::unsetenv(n);
    }
  }
  ~CleanProxyEnv() {
    for (const char* n : kNames) ::unsetenv(n);
    for (auto& [n, v] : saved) ::setenv(n.c_str(), v.c_str(), 1);
  }
};
}  // namespace

TEST_CASE("proxy settings: curl's precedence of -x, -U, --noproxy and the environment", "[proxy]") {
  CleanProxyEnv clean;
  using sluice::cli::proxy_config;
  ::setenv("HTTP_PROXY", "upper:1", 1);  // never read, as curl
  ::setenv("ALL_PROXY", "all:2", 1);
  ::setenv("https_proxy", "secure:3", 1);
  ::setenv("NO_PROXY", "env.test", 1);
  auto env = proxy_config({});
  REQUIRE(env);
  CHECK(env->http->host == "all");
  CHECK(env->https->host == "secure");
  CHECK(env->no_proxy == "env.test");
  ::setenv("http_proxy", "lower:4", 1);
  CHECK(proxy_config({})->http->host == "lower");
  auto flags = proxy_config({{"a:1", "x:5"}, "u:p", {"flag.test"}, true});
  REQUIRE(flags);
  CHECK(flags->http->host == "x");
  CHECK(flags->https->host == "x");
  CHECK(flags->https->credentials == "u:p");
  CHECK(flags->no_proxy == "flag.test");
  CHECK(flags->tunnel_http);
  auto off = proxy_config({{""}, "", {""}, false});  // -x "" and --noproxy ""
  REQUIRE(off);
  CHECK_FALSE(off->http);
  CHECK_FALSE(off->https);
  CHECK(off->no_proxy.empty());
  CHECK(proxy_config({{"socks5://s:1"}, "", {}, false}).error().code == Errc::connect_failed);
}
