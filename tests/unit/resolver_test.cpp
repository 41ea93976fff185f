#include "core/net/resolver.hpp"

#include <catch2/catch_test_macros.hpp>
#include <optional>
#include <string>

using sluice::AsyncResolve;
using sluice::Errc;
using sluice::Family;
using sluice::Loop;
using sluice::Millis;
using sluice::SocketAddr;

namespace {

using Answer = sluice::Result<std::vector<SocketAddr>>;

// Runs one lookup to its end; counts how often done was called.
Answer lookup(const std::string& host, Family family, int& calls) {
  Loop loop;
  std::optional<Answer> got;
  AsyncResolve r(loop, host, 8080, family, [&](Answer a) {
    ++calls;
    got = std::move(a);
    loop.after(Millis(50), [&] { loop.stop(); });  // time for a second, wrong call
  });
  loop.after(Millis(30000), [&] { loop.stop(); });  // a hung resolver fails, not hangs
  loop.run();
  REQUIRE(got.has_value());
  return std::move(*got);
}

}  // namespace

TEST_CASE("resolves_locally: numeric hosts and localhost skip DNS", "[resolver]") {
  CHECK(sluice::resolves_locally("127.0.0.1"));
  CHECK(sluice::resolves_locally("::1"));
  CHECK(sluice::resolves_locally("localhost"));
  CHECK(sluice::resolves_locally("api.localhost"));
  CHECK_FALSE(sluice::resolves_locally("example.com"));
  CHECK_FALSE(sluice::resolves_locally("127.0.0.1.example"));
}

TEST_CASE("AsyncResolve: answers from its thread through the loop", "[resolver]") {
  int calls = 0;
  auto a = lookup("127.0.0.1", Family::any, calls);
  REQUIRE(a.has_value());
  REQUIRE(a->size() == 1);
  CHECK(a->front().to_string() == "127.0.0.1:8080");
  CHECK(calls == 1);
}

TEST_CASE("AsyncResolve: a name that does not exist is resolve_failed", "[resolver]") {
  int calls = 0;
  auto a = lookup("no-such-host.invalid", Family::any, calls);  // RFC 6761: never exists
  REQUIRE_FALSE(a.has_value());
  CHECK(a.error().code == Errc::resolve_failed);
  CHECK(a.error().message == "Could not resolve host: no-such-host.invalid");
  CHECK(calls == 1);
}

TEST_CASE("AsyncResolve: the family is respected", "[resolver]") {
  int calls = 0;
  auto a = lookup("::1", Family::v4, calls);
  CHECK_FALSE(a.has_value());
  auto b = lookup("::1", Family::v6, calls);
  REQUIRE(b.has_value());
  CHECK(b->front().to_string() == "[::1]:8080");
}

TEST_CASE("AsyncResolve: destroyed before the answer, it calls nobody", "[resolver]") {
  Loop loop;
  int calls = 0;
  for (int i = 0; i < 20; ++i) {
    AsyncResolve r(loop, "127.0.0.1", 80, Family::any, [&](Answer) { ++calls; });
  }
  loop.after(Millis(200), [&] { loop.stop(); });  // the threads finish meanwhile
  loop.run();
  CHECK(calls == 0);
}
