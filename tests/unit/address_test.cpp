#include "core/net/address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <string>

using sluice::Errc;
using sluice::parse_host_port;
using sluice::parse_numeric;

TEST_CASE("parse_host_port: host and port", "[address]") {
  auto a = parse_host_port("127.0.0.1:8080");
  REQUIRE(a);
  CHECK(a->host == "127.0.0.1");
  CHECK(a->port == 8080);

  auto n = parse_host_port("example.com:443");
  REQUIRE(n);
  CHECK(n->host == "example.com");
  CHECK(n->port == 443);

  auto z = parse_host_port("localhost:0");
  REQUIRE(z);
  CHECK(z->port == 0);

  auto m = parse_host_port("h:65535");
  REQUIRE(m);
  CHECK(m->port == 65535);
}

TEST_CASE("parse_host_port: bracketed IPv6", "[address]") {
  auto a = parse_host_port("[::1]:8443");
  REQUIRE(a);
  CHECK(a->host == "::1");
  CHECK(a->port == 8443);

  auto b = parse_host_port("[2001:db8::5]:80");
  REQUIRE(b);
  CHECK(b->host == "2001:db8::5");
  CHECK(b->port == 80);
}

TEST_CASE("parse_host_port: errors", "[address]") {
  auto bad =
      GENERATE(as<std::string>{}, "", "host", "host:", "host:abc", "host:65536", "host:-1",
               "host:80x", "[::1]", "[::1]:", "[::1]80", "[::1", "[::1]:abc", "host:99999999999");
  INFO("'" << bad << "'");
  auto r = parse_host_port(bad);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::bad_argument);
  CHECK_FALSE(r.error().message.empty());
}

TEST_CASE("parse_numeric: IPv4", "[address]") {
  auto a = parse_numeric("127.0.0.1", 8080);
  REQUIRE(a);
  CHECK(a->family() == AF_INET);
  CHECK(a->len == sizeof(sockaddr_in));
  CHECK(a->ip() == "127.0.0.1");
  CHECK(a->port() == 8080);
  CHECK(a->to_string() == "127.0.0.1:8080");
  CHECK(reinterpret_cast<const sockaddr_in*>(a->sa())->sin_port == htons(8080));
}

TEST_CASE("parse_numeric: IPv6, bare or bracketed", "[address]") {
  auto host = GENERATE(as<std::string>{}, "::1", "[::1]");
  auto a = parse_numeric(host, 443);
  REQUIRE(a);
  CHECK(a->family() == AF_INET6);
  CHECK(a->len == sizeof(sockaddr_in6));
  CHECK(a->ip() == "::1");
  CHECK(a->port() == 443);
  CHECK(a->to_string() == "[::1]:443");

  auto b = parse_numeric("2001:DB8:0:0:0:0:0:1", 0);
  REQUIRE(b);
  CHECK(b->to_string() == "[2001:db8::1]:0");
}

TEST_CASE("parse_numeric: names and garbage are rejected", "[address]") {
  auto bad = GENERATE(as<std::string>{}, "", "localhost", "example.com", "1.2.3", "256.0.0.1",
                      "[127.0.0.1", "::1]", "[]", "1.2.3.4:80");
  INFO("'" << bad << "'");
  auto r = parse_numeric(bad, 80);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::bad_argument);
}

TEST_CASE("SocketAddr: an empty address", "[address]") {
  sluice::SocketAddr a;
  CHECK(a.port() == 0);
  CHECK(a.ip().empty());
}

TEST_CASE("resolve: numeric IPv4 host needs no DNS", "[address]") {
  auto r = sluice::resolve("127.0.0.1", 8080, sluice::Family::v4);
  REQUIRE(r);
  REQUIRE_FALSE(r->empty());
  CHECK(r->front().to_string() == "127.0.0.1:8080");
}

TEST_CASE("resolve: localhost is loopback without DNS", "[address]") {
  auto v4 = sluice::resolve("localhost", 80, sluice::Family::v4);
  REQUIRE(v4);
  REQUIRE(v4->size() == 1);
  CHECK(v4->front().to_string() == "127.0.0.1:80");

  auto v6 = sluice::resolve("app.localhost", 81, sluice::Family::v6);
  REQUIRE(v6);
  REQUIRE(v6->size() == 1);
  CHECK(v6->front().to_string() == "[::1]:81");

  auto any = sluice::resolve("localhost", 82, sluice::Family::any);
  REQUIRE(any);
  REQUIRE(any->size() == 2);
  bool has4 = false, has6 = false;
  for (const auto& a : *any) {
    has4 |= a.to_string() == "127.0.0.1:82";
    has6 |= a.to_string() == "[::1]:82";
  }
  CHECK(has4);
  CHECK(has6);
}
