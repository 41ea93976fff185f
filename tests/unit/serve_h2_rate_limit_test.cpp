// The token bucket behind the h2 defences: burst, refill rate, cap.
#include <catch2/catch_test_macros.hpp>

#include "core/h2/rate_limit.hpp"

using sluice::h2::TokenBucket;
using namespace std::chrono_literals;

TEST_CASE("token bucket: the burst, then nothing until time passes", "[h2][rate]") {
  TokenBucket b(10, 5);
  auto t = TokenBucket::Clock::time_point{} + 1h;
  for (int i = 0; i < 10; ++i) CHECK(b.take(t));
  CHECK_FALSE(b.take(t));
  CHECK_FALSE(b.take(t + 100ms));  // 0.5 token
  CHECK(b.take(t + 200ms));        // 1 token
  CHECK_FALSE(b.take(t + 200ms));
}

TEST_CASE("token bucket: refills at the rate, capped at the burst", "[h2][rate]") {
  TokenBucket b(4, 100);
  auto t = TokenBucket::Clock::time_point{} + 1h;
  for (int i = 0; i < 4; ++i) CHECK(b.take(t));
  t += 1h;  // an hour idle still buys only the burst
  int taken = 0;
  while (b.take(t)) ++taken;
  CHECK(taken == 4);
}

TEST_CASE("token bucket: a steady rate under the limit never trips", "[h2][rate]") {
  TokenBucket b(5, 100);
  auto t = TokenBucket::Clock::time_point{} + 1h;
  for (int i = 0; i < 10000; ++i) {
    t += 11ms;  // ~91/s
    REQUIRE(b.take(t));
  }
}

TEST_CASE("token bucket: a sustained rate over the limit trips after about the burst",
          "[h2][rate]") {
  TokenBucket b(200, 100);
  auto t = TokenBucket::Clock::time_point{} + 1h;
  int ok = 0;
  for (int i = 0; i < 5000 && b.take(t); ++i, t += 1ms) ++ok;  // 1000/s
  CHECK(ok > 200);
  CHECK(ok < 250);  // 200 + 100/s over ~0.22 s
}
